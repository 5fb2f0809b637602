"""Ragged id batches as one flat array plus a count per row: truncate, add specials, pad.

The vectorised tokenizer paths produce ids for a whole batch at once; these helpers keep them
flat (no per-row numpy calls) until the very end. ``flat`` may carry trailing columns (ids plus
alignment columns, one row per token); ``before``/``after`` and ``pad_id`` then give a value per column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def row_offsets(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start of each row in the flat array, and each element's offset inside its row."""
    starts = np.cumsum(counts) - counts
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    return starts, offsets


def truncate(
    flat: np.ndarray, counts: np.ndarray, room: int, side: str = "right"
) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``room`` ids per row, dropping from the right (or the left)."""
    kept = np.minimum(counts, room)
    _, offsets = row_offsets(counts)
    limit = np.repeat(kept if side == "right" else counts - kept, counts)
    keep = offsets < limit if side == "right" else offsets >= limit
    return flat[keep], kept


def add_specials(
    flat: np.ndarray, counts: np.ndarray, before: Sequence, after: Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Wrap every row as ``before + row + after``."""
    if not before and not after:
        return flat, counts
    new_counts = counts + len(before) + len(after)
    new_starts = np.cumsum(new_counts) - new_counts
    out = np.empty((int(new_counts.sum()), *flat.shape[1:]), dtype=np.int64)
    _, offsets = row_offsets(counts)
    out[np.repeat(new_starts + len(before), counts) + offsets] = flat
    for index, token in enumerate(before):
        out[new_starts + index] = token
    for index, token in enumerate(after):
        out[new_starts + len(before) + counts + index] = token
    return out, new_counts


def to_matrix(
    flat: np.ndarray, counts: np.ndarray, width: int, pad_id, side: str = "right"
) -> tuple[np.ndarray, np.ndarray]:
    """Padded ``(rows, width)`` id matrix and its attention mask."""
    n_rows = len(counts)
    matrix = np.full((n_rows, width, *flat.shape[1:]), pad_id, dtype=np.int64)
    mask = np.zeros((n_rows, width), dtype=np.int64)
    _, offsets = row_offsets(counts)
    rows = np.repeat(np.arange(n_rows), counts)
    columns = offsets if side == "right" else offsets + np.repeat(width - counts, counts)
    matrix[rows, columns] = flat
    mask[rows, columns] = 1
    return matrix, mask


def to_lists(flat: np.ndarray, counts: np.ndarray) -> list[list[int]]:
    """Python lists per row (one ``tolist`` for the whole batch, then list slices)."""
    values = flat.tolist()
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]]
    return [values[start:end] for start, end in zip(starts, ends)]
