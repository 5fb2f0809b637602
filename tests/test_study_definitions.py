"""The genes study's two perplexity definitions and per-family pair formulas, against independent
computations: NLTK's own log-scores for n-grams, keras_nlp's masked-perplexity recipe redone in torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hf_genomics.evaluation.study_definitions import (
    TwoDefinitionScores,
    keras_definition_perplexity,
    ngram_definition_perplexity,
    pair_wins,
    two_definition_scores,
)
from hf_genomics.models.ngram import NGramLM

TRAIN = ["ACGTACGGTCA", "TTGACCA", "GGGACGTTACA"]
TEST = ["ACGTTGA", "CCAGT", "GATTACA"]


def test_ngram_both_definitions_match_nltk():
    from nltk.lm.preprocessing import pad_both_ends
    from nltk.util import ngrams

    from hf_genomics.models.ngram_nltk import nltk_fit

    n = 3
    scores = two_definition_scores(NGramLM(n, "laplace").fit(TRAIN), TEST)
    reference = nltk_fit(TRAIN, n, "laplace")
    for i, seq in enumerate(TEST):
        grams = list(ngrams(pad_both_ends(list(seq), n), n))[: len(seq) + 1]  # L bases + one </s>
        nll = [-reference.logscore(g[-1], g[:-1]) * math.log(2) for g in grams]
        assert scores.nll_with_end[i] == pytest.approx(sum(nll), abs=1e-9)
        assert scores.nll_bases[i] == pytest.approx(sum(nll[:-1]), abs=1e-9)
        assert (scores.n_with_end[i], scores.n_bases[i]) == (len(seq) + 1, len(seq))
    expected = math.exp(scores.nll_with_end.sum() / scores.n_with_end.sum())
    assert ngram_definition_perplexity(scores) == pytest.approx(expected)
    # an unseen event makes MLE infinite; bases-only stays finite when only the end was unseen
    mle = two_definition_scores(NGramLM(2, "mle").fit(["ACGT"]), ["ACGTAC", "ACG"])
    assert np.isinf(mle.nll_with_end).all() and np.isinf(mle.nll_bases[0]) and np.isfinite(mle.nll_bases[1])


def test_keras_definition_equals_masked_batch_recipe():
    from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer("char", causal=True)
    torch.manual_seed(0)
    model = DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=len(tokenizer))).eval()
    sequences = [*TEST, "ACGTACGTAC", "T"]
    scores = two_definition_scores(model, sequences, tokenizer, batch_size=2)
    # keras_nlp: per batch of 2 in file order, mean CE over base positions ([EOS] target and padding
    # masked), accumulated as mean * batch size, divided by the number of samples
    total, samples = 0.0, 0
    for start in range(0, len(sequences), 2):
        batch = sequences[start : start + 2]
        enc = tokenizer(batch, padding=True, return_tensors="pt", add_eos_token=True)
        with torch.no_grad():
            logits = model(**enc).logits[:, :-1]
        targets = enc["input_ids"][:, 1:]
        mask = enc["attention_mask"][:, 1:].clone()
        mask[torch.arange(len(batch)), enc["attention_mask"].sum(1) - 2] = 0  # the [EOS] target
        ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        total += float((ce * mask).sum() / mask.sum()) * len(batch)
        samples += len(batch)
    assert keras_definition_perplexity(scores, batch_size=2) == pytest.approx(
        math.exp(total / samples), rel=1e-5
    )
    assert np.all(scores.nll_bases < scores.nll_with_end)
    assert list(scores.n_bases) == [len(s) for s in sequences]


def test_pair_formulas_per_family():
    # L = 4 vs 5: equal per-token NLL, different totals
    real = TwoDefinitionScores(np.array([5.0]), np.array([5]), np.array([4.0]), np.array([4]))
    mutated = TwoDefinitionScores(np.array([5.9]), np.array([6]), np.array([4.9]), np.array([5]))
    assert pair_wins(real, mutated, "ngram", "probability")[0]  # 5.0 < 5.9
    assert not pair_wins(real, mutated, "ngram", "perplexity")[0]  # 1.0 > 0.983
    assert not pair_wins(real, mutated, "neural", "perplexity")[0]  # 1.0 > 0.98
    assert pair_wins(real, mutated, "neural", "probability")[0]  # 4 * 5/4 = 5.0 < 4.9 * 6/5 = 5.88
    with pytest.raises(ValueError, match="family"):
        pair_wins(real, mutated, "encoder", "perplexity")
