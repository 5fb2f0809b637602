"""Kneser-Ney n-grams: equal to NLTK's KneserNeyInterpolated, normalised, persistent, and better than Laplace."""

from __future__ import annotations

import numpy as np
import pytest

from hf_genomics.models.ngram import RADIX, NGramLM
from hf_genomics.models.ngram_kneser_ney import KneserNeyLM
from hf_genomics.models.ngram_nltk import nltk_test_ngrams

nltk = pytest.importorskip("nltk")


def _random_dna(rng, count, low, high, alphabet="ACGT"):
    return ["".join(rng.choice(list(alphabet), size=rng.integers(low, high))) for _ in range(count)]


def _nltk_kn(train, n, discount):
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import flatten, pad_both_ends
    from nltk.util import everygrams

    padded = [list(pad_both_ends(list(seq), n=n)) for seq in train]
    model = KneserNeyInterpolated(n, discount=discount)
    model.fit((everygrams(p, max_len=n) for p in padded), flatten(padded))
    return model


@pytest.mark.parametrize("n", [2, 3, 4])
def test_equals_nltk_kneser_ney_interpolated(n):
    rng = np.random.default_rng(n)
    train = _random_dna(rng, 25, 5, 40, "ACGTTTA")  # skewed, so counts differ
    test = _random_dna(rng, 4, 1, 20)
    reference = _nltk_kn(train, n, 0.1)
    ngrams = nltk_test_ngrams(test, n)
    expected = np.array([reference.logscore(g[-1], g[:-1]) for g in ngrams]) * np.log(2)  # log2 -> ln
    ours = KneserNeyLM(n, discount=0.1, nltk_compatible=True).fit(train)
    log_probs, predictions = ours.token_log_probs(test)
    assert predictions.sum() == len(ngrams)
    np.testing.assert_allclose(log_probs, expected, rtol=1e-10, atol=1e-12)
    assert ours.perplexity(test) == pytest.approx(reference.perplexity(ngrams), rel=1e-10)


@pytest.mark.parametrize("discount", ["modified", 0.1, 0.75])
def test_next_symbol_distribution_sums_to_one(discount):
    rng = np.random.default_rng(0)
    model = KneserNeyLM(4, discount=discount).fit(_random_dna(rng, 40, 10, 60))
    contexts = rng.integers(0, 6, size=(50, 3))
    contexts[:, :] = np.where(contexts == 1, 2, contexts)  # no end pad inside a context
    codes = (contexts[:, 0] << 6) | (contexts[:, 1] << 3) | contexts[:, 2]
    candidates = np.arange(RADIX)
    full = ((codes[:, None] << 3) | candidates[None, :]).ravel()
    probs = np.exp(model.log_probs_of_codes(full)).reshape(len(codes), RADIX)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-9)


def test_save_load_round_trip_and_incremental_fit(tmp_path):
    rng = np.random.default_rng(3)
    first, second, test = _random_dna(rng, 20, 5, 50), _random_dna(rng, 20, 5, 50), _random_dna(rng, 5, 5, 50)
    model = KneserNeyLM(5).fit(first).fit(second)
    once = KneserNeyLM(5).fit(first + second)
    assert model.perplexity(test) == pytest.approx(once.perplexity(test), rel=1e-12)
    model.save_pretrained(tmp_path)
    assert KneserNeyLM.from_pretrained(tmp_path).perplexity(test) == pytest.approx(
        model.perplexity(test), rel=1e-12
    )


def test_beats_laplace_on_a_markov_source():
    rng = np.random.default_rng(7)
    transition = rng.dirichlet(np.full(4, 0.3), size=64)  # order-3 Markov chain

    def sample(count, length):
        out = []
        for _ in range(count):
            s = list(rng.integers(0, 4, size=3))
            for _ in range(length - 3):
                s.append(rng.choice(4, p=transition[s[-3] * 16 + s[-2] * 4 + s[-1]]))
            out.append("".join("ACGT"[i] for i in s))
        return out

    train, test = sample(60, 200), sample(20, 200)
    kn = KneserNeyLM(6).fit(train).perplexity(test)
    laplace = NGramLM(6, "laplace").fit(train).perplexity(test)
    assert kn < laplace


def test_errors():
    with pytest.raises(ValueError, match="n >= 2"):
        KneserNeyLM(1)
    with pytest.raises(ValueError, match="discount"):
        KneserNeyLM(3, discount=1.5)
