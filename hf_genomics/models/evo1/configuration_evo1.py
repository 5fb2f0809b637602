"""Configuration of Evo 1 (Nguyen et al., Science 2024): StripedHyena 1, byte-level DNA.

StripedHyena 1 is StripedHyena 2 with a single Hyena kind: every non-attention layer is ``"hyena"``, a
long filter of ``state_size`` complex modes per channel (``poles``/``residues`` stored as (re, im)
pairs), no interleaving, Hyena input/output projections always with biases, and the MLP activation in
every layer. So :class:`Evo1Config` is :class:`~hf_genomics.models.evo2.configuration_evo2.Evo2Config`
with these values as defaults and ``block_types`` drawn from ``"hyena"`` and ``"attention"``; field names
are those of the togethercomputer/stripedhyena YAML configs (github.com/evo-design/evo
``evo/configs/evo-1-*_inference.yml``) and of the Hub repositories' ``config.json``.
"""

from __future__ import annotations

from typing import ClassVar

from huggingface_hub.dataclasses import strict

from hf_genomics.models.evo2.configuration_evo2 import Evo2Config

EVO1_BLOCK_TYPES = ("hyena", "attention")
_EVO1_ATTENTION = [8, 16, 24]
# evo/configs/evo-1-8k-base_inference.yml and evo-1-131k-base_inference.yml (evo-design/evo)
STRIPEDHYENA_PRESETS: dict[str, dict] = {
    "evo-1-8k-base": dict(
        vocab_size=512, hidden_size=4096, num_filters=4096, num_layers=32, attn_layer_idxs=_EVO1_ATTENTION,
        hyena_layer_idxs=[i for i in range(32) if i not in _EVO1_ATTENTION], short_filter_length=3,
        num_attention_heads=32, short_filter_bias=True, eps=1e-6, state_size=8, inner_size_multiple_of=16,
        proj_groups=1, hyena_filter_groups=1, tie_embeddings=True, inner_mlp_size=None, mha_out_proj_bias=True,
        qkv_proj_bias=True, final_norm=True, mlp_activation="gelu", max_seqlen=8192,
    ),
}  # fmt: skip
STRIPEDHYENA_PRESETS["evo-1-131k-base"] = dict(
    STRIPEDHYENA_PRESETS["evo-1-8k-base"],
    use_interpolated_rotary_pos_emb=True,
    rotary_emb_scaling_factor=16,
    max_seqlen=131072,
)
for _name in ("evo-1.5-8k-base", "evo-1-8k-crispr", "evo-1-8k-transposon"):
    STRIPEDHYENA_PRESETS[_name] = STRIPEDHYENA_PRESETS["evo-1-8k-base"]


def settings_from_stripedhyena(config: dict) -> dict:
    """A stripedhyena config (YAML or the Hub's config.json) -> ``Evo1Config`` keyword arguments."""
    if int(config.get("hyena_filter_groups", config["hidden_size"])) != 1:
        raise ValueError("only hyena_filter_groups=1 (one modal filter per channel, as Evo 1) is supported")
    if not config.get("short_filter_bias", True):
        raise ValueError("stripedhyena always adds the short filter's bias: short_filter_bias must be true")
    hidden, num_layers = int(config["hidden_size"]), int(config["num_layers"])
    inner = config.get("inner_mlp_size")
    if inner is None:
        multiple = int(config.get("inner_size_multiple_of", 64)) * int(config.get("model_parallel_size", 1))
        inner = multiple * ((int(2 * hidden * 4 / 3) + multiple - 1) // multiple)
    attention = {int(i) for i in config.get("attn_layer_idxs") or []}
    hyena = {int(i) for i in config.get("hyena_layer_idxs") or []}
    if attention & hyena or attention | hyena != set(range(num_layers)):
        raise ValueError("attn_layer_idxs and hyena_layer_idxs must cover every layer exactly once")
    return dict(
        vocab_size=int(config.get("vocab_size", 512)),
        hidden_size=hidden,
        num_filters=int(config.get("num_filters", hidden)),
        num_layers=num_layers,
        block_types=["attention" if i in attention else "hyena" for i in range(num_layers)],
        num_attention_heads=int(config["num_attention_heads"]),
        proj_groups=int(config.get("proj_groups", 1)),
        short_filter_length=int(config.get("short_filter_length", 3)),
        state_size=int(config["state_size"]),
        inner_mlp_size=int(inner),
        mlp_activation=str(config.get("mlp_activation", "silu")),
        eps=float(config.get("eps", 1e-5)),
        rotary_emb_base=float(config.get("rotary_emb_base", 10000)),
        use_interpolated_rotary_pos_emb=bool(config.get("use_interpolated_rotary_pos_emb", False)),
        rotary_emb_scaling_factor=float(config.get("rotary_emb_scaling_factor", 1.0)),
        qkv_proj_bias=bool(config.get("qkv_proj_bias", True)),
        mha_out_proj_bias=bool(config.get("mha_out_proj_bias", True)),
        column_split_hyena=bool(config.get("column_split_hyena", True)),
        final_norm=bool(config.get("final_norm", True)),
        max_seqlen=int(config.get("max_seqlen") or config.get("max_sequence_len") or 8192),
        tie_word_embeddings=bool(config.get("tie_embeddings", False)),
    )


@strict
class Evo1Config(Evo2Config):
    r"""StripedHyena 1 (see the module docstring): Evo 2's fields with Evo 1's defaults; ``block_types`` of
    ``"hyena"`` (complex modal long filter, FFT in prefill, recurrence of ``state_size`` complex states
    in decoding) and ``"attention"``."""

    model_type = "evo1"
    allowed_block_types: ClassVar[tuple[str, ...]] = EVO1_BLOCK_TYPES

    state_size: int = 8
    short_filter_bias: bool = True
    qkv_proj_bias: bool = True
    column_split_hyena: bool = True
    interleave: bool = False
    hyena_flip_x1x2: bool = False
    evo2_style_activations: bool = False
    mlp_activation: str = "gelu"
    inner_mlp_size: int = 10928

    def __post_init__(self, **kwargs):
        if self.block_types is None:  # Evo 1's stripes
            self.block_types = [
                "attention" if i in _EVO1_ATTENTION else "hyena" for i in range(self.num_layers or 32)
            ]
        super().__post_init__(**kwargs)

    @property
    def hyena_in_proj_bias(self) -> bool:
        """stripedhyena's Hyena projections always have biases."""
        return True

    @classmethod
    def from_preset(cls, name: str, **overrides) -> Evo1Config:
        """Shapes and switches of a released Evo 1 (``evo-1-8k-base``, ``evo-1-131k-base`` ...) plus overrides."""
        if name not in STRIPEDHYENA_PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {sorted(STRIPEDHYENA_PRESETS)}")
        return cls(**{**settings_from_stripedhyena(STRIPEDHYENA_PRESETS[name]), **overrides})


__all__ = ["STRIPEDHYENA_PRESETS", "Evo1Config", "settings_from_stripedhyena"]
