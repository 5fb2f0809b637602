"""Reading the ORIGINAL Caduceus layout (kuleshov-group/caduceus-{ph,ps}_*) natively.

The originals share our ``model_type`` (``caduceus``), so after ``import hf_genomics`` the Auto
classes hand their ``config.json`` to :class:`CaduceusConfig` and their weights to our models.
Rather than refuse them, both are read as they are published:

* the config's mamba-ssm names (``d_model``, ``n_layer``, ``ssm_cfg``, ``initializer_cfg``,
  ``norm_epsilon``, ``pad_vocab_size_multiple``, a ``complement_map`` keyed by string ids) become
  our fields (:func:`native_fields`), and the original's ``auto_map`` (remote code that cannot read
  our field names) is dropped, so a model saved afterwards is a plain native folder;
* the weights' names are renamed at load time by transformers' own ``key_mapping`` machinery
  (:func:`original_key_mapping`), so dtype, device maps, sharding and the Hub all work as usual.

``trust_remote_code=True`` still runs the original's own code: transformers decides that from the
raw ``config.json`` (its ``auto_map``) before our config class is involved.
"""

from __future__ import annotations

from typing import Any

# config.json keys only the original layout has (our native configs use transformers' Mamba names)
ORIGINAL_ONLY_KEYS = (
    "d_model",
    "n_layer",
    "ssm_cfg",
    "initializer_cfg",
    "norm_epsilon",
    "pad_vocab_size_multiple",
)
# mamba-ssm's Mamba arguments (``ssm_cfg``) -> our fields; None: a CUDA switch with no meaning here
SSM_KEYS: dict[str, str | None] = {
    "d_state": "state_size",
    "d_conv": "conv_kernel",
    "expand": "expand",
    "dt_rank": "time_step_rank",
    "dt_min": "time_step_min",
    "dt_max": "time_step_max",
    "dt_init": "time_step_init_scheme",
    "dt_scale": "time_step_scale",
    "dt_init_floor": "time_step_floor",
    "conv_bias": "use_conv_bias",
    "bias": "use_bias",
    "use_fast_path": None,
    "layer_idx": None,
}
CONVERT_HINT = "convert it with `hf-genomics convert SRC OUT` or load it with trust_remote_code=True"


def is_original_config(kwargs: dict[str, Any]) -> bool:
    """True for the keyword arguments of an original Caduceus ``config.json``."""
    return "d_model" in kwargs or "n_layer" in kwargs or "ssm_cfg" in kwargs


def complement_list(complement_map: Any, vocab_size: int) -> list[int]:
    """The original's ``{"0": 0, ..., "7": 10}`` (string keys, as JSON stores them) as a list indexed
    by token id; ids the map leaves out are their own complement (the padded vocabulary rows)."""
    if isinstance(complement_map, dict):
        mapping = {int(key): int(value) for key, value in complement_map.items()}
        return [mapping.get(index, index) for index in range(vocab_size)]
    values = [int(value) for value in complement_map]
    return values + list(range(len(values), vocab_size))


def native_fields(kwargs: dict[str, Any], vocab_size: int) -> dict[str, Any]:
    """Pop the original-only keys from ``kwargs`` and return our fields they stand for.

    ``vocab_size`` is the config's (unpadded) value: the original builds its embedding with the
    vocabulary rounded up to ``pad_vocab_size_multiple``.
    """
    if kwargs.get("layer_cfg") or (kwargs.get("ssm_cfg") or {}).get("layer") not in (None, "Mamba1", "Mamba"):
        raise ValueError(
            f"Caduceus with Mamba-2 layers (layer_cfg / ssm_cfg.layer) is not ported; {CONVERT_HINT}"
        )
    ssm = dict(kwargs.pop("ssm_cfg", None) or {})
    unknown = sorted(set(ssm) - set(SSM_KEYS))
    if unknown:
        raise ValueError(
            f"Caduceus config.json: ssm_cfg keys not understood natively: {unknown}; {CONVERT_HINT}"
        )
    fields: dict[str, Any] = {SSM_KEYS[key]: value for key, value in ssm.items() if SSM_KEYS[key] is not None}
    if "d_model" in kwargs:
        fields["hidden_size"] = int(kwargs.pop("d_model"))
    if "n_layer" in kwargs:
        fields["num_hidden_layers"] = int(kwargs.pop("n_layer"))
    if "norm_epsilon" in kwargs:
        fields["layer_norm_epsilon"] = float(kwargs.pop("norm_epsilon"))
    init_cfg = kwargs.pop("initializer_cfg", None) or {}
    if "initializer_range" in init_cfg:
        fields["initializer_range"] = float(init_cfg["initializer_range"])
    if "rescale_prenorm_residual" in init_cfg:
        fields["rescale_prenorm_residual"] = bool(init_cfg["rescale_prenorm_residual"])
    multiple = int(kwargs.pop("pad_vocab_size_multiple", 1) or 1)
    fields["vocab_size"] = vocab_size + (-vocab_size) % multiple
    auto_map = kwargs.get("auto_map") or {}
    if any(
        str(target).startswith(("modeling_caduceus.", "configuration_caduceus."))
        for target in auto_map.values()
    ):
        kwargs.pop("auto_map")  # the original's remote code, which cannot read our field names
    return fields


def original_key_mapping(tied_projections: bool = True) -> dict[str, str]:
    """Regex renamings (applied in order, chained) from the original's weight names to ours.

    ``caduceus.backbone.*`` (or ``backbone.*`` for the original ``Caduceus`` base model) -> ``model.*``;
    the RCPS wrappers' ``.submodule.`` and ``embedding.`` levels go; ``norm_f`` -> ``final_norm``;
    the LM head (``lm_head.weight`` or RCPS ``lm_head.lm_head.weight``) -> ``lm_head.decoder.weight``;
    ``mamba_fwd``/``mamba_rev`` -> ``fwd``/``rev``, their shared in/out projections -> the mixer's.
    With tied projections the reverse copies (present in ``.bin`` files only) are left unmatched and
    ignored; with untied ones they become ``rev_in_proj``/``rev_out_proj``.
    """
    mapping = {
        r"^(?:caduceus\.)?backbone\.": "model.",
        r"\.submodule\.": ".",
        r"embeddings\.word_embeddings\.embedding\.weight": "embeddings.word_embeddings.weight",
        r"^lm_head\.lm_head\.weight": "lm_head.decoder.weight",
        r"^lm_head\.weight": "lm_head.decoder.weight",
        r"\.norm_f\.": ".final_norm.",
        r"mixer\.mamba_fwd\.(in_proj|out_proj)\.": r"mixer.\1.",
    }
    if not tied_projections:
        mapping[r"mixer\.mamba_rev\.(in_proj|out_proj)\."] = r"mixer.rev_\1."
    mapping[r"mixer\.mamba_(fwd|rev)\.(?!in_proj|out_proj)"] = r"mixer.\1."
    return mapping


# checkpoint tensors with no native parameter: the complement buffers (rebuilt from the config) and
# the tied reverse-direction projections that ``.bin`` files store twice
IGNORED_ORIGINAL_KEYS = [r"complement_map$", r"mixer\.mamba_rev\.(in_proj|out_proj)\."]

__all__ = [
    "CONVERT_HINT",
    "SSM_KEYS",
    "IGNORED_ORIGINAL_KEYS",
    "complement_list",
    "is_original_config",
    "native_fields",
    "original_key_mapping",
]
