"""Probability blending: the validation choice agrees with scikit-learn's MCC on every candidate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef

from hf_genomics.evaluation.blend import BLEND_WEIGHTS, blend_probabilities, choose_blend_weight


def _probabilities(rng, n, classes):
    raw = rng.random((n, classes))
    return raw / raw.sum(1, keepdims=True)


@pytest.mark.parametrize("classes", [2, 3])
def test_choice_is_the_best_validation_mcc(classes):
    rng = np.random.default_rng(classes)
    labels = rng.integers(0, classes, 300)
    first, second = _probabilities(rng, 300, classes), _probabilities(rng, 300, classes)
    first[np.arange(150), labels[:150]] += 0.6  # each model is right on a different half
    second[np.arange(150, 300), labels[150:]] += 0.6
    choice = choose_blend_weight(first, second, labels)
    reference = {
        w: matthews_corrcoef(labels, (w * first + (1 - w) * second).argmax(1)) for w in BLEND_WEIGHTS
    }
    assert choice.dev_mcc_by_weight == pytest.approx(reference)
    assert choice.dev_mcc == max(reference.values())
    assert 0.0 < choice.weight < 1.0  # complementary models: a mixture beats either alone
    assert choice.dev_mcc > max(reference[0.0], reference[1.0])


def test_ties_go_to_the_even_blend_and_end_points_are_the_models():
    labels = np.array([0, 1, 0, 1])
    same = np.eye(2)[labels] * 0.8 + 0.1
    assert choose_blend_weight(same, same, labels).weight == 0.5
    first, second = np.eye(2)[[0, 0, 1, 1]], np.eye(2)[[1, 1, 0, 0]]
    np.testing.assert_array_equal(blend_probabilities(1.0, first, second), first)
    np.testing.assert_array_equal(blend_probabilities(0.0, first, second), second)
    with pytest.raises(ValueError, match="shapes differ"):
        blend_probabilities(0.5, first, np.ones((4, 3)) / 3)
