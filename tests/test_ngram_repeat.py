"""The long-repeat expert mixture: normalised, aligned with its base model, and it copies repeats."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hf_genomics.models.ngram_kneser_ney import KneserNeyLM
from hf_genomics.models.ngram_repeat import RepeatMixtureLM

REPEAT = "ACGTTGCAAGTCCATGGATCCAGT"
TRAIN = ["GGATAC" + REPEAT + "TTA", "CATTAGGAC", REPEAT[:10] + "GGGTTT", "ATATATCCGG"]


def test_mixture_is_a_distribution_and_weights_by_count():
    model = RepeatMixtureLM(KneserNeyLM(3), order=8, beta=2.0).fit(TRAIN)
    prefixes = ["", "A", "GGATAC" + REPEAT[:9], REPEAT[:12], "TTTTTTTTTT"]
    probs = model.next_symbol_probs(prefixes)
    assert np.allclose(probs.sum(axis=1), 1.0) and (probs >= 0).all()
    # after 7 symbols of the repeat seen twice, the copy expert has weight 2 / (2 + 2)
    # and puts all its mass on the next symbol of the repeat
    context = REPEAT[2:9]
    base = KneserNeyLM(3).fit(TRAIN)
    codes = (model.base._predicted_codes([context])[0][-1] >> 3 << 3) + np.arange(8)
    expected = 0.5 * np.exp(base.log_probs_of_codes(codes))
    expected[2 + "ACGT".index(REPEAT[9])] += 0.5
    assert np.allclose(model.next_symbol_probs([context])[0], expected)
    # the sequence scores are the per-step probabilities of the true symbols
    seq = "GGATAC" + REPEAT[:12]
    log_probs, predictions = model.token_log_probs([seq])
    steps = [model.next_symbol_probs([seq[:i]])[0][2 + "ACGT".index(seq[i])] for i in range(len(seq))]
    assert predictions[0] == len(seq) + 1
    assert np.allclose(np.exp(log_probs[:-1]), steps)


def test_repeats_are_copied_better_than_by_the_base():
    base = KneserNeyLM(3).fit(TRAIN)
    mixture = RepeatMixtureLM(KneserNeyLM(3), order=8, beta=1.0).fit(TRAIN)
    assert mixture.perplexity([REPEAT]) < base.perplexity([REPEAT])
    nll, n, lengths = mixture.sequence_log_likelihoods([REPEAT, "ACGT"])
    assert list(n) == [len(REPEAT) + 1, 5] and list(lengths) == [len(REPEAT), 4]
    log_probs, _ = mixture.token_log_probs([REPEAT, "ACGT"])
    assert math.isclose(nll.sum(), -log_probs.sum())
    with pytest.raises(ValueError, match="must exceed"):
        RepeatMixtureLM(KneserNeyLM(8), order=8)
