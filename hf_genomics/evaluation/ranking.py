"""Ranking metrics for a binary label and a real-valued score: AUROC, AUPRC, their curves and
percentile-bootstrap 95 % intervals -- what zero-shot variant-effect benchmarks report.

Ties are handled as scikit-learn does: AUROC counts a tied positive/negative pair as one half
(Mann-Whitney U with mid-ranks); AUPRC is the average precision over distinct score thresholds,
``sum_k (R_k - R_{k-1}) P_k``. Tested equal to ``sklearn.metrics`` on tied and untied data.
"""

from __future__ import annotations

import numpy as np


def _check(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(
            f"labels and scores must be 1-D of one length, got {labels.shape} and {scores.shape}"
        )
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite (drop unscored rows first)")
    return labels, scores


def auroc(labels, scores) -> float:
    """Area under the ROC curve (NaN when one class is absent)."""
    from scipy.stats import rankdata

    labels, scores = _check(labels, scores)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _threshold_counts(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives at each distinct score, thresholds from high to low."""
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_labels = scores[order], labels[order]
    last_of_group = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    true_positives = np.cumsum(sorted_labels)[last_of_group]
    false_positives = last_of_group + 1 - true_positives
    return true_positives, false_positives


def average_precision(labels, scores) -> float:
    """Area under the precision-recall curve as average precision (NaN without positives)."""
    labels, scores = _check(labels, scores)
    positives = int(labels.sum())
    if positives == 0:
        return float("nan")
    true_positives, false_positives = _threshold_counts(labels, scores)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_curve(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """``(false positive rate, true positive rate)`` from (0, 0) to (1, 1)."""
    labels, scores = _check(labels, scores)
    true_positives, false_positives = _threshold_counts(labels, scores)
    return (
        np.r_[0.0, false_positives / max(len(labels) - labels.sum(), 1)],
        np.r_[0.0, true_positives / max(labels.sum(), 1)],
    )


def pr_curve(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """``(recall, precision)`` at each distinct threshold, high to low."""
    labels, scores = _check(labels, scores)
    true_positives, false_positives = _threshold_counts(labels, scores)
    return true_positives / max(labels.sum(), 1), true_positives / (true_positives + false_positives)


def bootstrap_interval(
    labels, scores, metric, n_resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric(labels, scores)`` over resampled rows (fixed seed)."""
    labels, scores = _check(labels, scores)
    rng = np.random.default_rng(seed)
    values = np.empty(n_resamples)
    for i in range(n_resamples):
        pick = rng.integers(0, len(labels), len(labels))
        values[i] = metric(labels[pick], scores[pick])
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


__all__ = ["auroc", "average_precision", "bootstrap_interval", "pr_curve", "roc_curve"]
