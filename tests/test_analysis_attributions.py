"""Integrated gradients: completeness (sum of attributions = f(x) - f(baseline)) on every family."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from analysis_models import tiny_encoder, tiny_lstm, tiny_pythia

from hf_genomics.alphabet import encode
from hf_genomics.analysis import integrated_gradients
from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
from hf_genomics.tokenization.kmer import KmerTokenizer

SEQUENCE = "TTGACAGGCTATAAAAGGCTAGCTACGATN"


def _classifier_logit_at(model, tokenizer, sequence, baseline_vector=None):
    """f at the input (or with every content token's embedding replaced by ``baseline_vector``)."""
    encoded = tokenizer(sequence, return_tensors="pt")
    embeddings = model.get_input_embeddings()(encoded["input_ids"]).detach()
    if baseline_vector is not None:
        special = torch.tensor(np.isin(encoded["input_ids"][0].numpy(), tokenizer.all_special_ids))
        embeddings = torch.where(special[None, :, None], embeddings, baseline_vector)
    handle = model.get_input_embeddings().register_forward_hook(lambda *_: embeddings)
    with torch.no_grad():
        value = float(model(**encoded).logits[0, -1])
    handle.remove()
    return value


@pytest.mark.parametrize("tokenizer", [KmerTokenizer(k=1), KmerTokenizer(k=3), KmerTokenizer(k=4, stride=1)])
def test_completeness_for_the_encoder_classifier(tokenizer):
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    result = integrated_gradients(model, tokenizer, SEQUENCE, n_steps=200)
    embedding = model.get_input_embeddings().weight
    content = [i for i in tokenizer.get_vocab().values() if i not in tokenizer.all_special_ids]
    mean = embedding[content].mean(0).detach()
    difference = _classifier_logit_at(model, tokenizer, SEQUENCE) - _classifier_logit_at(
        model, tokenizer, SEQUENCE, mean
    )
    assert abs(difference) > 1e-3  # a real signal to attribute
    assert result.per_base.sum() == pytest.approx(difference, rel=2e-2, abs=1e-4)
    assert abs(result.convergence_delta) < 2e-2 * abs(difference) + 1e-4


@pytest.mark.parametrize("family", ["lstm", "pythia"])
def test_completeness_for_causal_lms(family):
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True) if family == "lstm" else DnaLlmCharTokenizer()
    model = tiny_lstm(tokenizer) if family == "lstm" else tiny_pythia(tokenizer)
    result = integrated_gradients(model, tokenizer, SEQUENCE, baseline="zeros", n_steps=100)
    ids = tokenizer(SEQUENCE, return_tensors="pt")["input_ids"]
    embeddings = model.get_input_embeddings()(ids).detach()
    special = torch.tensor(np.isin(ids[0].numpy(), tokenizer.all_special_ids))[None, :, None]

    def log_likelihood(vectors):
        handle = model.get_input_embeddings().register_forward_hook(lambda *_: vectors)
        with torch.no_grad():
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0, :-1], -1)
        handle.remove()
        return float(log_probs.gather(-1, ids[0, 1:, None]).sum())

    difference = log_likelihood(embeddings) - log_likelihood(torch.where(special, embeddings, 0.0))
    assert result.per_base.sum() == pytest.approx(difference, rel=1e-2, abs=1e-3)


def test_scores_put_each_base_value_in_its_own_column():
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    result = integrated_gradients(model, tokenizer, SEQUENCE, n_steps=20)
    codes = encode(SEQUENCE)
    assert result.scores.shape == (len(SEQUENCE), 4)
    canonical = codes < 4
    np.testing.assert_allclose(result.scores[canonical, codes[canonical]], result.per_base[canonical])
    assert (result.scores[~canonical] == 0).all()
    assert np.count_nonzero(result.scores, axis=1).max() <= 1


def test_long_sequences_are_attributed_window_by_window():
    tokenizer = KmerTokenizer(k=1)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    whole = integrated_gradients(model, tokenizer, SEQUENCE, window_nt=12, stride_nt=6, n_steps=20)
    first = integrated_gradients(model, tokenizer, SEQUENCE[:12], n_steps=20)
    np.testing.assert_allclose(whole.per_base[:6], first.per_base[:6], atol=1e-6)  # only window 0 covers them


def test_masked_lms_are_refused_with_a_reason():
    tokenizer = KmerTokenizer(k=1)
    with pytest.raises(ValueError, match="classifier or a causal LM"):
        integrated_gradients(tiny_encoder(tokenizer, "masked"), tokenizer, SEQUENCE)


def test_cli_attribute(tmp_path):
    from hf_genomics import cli

    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier")
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    fasta = tmp_path / "in.fa.gz"
    import gzip

    with gzip.open(fasta, "wt") as handle:
        handle.write(">a\nTTGACAGGCTATAAAAGG\n")
    out = tmp_path / "ig"
    argv = ["attribute", "--model", str(tmp_path / "model"), "--fasta", str(fasta), "--output-dir", str(out)]
    assert cli.main([*argv, "--n-steps", "8", "--quiet"]) == 0
    saved = np.load(out / "a.ig.npz")
    assert saved["scores"].shape == (18, 4) and (out / "a.ig.png").is_file()
