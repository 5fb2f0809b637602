"""DnaLstmForCausalLM: presets, loss, Auto round trip (safetensors), generate() with its state cache."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

import hf_genomics  # noqa: F401  (Auto registration)
from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
from hf_genomics.tokenization.spec import build_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer("char", causal=True)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = DnaLstmConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        num_hidden_layers=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return DnaLstmForCausalLM(config).eval()


def test_presets_and_validation():
    paper = DnaLstmConfig.from_preset("genes-paper")
    assert (paper.embedding_size, paper.hidden_size, paper.num_hidden_layers) == (256, 512, 4)
    assert paper.model_type == "dna_lstm"
    with pytest.raises(ValueError, match="unknown preset"):
        DnaLstmConfig.from_preset("huge")
    with pytest.raises(Exception, match="num_hidden_layers must be >= 1"):
        DnaLstmConfig(num_hidden_layers=0)
    # parameters of the study's size: embedding + 4 LSTM layers + head
    n = sum(
        p.numel()
        for p in DnaLstmForCausalLM(DnaLstmConfig.from_preset("genes-paper", vocab_size=12)).parameters()
    )
    lstm = 4 * (512 * (256 + 512) + 2 * 512) + 3 * 4 * (512 * (512 + 512) + 2 * 512)
    assert n == 12 * 256 + lstm + 512 * 12 + 12


def test_loss_is_shifted_cross_entropy(model, tokenizer):
    batch = tokenizer(["ACGTTA", "GGC"], padding=True, return_tensors="pt")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    out = model(**batch, labels=labels)
    expected = torch.nn.functional.cross_entropy(
        out.logits[:, :-1].reshape(-1, out.logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )
    assert torch.allclose(out.loss, expected)
    # right padding does not change the logits of real tokens
    alone = model(input_ids=batch["input_ids"][1:, :5]).logits
    assert torch.allclose(alone, out.logits[1:, :5], atol=1e-6)


def test_auto_round_trip_safetensors(model, tokenizer, tmp_path):
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and not (tmp_path / "pytorch_model.bin").exists()
    assert AutoConfig.from_pretrained(tmp_path).model_type == "dna_lstm"
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, DnaLstmForCausalLM)
    ids = tokenizer(["ACGTNACGT"], return_tensors="pt")["input_ids"]
    assert torch.equal(loaded(input_ids=ids).logits, model(input_ids=ids).logits)
    assert type(AutoTokenizer.from_pretrained(tmp_path)).__name__ == "KmerTokenizer"


def test_generate_with_state_cache_equals_full_recompute(model, tokenizer):
    prompt = tokenizer(["ACG"], return_tensors="pt", add_special_tokens=False)["input_ids"]
    prompt = torch.cat([torch.tensor([[tokenizer.bos_token_id]]), prompt], dim=1)
    settings = dict(max_new_tokens=12, min_new_tokens=12, do_sample=False)
    cached = model.generate(input_ids=prompt, **settings)
    full = model.generate(input_ids=prompt, use_cache=False, **settings)
    assert torch.equal(cached, full) and cached.shape[1] == prompt.shape[1] + 12
    torch.manual_seed(1)
    sampled = model.generate(input_ids=prompt, max_new_tokens=8, do_sample=True)
    assert sampled.shape[1] <= prompt.shape[1] + 8


def test_text_generation_pipeline(model, tokenizer):
    from transformers import pipeline

    generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device="cpu")
    torch.manual_seed(0)
    out = generator("ACGT", max_new_tokens=10, min_new_tokens=10, do_sample=True)[0]["generated_text"]
    assert out.startswith("ACGT") and len(out) > 4 and set(out) <= set("ACGTN")
