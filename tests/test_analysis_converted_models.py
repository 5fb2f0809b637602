"""The analysis layer on converted community checkpoints: DNABERT-2 (masked LM, BPE), HyenaDNA (causal
LM, characters, left padding), through the same public functions as our own models."""

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
    convert_checkpoint(FIXTURES / "dnabert2" / "tiny_mlm", out / "dnabert2")
    convert_checkpoint(FIXTURES / "hyenadna" / "hf", out / "hyenadna")
    return out


def _load(folder, auto_name):
    import transformers

    import hf_genomics  # noqa: F401

    model = getattr(transformers, auto_name).from_pretrained(folder).eval()
    return model, transformers.AutoTokenizer.from_pretrained(folder)


def test_embed_and_ism_on_converted_dnabert2(converted):
    from hf_genomics.analysis.embed import embed
    from hf_genomics.analysis.mutagenesis import saturation_mutagenesis

    model, tokenizer = _load(converted / "dnabert2", "AutoModelForMaskedLM")
    sequences = ["ACGTTGCAACGTAGCTAGCT", "TTGACCATGCA"]
    pooled = embed(model.base_model, tokenizer, sequences, pooling="mean", window_nt=64, progress=False)
    per_base = embed(
        model.base_model, tokenizer, sequences, pooling="per_nucleotide", window_nt=64, progress=False
    )
    assert pooled.shape == (2, model.config.hidden_size)
    assert [p.shape[0] for p in per_base] == [len(s) for s in sequences]
    # mean pooling is the plain forward's masked mean over content tokens (an independent loop)
    with torch.no_grad():
        enc = tokenizer(sequences[1], return_tensors="pt")
        hidden = model.base_model(**enc).last_hidden_state[0, 1:-1].mean(0).numpy()
    np.testing.assert_allclose(pooled[1], hidden, rtol=1e-4, atol=1e-5)
    result = saturation_mutagenesis(model, tokenizer, "ACGTTGCAAC", window_nt=64, progress=False)
    assert result.scores.shape == (10, 4) and np.isfinite(result.scores).all()
    reference_columns = [("ACGT".index(b)) for b in "ACGTTGCAAC"]
    assert np.all(result.scores[np.arange(10), reference_columns] == 0)


def test_variant_scores_on_converted_hyenadna_equal_hand_log_likelihoods(converted):
    from hf_genomics.analysis.variant_effects import Variant, score_variants

    model, tokenizer = _load(converted / "hyenadna", "AutoModelForCausalLM")
    rng = np.random.default_rng(0)
    reference = {"chr1": "".join(rng.choice(list("ACGT"), size=40))}
    ref_base = reference["chr1"][19]
    alt_base = "A" if ref_base != "A" else "C"
    table = score_variants(
        model, tokenizer, reference, [Variant("chr1", 20, ref_base, alt_base)], window_nt=21, progress=False
    )
    assert table["status"].tolist() == ["ok"]

    def log_likelihood(text):
        ids = tokenizer(text, return_tensors="pt")["input_ids"]  # HyenaDNA's -hf template: x [SEP]
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, :-1].log_softmax(-1)
        return float(logits.gather(1, ids[0, 1:, None]).sum())

    start = int(table["window_start"].iloc[0]) - 1
    window = reference["chr1"][start : start + int(table["window_nt"].iloc[0])]
    offset = 19 - start
    altered = window[:offset] + alt_base + window[offset + 1 :]
    assert table["score"].iloc[0] == pytest.approx(log_likelihood(altered) - log_likelihood(window), abs=1e-4)
