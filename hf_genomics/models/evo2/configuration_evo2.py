"""Configuration of Evo 2 (Arc Institute, 2025): StripedHyena 2, byte-level DNA.

Field names are those of the ``vortex`` YAML configs the released checkpoints ship with
(ArcInstitute/evo2 ``evo2/configs/*.yml``), so a converter copies them without renaming; the usual
transformers names (``num_hidden_layers``, ``intermediate_size``, ``rms_norm_eps`` ...) are aliases.
The one structural difference: the block layout is ``block_types`` (one of ``"hcs"``, ``"hcm"``,
``"hcl"``, ``"attention"`` per layer) instead of four index lists (:func:`block_types_from_indices`).

Switches that only select a CUDA kernel in vortex (``use_flash_attn``, ``use_flashfft``,
``use_fp8_input_projections``, ``use_flash_depthwise``, ``use_flash_rmsnorm``, ``inference_mode``,
``prefill_style``) do not change the function computed and are not fields: attention goes through
transformers' attention functions and the convolutions through PyTorch on any device.
"""

from __future__ import annotations

from typing import ClassVar

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig

BLOCK_TYPES = ("hcs", "hcm", "hcl", "attention")
_INDEX_KEYS = {
    "hcs": "hcs_layer_idxs",
    "hcm": "hcm_layer_idxs",
    "hcl": "hcl_layer_idxs",
    "attention": "attn_layer_idxs",
}


def block_types_from_indices(vortex_config: dict) -> list[str]:
    """vortex's ``hcs/hcm/hcl/attn_layer_idxs`` lists -> one type per layer (every layer exactly once)."""
    num_layers = int(vortex_config["num_layers"])
    types: list[str | None] = [None] * num_layers
    for kind, key in _INDEX_KEYS.items():
        for index in vortex_config.get(key) or []:
            if not 0 <= int(index) < num_layers or types[int(index)] is not None:
                raise ValueError(f"{key}: layer {index} is out of range or listed twice")
            types[int(index)] = kind
    missing = [i for i, kind in enumerate(types) if kind is None]
    if missing:
        raise ValueError(f"layers {missing} are in none of {sorted(_INDEX_KEYS.values())}")
    return [str(kind) for kind in types]


# The released checkpoints, as their vortex YAML configs (ArcInstitute/evo2 evo2/configs/*.yml, by the
# model names evo2 uses); every key of those files that changes the computed function is here.
_RELEASED = dict(
    vocab_size=512, hcm_filter_length=128, hcs_filter_length=7, short_filter_length=3, short_filter_bias=False,
    state_size=16, eps=1e-6, proj_groups=1, column_split_hyena=False, column_split=True, interleave=True,
    evo2_style_activations=True, tie_embeddings=True, mha_out_proj_bias=True, hyena_out_proj_bias=True,
    hyena_flip_x1x2=False, qkv_proj_bias=False, mlp_activation="gelu", final_norm=True,
)  # fmt: skip
_HYENA_7B = dict(
    hcl_layer_idxs=[2, 6, 9, 13, 16, 20, 23, 27, 30],
    hcm_layer_idxs=[1, 5, 8, 12, 15, 19, 22, 26, 29],
    hcs_layer_idxs=[0, 4, 7, 11, 14, 18, 21, 25, 28],
    attn_layer_idxs=[3, 10, 17, 24, 31],
)
_7B = dict(_RELEASED, **_HYENA_7B, hidden_size=4096, num_filters=4096, num_layers=32, hcl_filter_groups=4096,
           hcm_filter_groups=256, hcs_filter_groups=256, num_attention_heads=32, rotary_emb_base=10000)  # fmt: skip
