"""Blend classifiers' class probabilities with weights chosen on validation MCC.

A k-mer logistic regression and a from-scratch transformer make different mistakes (one counts
words, the other reads their order), so the average of their probabilities can beat both; whether
it does on a given task is decided on the validation split, never on test. The candidate weights
are few on purpose (quarters): a fine grid would fit the validation split's noise.
"""

from __future__ import annotations

import itertools
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


def simplex_weights(models: int, parts: int = 4) -> list[tuple[float, ...]]:
    """Every way to give ``models`` models weights in steps of ``1/parts`` that sum to 1, the most even
    first (smallest sum of squares; then in increasing order): on a validation tie, averaging wins.
    For two models: (½, ½), (¼, ¾), (¾, ¼), (0, 1), (1, 0) -- :data:`BLEND_WEIGHTS`' order."""
    if models < 1 or parts < 1:
        raise ValueError(f"need at least one model and one part, got {models} and {parts}")
    grid = [c for c in itertools.product(range(parts + 1), repeat=models) if sum(c) == parts]
    return [
        tuple(c / parts for c in combo) for combo in sorted(grid, key=lambda c: (sum(x * x for x in c), c))
    ]


@dataclass
class EnsembleChoice:
    """The chosen weights (one per model, summing to 1) and the validation MCC of every candidate."""

    weights: tuple[float, ...]
    dev_mcc: float
    dev_mcc_by_weights: dict[tuple[float, ...], float]


def ensemble_probabilities(weights: Sequence[float], probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """``sum(w * p)`` over the models: each ``p`` is ``(n, num_classes)`` probabilities."""
    arrays = [np.asarray(p, dtype=np.float64) for p in probabilities]
    if len(weights) != len(arrays) or any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"{len(weights)} weights for probabilities of shapes {[a.shape for a in arrays]}")
    return sum(w * a for w, a in zip(weights, arrays, strict=True))


def choose_ensemble_weights(
    probabilities: Sequence[np.ndarray], labels: Sequence[int], parts: int = 4
) -> EnsembleChoice:
    """The weights (of :func:`simplex_weights`) whose weighted average of ``probabilities`` (one
    array per model) has the highest validation MCC; ties go to the more even weights."""
    labels = np.asarray(labels, dtype=np.int64)
    num_classes = np.asarray(probabilities[0]).shape[-1]
    scores: dict[tuple[float, ...], float] = {}
    for weights in simplex_weights(len(probabilities), parts):
        predicted = ensemble_probabilities(weights, probabilities).argmax(-1)
        scores[weights] = compute_classification_metrics(predicted, labels, num_classes)["mcc"]
    best = max(scores, key=scores.get)  # the first of equal maxima: the most even
    return EnsembleChoice(best, scores[best], scores)


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


__all__ = [
    "BLEND_WEIGHTS",
    "BlendChoice",
    "EnsembleChoice",
    "blend_probabilities",
    "choose_blend_weight",
    "choose_ensemble_weights",
    "ensemble_probabilities",
    "simplex_weights",
]
