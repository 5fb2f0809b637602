"""Pythia presets: architecture as EleutherAI published it, parameter counts as the studies report."""

from __future__ import annotations

import pytest
import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from hf_genomics import pythia_config
from hf_genomics.models.pythia import PYTHIA_SIZES, count_parameters

# Total parameters of EleutherAI/pythia-* (vocabulary 50,304), from the Pythia paper's Table 1
# and the model cards: an independent check of layers/hidden/heads/FFN.
PUBLISHED_PYTHIA = {
    "14m": 14_067_712,
    "70m": 70_426_624,
    "160m": 162_322_944,
    "410m": 405_334_016,
    "1b": 1_011_781_632,
}

# "Attention is not enough": the 8-token-vocabulary ladder, 1.2M ... ~806M parameters.
STUDY_MILLIONS = {"14m": 1.2, "31m": 4.7, "70m": 18.9, "160m": 85.1, "410m": 302.3, "1b": 805.8}


def closed_form(layers: int, hidden: int, ffn: int, vocab: int) -> int:
    """GPT-NeoX with biases, two LayerNorms per block, final LayerNorm, untied embeddings."""
    per_layer = 4 * hidden + (3 * hidden * hidden + 3 * hidden) + (hidden * hidden + hidden)
    per_layer += (hidden * ffn + ffn) + (ffn * hidden + hidden)
    return layers * per_layer + 2 * hidden + 2 * vocab * hidden


@pytest.mark.parametrize("size", sorted(PUBLISHED_PYTHIA))
def test_matches_published_pythia_counts(size):
    assert count_parameters(pythia_config(size, vocab_size=50_304)) == PUBLISHED_PYTHIA[size]


@pytest.mark.parametrize("size", sorted(STUDY_MILLIONS))
def test_vocab_8_gives_study_ladder(size):
    layers, hidden, _, ffn = PYTHIA_SIZES[size]
    n = count_parameters(pythia_config(size, vocab_size=8))
    assert n == closed_form(layers, hidden, ffn, 8)
    assert round(n / 1e6, 1) == STUDY_MILLIONS[size]


def test_pythia_settings():
    config = pythia_config("160m", vocab_size=8, eos_token_id=1)
    assert isinstance(config, GPTNeoXConfig)
    assert config.rope_parameters["partial_rotary_factor"] == 0.25
    assert config.max_position_embeddings == 2048
    assert config.use_parallel_residual is True
    assert config.tie_word_embeddings is False
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (12, 768, 12)
    assert config.intermediate_size == 3072
    assert config.eos_token_id == 1


def test_genes_paper_preset():
    config = pythia_config("genes-paper", vocab_size=8)
    assert (config.hidden_size, config.num_hidden_layers, config.intermediate_size) == (256, 4, 256)
    assert config.num_attention_heads == 4


def test_unknown_size():
    with pytest.raises(ValueError, match="unknown Pythia size"):
        pythia_config("7b", vocab_size=8)


def test_tiny_runs_and_reloads(tmp_path):
    config = pythia_config("tiny", vocab_size=8, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(config).eval()
    ids = torch.randint(3, 8, (2, 16))
    out = model(ids, labels=ids)
    assert out.logits.shape == (2, 16, 8) and torch.isfinite(out.loss)
    model.save_pretrained(tmp_path)
    reloaded = GPTNeoXForCausalLM.from_pretrained(tmp_path).eval()
    torch.testing.assert_close(reloaded(ids).logits, out.logits)