_40B = dict(
    _RELEASED,
    hidden_size=8192, num_filters=8192, num_layers=50, hcl_filter_groups=8192, hcm_filter_groups=512,
    hcs_filter_groups=512, num_attention_heads=64, rotary_emb_base=1000000,
    hcl_layer_idxs=[2, 6, 9, 13, 16, 20, 23, 27, 30, 34, 38, 41, 45, 48],
    hcm_layer_idxs=[1, 5, 8, 12, 15, 19, 22, 26, 29, 33, 37, 40, 44, 47],
    hcs_layer_idxs=[0, 4, 7, 11, 14, 18, 21, 25, 28, 32, 36, 39, 43, 46],
    attn_layer_idxs=[3, 10, 17, 24, 31, 35, 42, 49],
)  # fmt: skip
_LONG = dict(use_interpolated_rotary_pos_emb=True, rotary_emb_scaling_factor=128)
VORTEX_PRESETS: dict[str, dict] = {
    "evo2_1b_base": dict(
        _RELEASED, hidden_size=1920, num_filters=1920, num_layers=25, hcl_filter_groups=1920,
        hcm_filter_groups=128, hcs_filter_groups=128, num_attention_heads=15, rotary_emb_base=10000,
        inner_mlp_size=5120, max_seqlen=8192, hcl_layer_idxs=[2, 6, 9, 13, 16, 20, 23],
        hcm_layer_idxs=[1, 5, 8, 12, 15, 19, 22], hcs_layer_idxs=[0, 4, 7, 11, 14, 18, 21],
        attn_layer_idxs=[3, 10, 17, 24],
    ),
    "evo2_7b_base": dict(_7B, inner_mlp_size=11008, max_seqlen=32768),
    "evo2_7b_262k": dict(_7B, **{**_LONG, "rotary_emb_scaling_factor": 32}, inner_mlp_size=11008, max_seqlen=262144),
    "evo2_7b": dict(_7B, **_LONG, inner_mlp_size=11264, max_seqlen=1048576),
    "evo2_20b": dict(
        _RELEASED, **_LONG, hidden_size=8192, num_filters=8192, num_layers=24, hcl_filter_groups=8192,
        hcm_filter_groups=512, hcs_filter_groups=512, num_attention_heads=64, rotary_emb_base=1000000,
        inner_mlp_size=22528, max_seqlen=1048576, hcl_layer_idxs=[2, 6, 9, 13, 16, 20, 23],
        hcm_layer_idxs=[1, 5, 8, 12, 15, 19, 22], hcs_layer_idxs=[0, 4, 7, 11, 14, 18, 21],
        attn_layer_idxs=[3, 10, 17],
    ),
    "evo2_40b_base": dict(_40B, inner_mlp_size=21888, max_seqlen=8192),
    "evo2_40b": dict(_40B, **_LONG, inner_mlp_size=22528, max_seqlen=1048576),
}  # fmt: skip
VORTEX_PRESETS["evo2_7b_microviridae"] = VORTEX_PRESETS["evo2_7b_base"]

# vortex keys copied unchanged into Evo2Config
_SAME_NAME = (
    "vocab_size", "hidden_size", "num_layers", "num_filters", "num_attention_heads", "proj_groups",
    "hcl_filter_groups", "hcm_filter_groups", "hcs_filter_groups", "hcm_filter_length", "hcs_filter_length",
    "short_filter_length", "short_filter_bias", "state_size", "inner_mlp_size", "mlp_activation",
    "evo2_style_activations", "eps", "rotary_emb_base", "use_interpolated_rotary_pos_emb",
    "rotary_emb_scaling_factor", "qkv_proj_bias", "mha_out_proj_bias", "hyena_out_proj_bias",
    "column_split_hyena", "interleave", "hyena_flip_x1x2", "final_norm", "max_seqlen",
)  # fmt: skip


