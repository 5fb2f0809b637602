"""A counting n-gram language model over nucleotides, vectorised in numpy.

Every n-gram is turned into one integer code (its symbols as digits in base ``RADIX``), so
counting is ``np.unique`` over an int64 array and scoring is ``np.searchsorted`` into the sorted
table of observed codes: no Python loop over positions and no dense ``|V|^n`` table, so n = 12
and beyond costs only the memory of the n-grams actually seen.

The default conventions reproduce the NLTK recipe of the human-genes study (arXiv 2307.10634,
``pad_both_ends`` + ``nltk.lm.Laplace``/``MLE``) exactly:

* training: each gene is padded with n-1 ``<s>`` and n-1 ``</s>``; every window of n symbols is
  counted, so a context's total is the number of windows that start with it;
* scoring: each gene contributes its L bases plus one ``</s>`` prediction (L + 1 predictions,
  n >= 2; n = 1 has no pads and predicts the L bases), i.e. NLTK's windows with the last n-2 dropped;
* vocabulary: the symbols seen in the padded training text plus ``<UNK>``; unseen test symbols map
  to ``<UNK>``; add-k smoothing is ``(c(h, w) + k) / (c(h) + k |V|)``, MLE (k = 0) gives zero
  probability, hence infinite perplexity, to unseen events, as NLTK does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from hf_genomics.alphabet import BASE_CODES, encode

# symbol ids: pads first, then the alphabet's base codes (A0 C1 G2 T3 N4) shifted by 2, then <UNK>
SYMBOLS = ["<s>", "</s>", "A", "C", "G", "T", "N", "<UNK>"]
START, END, UNK = 0, 1, 7
BASE_OFFSET = 2
RADIX_BITS = 3  # 8 symbols -> 3 bits per symbol; an int64 code holds up to 21 symbols
RADIX = 1 << RADIX_BITS
MAX_ORDER = 63 // RADIX_BITS
CHUNK_SYMBOLS = 20_000_000  # symbols counted per chunk; bounds the memory of fit()

# one byte per symbol: pads as control bytes, bases (either case, U as T) as in hf_genomics.alphabet
_PAD_START_BYTE, _PAD_END_BYTE = "\x00", "\x01"
_INVALID = 255
_SYMBOL_LUT = np.full(256, _INVALID, dtype=np.uint8)
_SYMBOL_LUT[0], _SYMBOL_LUT[1] = START, END
for _base, _code in BASE_CODES.items():
    _SYMBOL_LUT[ord(_base)] = _SYMBOL_LUT[ord(_base.lower())] = _code + BASE_OFFSET
_SYMBOL_LUT[ord("U")] = _SYMBOL_LUT[ord("u")] = BASE_CODES["T"] + BASE_OFFSET

CONFIG_NAME = "ngram_config.json"
COUNTS_NAME = "ngram_counts.npz"


def _smoothing_k(smoothing: str | float) -> float:
    """``"laplace"`` -> 1, ``"mle"`` -> 0, ``"add-0.5"`` or ``0.5`` -> 0.5 (Lidstone)."""
    if isinstance(smoothing, (int, float)) and not isinstance(smoothing, bool):
        k = float(smoothing)
    elif smoothing == "laplace":
        k = 1.0
    elif smoothing == "mle":
        k = 0.0
    elif isinstance(smoothing, str) and smoothing.startswith("add-"):
        k = float(smoothing[4:])
    else:
        raise ValueError(f"smoothing must be 'laplace', 'mle', 'add-K' or a number, got {smoothing!r}")
    if k < 0 or not math.isfinite(k):
        raise ValueError(f"add-k smoothing needs a finite k >= 0, got {k}")
    return k


def _window_codes(symbols: np.ndarray, n: int) -> np.ndarray:
    """Integer code of the n symbols starting at every position (``len(symbols) - n + 1`` codes).

    Built by doubling: windows of 1, 2, 4, ... symbols combined with contiguous slices, log2(n)
    passes and no loop over positions. ``uint32`` when the codes fit (faster to sort), else
    ``int64``; callers cast their tables to int64.
    """
    dtype = np.uint32 if RADIX_BITS * n <= 32 else np.int64
    if len(symbols) < n:
        return np.zeros(0, dtype=dtype)
    codes: np.ndarray | None = None  # code of the first `width` symbols of the window, per position
    width = 0
    power = symbols.astype(dtype)  # windows of `size` symbols, size = 1, 2, 4, ...
    size = 1
    remaining = n
    while remaining:
        if remaining & 1:
            if codes is None:
                codes, width = power, size
            else:
                count = min(len(codes), len(power) - width)
                codes = (codes[:count] << dtype(RADIX_BITS * size)) | power[width : width + count]
                width += size
        remaining >>= 1
        if remaining:
            power = (power[:-size] << dtype(RADIX_BITS * size)) | power[size:]
            size *= 2
    return codes


DENSE_COUNT_BITS = 24  # codes of <= 24 bits (n <= 8) are counted with bincount: no sort


def count_codes(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique codes of n-grams and how often each occurs.

    Up to n = 8 a dense ``bincount`` over all 2^(3n) codes (<= 128 MB) is 3-5x faster than the
    sort inside ``np.unique``; longer n-grams are sorted.
    """
    if RADIX_BITS * n <= DENSE_COUNT_BITS and len(codes):
        dense = np.bincount(codes, minlength=1)
        unique = np.flatnonzero(dense)
        return unique.astype(np.int64), dense[unique]
    unique, counts = np.unique(codes, return_counts=True)
    return unique.astype(np.int64), counts.astype(np.int64)


