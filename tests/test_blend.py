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


def test_simplex_weights_cover_the_grid_evenest_first():
    from hf_genomics.evaluation.blend import simplex_weights

    assert [w[0] for w in simplex_weights(2)] == list(BLEND_WEIGHTS)  # the two-model order, unchanged
    three = simplex_weights(3)
    assert len(three) == len(set(three)) == 15  # C(4 + 2, 2) ways to share four quarters
    assert all(sum(w) == pytest.approx(1.0) and min(w) >= 0 for w in three)
    assert three[0] == (0.25, 0.25, 0.5) and three[-3:] == [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)]
    with pytest.raises(ValueError, match="at least one model"):
        simplex_weights(0)


def test_ensemble_choice_is_the_best_validation_mcc_of_every_weighting():
    from hf_genomics.evaluation.blend import choose_ensemble_weights, ensemble_probabilities, simplex_weights

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300)
    models = [_probabilities(rng, 300, 2) for _ in range(3)]
    for index, model in enumerate(models):  # each model is right on its own third
        rows = np.arange(100 * index, 100 * (index + 1))
        model[rows, labels[rows]] += 0.6
    choice = choose_ensemble_weights(models, labels)
    reference = {
        w: matthews_corrcoef(labels, sum(x * m for x, m in zip(w, models)).argmax(1))
        for w in simplex_weights(3)
    }
    assert choice.dev_mcc_by_weights == pytest.approx(reference)
    assert choice.dev_mcc == pytest.approx(max(reference.values())) == reference[choice.weights]
    singles = [reference[w] for w in simplex_weights(3)[-3:]]
    assert max(choice.weights) < 1 and choice.dev_mcc > max(singles)  # complementary: a mixture wins
    np.testing.assert_allclose(ensemble_probabilities((1.0, 0.0, 0.0), models), models[0])
    same = np.eye(2)[labels] * 0.8 + 0.1
    assert choose_ensemble_weights([same, same, same], labels).weights == (0.25, 0.25, 0.5)  # ties: evenest
    with pytest.raises(ValueError, match="weights for probabilities"):
        ensemble_probabilities((0.5, 0.5), [models[0], np.ones((300, 3)) / 3])
