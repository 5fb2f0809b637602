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


def multilabel_metrics(
    logits: np.ndarray, references: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    """Multi-label: a label is predicted when its sigmoid exceeds ``threshold``.

    ``mcc`` is the Matthews correlation of all (example, label) decisions pooled, ``accuracy`` the
    exact-match (subset) accuracy, ``f1``/``precision``/``recall`` are macro averages over labels,
    ``f1_micro`` pools the decisions.
    """
    logits = np.asarray(logits, dtype=np.float64)
    references = np.asarray(references).astype(np.int64)
    predicted = (1 / (1 + np.exp(-logits)) > threshold).astype(np.int64)
    if predicted.shape != references.shape:
        raise ValueError(f"predictions {predicted.shape} and references {references.shape} differ")
    pooled = compute_classification_metrics(predicted.reshape(-1), references.reshape(-1), num_classes=2)
    tp = (predicted & references).sum(axis=0).astype(np.float64)
    fp = (predicted & (1 - references)).sum(axis=0)
    fn = ((1 - predicted) & references).sum(axis=0)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    f1 = np.divide(
        2 * precision * recall, precision + recall, out=np.zeros_like(tp), where=(precision + recall) > 0
    )
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    return {
        "mcc": pooled["mcc"],
        "accuracy": float((predicted == references).all(axis=1).mean()),
        "f1": float(f1.mean()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "f1_micro": float(micro),
    }


def regression_metrics(predictions: np.ndarray, references: np.ndarray) -> dict[str, float]:
    """MSE, RMSE, MAE, R², Pearson and Spearman correlation (NaN when a side is constant)."""
    predictions = np.asarray(predictions, dtype=np.float64).reshape(len(references), -1)
    references = np.asarray(references, dtype=np.float64).reshape(len(references), -1)
    error = predictions - references
    mse = float(np.mean(error**2))
    variance = float(np.mean((references - references.mean(axis=0)) ** 2))

    def correlation(x: np.ndarray, y: np.ndarray) -> float:
        x, y = x - x.mean(), y - y.mean()
        denominator = np.sqrt((x**2).sum() * (y**2).sum())
        return float((x * y).sum() / denominator) if denominator > 0 else float("nan")

    def ranks(x: np.ndarray) -> np.ndarray:  # average ranks for ties, as scipy.stats.rankdata
        order = np.argsort(x, kind="stable")
        sorted_x = x[order]
        first = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
        group = np.cumsum(first) - 1
        starts = np.flatnonzero(first)
        ends = np.r_[starts[1:], len(x)]
        average = (starts + ends - 1) / 2.0
        result = np.empty(len(x))
        result[order] = average[group]
        return result

    flat_p, flat_r = predictions.reshape(-1), references.reshape(-1)
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(1 - mse / variance) if variance > 0 else float("nan"),
        "pearson": correlation(flat_p, flat_r),
        "spearman": correlation(ranks(flat_p), ranks(flat_r)),
    }


def task_metrics(problem_type: str):
    """``compute_metrics`` for ``Trainer`` for a problem type (single-label, multi-label, regression)."""

    def compute(eval_prediction) -> dict[str, float]:
        outputs = eval_prediction.predictions
        outputs = outputs[0] if isinstance(outputs, tuple) else outputs
        if problem_type == "multi_label_classification":
            return multilabel_metrics(outputs, eval_prediction.label_ids)
        if problem_type == "regression":
            return regression_metrics(outputs, eval_prediction.label_ids)
        return metrics_from_logits(outputs, eval_prediction.label_ids)

    return compute


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
