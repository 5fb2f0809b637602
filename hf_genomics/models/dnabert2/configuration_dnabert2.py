"""Configuration of DNABERT-2 (Zhou et al., 2024): a MosaicBERT encoder over a 4,096-token DNA BPE."""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig


@strict
class Dnabert2Config(PreTrainedConfig):
    r"""MosaicBERT as DNABERT-2 uses it: post-LN BERT layers with ALiBi attention biases (no position
    embeddings), a fused q/k/v projection, a gated-linear-unit feed-forward (GELU gate, no bias on the
    input projection) and token-type embeddings. Field names and defaults are those of the original
    ``config.json`` of zhihan1996/DNABERT-2-117M, so a converted config reads the same.

    intermediate_size: width of the gated half (the input projection is ``2 * intermediate_size`` wide).
    alibi_starting_size: kept from the original for the record; ALiBi biases here are computed for the
        actual input length, so any length works.
    max_position_embeddings: no table uses it (ALiBi); tokenizers and scripts read it as the trained length.
    """

    model_type = "dnabert2"

    vocab_size: int = 4096
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.0
    max_position_embeddings: int = 512
    alibi_starting_size: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int | None = 3
    unk_token_id: int | None = 0
    cls_token_id: int | None = 1
    sep_token_id: int | None = 2
    mask_token_id: int | None = 4
    classifier_dropout: float | None = None
    tie_word_embeddings: bool = True

    def validate_architecture(self):
        """Part of ``@strict`` validation: heads must divide the hidden size."""
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) is not a multiple of num_attention_heads "
                f"({self.num_attention_heads})"
            )


__all__ = ["Dnabert2Config"]
