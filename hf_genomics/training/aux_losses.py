"""Auxiliary losses for single-nucleotide causal LMs, selectable by name (``--aux_losses walk:0.1``).

Every entry of :data:`AUX_LOSSES` is called as ``loss(logits, labels, input_ids, tokenizer, model=model)``
with the causal LM's *unshifted* ``logits (B, T, V)`` and ``labels (B, T)`` (``-100`` = ignored),
exactly what a ``transformers`` causal LM receives; the shift (position ``t`` predicts ``t + 1``)
happens here. They need a tokenizer with one token per base (``char``, ``dnallm``); k-mer/BPE
vocabularies raise a clear error.

* ``"walk"``: the expected DNA walk (:mod:`hf_genomics.evaluation.walk`) built from the predicted
  base probabilities — step ``E[s_t] = sum_b p_t(b) * step(b)`` — against the true walk, only
  over positions whose target is a real base. The squared distance at step ``n`` is divided by
  ``n`` (a random walk's variance grows linearly), so every position weighs about the same.
  Why: the study judges generations by walk distance; this loss trains for it directly.
* ``"complement"``: cross-entropy of the same model on the reverse-complement strand of the
  batch (bases reversed and complemented inside each row's span, positions and padding
  unchanged). Why: a genome has two strands and a causal LM sees only one; this adds the other
  strand's likelihood in the same step. It needs ``model=``; rescoring the forward logits
  against complemented labels would be the plain cross-entropy again (a permutation of both).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from hf_genomics.evaluation.walk import STEPS

BASES = "ACGTN"
_COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}


def base_token_ids(tokenizer) -> dict[str, int]:
    """``{"A": id, "C": id, "G": id, "T": id, "N": id}`` for a single-nucleotide vocabulary."""
    vocab = tokenizer.get_vocab()
    found: dict[str, int] = {}
    for token, index in vocab.items():
        upper = token.upper()
        if upper in BASES:
            found[upper] = index
        elif len(token) > 1 and set(upper) <= set(BASES):
            raise ValueError(
                f"auxiliary losses need one token per base; the vocabulary has {token!r} "
                "(use the 'char' or 'dnallm' tokenizer)"
            )
    missing = [base for base in "ACGT" if base not in found]
    if missing:
        raise ValueError(f"auxiliary losses: no token for base(s) {missing} in the vocabulary")
    return found


def _shifted(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return logits[:, :-1, :], labels[:, 1:]


def walk_loss(logits, labels, input_ids, tokenizer, model=None) -> torch.Tensor:
    """Expected vs true walk (see module docstring); 0 when no target is a base."""
    ids = base_token_ids(tokenizer)
    logits, targets = _shifted(logits, labels)
    vocab = logits.shape[-1]
    # step of every vocabulary entry in the (GC, TAU) plane; non-base tokens step nowhere
    steps = torch.zeros(vocab, 2, dtype=logits.dtype, device=logits.device)
    for base, index in ids.items():
        steps[index] = torch.as_tensor(STEPS[BASES.index(base), :2], dtype=logits.dtype)
    base_ids = torch.tensor(sorted(ids.values()), device=targets.device)
    valid = torch.isin(targets, base_ids)
    expected = torch.softmax(logits.float(), dim=-1).to(logits.dtype) @ steps  # (B, T-1, 2)
    true = steps[targets.clamp(min=0)]
    mask = valid.unsqueeze(-1).to(logits.dtype)
    error = torch.cumsum((expected - true) * mask, dim=1)
    n_steps = torch.cumsum(valid, dim=1).clamp(min=1).to(logits.dtype)
    per_position = (error**2).sum(-1) / n_steps
    return (per_position * valid).sum() / valid.sum().clamp(min=1)


def reverse_complement_ids(input_ids: torch.Tensor, tokenizer) -> torch.Tensor:
    """Reverse-complement each row's span from its first to its last base token, in token ids.

    Tokens outside the span (``BOS``, ``EOS``, padding) stay where they are; non-base tokens inside
    the span (e.g. unknown) move with the reversal but are not complemented.
    """
    ids = base_token_ids(tokenizer)
    complement = torch.arange(max(int(input_ids.max()) + 1, max(ids.values()) + 1), device=input_ids.device)
    for base, index in ids.items():
        complement[index] = ids.get(_COMPLEMENT[base], index)
    is_base = torch.isin(input_ids, torch.tensor(list(ids.values()), device=input_ids.device))
    positions = torch.arange(input_ids.shape[1], device=input_ids.device).expand_as(input_ids)
    big = input_ids.shape[1]
    start = torch.where(is_base, positions, big).min(dim=1, keepdim=True).values
    end = torch.where(is_base, positions, -1).max(dim=1, keepdim=True).values
    inside = (positions >= start) & (positions <= end)
    source = torch.where(inside, start + end - positions, positions)
    flipped = torch.gather(input_ids, 1, source)
    return torch.where(inside, complement[flipped], flipped)


def complement_loss(logits, labels, input_ids, tokenizer, model=None) -> torch.Tensor:
    """Cross-entropy of ``model`` on the reverse-complement strand (see module docstring)."""
    if model is None:
        raise ValueError("the 'complement' auxiliary loss runs the model on the other strand: pass model=")
    rc_ids = reverse_complement_ids(input_ids, tokenizer)
    rc_labels = torch.where(labels == -100, torch.full_like(labels, -100), rc_ids)
    # right padding keeps every real token ahead of the padding, so causal attention needs no mask
    outputs = model(input_ids=rc_ids)
    rc_logits, rc_targets = _shifted(outputs.logits, rc_labels)
    return F.cross_entropy(
        rc_logits.reshape(-1, rc_logits.shape[-1]).float(), rc_targets.reshape(-1), ignore_index=-100
    )


AuxLoss = Callable[..., torch.Tensor]
AUX_LOSSES: dict[str, AuxLoss] = {"walk": walk_loss, "complement": complement_loss}


def parse_aux_losses(specs: list[str] | None) -> list[tuple[str, float]]:
    """``["walk:0.1", "complement:0.5"]`` -> ``[("walk", 0.1), ("complement", 0.5)]`` (weight 1 if omitted)."""
    parsed = []
    for spec in specs or []:
        name, _, weight = spec.partition(":")
        if name not in AUX_LOSSES:
            raise ValueError(f"unknown auxiliary loss {name!r}; choose from {sorted(AUX_LOSSES)}")
        parsed.append((name, float(weight) if weight else 1.0))
    return parsed
