"""Saturation mutagenesis against explicitly re-running the model on every mutant."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from analysis_models import tiny_encoder, tiny_lstm, tiny_pythia

from hf_genomics.analysis import saturation_mutagenesis
from hf_genomics.analysis.mutagenesis import mutant_sequences
from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
from hf_genomics.tokenization.kmer import KmerTokenizer

SEQUENCE = "TTGACAGGCTATAAAAGGCTAGCN"
BASES = "ACGT"


def _mutants_by_hand(sequence):
    for position, base in enumerate(sequence):
        for column, new in enumerate(BASES):
            if new != base:
                yield position, column, sequence[:position] + new + sequence[position + 1 :]


def test_mutants_are_every_other_base_at_every_position():
    mutants, positions, bases = mutant_sequences(SEQUENCE)
    expected = list(_mutants_by_hand(SEQUENCE))
    assert [(p, b, m) for p, b, m in zip(positions.tolist(), bases.tolist(), mutants)] == expected
    assert len(mutants) == 3 * (len(SEQUENCE) - 1) + 4  # all four bases at the N


@pytest.mark.parametrize("tokenizer", [KmerTokenizer(k=3), KmerTokenizer(k=3, stride=1)])
def test_classifier_ism_equals_rerunning_the_model_per_mutant(tokenizer):
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    result = saturation_mutagenesis(model, tokenizer, SEQUENCE, target=0, batch_size=7, progress=False)

    def logit(sequence):
        with torch.no_grad():
            return float(model(**tokenizer(sequence, return_tensors="pt")).logits[0, 0])

    reference = logit(SEQUENCE)
    assert result.reference_value == pytest.approx(reference, abs=1e-5)
    expected = np.zeros((len(SEQUENCE), 4))
    for position, column, mutant in _mutants_by_hand(SEQUENCE):
        expected[position, column] = logit(mutant) - reference
    np.testing.assert_allclose(result.scores, expected, atol=1e-5)
    assert result.scores.shape == (len(SEQUENCE), 4)


@pytest.mark.parametrize("family", ["lstm", "pythia"])
def test_causal_ism_is_the_log_likelihood_change(family):
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True) if family == "lstm" else DnaLlmCharTokenizer()
    model = tiny_lstm(tokenizer) if family == "lstm" else tiny_pythia(tokenizer)

    def log_likelihood(sequence):  # start given, end predicted (the documented score)
        ids = tokenizer(sequence, return_tensors="pt", add_eos_token=True)["input_ids"]
        with torch.no_grad():
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0, :-1], -1)
        return float(log_probs.gather(-1, ids[0, 1:, None]).sum())

    sequence = SEQUENCE[:12]
    result = saturation_mutagenesis(model, tokenizer, sequence, progress=False)
    reference = log_likelihood(sequence)
    for position, column, mutant in _mutants_by_hand(sequence):
        assert result.scores[position, column] == pytest.approx(log_likelihood(mutant) - reference, abs=1e-4)


def test_masked_lm_ism_is_the_masked_marginal_and_batch_size_does_not_matter():
    tokenizer = KmerTokenizer(k=1)
    model = tiny_encoder(tokenizer, "masked", initializer_range=0.2)
    sequence = SEQUENCE[:15]
    batched = saturation_mutagenesis(model, tokenizer, sequence, batch_size=16, progress=False)
    single = saturation_mutagenesis(model, tokenizer, sequence, batch_size=1, progress=False)
    np.testing.assert_allclose(batched.scores, single.scores, atol=1e-5)
    ids = tokenizer(sequence, return_tensors="pt")["input_ids"]
    for position in (0, 7, 14):
        masked = ids.clone()
        masked[0, position + 1] = tokenizer.mask_token_id
        with torch.no_grad():
            log_probs = torch.log_softmax(model(input_ids=masked).logits[0, position + 1], -1)
        base_ids = tokenizer.convert_tokens_to_ids(list(BASES))
        expected = (
            log_probs[base_ids] - log_probs[tokenizer.convert_tokens_to_ids(sequence[position])]
        ).numpy()
        np.testing.assert_allclose(batched.scores[position], expected, atol=1e-5)
    assert batched.method == "masked_marginal" and np.isnan(batched.reference_value)


def test_ngram_ism():
    from hf_genomics.models.ngram import NGramLM

    model = NGramLM(3).fit([SEQUENCE.replace("N", "A") * 3])
    sequence = SEQUENCE[:10]
    result = saturation_mutagenesis(model, None, sequence, progress=False)
    reference = model.log_likelihood(sequence)
    for position, column, mutant in _mutants_by_hand(sequence):
        assert result.scores[position, column] == pytest.approx(model.log_likelihood(mutant) - reference)


def test_cli_writes_arrays_and_figures(tmp_path):
    from hf_genomics import cli

    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier")
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    fasta = tmp_path / "in.fa"
    fasta.write_text(">seq one\nttgacaggctataaaagg\n>two\nACGTACGTAGCTAGCTAG\n")
    argv = [
        "ism",
        "--model",
        str(tmp_path / "model"),
        "--fasta",
        str(fasta),
        "--output-dir",
        str(tmp_path / "ism"),
    ]
    assert cli.main([*argv, "--quiet"]) == 0
    saved = np.load(tmp_path / "ism" / "seq.ism.npz")
    assert str(saved["sequence"]) == "TTGACAGGCTATAAAAGG" and saved["scores"].shape == (18, 4)
    assert str(saved["alphabet"]) == "ACGT"
    assert (tmp_path / "ism" / "two.ism.png").stat().st_size > 1000
