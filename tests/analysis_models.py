"""Tiny seeded models of every family for the analysis tests (random weights: the tests check the
computations, not what a trained model knows)."""

from __future__ import annotations

from pathlib import Path

import torch


def tiny_encoder(tokenizer, head: str = "classifier", seed: int = 0, num_labels: int = 2, **overrides):
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import (
        DnaEncoderForMaskedLM,
        DnaEncoderForSequenceClassification,
        DnaEncoderModel,
    )

    torch.manual_seed(seed)
    config = DnaEncoderConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        num_labels=num_labels,
        **overrides,
    )
    cls = {
        "classifier": DnaEncoderForSequenceClassification,
        "masked": DnaEncoderForMaskedLM,
        "base": DnaEncoderModel,
    }[head]
    return cls(config).eval()


def tiny_lstm(tokenizer, seed: int = 0):
    from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
    from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM

    torch.manual_seed(seed)
    config = DnaLstmConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return DnaLstmForCausalLM(config).eval()


def tiny_pythia(tokenizer, seed: int = 0):
    from transformers import GPTNeoXForCausalLM

    from hf_genomics.models.pythia import pythia_config

    torch.manual_seed(seed)
    config = pythia_config(
        "tiny",
        vocab_size=len(tokenizer),
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPTNeoXForCausalLM(config).eval()


def save_tiny_mlm_encoder(folder: Path, tokenizer_spec: str = "kmer:3") -> Path:
    """Our encoder as a user has it after pretraining: tiny seeded MLM weights (RoPE) and the tokenizer,
    saved in ``folder``."""
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer(tokenizer_spec)
    tiny_encoder(tokenizer, head="masked", position_embedding_type="rope").save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
