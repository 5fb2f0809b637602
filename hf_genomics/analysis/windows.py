"""Sliding windows over sequences longer than the model, and stitching their results back.

Windows have ``window_nt`` bases and start every ``stride_nt`` bases (default: half a window, so
neighbouring windows overlap by 50%); the last window is aligned to the sequence end so every
base is seen, and no window is shorter than ``window_nt`` unless the whole sequence is.

Stitching rule (per-nucleotide arrays): a base covered by several windows gets the **mean** of the
values those windows give it. Pooled values (a class probability, a pooled embedding) are the mean
over windows.
"""

from __future__ import annotations

import numpy as np


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
    sequences: list[str], window_nt: int | None, stride_nt: int | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All windows of all sequences: ``(window texts, sequence index, start)`` per window."""
    texts, owners, starts = [], [], []
    for index, sequence in enumerate(sequences):
        for start in window_starts(len(sequence), window_nt, stride_nt).tolist():
            end = len(sequence) if window_nt is None else start + window_nt
            texts.append(sequence[start:end])
            owners.append(index)
            starts.append(start)
    return texts, np.asarray(owners, dtype=np.int64), np.asarray(starts, dtype=np.int64)


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


__all__ = ["Stitcher", "tile", "window_starts"]
