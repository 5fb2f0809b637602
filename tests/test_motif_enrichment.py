"""Enrichment statistics against independent references: scipy's Fisher test, a literal label
permutation, and the textbook Benjamini-Hochberg formula."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

from hf_genomics.analysis.enrichment import (
    benjamini_hochberg,
    class_conditional_enrichment,
    gc_matched_random_kmers,
    vocabulary_enrichment,
)


def reference_bh(p):
    """q_(i) = min_{j >= i} p_(j) * n / j, written as the textbook double loop."""
    n = len(p)
    order = sorted(range(n), key=lambda i: p[i])
    q = [0.0] * n
    for rank, i in enumerate(order, start=1):
        q[i] = min(1.0, min(p[order[j - 1]] * n / j for j in range(rank, n + 1)))
    return q


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_bh_matches_textbook_formula(p):
    np.testing.assert_allclose(benjamini_hochberg(p), reference_bh(p), rtol=1e-12, atol=1e-15)


def test_bh_rejects_bad_p_values():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.1, 1.5])


def test_class_conditional_equals_scipy_fisher():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 120)
    presence = rng.random((120, 30)) < rng.uniform(0.05, 0.6, 30)
    presence[labels == 1, 0] |= rng.random((labels == 1).sum()) < 0.5  # one planted token
    result = class_conditional_enrichment(presence, labels)
    for token in range(30):
        a = int(presence[labels == 1, token].sum())
        b = int((labels == 1).sum()) - a
        c = int(presence[labels == 0, token].sum())
        d = int((labels == 0).sum()) - c
        expected = fisher_exact([[a, b], [c, d]], alternative="greater").pvalue
        assert result["p_value"][token] == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert result["p_value"][0] < 1e-3
    from scipy.sparse import csr_matrix

    sparse = class_conditional_enrichment(csr_matrix(presence.astype(np.int8)), labels)
    np.testing.assert_allclose(sparse["p_value"], result["p_value"])


def test_gc_matched_controls_keep_length_and_gc():
    kmers = ["TATAAA", "GGGCGGCC", "ACGTA"]
    controls = gc_matched_random_kmers(kmers, per_kmer=50, seed=3)
    assert len(controls) == 150
    for i, kmer in enumerate(kmers):
        for control in controls[i * 50 : (i + 1) * 50]:
            assert len(control) == len(kmer)
            assert sum(b in "GC" for b in control) == sum(b in "GC" for b in kmer)
    assert len(set(controls[50:100])) > 10  # shuffled, not copies


def literal_permutation_p(token, controls, permutations, rng):
    """Swap which member of each stratum is 'the token', recount, compare with the observed count."""
    n, r, m = controls.shape
    members = np.concatenate([token[:, None, :], controls], axis=1)  # n x (r+1) x m
    observed = token.sum(axis=0)
    exceed = np.zeros(m)
    for _ in range(permutations):
        pick = rng.integers(0, r + 1, n)
        exceed += members[np.arange(n), pick].sum(axis=0) >= observed
    return (1 + exceed) / (permutations + 1)


def test_vocabulary_enrichment_matches_literal_permutation():
    rng = np.random.default_rng(0)
    n, r = 200, 4
    controls = rng.random((n, r, 3)) < [0.1, 0.3, 0.05]
    token = rng.random((n, 3)) < [0.2, 0.3, 0.02]  # enriched, null, depleted
    result = vocabulary_enrichment(token, controls, permutations=3000, seed=1)
    reference = literal_permutation_p(token, controls, 3000, np.random.default_rng(2))
    np.testing.assert_allclose(result["p_value"], reference, atol=0.03)
    assert result["p_value"][0] < 0.01 and result["odds_ratio"][0] > 1.5
    assert result["p_value"][2] > 0.5 and result["odds_ratio"][2] < 1
    a, b = token[:, 0].sum() + 0.5, n - token[:, 0].sum() + 0.5
    c, d = controls[:, :, 0].sum() + 0.5, n * r - controls[:, :, 0].sum() + 0.5
    assert result["odds_ratio"][0] == pytest.approx(a * d / (b * c))
