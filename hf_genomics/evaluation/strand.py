"""Reverse-complement-averaged prediction: exactly strand-symmetric class probabilities.

Averaging takes the mean of the class probabilities of a sequence and its reverse complement, so
``predict(x) == predict(rc(x))``. The reverse strand is tokenized from nucleotides (see
``hf_genomics.data.collators.add_reverse_complement``), never by flipping token ids.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def rc_averaged_probabilities(forward_logits: np.ndarray, reverse_logits: np.ndarray) -> np.ndarray:
    """Mean class probabilities of both strands (row ``i`` of each array is the same example)."""
    if forward_logits.shape != reverse_logits.shape:
        raise ValueError(f"strand logits differ in shape: {forward_logits.shape} vs {reverse_logits.shape}")
    return (softmax(forward_logits) + softmax(reverse_logits)) / 2


__all__ = ["rc_averaged_probabilities", "softmax"]
