"""Both-strand averages of per-base maps: the reverse complement's map turned back onto the forward strand.

A map computed on ``reverse_complement(s)`` has its row ``i`` at forward position ``L - 1 - i`` and
its base column ``b`` (A, C, G, T) at the complementary base ``3 - b``; flipping both axes puts it
on the forward strand, where it is averaged with the forward map. A model that is exactly
reverse-complement symmetric gives back its forward map.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hf_genomics.alphabet import reverse_complement


def to_forward_strand(scores: np.ndarray) -> np.ndarray:
    """An ``L x 4`` (A, C, G, T) map of the reverse complement, on forward coordinates and bases."""
    return np.asarray(scores)[::-1, ::-1]


def strand_averaged(compute, sequence: str, strands: str = "both", **kwargs):
    """``compute(sequence, **kwargs)`` averaged with ``compute`` on the reverse complement
    (``strands="forward"``: the forward result alone).

    ``compute`` returns a result with an ``L x 4`` ``scores`` array (ISM, integrated gradients) and
    optionally an ``L`` ``per_base`` array; the result keeps the forward sequence.
    """
    if strands not in ("forward", "both"):
        raise ValueError(f"strands must be 'forward' or 'both', got {strands!r}")
    forward = compute(sequence, **kwargs)
    if strands == "forward":
        return forward
    reverse = compute(reverse_complement(sequence), **kwargs)
    changes = {"scores": (forward.scores + to_forward_strand(reverse.scores)) / 2}
    if hasattr(forward, "per_base"):
        changes["per_base"] = (forward.per_base + reverse.per_base[::-1]) / 2
    return replace(forward, **changes)


__all__ = ["strand_averaged", "to_forward_strand"]
