"""Evo 1 checkpoints (the Hub's StripedHyena 1 layout) -> native :mod:`hf_genomics.models.evo1` folders.

Recognised: a folder whose ``config.json`` has ``model_type: "stripedhyena"`` (togethercomputer/evo-1-8k-base,
evo-1-131k-base, evo-design/evo-1.5-8k-base, LongSafari/evo-1-8k-crispr / -transposon) or is a bare
stripedhyena YAML-style config (``hyena_layer_idxs``), with weights ``model.safetensors`` (or shards with
an index) or ``pytorch_model*.bin``; keys may carry the Hub wrapper's ``backbone.`` prefix. A tied
output layer missing from the file (``unembed.weight``) is the embedding matrix, as evo's own loader
does. Weights are read as tensors only (safetensors, or ``torch.load(weights_only=True)``).

Renaming is Evo 2's (:func:`hf_genomics.convert.evo2.convert_state_dict`), with stripedhyena's
attention projection ``Wqkv`` split as flash-attn's ``(three, heads, head_dim)`` (q, then k and v of the
``num_heads / proj_groups`` key/value heads) — stripedhyena never permutes it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from hf_genomics.convert.base import ConversionError, ConvertedCheckpoint, FamilyConverter
from hf_genomics.convert.evo2 import assign_weights, convert_state_dict, meta_model_fitting

LICENSE = "apache-2.0"
MAX_SHARD_SIZE = "2GB"


def matches(config: dict) -> bool:
    return config.get("model_type") == "stripedhyena" or (
        "hyena_layer_idxs" in config and "attn_layer_idxs" in config and "hcl_layer_idxs" not in config
    )


def _read_weights(folder: Path) -> dict:
    """Every tensor of the folder's safetensors (single or sharded) or .bin files, memory-mapped."""
    from safetensors import safe_open

    files = sorted(folder.glob("*.safetensors"))
    state: dict[str, torch.Tensor] = {}
    if files:
        for path in files:
            with safe_open(path, framework="pt") as handle:
                for key in handle.keys():  # noqa: SIM118  (safe_open handles are not iterable)
                    state[key] = handle.get_tensor(key)
        return state
    for path in sorted(folder.glob("pytorch_model*.bin")):
        state.update(torch.load(path, map_location="cpu", mmap=True, weights_only=True))
    if not state:
        raise ConversionError(f"{folder}: no weights (model*.safetensors or pytorch_model*.bin)")
    return state


def build_model(state: dict, sh_config: dict):
    """A native ``Evo1ForCausalLM`` whose parameters are the checkpoint's tensors (meta init, assign)."""
    from hf_genomics.models.evo1.configuration_evo1 import Evo1Config, settings_from_stripedhyena
    from hf_genomics.models.evo1.modeling_evo1 import Evo1ForCausalLM

    try:
        config = Evo1Config(**settings_from_stripedhyena(sh_config))
    except (ValueError, KeyError, TypeError) as error:
        raise ConversionError(f"the config does not describe a StripedHyena 1 model: {error}") from error
    state = {key.removeprefix("backbone."): value for key, value in state.items()}
    if config.tie_word_embeddings:
        state.pop("unembed.weight", None)
    native, dropped = convert_state_dict(state, config, column_split=False)
    model = meta_model_fitting(Evo1ForCausalLM, config, native)
    return assign_weights(model, native), dropped


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.evo2.tokenization_evo2 import Evo2Tokenizer

    model, dropped = build_model(_read_weights(folder), config)
    native = model.config
    notes = [
        f"Layout: StripedHyena 1 Hub repository (config.json + weights, keys under backbone.); "
        f"{native.num_layers} blocks ({native.block_types.count('attention')} attention), width "
        f"{native.hidden_size}, {native.state_size} complex modes per channel, context {native.max_seqlen} bases.",
        "Tokenizer: UTF-8 bytes as evo's CharLevelTokenizer (A=65 C=67 G=71 T=84 N=78; EOS=0, PAD=1); "
        "input is upper-cased and U->T first.",
        "The output layer is tied to the embeddings when the config says so (the Hub remote code loses this "
        "tie under transformers 5).",
    ]
    if dropped:
        notes.append(f"Left out (not weights): {len(dropped)} tensors ({', '.join(sorted(dropped)[:3])} ...)")
    return ConvertedCheckpoint(
        model=model,
        tokenizer=Evo2Tokenizer(model_max_length=native.max_seqlen),
        family="Evo 1",
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        parity="logits and every block's output equal stripedhyena's to 1e-5 (fp32, tiny seeded checkpoints)",
        max_shard_size=MAX_SHARD_SIZE,
    )


CONVERTER = FamilyConverter(family="Evo 1", matches=matches, convert=convert)
