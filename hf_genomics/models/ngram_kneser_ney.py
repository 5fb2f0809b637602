"""Interpolated Kneser-Ney n-gram LM over nucleotides, vectorised like :class:`NGramLM`.

Counts every order 1..n of the padded genes (NLTK's ``everygrams`` of ``pad_both_ends(gene, n)``);
the highest order interpolates discounted counts, lower orders discounted *continuation* counts
(how many distinct symbols precede an n-gram), down to the continuation unigram:

    P_m(w | h) = max(c_m(h w) - D, 0) / c_m(h •) + gamma_m(h) P_{m-1}(w | h[1:]),
    gamma_m(h) = D N1+(h •) / c_m(h •),    and P_m = P_{m-1} when the context h was never seen.

``discount="modified"`` (default) uses Chen & Goodman's three discounts D1, D2, D3+ per order from
the count-of-counts; a number uses that one discount everywhere. ``nltk_compatible=True`` with
``discount=0.1`` equals ``nltk.lm.KneserNeyInterpolated`` (tested), quirk included: NLTK's lower-order
gamma counts a context's distinct followers in plain counts, not continuation counts, so its
distributions after ``<s> <s>`` sum to slightly more than one. The default is the textbook form,
whose every next-symbol distribution sums to one (tested).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from hf_genomics.models.ngram import (
    CONFIG_NAME,
    COUNTS_NAME,
    RADIX_BITS,
    SYMBOLS,
    NGramLM,
    _sorted_group_sum,
    _window_codes,
    as_sequence_list,
)


def _lookup(codes: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` of each query code in the sorted ``codes`` table, 0 when absent."""
    if not len(codes) or not len(query):
        return np.zeros(len(query), dtype=values.dtype if len(values) else np.float64)
    index = np.minimum(np.searchsorted(codes, query), len(codes) - 1)
    return np.where(codes[index] == query, values[index], 0)


