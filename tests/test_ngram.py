"""NGramLM against NLTK (the study's recipe) on small data, plus counting, sampling and save/load."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from hf_genomics import NGramLM
from hf_genomics.models.ngram_nltk import nltk_fit, nltk_perplexity

pytest.importorskip("nltk")


def random_genes(n: int, seed: int, low: int = 1, high: int = 60, alphabet: str = "ACGT") -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list(alphabet))
    return ["".join(rng.choice(letters, size=int(rng.integers(low, high)))) for _ in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("smoothing", ["laplace", "mle"])
def test_perplexity_equals_nltk(n, smoothing):
    train, test = random_genes(60, 0), random_genes(25, 1)
    ours = NGramLM(n, smoothing).fit(train).perplexity(test)
    reference = nltk_perplexity(nltk_fit(train, n, smoothing), test, n)
    if math.isinf(reference):
        assert math.isinf(ours)
    else:
        assert ours == pytest.approx(reference, rel=1e-12)


def test_add_k_equals_nltk_lidstone():
    from nltk.lm import Lidstone
    from nltk.lm.preprocessing import flatten, pad_both_ends
    from nltk.util import ngrams

    from hf_genomics.models.ngram_nltk import nltk_test_ngrams

    n, k = 3, 0.3
    train, test = random_genes(40, 2), random_genes(10, 3)
    model = Lidstone(k, n)
    padded = [list(pad_both_ends(list(s), n=n)) for s in train]
    model.fit((ngrams(p, n) for p in padded), flatten(padded))
    assert NGramLM(n, "add-0.3").fit(train).perplexity(test) == pytest.approx(
        model.perplexity(nltk_test_ngrams(test, n)), rel=1e-12
    )
    assert NGramLM(n, 0.3).k == NGramLM(n, "add-0.3").k == 0.3


def test_unseen_symbol_is_unk_like_nltk():
    """An N never seen in training maps to <UNK>, as NLTK's vocabulary lookup does."""
    train, test = random_genes(30, 4), ["ACGNNT", "NNN"]
    ours = NGramLM(3).fit(train).perplexity(test)
    assert ours == pytest.approx(nltk_perplexity(nltk_fit(train, 3), test, 3), rel=1e-12)


def test_counts_equal_naive_counter_and_conventions():
    train = random_genes(20, 5, high=30)
    n = 4
    model = NGramLM(n).fit(train)
    naive = Counter()
    for seq in train:
        padded = ["<s>"] * (n - 1) + list(seq) + ["</s>"] * (n - 1)
        naive.update(tuple(padded[i : i + n]) for i in range(len(padded) - n + 1))
    assert int(model.ngram_counts.sum()) == sum(naive.values())
    assert len(model.ngram_codes) == len(naive)
    assert model.vocab_size == 7  # A C G T <s> </s> <UNK>
    # each gene predicts its bases plus one end symbol
    _, predictions = model.token_log_probs(["ACGT", "A"])
    assert predictions.tolist() == [5, 2]
    assert NGramLM(1).fit(train).token_log_probs(["ACGT"])[1].tolist() == [4]


def test_log_likelihood_and_protocol_agree():
    model = NGramLM(5).fit(random_genes(50, 6))
    seqs = random_genes(7, 7)
    nll, predicted, nucleotides = model.sequence_log_likelihoods(seqs)
    assert nll[0] == pytest.approx(-model.log_likelihood(seqs[0]))
    assert nucleotides.tolist() == [len(s) for s in seqs]
    assert math.exp(nll.sum() / predicted.sum()) == pytest.approx(model.perplexity(seqs))
    # Laplace probabilities of all next symbols sum to one
    probs = np.exp(model.log_probs_of_codes(np.arange(8, dtype=np.int64) + (123 << 3)))
    seen = model.seen_symbols.copy()
    seen[7] = True  # <UNK> is part of |V|
    assert probs[seen].sum() == pytest.approx(1.0)


def test_high_order_without_dense_table(tmp_path):
    train = random_genes(200, 8, low=100, high=400)
    model = NGramLM(16, "mle").fit(train)
    assert len(model.ngram_codes) <= sum(len(s) + 15 for s in train)
    assert model.perplexity(train[:20]) < 1.1  # random 15-base contexts are (almost) unique
    model.save_pretrained(tmp_path)
    loaded = NGramLM.from_pretrained(tmp_path)
    assert loaded.perplexity(train[:20]) == model.perplexity(train[:20])
    assert (tmp_path / "ngram_config.json").exists() and (tmp_path / "ngram_counts.npz").exists()
    with pytest.raises(ValueError, match="n must be"):
        NGramLM(22)


def test_save_load_round_trip_mle(tmp_path):
    model = NGramLM(3, "mle").fit(random_genes(30, 9))
    model.save_pretrained(tmp_path)
    loaded = NGramLM.from_pretrained(tmp_path)
    assert (loaded.n, loaded.k, loaded.vocab_size) == (3, 0.0, model.vocab_size)
    test = random_genes(5, 10)
    assert np.array_equal(loaded.token_log_probs(test)[0], model.token_log_probs(test)[0])


def test_generate_is_seeded_and_follows_the_counts():
    model = NGramLM(3).fit(["ACACACACAC"] * 50)
    first = model.generate(5, max_length=30, seed=0)
    assert first == model.generate(5, max_length=30, seed=0)
    assert all(set(seq) <= set("ACGTN") and len(seq) <= 30 for seq in first)
    memorised = NGramLM(4, "mle").fit(["ACGTTGCA"]).generate(3, max_length=50, seed=1)
    assert memorised == ["ACGTTGCA"] * 3


def test_incremental_fit_equals_one_fit():
    a, b = random_genes(20, 11), random_genes(20, 12)
    once = NGramLM(5).fit(a + b)
    twice = NGramLM(5).fit(a).fit(b)
    assert np.array_equal(once.ngram_codes, twice.ngram_codes)
    assert np.array_equal(once.ngram_counts, twice.ngram_counts)
    assert np.array_equal(once.context_counts, twice.context_counts)


def test_errors():
    with pytest.raises(ValueError, match="smoothing"):
        NGramLM(3, "kneser-ney")
    with pytest.raises(RuntimeError, match="fit"):
        NGramLM(3).perplexity(["ACGT"])
    with pytest.raises(ValueError, match="invalid nucleotide 'X'"):
        NGramLM(3).fit(["ACGT", "ACXT"])
