"""Classification metrics against scikit-learn (the reference), plus the ``evaluate`` wrapper offline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from hf_genomics.evaluation.metrics import (
    GueClassificationMetric,
    compute_classification_metrics,
    metrics_from_logits,
)

labels = st.integers(min_value=0, max_value=3)
pairs = st.lists(st.tuples(labels, labels), min_size=1, max_size=60)


def sklearn_reference(predictions, references) -> dict[str, float]:
    return {
        "mcc": sk.matthews_corrcoef(references, predictions),
        "accuracy": sk.accuracy_score(references, predictions),
        "f1": sk.f1_score(references, predictions, average="macro", zero_division=0),
        "precision": sk.precision_score(references, predictions, average="macro", zero_division=0),
        "recall": sk.recall_score(references, predictions, average="macro", zero_division=0),
    }


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=150, deadline=None)
@given(pairs)
def test_matches_sklearn(rows):
    predictions, references = map(list, zip(*rows))
    ours = compute_classification_metrics(predictions, references)
    reference = sklearn_reference(predictions, references)
    for name, value in reference.items():
        assert ours[name] == pytest.approx(value, abs=1e-12), name


def test_binary_known_values():
    # 2x2 table tp=3 fn=1 fp=2 tn=4: MCC = (3*4 - 2*1) / sqrt(5*4*6*5)
    references = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    predictions = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    result = compute_classification_metrics(predictions, references)
    assert result["mcc"] == pytest.approx(10 / np.sqrt(600))
    assert result["accuracy"] == pytest.approx(0.7)


def test_constant_prediction_gives_zero_mcc_not_nan():
    assert compute_classification_metrics([1, 1, 1], [0, 1, 0])["mcc"] == 0.0


def test_logits_argmax_and_length_mismatch():
    logits = np.array([[2.0, 0.1], [0.0, 3.0], [1.0, -1.0]])
    assert metrics_from_logits(logits, np.array([0, 1, 0]))["mcc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2 predictions for 3 references"):
        compute_classification_metrics([0, 1], [0, 1, 1])


def test_evaluate_metric_offline(tmp_path, monkeypatch):
    """The ``evaluate.Metric`` subclass works instantiated directly and loaded by path, with no Hub."""
    import evaluate

    import hf_genomics.evaluation.metrics as module

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    predictions, references = [0, 1, 1, 0, 2], [0, 1, 0, 0, 2]
    expected = compute_classification_metrics(predictions, references)
    direct = GueClassificationMetric(cache_dir=str(tmp_path))
    direct.add_batch(predictions=predictions[:2], references=references[:2])
    direct.add_batch(predictions=predictions[2:], references=references[2:])
    assert direct.compute() == pytest.approx(expected)
    loaded = evaluate.load(module.__file__, cache_dir=str(tmp_path))
    assert loaded.compute(predictions=predictions, references=references) == pytest.approx(expected)
