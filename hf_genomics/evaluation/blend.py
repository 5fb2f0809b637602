"""Blend two classifiers' class probabilities with a weight chosen on validation MCC.

A k-mer logistic regression and a from-scratch transformer make different mistakes (one counts
words, the other reads their order), so the average of their probabilities can beat both; whether
it does on a given task is decided on the validation split, never on test. The candidate weights
are few on purpose: a fine grid would fit the validation split's noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_genomics.evaluation.metrics import compute_classification_metrics

# weight of the first model; ties go to the earlier entry (the more even blend: averaging lowers variance)
BLEND_WEIGHTS = (0.5, 0.25, 0.75, 0.0, 1.0)


@dataclass
class BlendChoice:
    """The chosen weight of the first model and the validation MCC of every candidate."""

    weight: float
    dev_mcc: float
    dev_mcc_by_weight: dict[float, float]


def blend_probabilities(weight: float, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``weight * first + (1 - weight) * second``, both ``(n, num_classes)`` probabilities."""
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if first.shape != second.shape:
        raise ValueError(f"probability shapes differ: {first.shape} vs {second.shape}")
    return weight * first + (1.0 - weight) * second


def choose_blend_weight(
    first: np.ndarray,
    second: np.ndarray,
    labels: Sequence[int],
    weights: Sequence[float] = BLEND_WEIGHTS,
) -> BlendChoice:
    """The weight of ``first`` (in ``weights``) whose blend has the highest validation MCC."""
    labels = np.asarray(labels, dtype=np.int64)
    num_classes = np.asarray(first).shape[-1]
    scores: dict[float, float] = {}
    for weight in weights:
        predicted = blend_probabilities(weight, first, second).argmax(-1)
        scores[float(weight)] = compute_classification_metrics(predicted, labels, num_classes)["mcc"]
    best = max(scores, key=scores.get)  # the first of equal maxima: candidates keep their order
    return BlendChoice(best, scores[best], scores)


__all__ = ["BLEND_WEIGHTS", "BlendChoice", "blend_probabilities", "choose_blend_weight"]
