"""Configuration of the DNA LSTM causal LM (the RNN of the human-genes study, arXiv 2307.10634)."""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig

# Presets: the study's chosen RNN (embedding 256, hidden 512, 4 layers) and CPU-sized ones.
# "genes-study" is the study's code exactly: token + learned position embedding (keras_nlp
# TokenAndPositionEmbedding over its SEQ_LEN = 2**10 - 1 = 1023 positions: [BOS] + genes of
# <= 1,000 nt, and mutated genes with insertions still fit), ~8.15 M parameters, initialised as
# Keras does (with PyTorch's init it stayed on the unigram plateau for 2.75 epochs; Keras' init left
# it in epoch 4 — docs/results/genes/lstm_keras_init/README.md).
INIT_SCHEMES = ("torch", "keras")
PRESETS: dict[str, dict] = {
    "genes-paper": dict(embedding_size=256, hidden_size=512, num_hidden_layers=4),
    "genes-study": dict(
        embedding_size=256,
        hidden_size=512,
        num_hidden_layers=4,
        position_embedding=True,
        max_position_embeddings=1023,
        init_scheme="keras",
    ),
    "small": dict(embedding_size=128, hidden_size=256, num_hidden_layers=2),
    "tiny": dict(embedding_size=16, hidden_size=32, num_hidden_layers=1),
}


@strict
class DnaLstmConfig(PreTrainedConfig):
    r"""A stacked LSTM over tokens (one base per token with the ``char`` tokenizer).

    embedding_size: size of the token embeddings fed to the first LSTM layer.
    hidden_size: LSTM state size of every layer (projected to the vocabulary by the LM head).
    dropout: between LSTM layers and before the LM head (the study used none).
    position_embedding: add a learned position embedding to the token embedding (the study's
        keras_nlp ``TokenAndPositionEmbedding``); positions count from 0 at ``[BOS]``. Off by
        default, so folders saved before the option existed load unchanged.
    max_position_embeddings: positions the learned position embedding covers.
    embedding_init_std: std of the token embeddings at init. 1.0 (PyTorch's default), not the
        transformers 0.02: with tiny embeddings the LSTM barely sees its input and training stalls
        at the unigram plateau (300 steps on genes: 1.414 nats/token at 0.02 vs 1.366 at 1.0).
    init_scheme: ``"torch"`` (PyTorch's LSTM init, the embeddings as above) or ``"keras"`` — the
        study's framework defaults: embeddings U(±0.05), LSTM input kernels Glorot-uniform,
        recurrent kernels orthogonal, one zero bias with the forget gate at 1, Glorot-uniform head.
    """

    model_type = "dna_lstm"

    vocab_size: int = 12
    embedding_size: int = 256
    hidden_size: int = 512
    num_hidden_layers: int = 4
    dropout: float = 0.0
    position_embedding: bool = False
    max_position_embeddings: int = 1023
    initializer_range: float = 0.02
    embedding_init_std: float = 1.0
    init_scheme: str = "torch"
    pad_token_id: int | None = 0
    bos_token_id: int | None = 10
    eos_token_id: int | None = 11
    tie_word_embeddings: bool = False

    def validate_architecture(self):
        """Part of ``@strict`` validation."""
        if self.num_hidden_layers < 1:
            raise ValueError(f"num_hidden_layers must be >= 1, got {self.num_hidden_layers}")
        if self.init_scheme not in INIT_SCHEMES:
            raise ValueError(f"init_scheme must be one of {INIT_SCHEMES}, got {self.init_scheme!r}")
        if self.tie_word_embeddings and self.embedding_size != self.hidden_size:
            raise ValueError("tie_word_embeddings needs embedding_size == hidden_size")

    @classmethod
    def from_preset(cls, name: str, **overrides) -> DnaLstmConfig:
        """Build a config from a named preset (``genes-study``, ``genes-paper``, ``small``, ``tiny``)
        plus overrides."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
        return cls(**{**PRESETS[name], **overrides})


__all__ = ["INIT_SCHEMES", "PRESETS", "DnaLstmConfig"]
