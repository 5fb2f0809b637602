"""One perplexity harness for every model family: n-gram, causal LMs (LSTM, GPT-NeoX) and encoders.

The scorer protocol is :func:`sequence_log_likelihoods`: for each sequence, the total negative
log-likelihood in nats, the number of predicted tokens and the number of nucleotides. Every family
uses the same convention — the start symbol is given, everything after it is predicted, the end
symbol included:

* :class:`~hf_genomics.models.ngram.NGramLM`: n-1 ``<s>`` pads, L bases + one ``</s>`` predicted
  (the study's NLTK convention); any object with a ``sequence_log_likelihoods`` method is used as is;
* causal LMs: the tokenizer's ``[BOS] x [EOS]``; every token after ``[BOS]`` is predicted;
* masked LMs (encoders): pseudo-log-likelihood, each content token masked in turn.

Perplexity per predicted token depends on the tokenizer; bits per nucleotide (same total NLL over
the number of bases, :mod:`hf_genomics.evaluation.units`) compares models across tokenizers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hf_genomics.evaluation.units import bits_per_nucleotide, perplexity
from hf_genomics.models.kind import model_kind
from hf_genomics.models.ngram import as_sequence_list

ModelKind = Literal["auto", "causal", "masked"]


@dataclass
class SequenceScores:
    """Per-sequence totals; corpus numbers are ratios of sums (never means of ratios)."""

    nll_nats: np.ndarray
    n_predicted_tokens: np.ndarray
    n_nucleotides: np.ndarray
    end_nll_nats: np.ndarray | None = None  # causal LMs: the [EOS] prediction's share of nll_nats

    def perplexity(self) -> float:
        return perplexity(float(self.nll_nats.sum()), int(self.n_predicted_tokens.sum()))

    def bits_per_nucleotide(self) -> float:
        return bits_per_nucleotide(float(self.nll_nats.sum()), int(self.n_nucleotides.sum()))

    def sequence_perplexities(self) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.exp(self.nll_nats / np.maximum(self.n_predicted_tokens, 1))

    def summary(self) -> dict[str, float]:
        return {
            "perplexity": self.perplexity(),
            "bits_per_nucleotide": self.bits_per_nucleotide(),
            "nll_nats": float(self.nll_nats.sum()),
            "n_predicted_tokens": int(self.n_predicted_tokens.sum()),
            "n_nucleotides": int(self.n_nucleotides.sum()),
            "n_sequences": len(self.nll_nats),
        }


def _model_kind(model, kind: ModelKind) -> str:
    if kind != "auto":
        return kind
    detected = model_kind(model)  # the one detector (hf_genomics.models.kind)
    if detected in ("masked", "causal"):
        return detected
    name = type(model).__name__
    raise ValueError(f"cannot tell whether {name} is causal or masked: pass kind='causal' or 'masked'")


def sequence_log_likelihoods(
    model,
    sequences: Sequence[str],
    tokenizer=None,
    *,
    batch_size: int = 16,
    kind: ModelKind = "auto",
) -> SequenceScores:
    """Score sequences with any model of the harness (see the module docstring)."""
    sequences = as_sequence_list(sequences)
    if hasattr(model, "sequence_log_likelihoods"):
        nll, predicted, nucleotides = model.sequence_log_likelihoods(sequences)
        return SequenceScores(np.asarray(nll, float), np.asarray(predicted), np.asarray(nucleotides))
    if tokenizer is None:
        raise ValueError(f"{type(model).__name__} needs its tokenizer to be scored")
    nucleotides = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    if _model_kind(model, kind) == "causal":
        nll, predicted, end_nll = _causal_nll(model, tokenizer, sequences, batch_size)
        return SequenceScores(nll, predicted, nucleotides, end_nll)
    nll, predicted = _pseudo_nll(model, tokenizer, sequences, batch_size)
    return SequenceScores(nll, predicted, nucleotides)


def evaluate_perplexity(model, sequences: Sequence[str], tokenizer=None, **kwargs) -> dict[str, float]:
    """Corpus perplexity per predicted token and bits per nucleotide, with the totals behind them."""
    return sequence_log_likelihoods(model, sequences, tokenizer, **kwargs).summary()


def _length_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Indices grouped by similar length (less padding), longest first."""
    order = np.argsort(-lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _causal_nll(
    model, tokenizer, sequences: list[str], batch_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum of -log p(token | prefix) over every token after the first (``[BOS]``), ``[EOS]`` included,
    the number of those tokens, and the last token's (``[EOS]``'s) own -log p."""
    import torch

    from hf_genomics.data.sequences import past_length_guard

    # the sequence end is scored: ask for EOS explicitly (causal tokenizers add only BOS by default)
    from hf_genomics.tokenization.base import end_token_request

    # scoring decides lengths itself (a mutated 1,000-nt gene may exceed a saved tokenizer's limit
    # by a few tokens; recurrent and rotary models score it, learned-position models raise)
    with past_length_guard(tokenizer):
        encoded = tokenizer(sequences, add_special_tokens=True, **end_token_request(tokenizer))["input_ids"]
    encoded = [np.asarray(ids) for ids in encoded]
    lengths = np.array([len(ids) for ids in encoded])
    nll = np.zeros(len(sequences))
    end_nll = np.zeros(len(sequences))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    model.eval()
    from tqdm.auto import tqdm

    batches = _length_batches(lengths, batch_size)
    with torch.no_grad():
        for batch in tqdm(batches, desc="causal log-likelihood", unit="batch", disable=None):
            width = int(lengths[batch].max())
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, index in enumerate(batch):
                ids[row, : lengths[index]] = torch.from_numpy(encoded[index])
                mask[row, : lengths[index]] = 1
            ids, mask = ids.to(device), mask.to(device)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            log_probs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
            # summed in float64 (on the CPU: MPS has none): a float32 sum over a long window (Evo: 8 kb
            # to 1 Mb, |sum| ~ 1e4-1e6) rounds by more than a variant's log-likelihood ratio
            nll[batch] = -(log_probs * mask[:, 1:]).cpu().double().sum(dim=1).numpy()
            last = torch.as_tensor(lengths[batch] - 2, device=device)[:, None]
            end_nll[batch] = -log_probs.gather(1, last).squeeze(1).double().cpu().numpy()
    return nll, lengths - 1, end_nll


def _pseudo_nll(model, tokenizer, sequences: list[str], batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-log-likelihood: each non-special token masked in turn and scored (Salazar et al., 2020)."""
    import torch

    if tokenizer.mask_token_id is None:
        raise ValueError("pseudo-log-likelihood needs a tokenizer with a mask token")
    encoded = tokenizer(sequences, add_special_tokens=True, return_special_tokens_mask=True)
    nll = np.zeros(len(sequences))
    predicted = np.zeros(len(sequences), dtype=np.int64)
    device = next(model.parameters()).device
    model.eval()
    from tqdm.auto import tqdm

    rows = zip(encoded["input_ids"], encoded["special_tokens_mask"], strict=True)
    with torch.no_grad():
        for index, (ids, special) in enumerate(
            tqdm(rows, total=len(sequences), desc="pseudo-log-likelihood", unit="seq", disable=None)
        ):
            ids = torch.tensor(ids, dtype=torch.long)
            positions = torch.nonzero(torch.tensor(special) == 0).squeeze(-1)
            predicted[index] = len(positions)
            for start in range(0, len(positions), batch_size):
                chunk = positions[start : start + batch_size]
                masked = ids.repeat(len(chunk), 1)
                masked[torch.arange(len(chunk)), chunk] = tokenizer.mask_token_id
                logits = model(input_ids=masked.to(device)).logits.float()
                log_probs = torch.log_softmax(logits[torch.arange(len(chunk)), chunk], dim=-1)
                nll[index] -= float(log_probs.gather(-1, ids[chunk, None].to(device)).sum())
    return nll, predicted


__all__ = ["SequenceScores", "evaluate_perplexity", "sequence_log_likelihoods"]