def _float_group_sum(sorted_codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group-by-sum of float ``values`` over already sorted codes."""
    if not len(sorted_codes):
        return sorted_codes, values.astype(np.float64)
    first = np.concatenate([[0], np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1])
    return sorted_codes[first], np.add.reduceat(values.astype(np.float64), first)


def _modified_discounts(counts: np.ndarray) -> np.ndarray:
    """Chen & Goodman's D1, D2, D3+ from the count-of-counts.

    An estimate outside (0, c) (it happens for continuation counts, which are at most |V|) would
    give some context no back-off mass, hence zero probabilities: it falls back to Ney's single
    absolute discount Y = n1 / (n1 + 2 n2), as KenLM refuses such estimates rather than use them.
    """
    n1, n2, n3, n4 = (float((counts == c).sum()) for c in (1, 2, 3, 4))
    y = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
    y = min(max(y, 0.05), 0.95)
    estimates = [
        1 - 2 * y * n2 / n1 if n1 else y,
        2 - 3 * y * n3 / n2 if n2 else y,
        3 - 4 * y * n4 / n3 if n3 else y,
    ]
    discounts = [d if 0 < d < c else y for c, d in zip((1, 2, 3), estimates)]
    return np.array([0.0, *discounts])


class _OrderTable:
    """For one order m: the m-gram codes and the counts alpha discounts (plain at the top order,
    continuation below), and per context h = m-gram >> 3 its denominator and gamma numerator."""

    def __init__(
        self,
        codes: np.ndarray,
        counts: np.ndarray,
        plain: tuple[np.ndarray, np.ndarray],
        discount: str | float,
        nltk_compatible: bool,
    ):
        self.codes, self.counts = codes, counts.astype(np.float64)
        # contexts seen in plain counts decide whether this order is used at all (NLTK's `if not counts[context]`)
        self.seen_context_codes, _ = _sorted_group_sum(plain[0] >> RADIX_BITS, plain[1])
        self.context_codes, self.context_totals = _sorted_group_sum(codes >> RADIX_BITS, counts)
        if discount == "modified":
            self.discounts = _modified_discounts(counts)
            classes = np.minimum(counts, 3).astype(np.int64)
            numerator = self.discounts[classes]
            self.gamma_codes, self.gamma_numerators = _float_group_sum(codes >> RADIX_BITS, numerator)
        else:
            self.discounts = np.array([0.0, *(3 * [float(discount)])])
            followers = plain[0] if nltk_compatible else codes
            ones = np.ones(len(followers), dtype=np.float64)
            self.gamma_codes, types = _sorted_group_sum(followers >> RADIX_BITS, ones)
            self.gamma_numerators = float(discount) * types.astype(np.float64)

    def interpolate(self, grams: np.ndarray, lower: np.ndarray) -> np.ndarray:
        contexts = grams >> RADIX_BITS
        count = _lookup(self.codes, self.counts, grams)
        total = _lookup(self.context_codes, self.context_totals.astype(np.float64), contexts)
        gamma_numerator = _lookup(self.gamma_codes, self.gamma_numerators.astype(np.float64), contexts)
        discount = self.discounts[np.minimum(count, 3).astype(np.int64)]
        seen = (_lookup(self.seen_context_codes, np.ones(len(self.seen_context_codes)), contexts) > 0) & (
            total > 0
        )
        safe_total = np.where(seen, total, 1.0)
        interpolated = np.maximum(count - discount, 0.0) / safe_total + gamma_numerator / safe_total * lower
        return np.where(seen, interpolated, lower)


class KneserNeyLM(NGramLM):
    """Interpolated (modified) Kneser-Ney; same scoring, perplexity and sampling API as :class:`NGramLM`."""

    def __init__(self, n: int, discount: str | float = "modified", nltk_compatible: bool = False) -> None:
        if int(n) < 2:
            raise ValueError("Kneser-Ney needs n >= 2 (its unigram level is a bigram continuation count)")
        if discount != "modified" and not (isinstance(discount, (int, float)) and 0 < float(discount) < 1):
            raise ValueError(f"discount must be 'modified' or a number in (0, 1), got {discount!r}")
        super().__init__(n, smoothing="mle")
        self.discount = discount
        self.nltk_compatible = bool(nltk_compatible)
        self.smoothing = f"kneser-ney-{discount}"
        self.order_codes: list[np.ndarray] = []  # plain counts of every order 1..n
        self.order_counts: list[np.ndarray] = []
        self._tables: list[_OrderTable] | None = None

    def __repr__(self) -> str:
        return f"KneserNeyLM(n={self.n}, discount={self.discount!r}, ngrams={len(self.ngram_codes)})"

    def _block_windows(self, symbols: np.ndarray, offsets: np.ndarray, order: int) -> np.ndarray:
        """Codes of the windows of ``order`` symbols that lie inside one sequence's padded block."""
        codes = _window_codes(symbols, order).astype(np.int64)
        if order == 1 or not len(codes):
            return codes
        keep = np.ones(len(symbols), dtype=bool)
        crossing = (offsets[1:, None] - np.arange(1, order)[None, :]).ravel()
        keep[crossing[crossing >= 0]] = False
        return codes[keep[: len(codes)]]

    def fit(self, sequences: Iterable[str]) -> KneserNeyLM:
        """Count all orders 1..n of the padded sequences (adds to existing counts)."""
        sequences = as_sequence_list(sequences)
        symbols, offsets = self._padded(sequences, end_pads=self.n - 1)
        self.seen_symbols |= np.bincount(symbols, minlength=len(self.seen_symbols)) > 0
        for order in range(1, self.n + 1):
            unique, counts = np.unique(self._block_windows(symbols, offsets, order), return_counts=True)
            if len(self.order_codes) >= order:
                merged = np.concatenate([self.order_codes[order - 1], unique])
                weights = np.concatenate([self.order_counts[order - 1], counts])
                order_arr = np.argsort(merged, kind="stable")
                unique, counts = _sorted_group_sum(merged[order_arr], weights[order_arr])
                self.order_codes[order - 1], self.order_counts[order - 1] = unique, counts
            else:
                self.order_codes.append(unique.astype(np.int64))
                self.order_counts.append(counts.astype(np.int64))
        self.ngram_codes, self.ngram_counts = self.order_codes[-1], self.order_counts[-1]
        self.context_codes, self.context_counts = _sorted_group_sum(
            self.ngram_codes >> RADIX_BITS, self.ngram_counts
        )
        self._tables = None
        return self

    def _continuation(self, order: int) -> tuple[np.ndarray, np.ndarray]:
        """N1+(• g) for every ``order``-gram g: distinct symbols seen before it (from order+1 types)."""
        higher = self.order_codes[order]  # codes of order + 1 symbols
        suffixes = higher & ((1 << (RADIX_BITS * order)) - 1)
        return np.unique(suffixes, return_counts=True)

    def _build_tables(self) -> list[_OrderTable]:
        tables = []
        for order in range(2, self.n + 1):
            plain = (self.order_codes[order - 1], self.order_counts[order - 1])
            counts = plain if order == self.n else self._continuation(order)
            tables.append(
                _OrderTable(
                    counts[0].astype(np.int64),
                    counts[1].astype(np.int64),
                    plain,
                    self.discount,
                    self.nltk_compatible,
                )
            )
        return tables

    def _log_probs_of_sorted_unique(self, unique: np.ndarray) -> np.ndarray:
        if self._tables is None:
            self._tables = self._build_tables()
        unigram_codes, unigram_counts = self._continuation(1)
        probs = _lookup(unigram_codes, unigram_counts.astype(np.float64), unique & ((1 << RADIX_BITS) - 1))
        probs = probs / len(self.order_codes[1])  # distinct bigram types
        for order, table in zip(range(2, self.n + 1), self._tables):
            grams = unique & ((1 << (RADIX_BITS * order)) - 1)
            probs = table.interpolate(grams, probs)
        with np.errstate(divide="ignore"):
            return np.log(probs)

    # ------------------------------------------------------------------ persistence
    def save_pretrained(self, save_directory: str | Path) -> None:
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "model_type": "ngram_kneser_ney",
            "n": self.n,
            "discount": self.discount,
            "nltk_compatible": self.nltk_compatible,
            "symbols": SYMBOLS,
            "radix_bits": RADIX_BITS,
            "seen_symbols": [SYMBOLS[i] for i in np.flatnonzero(self.seen_symbols)],
        }
        (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
        arrays = {f"codes_{i + 1}": c for i, c in enumerate(self.order_codes)}
        arrays |= {f"counts_{i + 1}": c for i, c in enumerate(self.order_counts)}
        np.savez_compressed(folder / COUNTS_NAME, **arrays)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> KneserNeyLM:
        folder = Path(directory)
        config = json.loads((folder / CONFIG_NAME).read_text())
        if config.get("model_type") != "ngram_kneser_ney":
            raise ValueError(f"{folder / CONFIG_NAME}: not a Kneser-Ney n-gram model")
        if config.get("symbols") != SYMBOLS or config.get("radix_bits") != RADIX_BITS:
            raise ValueError(f"{folder / CONFIG_NAME}: symbol table differs from this version's")
        model = cls(config["n"], config["discount"], config.get("nltk_compatible", False))
        model.seen_symbols[[SYMBOLS.index(s) for s in config["seen_symbols"]]] = True
        with np.load(folder / COUNTS_NAME, allow_pickle=False) as arrays:
            for order in range(1, model.n + 1):
                model.order_codes.append(arrays[f"codes_{order}"].astype(np.int64))
                model.order_counts.append(arrays[f"counts_{order}"].astype(np.int64))
        model.ngram_codes, model.ngram_counts = model.order_codes[-1], model.order_counts[-1]
        model.context_codes, model.context_counts = _sorted_group_sum(
            model.ngram_codes >> RADIX_BITS, model.ngram_counts
        )
        return model


__all__ = ["KneserNeyLM"]
