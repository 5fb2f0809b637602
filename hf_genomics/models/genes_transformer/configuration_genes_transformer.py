"""Configuration of the human-genes study's Transformer decoder (arXiv 2307.10634)."""

from __future__ import annotations

from transformers import PretrainedConfig


class GenesTransformerConfig(PretrainedConfig):
    """The study's Keras model as plain fields: token + learned position embeddings (256), 4 post-LN
    decoder blocks (3 heads of key dimension 85, ReLU FFN of 256, no dropout), a linear head.

    ``head_dim`` is free (Keras' ``key_dim``): 3 × 85 = 255 need not equal ``hidden_size``.
    """

    model_type = "genes_transformer"

    def __init__(
        self,
        vocab_size: int = 16,
        hidden_size: int = 256,
        num_hidden_layers: int = 4,
        num_attention_heads: int = 3,
        head_dim: int = 85,
        intermediate_size: int = 256,
        hidden_act: str = "relu",
        max_position_embeddings: int = 1023,  # the study's SEQ_LEN = 2**10 - 1
        layer_norm_eps: float = 1e-5,
        dropout: float = 0.0,
        initializer_range: float = 0.02,
        pad_token_id: int | None = 0,
        bos_token_id: int | None = None,
        eos_token_id: int | None = None,
        tie_word_embeddings: bool = False,
        **kwargs,
    ) -> None:
        for name, value in (
            ("hidden_size", hidden_size),
            ("num_hidden_layers", num_hidden_layers),
            ("num_attention_heads", num_attention_heads),
            ("head_dim", head_dim),
            ("intermediate_size", intermediate_size),
            ("max_position_embeddings", max_position_embeddings),
        ):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.head_dim = head_dim
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.max_position_embeddings = max_position_embeddings
        self.layer_norm_eps = layer_norm_eps
        self.dropout = dropout
        self.initializer_range = initializer_range
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            tie_word_embeddings=tie_word_embeddings,
            **kwargs,
        )