def settings_from_vortex(vortex_config: dict) -> dict:
    """A vortex (YAML / config.json) config -> ``Evo2Config`` keyword arguments.

    Refuses what has no faithful native equivalent (grouped Hyena filters inside a group, a derived MLP
    width) instead of guessing.
    """
    if int(vortex_config.get("hyena_filter_groups", 1)) != 1:
        raise ValueError("hyena_filter_groups != 1 is not used by vortex's StripedHyena 2 blocks")
    if "inner_mlp_size" not in vortex_config:
        multiple = int(vortex_config.get("inner_size_multiple_of", 64)) * int(
            vortex_config.get("model_parallel_size", 1)
        )
        inner = int(2 * int(vortex_config["hidden_size"]) * 4 / 3)
        vortex_config = dict(vortex_config, inner_mlp_size=multiple * ((inner + multiple - 1) // multiple))
    settings = {key: vortex_config[key] for key in _SAME_NAME if key in vortex_config}
    settings["block_types"] = block_types_from_indices(vortex_config)
    settings["tie_word_embeddings"] = bool(vortex_config.get("tie_embeddings", True))
    for key in ("eps", "rotary_emb_base", "rotary_emb_scaling_factor"):
        if key in settings:
            settings[key] = float(settings[key])
    return settings


@strict
class Evo2Config(PreTrainedConfig):
    r"""StripedHyena 2: pre-norm blocks of (mixer, gated MLP); the mixer of each layer is one of

    * ``"hcs"``: Hyena with a short explicit inner filter (``hcs_filter_length`` taps, ``hcs_filter_groups``
      filters shared by contiguous channel groups), a direct causal convolution;
    * ``"hcm"``: the same with a medium filter (``hcm_filter_length``) and a gated skip ``D``;
    * ``"hcl"``: Hyena with a long implicit filter ``h[t] = sum_s R[d,s] exp(log_poles[d,s] t)`` (``state_size``
      real modes per channel), an FFT convolution in prefill and a recurrence of state ``state_size`` in decoding;
    * ``"attention"``: causal multi-head attention with rotary positions (linearly interpolated by
      ``rotary_emb_scaling_factor`` when ``use_interpolated_rotary_pos_emb``), ``proj_groups`` GQA groups.

    Every Hyena mixer projects to 3 x hidden, runs a short causal depthwise FIR
    (``short_filter_length``, bias ``short_filter_bias``), regroups the channels (``interleave``: take
    every third channel; ``column_split_hyena``: split per attention head), and computes
    ``x2 * (h * (x1 * v) + D x1 v)`` (``hyena_flip_x1x2`` swaps x1 and x2). The MLP is
    ``l3(act(l1 x) * l2 x)``; with ``evo2_style_activations`` only layer 0 applies ``mlp_activation``
    (later layers are bilinear). RMSNorm is vortex's ``x / (rms(x) + eps) * scale``.
    """

    model_type = "evo2"
    allowed_block_types: ClassVar[tuple[str, ...]] = BLOCK_TYPES
    attribute_map = {
        "num_hidden_layers": "num_layers",
        "intermediate_size": "inner_mlp_size",
        "rms_norm_eps": "eps",
        "max_position_embeddings": "max_seqlen",
    }

    vocab_size: int = 512
    hidden_size: int = 4096
    num_layers: int | None = None
    block_types: list[str] | None = None
    num_filters: int | None = None
    num_attention_heads: int = 32
    proj_groups: int = 1
    hcl_filter_groups: int | None = None
    hcm_filter_groups: int = 256
    hcs_filter_groups: int = 256
    hcm_filter_length: int = 128
    hcs_filter_length: int = 7
    short_filter_length: int = 3
    short_filter_bias: bool = False
    state_size: int = 16
    inner_mlp_size: int = 11264
    mlp_activation: str = "gelu"
    evo2_style_activations: bool = True
    eps: float = 1e-6
    rotary_emb_base: float = 10000.0
    use_interpolated_rotary_pos_emb: bool = False
    rotary_emb_scaling_factor: float = 1.0
    qkv_proj_bias: bool = False
    mha_out_proj_bias: bool = True
    hyena_out_proj_bias: bool = True
    column_split_hyena: bool = False
    interleave: bool = True
    hyena_flip_x1x2: bool = False
    final_norm: bool = True
    max_seqlen: int = 8192
    initializer_range: float = 0.02
    classifier_pooling: str = "last"
    use_cache: bool = True
    pad_token_id: int | None = 1
    bos_token_id: int | None = None
    eos_token_id: int | None = 0
    tie_word_embeddings: bool = True

    def __post_init__(self, **kwargs):
        if self.block_types is None:  # the 7B's stripes
            self.block_types = block_types_from_indices(dict(_HYENA_7B, num_layers=32))
        self.block_types = list(self.block_types)
        if self.num_layers is None:
            self.num_layers = len(self.block_types)
        if self.num_filters is None:
            self.num_filters = self.hidden_size
        if self.hcl_filter_groups is None:
            self.hcl_filter_groups = self.hidden_size
        super().__post_init__(**kwargs)

    def validate_architecture(self):
        """Part of ``@strict`` validation: the shapes vortex asserts, as errors naming the field."""
        if len(self.block_types) != self.num_layers:
            raise ValueError(
                f"block_types has {len(self.block_types)} entries for num_layers={self.num_layers}"
            )
        unknown = sorted(set(self.block_types) - set(self.allowed_block_types))
        if unknown:
            raise ValueError(f"block_types: unknown {unknown}; choose from {self.allowed_block_types}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of {self.num_attention_heads} heads"
            )
        if self.num_attention_heads % self.proj_groups:
            raise ValueError(f"num_attention_heads must be a multiple of proj_groups ({self.proj_groups})")
        for kind in ("hcm", "hcs"):
            name = f"{kind}_filter_groups"
            if kind in self.block_types and self.hidden_size % getattr(self, name):
                raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of {name}")
        if self.hcl_filter_groups != self.hidden_size or self.num_filters != self.hidden_size:
            raise ValueError("vortex's long filters have one modal system per channel: hcl_filter_groups and "
                             "num_filters must equal hidden_size")  # fmt: skip
        if self.mlp_activation not in ("gelu", "silu"):
            raise ValueError(f"mlp_activation must be 'gelu' or 'silu', got {self.mlp_activation!r}")
        if self.classifier_pooling not in ("last", "mean"):
            raise ValueError(f"classifier_pooling must be 'last' or 'mean', got {self.classifier_pooling!r}")

    @property
    def hyena_in_proj_bias(self) -> bool:
        """vortex's Hyena input projections take their bias switch from ``qkv_proj_bias``."""
        return self.qkv_proj_bias

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def num_key_value_heads(self) -> int:
        return self.num_attention_heads // self.proj_groups

    @classmethod
    def from_preset(cls, name: str, **overrides) -> Evo2Config:
        """Shapes and switches of a released checkpoint (``evo2_7b``, ``evo2_1b_base`` ...) plus overrides."""
        if name not in VORTEX_PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(VORTEX_PRESETS)}")
        return cls(**{**settings_from_vortex(VORTEX_PRESETS[name]), **overrides})


__all__ = ["BLOCK_TYPES", "VORTEX_PRESETS", "Evo2Config", "block_types_from_indices", "settings_from_vortex"]
