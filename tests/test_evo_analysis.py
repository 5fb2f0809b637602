"""The analysis layer and PEFT on converted Evo 2 / Evo 1 checkpoints (causal LMs, byte tokens, right
padding), through the same public functions as every other model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures" / "ports"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    out = tmp_path_factory.mktemp("converted")
    convert_checkpoint(FIXTURES / "evo2" / "released", out / "evo2")
    convert_checkpoint(FIXTURES / "evo1" / "evo1", out / "evo1")
    return out


def _load(folder, auto_name="AutoModelForCausalLM"):
    import transformers

    import hf_genomics  # noqa: F401

    model = getattr(transformers, auto_name).from_pretrained(folder).eval()
    return model, transformers.AutoTokenizer.from_pretrained(folder)


def evo2_log_likelihood(model, tokenizer, text: str) -> float:
    """evo2.scoring: log_softmax(logits)[:, :-1] gathered at input_ids[:, 1:], summed (no BOS)."""
    ids = torch.tensor([tokenizer(text)["input_ids"]])
    with torch.no_grad():
        logprobs = model(ids).logits[0, :-1].log_softmax(-1)
    return float(logprobs.gather(1, ids[0, 1:, None]).sum())


@pytest.mark.parametrize("family", ["evo2", "evo1"])
def test_causal_llr_variant_scores_equal_the_evo2_notebook_formula(converted, family):
    from hf_genomics.analysis.variant_effects import Variant, score_variants

    model, tokenizer = _load(converted / family)
    rng = np.random.default_rng(1)
    reference = {"chr17": "".join(rng.choice(list("ACGT"), size=60))}
    ref_base = reference["chr17"][29]
    alt_base = "G" if ref_base != "G" else "T"
    table = score_variants(
        model, tokenizer, reference, [Variant("chr17", 30, ref_base, alt_base)], window_nt=31, progress=False
    )
    assert table["status"].tolist() == ["ok"] and table["method"].iloc[0] == "log_likelihood_ratio"
    start = int(table["window_start"].iloc[0]) - 1
    window = reference["chr17"][start : start + int(table["window_nt"].iloc[0])]
    offset = 29 - start
    altered = window[:offset] + alt_base + window[offset + 1 :]
    expected = evo2_log_likelihood(model, tokenizer, altered) - evo2_log_likelihood(model, tokenizer, window)
    assert table["score"].iloc[0] == pytest.approx(expected, abs=1e-4)


def test_embed_mean_and_last_pooling_on_converted_evo2(converted):
    from hf_genomics.analysis.embed import embed

    model, tokenizer = _load(converted / "evo2", "AutoModel")
    sequences = ["ACGTTGCAACGTAGCTAGCT", "TTGACCATGCA"]
    pooled = embed(model, tokenizer, sequences, pooling="mean", window_nt=64, progress=False)
    last = embed(model, tokenizer, sequences, pooling="last", window_nt=64, progress=False)
    assert pooled.shape == (2, model.config.hidden_size)
    with torch.no_grad():
        hidden = model(torch.tensor([tokenizer(sequences[1])["input_ids"]])).last_hidden_state[0]
    np.testing.assert_allclose(pooled[1], hidden.mean(0).numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(last[1], hidden[-1].numpy(), rtol=1e-4, atol=1e-5)


def test_lora_on_the_named_targets_trains_only_adapters(converted):
    from peft import LoraConfig, get_peft_model

    model, tokenizer = _load(converted / "evo2", "AutoModelForSequenceClassification")
    targets = [
        "in_proj",
        "out_proj",
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    ]
    peft_model = get_peft_model(model, LoraConfig(r=2, target_modules=targets, modules_to_save=["score"]))
    wrapped = {
        name.split(".")[-1] for name, module in peft_model.named_modules() if hasattr(module, "lora_A")
    }
    assert wrapped == set(targets)
    batch = tokenizer(["ACGTACGT", "GGA"], padding=True, return_tensors="pt")
    out = peft_model(**batch, labels=torch.tensor([0, 1]))
    out.loss.backward()
    trainable = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or "score" in n for n in trainable)
    assert all(
        p.grad is not None for n, p in peft_model.named_parameters() if p.requires_grad and "lora_B" in n
    )
