"""Cumulative 3D "DNA walks" and the distances between them ("Attention is not enough", dna-llm).

Each base is one step: ``G = (1, 0, 1)``, ``C = (-1, 0, 1)``, ``T/U = (0, 1, 1)``,
``A = (0, -1, 1)`` and ``N`` (or an IUPAC ambiguity code, normalised to ``N``) ``= (0, 0, 1)``.
The walk is the cumulative sum, one point per base, so the third coordinate is the 1-based
position. The first coordinate is the "GC perspective" (G minus C so far), the second the "TAU
perspective" (T minus A so far). A model that has learnt a genome's composition drifts the same
way; a generated continuation that wanders off shows up as a growing distance between walks.

Distances compare points at the same position. **When lengths differ, only the common prefix is
compared** (position ``i`` exists in both walks for ``i < min(len(a), len(b))``); points that
exist in one walk only have no partner and are ignored. Use ``length_mismatch="error"`` to make
a length difference an error instead. In batches, walks shorter than the longest are padded with
``NaN`` and those positions are ignored the same way.

Everything is vectorised with numpy lookup tables and ``cumsum``; no Python loop over bases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from hf_genomics.alphabet import encode, normalize

# rows indexed by base code A=0, C=1, G=2, T=3, N=4 (hf_genomics.alphabet.encode)
STEPS = np.array(
    [
        [0, -1, 1],  # A
        [-1, 0, 1],  # C
        [1, 0, 1],  # G
        [0, 1, 1],  # T (and U)
        [0, 0, 1],  # N
    ],
    dtype=np.int64,
)

Reduce = Literal["max", "mean", "end"]
WalkLike = str | np.ndarray


def walk_from_codes(codes: np.ndarray) -> np.ndarray:
    """Walk of base codes (``A0 C1 G2 T3 N4``; any leading batch axes): shape ``(..., L, 3)``."""
    codes = np.asarray(codes)
    if codes.size and int(codes.max()) > 4:
        raise ValueError(f"base codes must be in 0..4, found {int(codes.max())}")
    return np.cumsum(STEPS[codes.astype(np.intp)], axis=-2)


def dna_walk(seq: str) -> np.ndarray:
    """The cumulative walk of one sequence, an ``int64`` array of shape ``(L, 3)``.

    The sequence goes through the package's normalisation (case, ``U``, IUPAC -> ``N``); other
    characters raise :class:`~hf_genomics.alphabet.InvalidSequenceError` with their position.
    """
    return walk_from_codes(encode(normalize(seq)))


def dna_walks(seqs: Sequence[str]) -> np.ndarray:
    """Walks of many sequences as one ``float64`` array ``(B, max_len, 3)``, ``NaN`` past each end."""
    lengths = [len(s) for s in seqs]
    width = max(lengths, default=0)
    codes = np.full((len(seqs), width), 4, dtype=np.uint8)
    for row, seq in enumerate(seqs):  # one vectorised encode per sequence
        codes[row, : lengths[row]] = encode(normalize(seq))
    walks = walk_from_codes(codes).astype(np.float64)
    beyond = np.arange(width)[None, :] >= np.asarray(lengths)[:, None]
    walks[beyond] = np.nan
    return walks


def _as_walk(x: WalkLike) -> np.ndarray:
    if isinstance(x, str):
        return dna_walk(x).astype(np.float64)
    array = np.asarray(x, dtype=np.float64)
    if array.ndim < 2 or array.shape[-1] != 3:
        raise ValueError(f"a walk has shape (L, 3) or (B, L, 3), got {array.shape}")
    return array


def walk_distance(
    a: WalkLike,
    b: WalkLike,
    reduce: Reduce = "max",
    *,
    length_mismatch: Literal["truncate", "error"] = "truncate",
) -> float | np.ndarray:
    """Euclidean distance between points at the same position of two walks, reduced over positions.

    ``a`` and ``b`` are sequences (strings) or walks ``(L, 3)``/batches ``(B, L, 3)``.
    ``reduce="max"`` is the study's metric; ``"mean"`` averages over positions; ``"end"`` is the
    distance between the last compared points. Lengths: see the module docstring (common prefix).
    Returns a float for single walks, an array of ``B`` floats for batches (``NaN`` where a pair
    has no position in common).
    """
    if reduce not in ("max", "mean", "end"):
        raise ValueError(f"reduce must be 'max', 'mean' or 'end', got {reduce!r}")
    wa, wb = _as_walk(a), _as_walk(b)
    if wa.shape[-2] != wb.shape[-2] and length_mismatch == "error":
        raise ValueError(f"walk lengths differ: {wa.shape[-2]} vs {wb.shape[-2]}")
    common = min(wa.shape[-2], wb.shape[-2])
    wa, wb = np.broadcast_arrays(wa[..., :common, :], wb[..., :common, :])
    distance = np.linalg.norm(wa - wb, axis=-1)  # (..., common); NaN where either walk is padding
    valid = ~np.isnan(distance)
    n_valid = valid.sum(axis=-1)
    filled = np.where(valid, distance, 0.0)
    if reduce == "max":
        result = np.where(
            n_valid > 0, np.max(np.where(valid, distance, -np.inf), axis=-1, initial=-np.inf), np.nan
        )
    elif reduce == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            result = filled.sum(axis=-1) / n_valid
    else:
        last = np.clip(n_valid - 1, 0, None)  # padding is always a suffix, so this is the last valid
        result = np.take_along_axis(filled, last[..., None], axis=-1)[..., 0]
        result = np.where(n_valid > 0, result, np.nan)
    return float(result) if np.ndim(result) == 0 else result


def walk_distances(a: WalkLike, b: WalkLike) -> dict[str, float | np.ndarray]:
    """All three reductions at once: ``{"max": ..., "mean": ..., "end": ...}``."""
    wa, wb = _as_walk(a), _as_walk(b)
    return {reduce: walk_distance(wa, wb, reduce) for reduce in ("max", "mean", "end")}
