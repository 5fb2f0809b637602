"""The human-genes study's two perplexity definitions and its per-family pair scores (arXiv 2307.10634).

The study (github.com/boun-tabi/GenerativeLM-Genes, HEAD ``ccc8133``) measured its families
differently, and comparisons are exact only on the same definition:

* **n-gram definition** (NLTK, ``pad_both_ends``): each gene predicts its L bases plus one end
  symbol; corpus perplexity is exp(total NLL / total predictions);
* **keras definition** (the LSTM/Transformer, keras_nlp ``Perplexity(mask_token_id=0)``): only the L
  bases are scored (the end position and padding masked, ``[BOS]`` is input only); the metric is exp
  of the *batch-size-weighted* mean of each batch's token-mean NLL, batches of 64 in file order.

:func:`two_definition_scores` gives, per sequence, the NLL with and without the end prediction, so
every model is reported on both. The real-vs-mutated task compares per pair, per family:

* n-grams: perplexity mode ``nll_with_end / (L + 1)``, probability mode ``nll_with_end``;
* neural models: perplexity mode ``nll_bases / L``, probability mode ``nll_bases * (L + 1) / L``
  (the study turned the keras perplexity back into a probability over L + 1 tokens).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Family = Literal["ngram", "neural"]
KERAS_BATCH_SIZE = 64


@dataclass
class TwoDefinitionScores:
    """Per-sequence NLL (nats) with the end prediction and over the bases only."""

    nll_with_end: np.ndarray
    n_with_end: np.ndarray
    nll_bases: np.ndarray
    n_bases: np.ndarray

    def subset(self, index: np.ndarray) -> TwoDefinitionScores:
        return TwoDefinitionScores(
            self.nll_with_end[index], self.n_with_end[index], self.nll_bases[index], self.n_bases[index]
        )


def two_definition_scores(
    model, sequences: Sequence[str], tokenizer=None, *, batch_size: int = 64
) -> TwoDefinitionScores:
    """Score every sequence once and split off its end prediction.

    n-gram models (anything with ``token_log_probs``): the last prediction of each gene is its end
    symbol (N = 1 has none: both definitions coincide). Causal LMs: the last predicted token is
    ``[EOS]`` (the tokenizer's ``[BOS] x [EOS]``).
    """
    from hf_genomics.models.ngram import as_sequence_list

    sequences = as_sequence_list(sequences)
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    if hasattr(model, "token_log_probs"):
        log_probs, predictions = model.token_log_probs(sequences)
        segment = np.repeat(np.arange(len(predictions)), predictions)
        is_end = np.zeros(len(log_probs), dtype=bool)
        is_end[(np.cumsum(predictions) - 1)[predictions > lengths]] = True

        def totals(keep: np.ndarray) -> np.ndarray:
            finite = np.where(keep & np.isfinite(log_probs), log_probs, 0.0)
            nll = -np.bincount(segment, weights=finite, minlength=len(predictions))
            nll[np.unique(segment[keep & np.isneginf(log_probs)])] = np.inf  # a zero probability
            return nll

        nll, bases = totals(np.ones(len(log_probs), dtype=bool)), totals(~is_end)
        return TwoDefinitionScores(nll, predictions.astype(np.int64), bases, lengths)
    from hf_genomics.evaluation.perplexity import sequence_log_likelihoods

    scores = sequence_log_likelihoods(model, sequences, tokenizer, batch_size=batch_size, kind="causal")
    if scores.end_nll_nats is None:
        raise ValueError(f"{type(model).__name__}: no end-token scores (a causal LM is needed)")
    return TwoDefinitionScores(
        scores.nll_nats, scores.n_predicted_tokens, scores.nll_nats - scores.end_nll_nats, lengths
    )


def ngram_definition_perplexity(scores: TwoDefinitionScores) -> float:
    """exp(total NLL / total predictions), each gene's end prediction included (NLTK's)."""
    total = float(np.sum(scores.nll_with_end))
    return math.inf if math.isinf(total) else math.exp(total / int(np.sum(scores.n_with_end)))


def keras_definition_perplexity(scores: TwoDefinitionScores, batch_size: int = KERAS_BATCH_SIZE) -> float:
    """keras_nlp's ``Perplexity`` over ``model.evaluate``: bases only, batches of ``batch_size`` in
    the given order, exp(sum_b |b| * mean_token_nll(b) / sum_b |b|)."""
    n = len(scores.nll_bases)
    if not n:
        raise ValueError("no sequences")
    starts = np.arange(0, n, batch_size)
    batch_nll = np.add.reduceat(scores.nll_bases, starts)
    batch_tokens = np.add.reduceat(scores.n_bases, starts)
    sizes = np.diff(np.append(starts, n))
    if np.isinf(batch_nll).any():
        return math.inf
    return math.exp(float(np.sum(sizes * batch_nll / batch_tokens)) / n)


def pair_wins(
    real: TwoDefinitionScores, mutated: TwoDefinitionScores, family: Family, mode: str
) -> np.ndarray:
    """Whether the real gene scores strictly better than its mutated copy, by the study's formula."""
    if family == "ngram":
        real_score, mutated_score = real.nll_with_end, mutated.nll_with_end
        if mode == "perplexity":
            real_score, mutated_score = real_score / real.n_with_end, mutated_score / mutated.n_with_end
    elif family == "neural":
        real_score, mutated_score = real.nll_bases / real.n_bases, mutated.nll_bases / mutated.n_bases
        if mode == "probability":
            real_score, mutated_score = real_score * (real.n_bases + 1), mutated_score * (mutated.n_bases + 1)
    else:
        raise ValueError(f"family must be 'ngram' or 'neural', got {family!r}")
    if mode not in ("perplexity", "probability"):
        raise ValueError(f"mode must be 'perplexity' or 'probability', got {mode!r}")
    return real_score < mutated_score


__all__ = [
    "KERAS_BATCH_SIZE",
    "TwoDefinitionScores",
    "keras_definition_perplexity",
    "ngram_definition_perplexity",
    "pair_wins",
    "two_definition_scores",
]
