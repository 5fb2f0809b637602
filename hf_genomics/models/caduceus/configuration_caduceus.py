"""Configuration of Caduceus (kuleshov-group/caduceus-{ph,ps}_*): bidirectional Mamba, optionally
reverse-complement equivariant."""

from __future__ import annotations

from typing import Literal

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig

from .original_layout import complement_list, is_original_config, native_fields

# Caduceus' character vocabulary: [CLS]=0 [SEP]=1 [BOS]=2 [MASK]=3 [PAD]=4 [RESERVED]=5 [UNK]=6
# A=7 C=8 G=9 T=10 N=11, padded to 16 entries; the complement swaps A<->T and C<->G.
DEFAULT_COMPLEMENT_MAP = [0, 1, 2, 3, 4, 5, 6, 10, 9, 8, 7, 11, 12, 13, 14, 15]


@strict
class CaduceusConfig(PreTrainedConfig):
    r"""Caduceus (Schiff et al., 2024): a stack of BiMamba blocks over single nucleotides.

    rcps: reverse-complement parameter sharing (the ``-ps`` models): embeddings, blocks and LM head
        act on both strands with shared weights, hidden states carry ``2 * hidden_size`` channels
        (forward half, reverse-complement half) and the model is RC-equivariant. ``-ph`` models
        are ``rcps=False`` and are made RC-invariant at inference by post-hoc conjoining
        (``conjoin_eval``: average the classifier over the sequence and its reverse complement).
    fused_add_norm: mirrors the original's flag. With ``rcps`` the original's fused (Triton) path
        hands the two strand halves to the next block in swapped order, unlike its unfused path;
        the released checkpoints were trained fused, so this flag selects that wiring.
    complement_map: token id -> id of its complement (length ``vocab_size``; the original's dict
        keyed by string ids is accepted, ids it leaves out map to themselves).

    The original ``config.json`` (mamba-ssm names: ``d_model``, ``n_layer``, ``ssm_cfg`` ...) is read
    as published (``original_layout.py``), so original folders load natively.
    bidirectional_strategy: how the forward and reversed Mamba outputs combine ("add" or "ew_multiply").
    mixer_chunk_size: inputs longer than this many tokens are mixed this many positions at a time,
        carrying the scan state across pieces (same outputs, memory bounded by the piece, not the
        length: a 131 kb sequence fits a laptop); None mixes every length at once.
    The Mamba fields follow mamba-ssm's ``Mamba`` (``state_size`` = d_state, ``conv_kernel`` = d_conv,
    ``time_step_rank`` = dt_rank, "auto" meaning ``ceil(hidden_size / 16)``).
    """

    model_type = "caduceus"

    vocab_size: int = 16
    hidden_size: int = 256
    num_hidden_layers: int = 16
    state_size: int = 16
    conv_kernel: int = 4
    expand: int = 2
    time_step_rank: int | str = "auto"
    time_step_min: float = 0.001
    time_step_max: float = 0.1
    time_step_init_scheme: str = "random"
    time_step_scale: float = 1.0
    time_step_floor: float = 1e-4
    use_conv_bias: bool = True
    use_bias: bool = False
    rms_norm: bool = True
    layer_norm_epsilon: float = 1e-5
    residual_in_fp32: bool = False
    fused_add_norm: bool = True
    bidirectional: bool = True
    bidirectional_strategy: Literal["add", "ew_multiply"] = "add"
    bidirectional_weight_tie: bool = True
    rcps: bool = False
    complement_map: list[int] | dict | None = None
    initializer_range: float = 0.02
    rescale_prenorm_residual: bool = True
    pooling_strategy: Literal["mean", "max", "first", "last"] = "mean"
    conjoin_eval: bool = False
    mixer_chunk_size: int | None = 4096
    pad_token_id: int | None = 4
    mask_token_id: int | None = 3
    sep_token_id: int | None = 1
    cls_token_id: int | None = 0
    tie_word_embeddings: bool = True

    def __post_init__(self, **kwargs):
        if is_original_config(kwargs):  # an original kuleshov-group config.json, read as published
            for name, value in native_fields(kwargs, self.vocab_size).items():
                setattr(self, name, value)
        if isinstance(self.complement_map, dict) or (
            self.complement_map is not None and len(self.complement_map) < self.vocab_size
        ):
            self.complement_map = complement_list(self.complement_map, self.vocab_size)
        if self.complement_map is None:
            self.complement_map = list(range(self.vocab_size))
            self.complement_map[: len(DEFAULT_COMPLEMENT_MAP)] = DEFAULT_COMPLEMENT_MAP[: self.vocab_size]
        super().__post_init__(**kwargs)

    @property
    def intermediate_size(self) -> int:
        return self.expand * self.hidden_size

    @property
    def dt_rank(self) -> int:
        if self.time_step_rank == "auto":
            return -(-self.hidden_size // 16)
        return int(self.time_step_rank)

    def validate_architecture(self):
        """Part of ``@strict`` validation."""
        if len(self.complement_map) != self.vocab_size:
            raise ValueError(
                f"complement_map has {len(self.complement_map)} entries for a vocabulary of {self.vocab_size}"
            )
        if sorted(self.complement_map) != list(range(self.vocab_size)):
            raise ValueError("complement_map must be a permutation of the token ids")
        if not self.bidirectional and self.rcps:
            raise ValueError("rcps needs bidirectional=True (as every released Caduceus)")


__all__ = ["CaduceusConfig", "DEFAULT_COMPLEMENT_MAP"]
