"""Offline classification metrics for GUE: MCC (primary), accuracy, macro F1 / precision / recall.

Computed from one confusion matrix with numpy (no network, no ``evaluate.load("<hub name>")``),
and tested against scikit-learn. :class:`GueClassificationMetric` wraps the same function as an
``evaluate.Metric`` so code written for ``evaluate`` can use it, either instantiated directly or
loaded from this file's path with ``evaluate.load(path)``. MCC is the multiclass generalisation
(Gorodkin's R_K), which equals the binary Matthews correlation for two classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import datasets
import evaluate
import numpy as np

METRIC_NAMES = ("mcc", "accuracy", "f1", "precision", "recall")


def confusion_matrix(predictions: Sequence[int], references: Sequence[int], num_classes: int) -> np.ndarray:
    """``C[i, j]`` = number of examples of true class ``i`` predicted as ``j`` (via ``np.bincount``)."""
    predictions = np.asarray(predictions, dtype=np.int64)
    references = np.asarray(references, dtype=np.int64)
    if predictions.shape != references.shape:
        raise ValueError(f"{predictions.shape[0]} predictions for {references.shape[0]} references")
    flat = references * num_classes + predictions
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def matthews_corrcoef(matrix: np.ndarray) -> float:
    """Gorodkin's R_K from a confusion matrix; 0 when a marginal is constant (as scikit-learn)."""
    matrix = matrix.astype(np.float64)
    true_per_class = matrix.sum(axis=1)
    predicted_per_class = matrix.sum(axis=0)
    correct, total = np.trace(matrix), matrix.sum()
    numerator = correct * total - true_per_class @ predicted_per_class
    denominator = np.sqrt(total**2 - predicted_per_class @ predicted_per_class) * np.sqrt(
        total**2 - true_per_class @ true_per_class
    )
    return float(numerator / denominator) if denominator > 0 else 0.0


def compute_classification_metrics(
    predictions: Sequence[int],
    references: Sequence[int],
    num_classes: int | None = None,
) -> dict[str, float]:
    """MCC, accuracy and macro-averaged F1 / precision / recall (a class never predicted scores 0).

    Macro averages run over the classes that occur in either predictions or references, as
    scikit-learn's ``average="macro"`` does when ``labels`` is not given.
    """
    predictions = np.asarray(predictions, dtype=np.int64).reshape(-1)
    references = np.asarray(references, dtype=np.int64).reshape(-1)
    if predictions.size == 0:
        raise ValueError("cannot compute metrics on zero examples")
    if num_classes is None:
        num_classes = int(max(predictions.max(), references.max())) + 1
    matrix = confusion_matrix(predictions, references, num_classes)
    present = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
    true_positive = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    pr_sum = precision + recall
    f1 = np.divide(2 * precision * recall, pr_sum, out=np.zeros_like(true_positive), where=pr_sum > 0)
    return {
        "mcc": matthews_corrcoef(matrix),
        "accuracy": float(true_positive.sum() / matrix.sum()),
        "f1": float(f1[present].mean()),
        "precision": float(precision[present].mean()),
        "recall": float(recall[present].mean()),
    }


def metrics_from_logits(logits: np.ndarray, references: np.ndarray) -> dict[str, float]:
    """Arg-max of logits (or probabilities), then :func:`compute_classification_metrics`."""
    logits = np.asarray(logits)
    return compute_classification_metrics(logits.argmax(axis=-1), references, num_classes=logits.shape[-1])


def trainer_compute_metrics(eval_prediction) -> dict[str, float]:
    """``compute_metrics`` for ``transformers.Trainer`` (``EvalPrediction`` -> metric dict)."""
    logits = eval_prediction.predictions
    if isinstance(logits, tuple):
        logits = logits[0]
    return metrics_from_logits(logits, eval_prediction.label_ids)


_DESCRIPTION = "Matthews correlation (primary GUE metric), accuracy and macro F1/precision/recall."
_CITATION = """@article{zhou2023dnabert2,
  title={DNABERT-2: Efficient Foundation Model and Benchmark For Multi-Species Genome},
  author={Zhou, Zhihan and Ji, Yanrong and Li, Weijian and Dutta, Pratik and Davuluri, Ramana and Liu, Han},
  journal={arXiv preprint arXiv:2306.15006},
  year={2023}
}"""


class GueClassificationMetric(evaluate.Metric):
    """``evaluate``-compatible wrapper of :func:`compute_classification_metrics` (works offline)."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description="predictions: predicted class ids; references: true class ids.",
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
            module_name="gue_classification",
        )

    def _compute(self, predictions, references, num_classes: int | None = None) -> dict[str, float]:
        return compute_classification_metrics(predictions, references, num_classes=num_classes)


__all__ = [
    "METRIC_NAMES",
    "GueClassificationMetric",
    "compute_classification_metrics",
    "confusion_matrix",
    "matthews_corrcoef",
    "metrics_from_logits",
    "trainer_compute_metrics",
]
