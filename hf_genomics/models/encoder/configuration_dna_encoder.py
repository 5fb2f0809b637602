"""Configuration of the DNA encoder of the coding-schemes study (arXiv 2507.15087)."""

from __future__ import annotations

from typing import Literal

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig
from transformers.modeling_rope_utils import RopeParameters

PositionType = Literal["sinusoidal", "alibi", "rope"]

# Presets: the study's encoders (hidden 768, 12 heads, FFN 3072, dropout 0.1) and CPU-sized ones.
PRESETS: dict[str, dict] = {
    **{
        f"paper-L{depth}": dict(
            hidden_size=768,
            num_hidden_layers=depth,
            num_attention_heads=12,
            intermediate_size=3072,
            hidden_dropout_prob=0.1,
            attention_probs_dropout_prob=0.1,
        )
        for depth in (3, 6, 12, 24)
    },
    "small": dict(
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    ),
    "tiny": dict(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=512,
    ),
}


@strict
class DnaEncoderConfig(PreTrainedConfig):
    r"""A BERT-style encoder whose only switch is how positions are encoded.

    position_embedding_type: ``"sinusoidal"`` (fixed table added to the embeddings), ``"alibi"``
        (per-head linear bias in the attention scores) or ``"rope"`` (rotary on queries/keys).
    classifier_pooling: ``"cls"`` or ``"mean"`` (over non-padding tokens).
    type_vocab_size: 0 means no token-type embeddings (the default; DNA has no sentence pairs).
    sparse_prediction: the masked-LM head computes logits only where ``labels != -100`` (when labels
        are given) and returns them flat, shape (n_masked, vocab_size).
    """

    model_type = "dna_encoder"
    default_theta = 10_000.0

    vocab_size: int = 4101
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 2048
    position_embedding_type: PositionType = "rope"
    rope_parameters: RopeParameters | dict | None = None
    type_vocab_size: int = 0
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int | None = 0
    cls_token_id: int | None = 2
    sep_token_id: int | None = 3
    mask_token_id: int | None = 4
    classifier_pooling: Literal["cls", "mean"] = "cls"
    classifier_dropout: float | None = None
    sparse_prediction: bool = True
    tie_word_embeddings: bool = True

    def validate_architecture(self):
        """Part of ``@strict`` validation: heads must divide the hidden size."""
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) is not a multiple of num_attention_heads "
                f"({self.num_attention_heads})"
            )
        if self.position_embedding_type not in ("sinusoidal", "alibi", "rope"):
            raise ValueError(
                f"position_embedding_type must be sinusoidal, alibi or rope, got {self.position_embedding_type!r}"
            )

    @classmethod
    def from_preset(cls, name: str, **overrides) -> DnaEncoderConfig:
        """Build a config from a named preset (``paper-L3/6/12/24``, ``small``, ``tiny``) plus overrides."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
        return cls(**{**PRESETS[name], **overrides})


__all__ = ["DnaEncoderConfig", "PRESETS"]