def _merge_counts(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``counts`` of equal ``codes``; returns sorted unique codes and their totals."""
    order = np.argsort(codes, kind="stable")
    return _sorted_group_sum(codes[order], counts[order])


def _sorted_group_sum(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group-by-sum of already sorted ``codes`` (no sort needed)."""
    if not len(codes):
        return codes.astype(np.int64), counts.astype(np.int64)
    first = np.concatenate([[0], np.flatnonzero(codes[1:] != codes[:-1]) + 1])
    return codes[first], np.add.reduceat(counts.astype(np.int64), first)


def as_sequence_list(sequences: Iterable[str] | str) -> list[str]:
    """A plain list from a list, a string, a ``datasets`` column (sliced: iterating one is slow), ..."""
    if isinstance(sequences, str):
        return [sequences]
    if isinstance(sequences, list):
        return sequences
    sliced = sequences[:] if hasattr(sequences, "__getitem__") else None
    return sliced if isinstance(sliced, list) else list(sequences)


class NGramLM:
    """Add-k smoothed n-gram LM over nucleotides (``smoothing="laplace"``, ``"mle"``, ``"add-K"``)."""

    def __init__(self, n: int, smoothing: str | float = "laplace") -> None:
        if not 1 <= int(n) <= MAX_ORDER:
            raise ValueError(f"n must be in 1..{MAX_ORDER} (int64 codes of {RADIX_BITS} bits), got {n}")
        self.n = int(n)
        self.smoothing = smoothing
        self.k = _smoothing_k(smoothing)
        self.seen_symbols = np.zeros(RADIX, dtype=bool)  # symbols of the padded training text
        self.ngram_codes = np.zeros(0, dtype=np.int64)
        self.ngram_counts = np.zeros(0, dtype=np.int64)
        self.context_codes = np.zeros(0, dtype=np.int64)
        self.context_counts = np.zeros(0, dtype=np.int64)

    def __repr__(self) -> str:
        return f"NGramLM(n={self.n}, smoothing={self.smoothing!r}, ngrams={len(self.ngram_codes)})"

    # ------------------------------------------------------------------ symbols
    @property
    def vocab_size(self) -> int:
        """|V| as NLTK counts it: the symbols seen in the padded training text plus ``<UNK>``."""
        seen = self.seen_symbols.copy()
        seen[UNK] = False
        return int(seen.sum()) + 1

    @property
    def is_fitted(self) -> bool:
        return bool(self.seen_symbols.any())

    def _padded(self, sequences: Sequence[str], end_pads: int) -> tuple[np.ndarray, np.ndarray]:
        """All sequences as one symbol array with n-1 start pads and ``end_pads`` end pads each.

        Built as one string (pads as control bytes between the genes) mapped through a 256-entry
        lookup table; returns the symbols and each sequence's block offsets.
        """
        pads = self.n - 1
        lead, tail = _PAD_START_BYTE * pads, _PAD_END_BYTE * end_pads
        text = lead + (tail + lead).join(sequences) + tail if len(sequences) else ""
        try:
            symbols = _SYMBOL_LUT[np.frombuffer(text.encode("latin-1"), dtype=np.uint8)]
            valid = not (symbols == _INVALID).any()
        except UnicodeEncodeError:
            valid = False
        if not valid:  # report the first bad base with its record and position
            for index, seq in enumerate(sequences):
                encode(seq, record_id=f"#{index}")
            raise ValueError("sequences contain characters that are not DNA")
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        offsets = np.concatenate([[0], np.cumsum(lengths + pads + end_pads)])
        return symbols, offsets

    def _window_codes_in_blocks(self, symbols: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Codes of every window that lies inside one sequence's block (the last n-1 starts of each
        block would cross into the next one)."""
        codes = _window_codes(symbols, self.n)
        if self.n == 1 or not len(codes):
            return codes
        keep = np.ones(len(symbols), dtype=bool)
        crossing = (offsets[1:, None] - np.arange(1, self.n)[None, :]).ravel()
        keep[crossing[crossing >= 0]] = False
        return codes[keep[: len(codes)]]

    # ------------------------------------------------------------------ training
    def fit(self, sequences: Iterable[str]) -> NGramLM:
        """Count every n-gram of the padded training sequences (adds to existing counts)."""
        sequences = as_sequence_list(sequences)
        codes, counts = [self.ngram_codes], [self.ngram_counts]
        chunk: list[str] = []
        size = 0
        for seq in [*sequences, None]:
            if seq is not None:
                chunk.append(seq)
                size += len(seq) + 2 * self.n
            if chunk and (seq is None or size >= CHUNK_SYMBOLS):
                unique, unique_counts = self._count_chunk(chunk)
                codes.append(unique)
                counts.append(unique_counts)
                chunk, size = [], 0
        codes = [c for c in codes if len(c)]
        counts = [c for c in counts if len(c)]
        if len(codes) == 1:  # one chunk, nothing counted before: already unique and sorted
            self.ngram_codes, self.ngram_counts = codes[0], counts[0].astype(np.int64)
        else:
            self.ngram_codes, self.ngram_counts = _merge_counts(np.concatenate(codes), np.concatenate(counts))
        # contexts: drop the last symbol; the codes stay sorted, so this is a cheap group-by
        self.context_codes, self.context_counts = _sorted_group_sum(
            self.ngram_codes >> RADIX_BITS, self.ngram_counts
        )
        return self

    def _count_chunk(self, sequences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        symbols, offsets = self._padded(sequences, end_pads=self.n - 1)
        self.seen_symbols |= np.bincount(symbols, minlength=RADIX) > 0
        return count_codes(self._window_codes_in_blocks(symbols, offsets), self.n)

    # ------------------------------------------------------------------ scoring
    @staticmethod
    def _lookup(table_codes: np.ndarray, table_counts: np.ndarray, sorted_query: np.ndarray) -> np.ndarray:
        """Count of each (sorted) query code in a sorted table, 0 when absent.

        Sorted queries make ``searchsorted`` walk the table in order, several times faster than
        random probes into a table larger than the cache.
        """
        if not len(table_codes) or not len(sorted_query):
            return np.zeros(len(sorted_query), dtype=np.int64)
        index = np.minimum(np.searchsorted(table_codes, sorted_query), len(table_codes) - 1)
        return np.where(table_codes[index] == sorted_query, table_counts[index], 0)

    def log_probs_of_codes(self, codes: np.ndarray) -> np.ndarray:
        """Natural-log probability of each n-gram code's last symbol given the others."""
        unique, inverse = np.unique(codes, return_inverse=True)
        return self._log_probs_of_sorted_unique(unique.astype(np.int64))[inverse.reshape(codes.shape)]

    def _log_probs_of_sorted_unique(self, unique: np.ndarray) -> np.ndarray:
        ngram = self._lookup(self.ngram_codes, self.ngram_counts, unique)
        # the contexts of sorted codes are sorted too
        context = self._lookup(self.context_codes, self.context_counts, unique >> RADIX_BITS)
        numerator = ngram + self.k
        denominator = context + self.k * self.vocab_size
        with np.errstate(divide="ignore", invalid="ignore"):
            log_probs = np.log(numerator) - np.log(denominator)
        # MLE with an unseen context: NLTK's FreqDist.freq is 0 there, so log-probability -inf
        return np.where(numerator == 0, -np.inf, log_probs)

    def _predicted_codes(self, sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Codes of every predicted n-gram, and the number of predictions per sequence."""
        if not self.is_fitted:
            raise RuntimeError("NGramLM.fit() must be called before scoring")
        sequences = as_sequence_list(sequences)
        end_pads = 1 if self.n >= 2 else 0
        symbols, offsets = self._padded(sequences, end_pads=end_pads)
        # symbols never seen in training are <UNK> (NLTK's vocab.lookup)
        symbols = np.where(self.seen_symbols[symbols], symbols, UNK).astype(np.uint8)
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        # each block is L + n symbols (n >= 2), so its in-block windows are the L + 1 predictions
        return self._window_codes_in_blocks(symbols, offsets), lengths + end_pads

    def token_log_probs(self, sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Log-probability of every predicted symbol, and the number of predictions per sequence."""
        codes, predictions = self._predicted_codes(sequences)
        return self.log_probs_of_codes(codes), predictions

    def sequence_log_likelihoods(self, sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The scorer protocol of :mod:`hf_genomics.evaluation.perplexity`.

        Returns ``(total negative log-likelihood in nats, predicted tokens, nucleotides)`` per sequence.
        """
        sequences = as_sequence_list(sequences)
        log_probs, predictions = self.token_log_probs(sequences)
        segment = np.repeat(np.arange(len(predictions)), predictions)
        nll = -np.bincount(segment, weights=log_probs, minlength=len(predictions))
        if np.isneginf(log_probs).any():  # bincount turns -inf sums into nan; keep them infinite
            nll[np.unique(segment[np.isneginf(log_probs)])] = np.inf
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        return nll, predictions, lengths

    def log_likelihood(self, sequence: str) -> float:
        """Total log-probability (nats) of one sequence, its end prediction included."""
        log_probs, _ = self.token_log_probs([sequence])
        return float(log_probs.sum())

    def perplexity(self, sequences: Sequence[str] | str) -> float:
        """Corpus perplexity: exp of the mean negative log-probability over all predicted symbols."""
        codes, _ = self._predicted_codes(sequences)
        if not len(codes):
            raise ValueError("perplexity needs at least one predicted symbol")
        # only the sum matters: weigh each distinct n-gram by how often it occurs
        unique, counts = count_codes(codes, self.n)
        log_probs = self._log_probs_of_sorted_unique(unique)
        if np.isneginf(log_probs).any():
            return math.inf
        return float(math.exp(-np.dot(log_probs, counts) / len(codes)))

    # ------------------------------------------------------------------ sampling
    def next_symbol_probs(self, contexts: np.ndarray) -> np.ndarray:
        """Probabilities ``(batch, RADIX)`` of the next symbol after each context code (n-1 symbols)."""
        candidates = np.arange(RADIX, dtype=np.int64)
        codes = (contexts.astype(np.int64)[:, None] << RADIX_BITS) | candidates[None, :]
        probs = np.exp(self.log_probs_of_codes(codes.ravel())).reshape(codes.shape)
        allowed = self.seen_symbols.copy()
        allowed[[START, UNK]] = False  # never generate a start pad or <UNK>
        probs = probs * allowed[None, :]
        totals = probs.sum(axis=1, keepdims=True)
        uniform = allowed / allowed.sum()
        return np.where(totals > 0, probs / np.where(totals > 0, totals, 1), uniform[None, :])

    def generate(self, num_sequences: int = 1, max_length: int = 1000, seed: int | None = None) -> list[str]:
        """Sample sequences left to right until ``</s>`` or ``max_length`` bases."""
        if not self.is_fitted:
            raise RuntimeError("NGramLM.fit() must be called before sampling")
        rng = np.random.default_rng(seed)
        mask = (1 << (RADIX_BITS * (self.n - 1))) - 1
        contexts = np.zeros(num_sequences, dtype=np.int64)  # n-1 start pads (START == 0)
        out = np.full((num_sequences, max_length), END, dtype=np.uint8)
        alive = np.ones(num_sequences, dtype=bool)
        for position in range(max_length):
            probs = self.next_symbol_probs(contexts)
            draws = (probs.cumsum(axis=1) < rng.random((num_sequences, 1))).sum(axis=1)
            draws = np.minimum(draws, RADIX - 1)
            draws = np.where(alive, draws, END)
            out[:, position] = draws
            alive &= draws != END
            if not alive.any():
                break
            contexts = ((contexts << RADIX_BITS) | draws) & mask if self.n > 1 else contexts
        text = np.array(SYMBOLS, dtype=object)
        results = []
        for row in out:
            stop = np.flatnonzero(row == END)
            row = row[: stop[0]] if len(stop) else row
            results.append("".join(text[row]))
        return results

    # ------------------------------------------------------------------ persistence
    def save_pretrained(self, save_directory: str | Path) -> None:
        """Write ``ngram_config.json`` and ``ngram_counts.npz`` (plain arrays: no pickle)."""
        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "model_type": "ngram",
            "n": self.n,
            "smoothing": self.smoothing,
            "symbols": SYMBOLS,
            "radix_bits": RADIX_BITS,
            "seen_symbols": [SYMBOLS[i] for i in np.flatnonzero(self.seen_symbols)],
            "vocab_size": self.vocab_size,
            "num_ngrams": int(len(self.ngram_codes)),
        }
        (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
        np.savez_compressed(
            folder / COUNTS_NAME,
            ngram_codes=self.ngram_codes,
            ngram_counts=self.ngram_counts,
            context_codes=self.context_codes,
            context_counts=self.context_counts,
        )

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> NGramLM:
        folder = Path(directory)
        config = json.loads((folder / CONFIG_NAME).read_text())
        if config.get("symbols") != SYMBOLS or config.get("radix_bits") != RADIX_BITS:
            raise ValueError(f"{folder / CONFIG_NAME}: symbol table differs from this version's")
        model = cls(config["n"], config["smoothing"])
        model.seen_symbols[[SYMBOLS.index(s) for s in config["seen_symbols"]]] = True
        with np.load(folder / COUNTS_NAME, allow_pickle=False) as arrays:
            for name in ("ngram_codes", "ngram_counts", "context_codes", "context_counts"):
                setattr(model, name, arrays[name].astype(np.int64))
        return model


__all__ = ["NGramLM", "as_sequence_list"]
