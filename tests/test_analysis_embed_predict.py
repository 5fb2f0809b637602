"""embed() and predict() against plain transformers forward loops on the same tiny models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from analysis_models import tiny_encoder, tiny_lstm, tiny_pythia

from hf_genomics.alphabet import reverse_complement
from hf_genomics.analysis import embed, model_window_nt, predict, record_training_length
from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
from hf_genomics.tokenization.kmer import KmerTokenizer

SEQUENCES = ["ACGTTGCATGCATTTATAAGGCTAGCTAGG", "TTGACAGGCTAGCTAATA", "GGGCCCATATATNACGTACGTAGCTAGCATCGAT"]


def _plain_hidden(model, tokenizer, sequence):
    encoded = tokenizer(sequence, return_tensors="pt")
    with torch.no_grad():
        return model.base_model(**encoded).last_hidden_state[0].numpy(), encoded


@pytest.mark.parametrize("tokenizer", [KmerTokenizer(k=1), KmerTokenizer(k=3), KmerTokenizer(k=3, stride=1)])
def test_mean_and_cls_pooling_equal_a_plain_forward_loop(tokenizer):
    model = tiny_encoder(tokenizer, "classifier")
    means = embed(model, tokenizer, SEQUENCES, pooling="mean", batch_size=2, progress=False)
    cls = embed(model, tokenizer, SEQUENCES, pooling="cls", batch_size=3, progress=False)
    for row, sequence in enumerate(SEQUENCES):
        hidden, encoded = _plain_hidden(model, tokenizer, sequence)
        special = np.isin(encoded["input_ids"][0].numpy(), tokenizer.all_special_ids)
        np.testing.assert_allclose(means[row], hidden[~special].mean(0), atol=1e-5)
        np.testing.assert_allclose(cls[row], hidden[0], atol=1e-5)


def test_per_nucleotide_embeddings_map_tokens_to_their_bases():
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "base")
    sequence = SEQUENCES[0]  # 30 nt: ten 3-mers
    per_base = embed(model, tokenizer, [sequence], pooling="per_nucleotide", progress=False)[0]
    hidden, _ = _plain_hidden(model, tokenizer, sequence)
    assert per_base.shape == (30, 32)
    for token in range(10):
        for base in range(3 * token, 3 * token + 3):
            np.testing.assert_allclose(per_base[base], hidden[1 + token], atol=1e-5)


def test_long_sequences_are_windowed_and_stitched_not_truncated():
    tokenizer = KmerTokenizer(k=1)
    model = tiny_encoder(tokenizer, "base")
    sequence = "ACGTTGCATGCATTTATAAGGCTAGCTAGGCATCGATCGA"  # 40 nt, window 16, stride 8
    per_base = embed(
        model, tokenizer, [sequence], pooling="per_nucleotide", window_nt=16, stride_nt=8, progress=False
    )[0]
    assert per_base.shape[0] == 40
    starts = [0, 8, 16, 24]
    windows = {
        start: _plain_hidden(model, tokenizer, sequence[start : start + 16])[0][1:-1] for start in starts
    }
    # base 3 is only in window 0; base 12 is in windows 0 and 8 (mean of the two)
    np.testing.assert_allclose(per_base[3], windows[0][3], atol=1e-5)
    np.testing.assert_allclose(per_base[12], (windows[0][12] + windows[8][4]) / 2, atol=1e-5)
    np.testing.assert_allclose(per_base[39], windows[24][15], atol=1e-5)


@pytest.mark.parametrize("family", ["lstm", "pythia"])
def test_decoders_embed_with_last_pooling(family):
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True) if family == "lstm" else DnaLlmCharTokenizer()
    model = tiny_lstm(tokenizer) if family == "lstm" else tiny_pythia(tokenizer)
    last = embed(model, tokenizer, SEQUENCES, pooling="last", batch_size=2, progress=False)
    for row, sequence in enumerate(SEQUENCES):
        encoded = tokenizer(sequence, return_tensors="pt")
        with torch.no_grad():
            states = model(**encoded, output_hidden_states=True).hidden_states[-1][0]
        np.testing.assert_allclose(
            last[row], states[-1].numpy(), atol=1e-5
        )  # the last base (no [EOS] by default)


def test_predict_equals_softmax_of_a_plain_forward():
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    result = predict(model, tokenizer, SEQUENCES, batch_size=2, progress=False)
    for row, sequence in enumerate(SEQUENCES):
        with torch.no_grad():
            logits = model(**tokenizer(sequence, return_tensors="pt")).logits[0]
        np.testing.assert_allclose(result.probabilities[row], torch.softmax(logits, -1).numpy(), atol=1e-5)
    assert result.n_windows.tolist() == [1, 1, 1]


def test_predict_averages_windows_beyond_the_recorded_training_length(tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    record_training_length(model, tokenizer, 18)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    loaded_tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert model_window_nt(loaded, loaded_tokenizer) == 18
    assert loaded_tokenizer.model_max_length == 8  # 6 three-mers + [CLS] + [SEP]
    long = SEQUENCES[0]  # 30 nt -> windows at 0, 9, 12
    result = predict(loaded, loaded_tokenizer, [long], progress=False)
    assert result.n_windows.tolist() == [3]
    expected = predict(loaded, loaded_tokenizer, [long[0:18], long[9:27], long[12:30]], progress=False)
    np.testing.assert_allclose(result.probabilities[0], expected.probabilities.mean(0), atol=1e-6)


def test_rc_average_is_strand_symmetric():
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    forward = predict(model, tokenizer, SEQUENCES, rc_average=True, progress=False)
    reverse = predict(
        model, tokenizer, [reverse_complement(s) for s in SEQUENCES], rc_average=True, progress=False
    )
    np.testing.assert_allclose(forward.probabilities, reverse.probabilities, atol=1e-6)


def test_predict_rejects_models_without_a_classification_head():
    tokenizer = KmerTokenizer(k=3)
    with pytest.raises(ValueError, match="sequence classifier"):
        predict(tiny_encoder(tokenizer, "masked"), tokenizer, SEQUENCES, progress=False)


def test_bad_input_is_named():
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier")
    with pytest.raises(ValueError, match="position 4"):
        predict(model, tokenizer, ["ACGTX"], progress=False)


class ToyConvForSequenceClassification(torch.nn.Module):
    """A model whose forward takes no attention_mask (like convolutional / state-space ports)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = torch.nn.Embedding(vocab_size, 8)
        self.conv = torch.nn.Conv1d(8, 8, 3, padding=1)
        self.head = torch.nn.Linear(8, 2)

    def get_input_embeddings(self):
        return self.embedding

    def forward(self, input_ids):
        hidden = self.conv(self.embedding(input_ids).transpose(1, 2)).transpose(1, 2)
        return type("Output", (), {"logits": self.head(hidden[:, 0])})()


def test_models_without_attention_mask_are_called_without_one():
    tokenizer = KmerTokenizer(k=1)
    model = ToyConvForSequenceClassification(len(tokenizer)).eval()
    result = predict(model, tokenizer, SEQUENCES[:1], window_nt=100, progress=False)
    with torch.no_grad():
        logits = model(tokenizer(SEQUENCES[0], return_tensors="pt")["input_ids"]).logits[0]
    np.testing.assert_allclose(result.probabilities[0], torch.softmax(logits, -1).numpy(), atol=1e-6)
