"""Sub-speciation simulation: mutation counts follow the binomial law, copies differ as reported."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hf_genomics.alphabet import encode
from hf_genomics.data.simulation import bernoulli_sites, subspeciation
from hf_genomics.evaluation.walk_plots import plot_subspeciation
from tests.plot_content import assert_plot_has_content


def test_shapes_and_defaults_are_cheap():
    result = subspeciation(n_founders=3, copies=5, length=50, mutation_rate=0.0, seed=1)
    assert len(result.founders) == 3 and all(len(f) == 50 for f in result.founders)
    assert [len(group) for group in result.copies] == [5, 5, 5]
    assert all(copy == result.founders[i] for i, group in enumerate(result.copies) for copy in group)
    assert result.substitutions.shape == (3, 5) and result.substitutions.sum() == 0
    a, b = subspeciation(3, 5, 50, 0.1, seed=2), subspeciation(3, 5, 50, 0.1, seed=2)
    assert a.founders == b.founders and a.copies == b.copies
    assert subspeciation(3, 5, 50, 0.1, seed=3).founders != a.founders


def test_mutation_counts_match_binomial():
    founders, copies, length, rate = 4, 500, 2000, 1e-3
    result = subspeciation(founders, copies, length, rate, seed=0)
    counts = result.substitutions.reshape(-1)
    n_sites = founders * copies * length
    expected, sd = n_sites * rate, math.sqrt(n_sites * rate * (1 - rate))
    assert abs(counts.sum() - expected) < 4 * sd
    # per-copy counts ~ Binomial(length, rate): chi-square goodness of fit on 0, 1, ..., 5, >=6
    observed = np.bincount(np.minimum(counts, 6), minlength=7)
    pmf = stats.binom.pmf(np.arange(6), length, rate)
    probabilities = np.append(pmf, 1 - pmf.sum())
    assert stats.chisquare(observed, probabilities * counts.size).pvalue > 1e-3
    # the reported counts are exactly the differences from the founder
    for f in range(founders):
        founder = encode(result.founders[f])
        for c in range(0, copies, 50):
            assert int((encode(result.copies[f][c]) != founder).sum()) == result.substitutions[f, c]


def test_bernoulli_sites_exact_law():
    rng = np.random.default_rng(3)
    totals = [len(bernoulli_sites(10_000, 0.01, rng)) for _ in range(200)]
    assert np.mean(totals) == pytest.approx(100, abs=4 * math.sqrt(99 / 200))
    sites = bernoulli_sites(1000, 0.3, rng)
    assert (np.diff(sites) > 0).all() and sites.min() >= 0 and sites.max() < 1000
    assert len(bernoulli_sites(10, 1.0, rng)) == 10 and len(bernoulli_sites(10, 0.0, rng)) == 0


def test_indels_change_lengths_by_one_each():
    result = subspeciation(2, 50, 400, 0.0, seed=4, indel_rate=0.01)
    lengths = np.array([[len(c) for c in group] for group in result.copies])
    assert result.indels.sum() > 0
    assert (np.abs(lengths - 400) <= result.indels).all()


def test_plot(tmp_path):
    result = subspeciation(3, 20, 300, 1e-3, seed=0)
    path = plot_subspeciation(result, tmp_path / "sim.png", copies_per_founder=5)
    assert_plot_has_content(path, min_colours=3)  # one colour per founder
