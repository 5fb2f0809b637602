"""The k-mer logistic-regression baseline: counts equal scikit-learn's CountVectorizer, C is chosen on dev."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from hf_genomics.evaluation.kmer_baseline import fit_kmer_baseline, kmer_frequency_matrix


def _reference(sequences, k):
    """Frequencies from CountVectorizer (char k-grams), k-mers with N dropped, in 4^k lexicographic order."""
    import itertools

    vocabulary = {"".join(p): i for i, p in enumerate(itertools.product("acgt", repeat=k))}
    counts = CountVectorizer(analyzer="char", ngram_range=(k, k), vocabulary=vocabulary).transform(sequences)
    counts = counts.toarray().astype(float)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)


def test_frequencies_equal_countvectorizer_with_n_and_short_sequences():
    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGT"), size=n)) for n in (1, 2, 3, 7, 40, 101)]
    sequences += ["ACGNNACGTAC", "acgtu", "NNNN", ""]
    matrix = kmer_frequency_matrix(sequences, ks=(2, 3)).toarray()
    lowered = [s.lower().replace("u", "t") for s in sequences]
    expected = np.hstack([_reference(lowered, 2), _reference(lowered, 3)])
    np.testing.assert_allclose(matrix, expected)


def test_windows_never_cross_sequence_boundaries():
    matrix = kmer_frequency_matrix(["AC", "GT"], ks=(3,)).toarray()
    assert matrix.sum() == 0


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 30), min_size=1, max_size=12),
    chunk_bases=st.integers(1, 120),
    seed=st.integers(0, 2**16),
)
def test_chunked_counting_equals_one_pass(lengths, chunk_bases, seed):
    """Counting in chunks (bounded memory on GUE Covid's 77k x 1 kb) gives the very same matrix."""
    rng = np.random.default_rng(seed)
    sequences = ["".join(rng.choice(list("ACGTN"), size=n)) for n in lengths]
    whole = kmer_frequency_matrix(sequences, ks=(1, 3), chunk_bases=10**9)
    chunked = kmer_frequency_matrix(sequences, ks=(1, 3), chunk_bases=chunk_bases)
    assert chunked.shape == whole.shape == (len(sequences), 4 + 64)
    np.testing.assert_array_equal(chunked.toarray(), whole.toarray())


def test_motif_task_is_learned_and_c_chosen_on_dev():
    rng = np.random.default_rng(1)

    def make(n):
        seqs, labels = [], []
        for i in range(n):
            s = list(rng.choice(list("ACGT"), size=60))
            if i % 2:
                p = rng.integers(0, 54)
                s[p : p + 6] = list("TATAAA")
            seqs.append("".join(s))
            labels.append(i % 2)
        return seqs, labels

    train, dev, test = make(300), make(100), make(100)
    result = fit_kmer_baseline(train, dev, test, ks=(3, 4, 5, 6), cs=(0.1, 1.0, 10.0))
    assert result.test["mcc"] > 0.8
    assert result.chosen_c in (0.1, 1.0, 10.0)
    assert result.validation["mcc"] == max(result.dev_mcc_by_c.values())

    # a deadline already passed: the first (most regularised, quickest) C only, the same fit as alone
    import time

    late = fit_kmer_baseline(train, dev, test, cs=(0.1, 1.0, 10.0), deadline=time.monotonic() - 1)
    alone = fit_kmer_baseline(train, dev, test, cs=(0.1,))
    assert list(late.dev_mcc_by_c) == [0.1] and late.chosen_c == 0.1
    assert late.test == alone.test and late.dev_mcc_by_c == alone.dev_mcc_by_c
    assert late.untried_cs == (1.0, 10.0) and late.to_dict()["untried_C"] == [1.0, 10.0]
    assert alone.untried_cs == () and result.to_dict()["untried_C"] == []  # the whole grid ran


@pytest.mark.real_data
def test_real_gue_task_beats_chance(shared_data):
    from hf_genomics.evaluation.kmer_baseline import kmer_baseline_on_gue

    result = kmer_baseline_on_gue(shared_data / "gue/prom/prom_core_tata", cs=(0.3, 1.0))
    assert result.test["mcc"] > 0.4
