"""Sliding windows over sequences longer than the model, and stitching their results back.

Windows have ``window_nt`` bases and start every ``stride_nt`` bases (default: half a window, so
neighbouring windows overlap by 50%); the last window is aligned to the sequence end so every
base is seen, and no window is shorter than ``window_nt`` unless the whole sequence is.

Stitching rule (per-nucleotide arrays): a base covered by several windows gets the **mean** of the
values those windows give it. Pooled values (a class probability, a pooled embedding) are the mean
over windows.

Windows are sized in nucleotides but checked in tokens: given the tokenizer and the model's token
budget, a window that tokenizes to more (``N`` runs under a k-mer tokenizer) is cut further
(:func:`fit_to_token_budget`), so no model ever sees more positions than it has.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)


def window_starts(length_nt: int, window_nt: int | None, stride_nt: int | None = None) -> np.ndarray:
    """0-based window starts covering ``length_nt`` bases (one window when it fits)."""
    if window_nt is None or length_nt <= window_nt:
        return np.zeros(1, dtype=np.int64)
    if window_nt < 1:
        raise ValueError(f"window_nt must be >= 1, got {window_nt}")
    stride = max(1, window_nt // 2) if stride_nt is None else int(stride_nt)
    if not 1 <= stride <= window_nt:
        raise ValueError(f"stride_nt must be between 1 and window_nt={window_nt}, got {stride_nt}")
    last = length_nt - window_nt
    starts = np.arange(0, last, stride, dtype=np.int64)
    return np.append(starts, last)


def tile(
    sequences: list[str],
    window_nt: int | None,
    stride_nt: int | None = None,
    *,
    tokenizer=None,
    max_tokens: int | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All windows of all sequences: ``(window texts, sequence index, start)`` per window.

    With ``tokenizer`` and ``max_tokens``, every window is also checked by its actual token count
    (specials included) and cut further where it holds more (:func:`fit_to_token_budget`).
    """
    if window_nt is not None and stride_nt is not None and not 1 <= int(stride_nt) <= int(window_nt):
        # checked for every input, not only for sequences long enough to need a second window
        raise ValueError(f"stride_nt must be between 1 and window_nt={window_nt}, got {stride_nt}")
    texts, owners, starts = [], [], []
    for index, sequence in enumerate(sequences):
        for start in window_starts(len(sequence), window_nt, stride_nt).tolist():
            end = len(sequence) if window_nt is None else start + window_nt
            texts.append(sequence[start:end])
            owners.append(index)
            starts.append(start)
    if tokenizer is not None and max_tokens is not None:
        texts, owners, starts = fit_to_token_budget(texts, owners, starts, tokenizer, max_tokens)
    return texts, np.asarray(owners, dtype=np.int64), np.asarray(starts, dtype=np.int64)


def token_counts(tokenizer, texts: list[str]) -> np.ndarray:
    """Tokens (specials included) of each text, measured without truncation or length warnings."""
    from hf_genomics.data.sequences import past_length_guard

    if not texts:
        return np.zeros(0, dtype=np.int64)
    with past_length_guard(tokenizer):
        ids = tokenizer(list(texts), add_special_tokens=True)["input_ids"]
    return np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))


def fit_to_token_budget(
    texts: list[str], owners: list[int], starts: list[int], tokenizer, max_tokens: int
) -> tuple[list[str], list[int], list[int]]:
    """Windows whose tokens exceed ``max_tokens`` re-tiled with half the window (half-window steps).

    Nucleotide windows are sized for N-free sequences; a k-mer tokenizer makes every ``N`` (and the
    bases between ``N`` runs) single-base tokens, so such a window can need several times more tokens
    than the model has positions (NT v1: an ``IndexError``; NT v2: silently past its 130 positions).
    Cutting only the windows that overflow keeps the others, and every base stays covered. Each cut
    is logged once per call.
    """
    counts = token_counts(tokenizer, texts)
    if not len(counts) or counts.max() <= max_tokens:
        return texts, owners, starts
    fitted_texts, fitted_owners, fitted_starts = [], [], []
    pending = list(zip(texts, owners, starts, counts.tolist()))
    n_cut = 0
    while pending:
        over = []
        for text, owner, start, count in pending:
            if count <= max_tokens:
                fitted_texts.append(text)
                fitted_owners.append(owner)
                fitted_starts.append(start)
            elif len(text) <= 1:
                raise ValueError(
                    f"one base takes {count} tokens with {type(tokenizer).__name__}, more than the "
                    f"model's {max_tokens}"
                )
            else:
                n_cut += 1
                half = max(1, len(text) // 2)
                for offset in window_starts(len(text), half, max(1, half // 2)).tolist():
                    over.append((text[offset : offset + half], owner, start + offset))
        measured = token_counts(tokenizer, [text for text, *_ in over])
        pending = [(*item, count) for item, count in zip(over, measured.tolist())]
    logger.warning(
        "%d window(s) held more tokens than the model's %d (N runs become single-base tokens): cut into "
        "smaller windows",
        n_cut,
        max_tokens,
    )
    order = sorted(range(len(fitted_texts)), key=lambda i: (fitted_owners[i], fitted_starts[i]))
    return (
        [fitted_texts[i] for i in order],
        [fitted_owners[i] for i in order],
        [fitted_starts[i] for i in order],
    )


class Stitcher:
    """Accumulates per-nucleotide window arrays into one array per sequence (mean over windows)."""

    def __init__(self, lengths: list[int], trailing_shape: tuple[int, ...] = ()) -> None:
        self.sums = [np.zeros((length, *trailing_shape), dtype=np.float64) for length in lengths]
        self.counts = [np.zeros(length, dtype=np.int64) for length in lengths]

    def add(self, index: int, start: int, values: np.ndarray) -> None:
        end = start + len(values)
        self.sums[index][start:end] += values
        self.counts[index][start:end] += 1

    def result(self, dtype=np.float32) -> list[np.ndarray]:
        out = []
        for sums, counts in zip(self.sums, self.counts):
            shape = (-1,) + (1,) * (sums.ndim - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append((sums / counts.reshape(shape)).astype(dtype))
        return out


__all__ = ["Stitcher", "fit_to_token_budget", "tile", "token_counts", "window_starts"]
