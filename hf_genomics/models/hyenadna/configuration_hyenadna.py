"""Configuration of HyenaDNA (Nguyen et al., 2023): a decoder of Hyena operators, one token per base.

Field names are those of the LongSafari ``*-seqlen-hf`` checkpoints' ``config.json`` (``d_model``,
``n_layer``, ``max_seq_len`` ...), so their values are read without renaming; the usual transformers
names (``hidden_size``, ``num_hidden_layers`` ...) are aliases. An original ``-hf`` config.json is
read as published (``original_layout.py``).
"""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig

from .original_layout import native_fields

# The published checkpoints (LongSafari/hyenadna-*-seqlen[-hf]); max_seq_len includes 2 specials.
PRESETS: dict[str, dict] = {
    "tiny-1k": dict(d_model=128, n_layer=2, d_inner=512, max_seq_len=1026),
    "tiny-1k-d256": dict(d_model=256, n_layer=2, d_inner=1024, max_seq_len=1026),
    "tiny-16k-d128": dict(d_model=128, n_layer=2, d_inner=512, max_seq_len=16386),
    "small-32k": dict(d_model=256, n_layer=4, d_inner=1024, max_seq_len=32770),
    "medium-160k": dict(d_model=256, n_layer=8, d_inner=1024, max_seq_len=160002),
    "medium-450k": dict(d_model=256, n_layer=8, d_inner=1024, max_seq_len=450002),
    "large-1m": dict(d_model=256, n_layer=8, d_inner=1024, max_seq_len=1000002),
}


@strict
class HyenaDnaConfig(PreTrainedConfig):
    r"""HyenaDNA: pre-LN blocks of (Hyena operator, GELU MLP) over single-nucleotide tokens.

    d_model / n_layer / d_inner: width, depth and MLP width (``d_inner`` defaults to 4 * d_model).
    max_seq_len: longest input in tokens; also the length of the implicit filters' positional
        embedding ``z`` (a trained parameter), so longer inputs are refused.
    emb_dim: size of ``z`` (1 time channel + ``(emb_dim - 1) / 2`` complex-exponential bands).
    filter_order / num_inner_mlps / activation_freq / train_freq: width, inner depth and initial
        frequency of the implicit filter MLP with sine activations (one shared frequency vector).
    short_filter_order: kernel of the causal depthwise convolution after the input projection.
    hyena_order: depth of the Hyena recurrence (gates = order, long filters = order - 1).
    modulate / modulation_shift: the filters are multiplied by ``exp(-t |delta|) + shift``.
    classifier_pooling: ``"last"`` (last non-padding token, as the -hf checkpoints'
        HyenaDNAForSequenceClassification) or ``"mean"`` (over non-padding tokens, as the original
        repository's ``SequenceDecoder(mode="pool")``); classifier_bias: bias of the score layer.
    long_input_chunk_size: inputs longer than this many tokens run in bounded memory (filters, MLP
        and output projection this many positions at a time, the Hyena operator a group of channels
        at a time), with the same outputs; None runs every length at once.
    """

    model_type = "hyenadna"
    attribute_map = {
        "hidden_size": "d_model",
        "num_hidden_layers": "n_layer",
        "intermediate_size": "d_inner",
        "max_position_embeddings": "max_seq_len",
        "layer_norm_eps": "layer_norm_epsilon",
    }

    vocab_size: int = 12
    d_model: int = 256
    n_layer: int = 4
    d_inner: int | None = None
    max_seq_len: int = 1026
    emb_dim: int = 5
    filter_order: int = 64
    short_filter_order: int = 3
    num_inner_mlps: int = 2
    hyena_order: int = 2
    activation_freq: float = 10.0
    train_freq: bool = True
    modulate: bool = True
    modulation_shift: float = 0.05
    embed_dropout: float = 0.1
    resid_dropout: float = 0.0
    hyena_dropout: float = 0.0
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    pad_vocab_size_multiple: int = 8
    classifier_pooling: str = "last"
    classifier_bias: bool = False
    long_input_chunk_size: int | None = 16384
    pad_token_id: int | None = 4
    bos_token_id: int | None = None
    eos_token_id: int | None = 1
    tie_word_embeddings: bool = False

    def __post_init__(self, **kwargs):
        shared = {"hyena_order": self.hyena_order, "short_filter_order": self.short_filter_order}
        for name, value in native_fields(kwargs, shared).items():  # a LongSafari -hf config.json as published
            setattr(self, name, value)
        if self.d_inner is None:
            self.d_inner = 4 * self.d_model
        super().__post_init__(**kwargs)

    def validate_architecture(self):
        """Part of ``@strict`` validation."""
        if self.emb_dim < 3 or self.emb_dim % 2 == 0:
            raise ValueError(f"emb_dim must be odd and >= 3 (time, cosine and sine), got {self.emb_dim}")
        if self.hyena_order < 2:
            raise ValueError(f"hyena_order must be >= 2, got {self.hyena_order}")
        if self.short_filter_order < 1:
            raise ValueError(f"short_filter_order must be >= 1, got {self.short_filter_order}")
        if self.classifier_pooling not in ("last", "mean"):
            raise ValueError(f"classifier_pooling must be 'last' or 'mean', got {self.classifier_pooling!r}")

    @property
    def padded_vocab_size(self) -> int:
        """The embedding/LM-head rows: vocab_size rounded up to pad_vocab_size_multiple."""
        multiple = max(int(self.pad_vocab_size_multiple), 1)
        return -(-self.vocab_size // multiple) * multiple

    @classmethod
    def from_preset(cls, name: str, **overrides) -> HyenaDnaConfig:
        """Shapes of a published checkpoint (``tiny-1k``, ``small-32k`` ...) plus overrides."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
        return cls(**{**PRESETS[name], **overrides})


__all__ = ["PRESETS", "HyenaDnaConfig"]
