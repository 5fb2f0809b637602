"""Causal LMs score REF and ALT windows through their shared prefix once (KV cache): the same
log-likelihoods as whole windows, for SNVs, indels and ISM, with the cache split across chunks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from analysis_models import tiny_lstm, tiny_pythia

from hf_genomics.analysis.pair_scores import _lm_values
from hf_genomics.analysis.shared_prefix import shared_prefix_log_likelihoods
from hf_genomics.analysis.variant_effects import Variant, score_variants
from hf_genomics.tokenization.kmer import KmerTokenizer

rng = np.random.default_rng(21)
CONTIG = "".join(rng.choice(list("ACGT"), 300))


def _full_log_likelihood(model, tokenizer, sequence):
    ids = tokenizer(sequence, return_tensors="pt", add_eos_token=True)["input_ids"]
    with torch.no_grad():
        log_probs = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
    return float(log_probs.gather(-1, ids[0, 1:, None]).sum())


def test_variant_scores_equal_whole_window_log_likelihoods():
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_pythia(tokenizer)
    ref = CONTIG[99]
    variants = [Variant("c", 100, ref, alt) for alt in "ACGT" if alt != ref]
    variants += [
        Variant("c", 150, CONTIG[149:153], CONTIG[149]),
        Variant("c", 200, CONTIG[199], CONTIG[199] + "TTA"),
    ]
    table = score_variants(
        model, tokenizer, {"c": CONTIG}, variants, window_nt=61, batch_size=2, progress=False
    )
    for variant, (_, row) in zip(variants, table.iterrows()):
        start = int(row["window_start"]) - 1
        altered = CONTIG[: variant.pos - 1] + variant.alt + CONTIG[variant.pos - 1 + len(variant.ref) :]
        ref_ll = _full_log_likelihood(model, tokenizer, CONTIG[start : start + 61])
        alt_ll = _full_log_likelihood(model, tokenizer, altered[start : start + 61])
        assert row["ref_value"] == pytest.approx(ref_ll, abs=1e-4)
        assert row["score"] == pytest.approx(alt_ll - ref_ll, abs=1e-4)


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_ism_groups_equal_the_batched_whole_sequences(batch_size):
    from hf_genomics.analysis.mutagenesis import mutant_sequences

    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_pythia(tokenizer)
    sequence = CONTIG[:25]
    mutants, _, _ = mutant_sequences(sequence)
    sequences = [sequence, *mutants]
    shared, predicted = shared_prefix_log_likelihoods(
        model, tokenizer, sequences, [list(range(len(sequences)))], batch_size=batch_size
    )
    whole, tokens = _lm_values(model, tokenizer, sequences, 16, False)
    np.testing.assert_allclose(shared, whole, atol=1e-4)
    np.testing.assert_array_equal(predicted, tokens)


def test_models_without_a_kv_cache_fall_back():
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    assert shared_prefix_log_likelihoods(tiny_lstm(tokenizer), tokenizer, ["ACGT", "ACGA"], [[0, 1]]) is None
