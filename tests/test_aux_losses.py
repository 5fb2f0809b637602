"""Auxiliary losses: walk loss by hand, reverse-complement ids, complement loss vs a direct RC pass."""

from __future__ import annotations

import pytest
import torch
from transformers import GPTNeoXForCausalLM

from hf_genomics.alphabet import reverse_complement
from hf_genomics.models.pythia import pythia_config
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.aux_losses import (
    AUX_LOSSES,
    base_token_ids,
    parse_aux_losses,
    reverse_complement_ids,
)


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer("dnallm", causal=True)


def test_base_token_ids(tok):
    assert base_token_ids(tok) == {"A": 3, "C": 4, "G": 5, "T": 6, "N": 7}
    char = build_tokenizer("char", causal=True)
    assert set(base_token_ids(char)) == set("ACGTN")
    with pytest.raises(ValueError, match="one token per base"):
        base_token_ids(build_tokenizer("kmer:3", causal=True))


def one_hot_logits(ids: torch.Tensor, vocab: int, scale: float = 50.0) -> torch.Tensor:
    """Logits at position t that put (almost) all mass on token t + 1."""
    logits = torch.full((*ids.shape, vocab), -scale)
    logits[:, :-1].scatter_(-1, ids[:, 1:, None], scale)
    return logits


def test_walk_loss_by_hand(tok):
    ids = torch.tensor(tok(["GGG"], add_eos_token=True)["input_ids"])  # [bos, g, g, g, eos]
    labels = ids.clone()
    # uniform over a, c, g, t: expected step (0, 0); true steps (1, 0): error n after n steps,
    # n^2 / n = n at positions 1, 2, 3 -> mean 2 (the eos target is not a base)
    logits = torch.full((1, 5, 8), -1e4)
    logits[..., 3:7] = 0.0
    assert AUX_LOSSES["walk"](logits, labels, ids, tok).item() == pytest.approx(2.0)
    perfect = one_hot_logits(ids, 8)
    assert AUX_LOSSES["walk"](perfect, labels, ids, tok).item() == pytest.approx(0.0, abs=1e-6)


def test_walk_loss_masks_ignored_labels_and_has_gradient(tok):
    batch = tok(["ACGTAC", "GG"], padding=True, return_tensors="pt")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    logits = torch.randn(2, labels.shape[1], 8, requires_grad=True)
    loss = AUX_LOSSES["walk"](logits, labels, batch["input_ids"], tok)
    loss.backward()
    assert torch.isfinite(loss) and logits.grad.abs().sum() > 0
    # predictions for ignored targets do not matter
    assert logits.grad[1, 3:].abs().sum() == 0


def test_reverse_complement_ids(tok):
    batch = tok(["ACGG", "TTA", "ACNGT"], padding=True, return_tensors="pt")
    rc = reverse_complement_ids(batch["input_ids"], tok)
    expected = tok(["CCGT", "TAA", "ACNGT"], padding=True, return_tensors="pt")["input_ids"]
    assert torch.equal(rc, expected)
    assert reverse_complement("ACNGT") == "ACNGT"


def test_complement_loss_is_the_rc_strand_cross_entropy(tok):
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(pythia_config("tiny", vocab_size=8, bos_token_id=0, eos_token_id=1)).eval()
    seqs = ["ACGTTGCAAC", "GGGATC"]
    batch = tok(seqs, padding=True, return_tensors="pt")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    logits = model(**batch).logits
    loss = AUX_LOSSES["complement"](logits, labels, batch["input_ids"], tok, model=model)
    # direct: score each reverse-complement sequence alone, average over predicted tokens
    total, count = 0.0, 0
    for seq in seqs:
        ids = torch.tensor([tok(reverse_complement(seq))["input_ids"]])
        out = model(input_ids=ids, labels=ids)
        total += out.loss.item() * (ids.shape[1] - 1)
        count += ids.shape[1] - 1
    assert loss.item() == pytest.approx(total / count, rel=1e-5)
    with pytest.raises(ValueError, match="model="):
        AUX_LOSSES["complement"](logits, labels, batch["input_ids"], tok)


def test_parse_aux_losses():
    assert parse_aux_losses(["walk:0.1", "complement"]) == [("walk", 0.1), ("complement", 1.0)]
    with pytest.raises(ValueError, match="unknown auxiliary loss"):
        parse_aux_losses(["gc:1"])


def test_aux_losses_change_the_training_loss_by_their_weighted_terms(tok):
    """CausalLMTrainer adds exactly weight x term to the language-model loss (not an echo of it)."""
    from transformers import TrainingArguments

    from hf_genomics.training.clm import CausalLMTrainer, causal_collator

    torch.manual_seed(0)
    config = pythia_config("tiny", vocab_size=8, bos_token_id=0, eos_token_id=1)
    assert config.hidden_dropout == config.attention_dropout == 0.0  # train mode is deterministic
    model = GPTNeoXForCausalLM(config).train()  # aux terms are training-only
    batch = causal_collator(tok)([tok(s) for s in ("ACGTTGCAAC", "GGGATC")])
    args = TrainingArguments(output_dir="unused", use_cpu=True, report_to=[])

    def loss_with(aux: dict[str, float]) -> float:
        trainer = CausalLMTrainer(model=model, args=args, processing_class=tok, aux_losses=aux)
        with torch.no_grad():
            return trainer.compute_loss(model, dict(batch)).item()

    with torch.no_grad():
        outputs = model(**batch)
        walk = AUX_LOSSES["walk"](outputs.logits, batch["labels"], batch["input_ids"], tok).item()
        complement = AUX_LOSSES["complement"](
            outputs.logits, batch["labels"], batch["input_ids"], tok, model=model
        ).item()
    plain = loss_with({})
    assert plain == pytest.approx(outputs.loss.item(), rel=1e-6)
    assert walk > 0 and complement > 0
    assert loss_with({"walk": 0.5}) == pytest.approx(plain + 0.5 * walk, rel=1e-5)
    assert loss_with({"walk": 0.5, "complement": 2.0}) == pytest.approx(
        plain + 0.5 * walk + 2.0 * complement, rel=1e-5
    )
    assert loss_with({"walk": 0.5}) != pytest.approx(plain)
