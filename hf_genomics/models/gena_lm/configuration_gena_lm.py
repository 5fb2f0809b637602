"""Configuration of GENA-LM (AIRI-Institute/gena-lm-bert-*): a BERT with pre-LayerNorm blocks."""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig


@strict
class GenaLmConfig(PreTrainedConfig):
    r"""GENA-LM's dense BERT (Fishman et al., 2025, Nucleic Acids Research).

    pre_layer_norm: ``x + f(LN(x))`` blocks (all released GENA-LM BERTs); ``False`` is the post-LN
        of the original BERT, ``LN(x + f(x))``.
    last_layer_norm: a final LayerNorm after the last pre-LN block (the ``*-lastln-*`` and large
        models); only meaningful with ``pre_layer_norm``.
    Defaults are gena-lm-bert-base-t2t's: 12 layers, hidden 768, 32k BPE vocabulary, 512 tokens,
    ``[PAD]`` = 3.
    """

    model_type = "gena_lm"

    vocab_size: int = 32000
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pre_layer_norm: bool = True
    last_layer_norm: bool = False
    pad_token_id: int | None = 3
    cls_token_id: int | None = 1
    sep_token_id: int | None = 2
    mask_token_id: int | None = 4
    classifier_dropout: float | None = None
    tie_word_embeddings: bool = True

    def validate_architecture(self):
        """Part of ``@strict`` validation."""
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) is not a multiple of num_attention_heads "
                f"({self.num_attention_heads})"
            )
        if self.last_layer_norm and not self.pre_layer_norm:
            raise ValueError("last_layer_norm needs pre_layer_norm=True (as in the original GENA-LM code)")


__all__ = ["GenaLmConfig"]
