"""Configuration of Nucleotide Transformer v2 (InstaDeep): a pre-LN ESM-style encoder with rotary
positions and a gated (SwiGLU) feed-forward without biases."""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig
from transformers.modeling_rope_utils import RopeParameters

# Published NT v2 shapes (hidden, layers, heads, intermediate); all: vocab 4107 (k=6; 75 for the
# 3-mer model), 2050 positions, layer_norm_eps 1e-12, no FFN bias, untied LM head.
NT_V2_SHAPES: dict[str, tuple[int, int, int, int]] = {
    "nucleotide-transformer-v2-50m-multi-species": (512, 12, 16, 2048),
    "nucleotide-transformer-v2-100m-multi-species": (512, 22, 16, 2048),
    "nucleotide-transformer-v2-250m-multi-species": (768, 24, 16, 3072),
    "nucleotide-transformer-v2-500m-multi-species": (1024, 29, 16, 4096),
}


@strict
class NucleotideTransformerConfig(PreTrainedConfig):
    r"""Nucleotide Transformer v2.

    add_bias_fnn: biases in the feed-forward projections (False for every released v2 model).
    emb_layer_norm_before: LayerNorm right after the token embedding (False in NT).
    token_dropout: ESM's mask-token rescaling of the embeddings (False in NT).
    intermediate_size: width of each half of the gated unit (the input projection is twice that).
    """

    model_type = "nucleotide_transformer"
    default_theta = 10_000.0

    vocab_size: int = 4107
    hidden_size: int = 512
    num_hidden_layers: int = 12
    num_attention_heads: int = 16
    intermediate_size: int = 2048
    hidden_dropout_prob: float = 0.0
    attention_probs_dropout_prob: float = 0.0
    max_position_embeddings: int = 2050
    rope_parameters: RopeParameters | dict | None = None
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    add_bias_fnn: bool = False
    emb_layer_norm_before: bool = False
    token_dropout: bool = False
    pad_token_id: int | None = 1
    mask_token_id: int | None = 2
    cls_token_id: int | None = 3
    classifier_dropout: float | None = None
    tie_word_embeddings: bool = False

    def validate_architecture(self):
        """Part of ``@strict`` validation: heads must divide the hidden size."""
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) is not a multiple of num_attention_heads "
                f"({self.num_attention_heads})"
            )


__all__ = ["NT_V2_SHAPES", "NucleotideTransformerConfig"]
