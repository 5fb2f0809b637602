"""A long-repeat ("copy") expert mixed into an n-gram LM, as DNA compressors do (XM, GeCo).

Genes share long verbatim repeats (8.2 % of the test 20-mers of the human-genes study occur in
``validation.csv``), which a smoothed 8-gram cannot exploit. The expert is a high-order
maximum-likelihood model: after a context of ``order - 1`` symbols seen ``c(h)`` times in training,
it predicts ``c(h, w) / c(h)``. Its weight grows with the evidence, ``λ(h) = c(h) / (c(h) + β)``
(0 for an unseen context), and the mixture

    p(w | h) = λ(h) · p_repeat(w | h) + (1 − λ(h)) · p_base(w | h)

is a proper distribution whenever the base model is (both experts sum to 1 over the next symbol).
Everything is vectorised: the two models score the same windows (same padding convention), so
their per-prediction arrays align position by position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from hf_genomics.models.ngram import RADIX, RADIX_BITS, NGramLM, as_sequence_list


class RepeatMixtureLM:
    """``base`` (e.g. :class:`~hf_genomics.models.ngram_kneser_ney.KneserNeyLM`) mixed with an
    ``order``-gram copy expert weighted by ``c(h) / (c(h) + beta)``."""

    def __init__(
        self, base: NGramLM, order: int = 16, beta: float = 2.0, repeat: NGramLM | None = None
    ) -> None:
        """``repeat``: an already fitted ``order``-gram MLE expert (so that tuning ``beta`` needs no refit)."""
        if order <= base.n:
            raise ValueError(f"the repeat expert's order ({order}) must exceed the base model's ({base.n})")
        if beta <= 0:
            raise ValueError(f"beta must be > 0, got {beta}")
        self.base = base
        self.order = int(order)
        self.beta = float(beta)
        if repeat is not None and (repeat.n != self.order or repeat.k != 0):
            raise ValueError(f"repeat must be an NGramLM({self.order}, 'mle')")
        self.repeat = repeat if repeat is not None else NGramLM(self.order, "mle")
        self.n = base.n

    def __repr__(self) -> str:
        return f"RepeatMixtureLM(base={self.base!r}, order={self.order}, beta={self.beta})"

    def fit(self, sequences: Iterable[str]) -> RepeatMixtureLM:
        sequences = as_sequence_list(sequences)
        self.base.fit(sequences)
        self.repeat.fit(sequences)
        return self

    def _weighted_expert(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``order``-gram codes: the expert's probability of the last symbol and its weight λ(h)."""
        unique, inverse = np.unique(codes.astype(np.int64), return_inverse=True)
        joint = NGramLM._lookup(self.repeat.ngram_codes, self.repeat.ngram_counts, unique)
        context = NGramLM._lookup(self.repeat.context_codes, self.repeat.context_counts, unique >> RADIX_BITS)
        probability = np.where(context > 0, joint / np.maximum(context, 1), 0.0)
        weight = context / (context + self.beta)
        return probability[inverse].reshape(codes.shape), weight[inverse].reshape(codes.shape)

    def token_log_probs(self, sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Mixture log-probability of every predicted symbol, and the predictions per sequence."""
        sequences = as_sequence_list(sequences)
        base_log_probs, predictions = self.base.token_log_probs(sequences)
        probability, weight = self._weighted_expert(self.repeat._predicted_codes(sequences)[0])
        if len(probability) != len(base_log_probs):  # N = 1 base models predict no end symbol
            raise ValueError("base model and repeat expert predict different positions")
        with np.errstate(divide="ignore"):
            return np.log(weight * probability + (1 - weight) * np.exp(base_log_probs)), predictions

    def next_symbol_probs(self, prefixes: Sequence[str]) -> np.ndarray:
        """``(len(prefixes), 8)``: the mixture's distribution of the symbol after each prefix, over
        all 8 symbol ids (sums to 1: the check of the mixture's normalisation)."""
        prefixes = as_sequence_list(prefixes)
        contexts = []
        for model in (self.base, self.repeat):  # each prefix's last prediction is its end slot
            codes, predictions = model._predicted_codes(prefixes)
            contexts.append(codes.astype(np.int64)[np.cumsum(predictions) - 1] >> RADIX_BITS)
        symbols = np.arange(RADIX, dtype=np.int64)[None, :]
        # the base model's raw probabilities (its next_symbol_probs renormalises for sampling)
        base = np.exp(self.base.log_probs_of_codes((contexts[0][:, None] << RADIX_BITS) | symbols))
        candidates = (contexts[1][:, None] << RADIX_BITS) | symbols
        probability, weight = self._weighted_expert(candidates)
        return weight * probability + (1 - weight) * base

    def sequence_log_likelihoods(self, sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The scorer protocol of :mod:`hf_genomics.evaluation.perplexity`."""
        sequences = as_sequence_list(sequences)
        log_probs, predictions = self.token_log_probs(sequences)
        segment = np.repeat(np.arange(len(predictions)), predictions)
        nll = -np.bincount(segment, weights=log_probs, minlength=len(predictions))
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        return nll, predictions, lengths

    def perplexity(self, sequences: Sequence[str] | str) -> float:
        """Corpus perplexity over every prediction (end symbols included, as NGramLM)."""
        log_probs, _ = self.token_log_probs(as_sequence_list(sequences))
        return float(np.exp(-log_probs.mean()))


__all__ = ["RepeatMixtureLM"]
