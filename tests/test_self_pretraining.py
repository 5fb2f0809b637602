"""Self-pretraining of the CNN: the masked-base head's loss is cross-entropy over the masked positions,
its trunk is what the classifier loads, training learns a predictable base, and the pretraining
set and step plan are what they say."""

from __future__ import annotations

import json
import random
import time

import pytest
import torch
from Bio.Seq import Seq
from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.models.cnn.configuration_dna_cnn import DnaCnnConfig
from hf_genomics.models.cnn.modeling_dna_cnn import DnaCnnForMaskedLM
from hf_genomics.tokenization.reverse_complement import base_token_codes
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.self_pretraining import (
    planned_pretraining_steps,
    pretraining_sequences,
    self_pretrain,
)


def tiny_config(tokenizer, **overrides) -> DnaCnnConfig:
    return DnaCnnConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        kmer_sizes=[3],
        base_token_codes=base_token_codes(tokenizer),
        num_labels=2,
        **overrides,
    )


def test_masked_lm_loss_is_cross_entropy_over_the_masked_positions():
    tokenizer = build_tokenizer("char")
    torch.manual_seed(0)
    model = DnaCnnForMaskedLM(tiny_config(tokenizer)).eval()
    batch = tokenizer(["ACGTACGGTA", "TTGCA"], padding=True, return_tensors="pt")
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 3], labels[0, 7], labels[1, 2] = (
        batch["input_ids"][0, 3],
        batch["input_ids"][0, 7],
        batch["input_ids"][1, 2],
    )
    corrupted = batch["input_ids"].masked_fill(labels != -100, tokenizer.mask_token_id)
    out = model(input_ids=corrupted, attention_mask=batch["attention_mask"], labels=labels)
    assert out.logits.shape == (*batch["input_ids"].shape, len(tokenizer))
    picked = labels != -100
    reference = torch.nn.functional.cross_entropy(out.logits[picked], labels[picked])
    assert out.loss.item() == pytest.approx(reference.item(), rel=1e-6)
    with pytest.raises(ValueError, match="DnaCnnForMaskedLM needs input_ids"):
        model(attention_mask=batch["attention_mask"])


def test_the_classifier_loads_the_pretrained_trunk_with_a_fresh_head(tmp_path):
    tokenizer = build_tokenizer("char")
    model = AutoModelForMaskedLM.from_config(tiny_config(tokenizer))
    assert isinstance(model, DnaCnnForMaskedLM)
    model.save_pretrained(tmp_path)
    auto_map = json.loads((tmp_path / "config.json").read_text())["auto_map"]
    assert auto_map["AutoModelForMaskedLM"] == "modeling_dna_cnn.DnaCnnForMaskedLM"
    classifier = AutoModelForSequenceClassification.from_pretrained(tmp_path, num_labels=2)
    trunk = model.model.state_dict()
    for name, value in classifier.model.state_dict().items():
        torch.testing.assert_close(value, trunk[name], rtol=0, atol=0, msg=name)


def test_pretraining_set_is_both_strands_when_the_classifier_reads_both():
    sequences = ["ACGTTGCAAN", "GGGCCA"]
    both = pretraining_sequences(sequences, strands=2)
    assert both == sequences + [str(Seq(s).reverse_complement()) for s in sequences]
    assert pretraining_sequences(sequences, strands=1) == sequences
    with pytest.raises(ValueError, match="strands"):
        pretraining_sequences(sequences, strands=3)


def test_planned_steps_are_the_epochs_or_what_fits_in_the_time():
    # 1,000 rows at batch 64 -> 16 steps an epoch
    assert planned_pretraining_steps(1000, 64, 5, seconds=1e6, step_seconds=0.1) == 80
    assert planned_pretraining_steps(1000, 64, 5, seconds=3.0, step_seconds=0.1) == 27  # 0.9 * 30
    assert planned_pretraining_steps(1000, 64, 0, seconds=1e6, step_seconds=0.1) == 0
    assert planned_pretraining_steps(1000, 64, 5, seconds=-1.0, step_seconds=0.1) == 0


def periodic_sequences(count: int, seed: int) -> list[str]:
    """Rotations of a period-8 repeat: every base is fixed by its neighbours, so it can be learned."""
    unit = "ACGTTGCA" * 6
    rng = random.Random(seed)
    return [unit[offset : offset + 40] for offset in (rng.randrange(8) for _ in range(count))]


def test_self_pretraining_learns_a_predictable_base_and_saves_safetensors(tmp_path):
    tokenizer = build_tokenizer("char")
    config = tiny_config(tokenizer, hidden_size=32)
    info = self_pretrain(
        config, tokenizer, periodic_sequences(256, seed=0), tmp_path / "pretrained",
        max_steps=120, max_tokens=64, batch_size=32, learning_rate=5e-3, seed=0,
    )  # fmt: skip
    assert (info["steps"], info["planned_steps"], info["sequences"]) == (120, 120, 256)
    assert info["stopped_by_budget_at_step"] is None
    folder = tmp_path / "pretrained"
    assert (folder / "model.safetensors").is_file() and not list(folder.glob("*.bin"))
    assert not list(folder.glob("checkpoint-*"))
    model = AutoModelForMaskedLM.from_pretrained(folder).eval()
    # held-out rows, one base masked in the middle of each: the repeat makes it predictable
    batch = tokenizer(periodic_sequences(64, seed=1), return_tensors="pt")
    position = 21  # [CLS] + 20 bases
    target = batch["input_ids"][:, position].clone()
    batch["input_ids"][:, position] = tokenizer.mask_token_id
    with torch.no_grad():
        predicted = model(**batch).logits[:, position].argmax(-1)
    assert (predicted == target).float().mean().item() >= 0.9


def test_a_passed_deadline_stops_after_one_step_without_checkpoints(tmp_path):
    tokenizer = build_tokenizer("char")
    info = self_pretrain(
        tiny_config(tokenizer), tokenizer, periodic_sequences(64, seed=0), tmp_path / "pretrained",
        max_steps=50, max_tokens=64, batch_size=16, learning_rate=1e-3, seed=0,
        deadline=time.monotonic() - 1,
    )  # fmt: skip
    assert info["steps"] == info["stopped_by_budget_at_step"] == 1
    assert not list((tmp_path / "pretrained").glob("checkpoint-*"))
    assert (tmp_path / "pretrained" / "model.safetensors").is_file()


def test_no_time_for_one_step_means_no_pretraining_and_no_folder(tmp_path):
    from hf_genomics.training.self_pretraining import self_pretrain_in_time

    tokenizer = build_tokenizer("char")
    info = self_pretrain_in_time(
        tiny_config(tokenizer), tokenizer, periodic_sequences(64, seed=0), tmp_path / "pretrained",
        epochs=5, seconds=0.05, step_seconds=0.1, strands=2, max_tokens=64, batch_size=16,
        learning_rate=1e-3, seed=0,
    )  # fmt: skip
    assert info is None and not (tmp_path / "pretrained").exists()
