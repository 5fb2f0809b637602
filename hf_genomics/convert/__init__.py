"""Convert the community's pretrained DNA models into native hf-genomics folders.

``convert_checkpoint(src, out)`` reads a checkpoint in its original layout (a local folder, or a Hub
id downloaded with ``huggingface_hub`` when online), recognises the family from its ``config.json``
(never executing the original's remote code; weights read with safetensors or, for pickles, the
restricted unpickler :mod:`hf_genomics.safe_pickle`) and writes a native folder: our config class, safetensors
weights, a tokenizer reproducing the original's ids, a model card and the remote-code export.

Each family is one module in this package exposing ``CONVERTER`` (a :class:`FamilyConverter`);
add its module name to :data:`CONVERTER_MODULES`.
"""

from __future__ import annotations

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    convert_checkpoint,
    detect_family,
    from_pretrained_any,
    load_original_state_dict,
    resolve_source,
)

# one line per family, in the order families are tried
CONVERTER_MODULES: list[str] = [
    "hf_genomics.convert.nucleotide_transformer",
    "hf_genomics.convert.dnabert1",
    "hf_genomics.convert.gena_lm",
    "hf_genomics.convert.caduceus",
    "hf_genomics.convert.hyenadna",
    "hf_genomics.convert.dnabert2",
    "hf_genomics.convert.evo2",
    "hf_genomics.convert.evo1",
    "hf_genomics.convert.generator",
    "hf_genomics.convert.marin_dna",
]

__all__ = [
    "CONVERTER_MODULES",
    "ConversionError",
    "ConvertedCheckpoint",
    "FamilyConverter",
    "convert_checkpoint",
    "detect_family",
    "from_pretrained_any",
    "load_original_state_dict",
    "resolve_source",
]
