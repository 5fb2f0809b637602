"""MarinDNA checkpoints (Levanter's Hugging Face export) -> native folders with our tokenizer.

The original folder is already a transformers one (``LlamaForCausalLM`` or ``Qwen3ForCausalLM``,
``config.json``, safetensors) next to the ``marin-dna/tokenizer-char-bos`` files. Converting keeps
the architecture and the weights as they are (read as tensors only: safetensors, or the restricted
unpickler for a ``.bin``), swaps the plain tokenizer for :class:`MarinDnaTokenizer` (same ids, the
package's input policy) and records the training window: 255 bp + ``[BOS]`` = the 256 positions
of the released configs (``max_length_nt``, so analysis windows are 255 bp).

Recognised by the tokenizer files (a Llama/Qwen3 ``config.json`` alone does not say MarinDNA), or,
from ``config.json`` alone, by a Llama/Qwen3 with the 7-token char-bos vocabulary.
"""

from __future__ import annotations

from pathlib import Path

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    auto_map_targets,
    load_original_state_dict,
    read_original_config,
)
from hf_genomics.models.marin_dna.original_layout import (
    MODEL_TYPES,
    is_marin_tokenizer_json,
    is_original_folder,
    read_tokenizer_json,
)
from hf_genomics.models.marin_dna.tokenization_marin_dna import MARIN_CHAR_BOS_VOCAB

FAMILY = "MarinDNA"
TOKENIZER_SOURCE = "marin-dna/tokenizer-char-bos"


def matches(config: dict) -> bool:
    """A Llama/Qwen3 config with the char-bos vocabulary size and no remote code."""
    return (
        config.get("model_type") in MODEL_TYPES
        and config.get("vocab_size") == len(MARIN_CHAR_BOS_VOCAB)
        and not auto_map_targets(config)
    )


def claims_source(path: Path) -> bool:
    return path.is_dir() and is_original_folder(path)


def _check_tokenizer(folder: Path) -> None:
    spec = read_tokenizer_json(folder)
    if spec is None:
        raise ConversionError(
            f"{folder}: no tokenizer.json; a MarinDNA folder carries the {TOKENIZER_SOURCE} files "
            "(tokenizer.json, tokenizer_config.json) beside config.json"
        )
    if not is_marin_tokenizer_json(spec):
        vocab = (spec.get("model") or {}).get("vocab")
        raise ConversionError(
            f"{folder}/tokenizer.json is not the {TOKENIZER_SOURCE} layout (vocabulary {vocab!r}); "
            "only that tokenizer's ids are reproduced"
        )


def _load_model(folder: Path):
    from transformers import AutoConfig, AutoModelForCausalLM

    # read as transformers reads it when loading the folder directly (legacy rope_theta/rope_scaling
    # of the transformers-4 exports included), never the folder's code
    config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    model = AutoModelForCausalLM.from_config(config)
    state = load_original_state_dict(folder)
    missing, unexpected = model.load_state_dict(state, strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if set(missing) - tied:
        raise ConversionError(
            f"{folder}: the weights lack {len(set(missing) - tied)} tensors of a {type(model).__name__} "
            f"with this config.json (e.g. {sorted(set(missing) - tied)[0]})"
        )
    if tied:
        model.tie_weights()
    model.eval()
    return model, sorted(unexpected)


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.marin_dna.tokenization_marin_dna import MarinDnaTokenizer

    config = config or read_original_config(folder)
    if config.get("model_type") not in MODEL_TYPES:
        raise ConversionError(
            f"{folder}: model_type {config.get('model_type')!r} is not one of {MODEL_TYPES}"
        )
    _check_tokenizer(folder)
    model, dropped = _load_model(folder)
    positions = int(model.config.max_position_embeddings)
    tokenizer = MarinDnaTokenizer(model_max_length=positions)
    window_nt = positions - tokenizer.num_special_tokens_to_add(pair=False)
    model.config.max_length_nt = window_nt  # what analysis.training_length reads as the window
    notes = [
        f"architecture unchanged: transformers' own {type(model).__name__}, weights copied as they are",
        f"tokenizer: {TOKENIZER_SOURCE} ids ([PAD]=0 [UNK]=1 [BOS]=2 a=3 c=4 g=5 t=6, [BOS] first, no EOS) "
        "with the package's input policy (U->T, N/IUPAC->[UNK] as the original, case folded)",
        f"window: {window_nt} bp + [BOS] = {positions} positions (max_length_nt={window_nt})",
    ]
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=FAMILY,
        original_id=original_id,
        notes=notes,
        parity="tokenizer ids equal the original tokenizer.json's (tests/fixtures/ports/marin_dna); "
        "model weights and class unchanged",
        dropped=dropped,
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=matches, convert=convert, claims_source=claims_source)
