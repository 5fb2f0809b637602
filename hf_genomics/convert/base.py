"""The converter framework: find a checkpoint, recognise its family, write a native folder."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "weights.ckpt")
SHARD_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


class ConversionError(ValueError):
    """A checkpoint that cannot be converted (unknown family, missing files, offline Hub id...)."""


@dataclass
class ConvertedCheckpoint:
    """What a family converter returns: a native model (weights loaded) and tokenizer, plus facts
    for the model card."""

    model: Any  # a transformers PreTrainedModel of ours
    tokenizer: Any  # a fast tokenizer reproducing the original ids
    family: str  # e.g. "DNABERT-2"
    original_id: str | None = None  # Hub id of the original, for ``base_model:``
    license: str | None = None
    notes: list[str] = field(default_factory=list)  # what was converted / left out
    parity: str | None = None  # the measured agreement with the original implementation, for the card
    max_shard_size: str | None = None  # write sharded safetensors (large models); None: transformers' default
    dropped: list[str] = field(default_factory=list)  # original tensors not carried over, printed by the CLI


@dataclass(frozen=True)
class FamilyConverter:
    """One family: ``matches(config_dict)`` recognises the original ``config.json``;
    ``convert(folder, config_dict, original_id)`` builds the native model and tokenizer.
    ``claims_source(path)``, when given, recognises a local path from its files alone (a checkpoint
    layout without a transformers ``config.json``, such as vortex's ``.pt``); ``convert`` then gets the
    path itself and an empty config."""

    family: str
    matches: Callable[[dict], bool]
    convert: Callable[[Path, dict, str | None], ConvertedCheckpoint]
    claims_source: Callable[[Path], bool] | None = None


def auto_map_targets(config: dict) -> list[str]:
    """The ``module.Class`` strings of a config's ``auto_map`` ([] when absent or malformed)."""
    auto_map = config.get("auto_map")
    if not isinstance(auto_map, dict):
        return []
    values = [ref for value in auto_map.values() for ref in (value if isinstance(value, list) else [value])]
    return [ref for ref in values if isinstance(ref, str)]


def architecture_names(config: dict) -> list[str]:
    """A config's ``architectures`` as strings ([] when absent or malformed)."""
    names = config.get("architectures")
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def _converters() -> list[FamilyConverter]:
    from hf_genomics.convert import CONVERTER_MODULES

    return [importlib.import_module(name).CONVERTER for name in CONVERTER_MODULES]


def resolve_source(src: str | Path) -> tuple[Path, str | None]:
    """A local folder, or a Hub id downloaded with ``huggingface_hub`` (only when online).

    Returns the folder and the Hub id (None for a local folder). Which of the two ``src`` is, is
    decided by :func:`hf_genomics.hub_ids.is_hub_id` alone: an existing path is never a Hub id, and a
    missing path is refused at once, so a typo never turns into a download.
    """
    from hf_genomics.hub_ids import is_hub_id

    path = Path(src).expanduser()
    if path.is_dir():
        return path, None
    text = str(src)
    if path.exists():
        raise ConversionError(f"{text}: is a file; pass the folder holding config.json and the weights")
    if not is_hub_id(src):
        raise ConversionError(f"{text}: no such folder (and not a Hub id of the form 'owner/name')")
    # said on stderr whatever the logging setup: a download is never silent
    print(f"{text} is not a local folder: downloading it from the Hugging Face Hub", file=sys.stderr)
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(
            text,
            allow_patterns=[
                "*.json",
                "*.txt",
                "*.safetensors",
                "*.bin",
                "*.ckpt",
                "*.model",
                "*.md",
                "*.pt",
                "*.pt.part*",
                "*.yml",
            ],
        )
    except Exception as error:  # offline, unknown repo, gated repo
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConversionError(
            f"{text}: could not download from the Hugging Face Hub ({type(error).__name__}: {reason}); "
            "offline, pass a local folder holding the original files instead"
        ) from error
    return Path(folder), text


def read_original_config(folder: Path) -> dict:
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ConversionError(f"{folder}: no config.json, so the model family cannot be recognised")
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConversionError(f"{config_path}: not valid JSON ({error})") from error
    if not isinstance(config, dict):
        raise ConversionError(
            f"{config_path}: expected a JSON object of model settings, found a {type(config).__name__}"
        )
    return config


def _first_line(error: BaseException) -> str:
    """One short line for a message (torch's weights-only refusal, which advises unsafe loading,
    is replaced by what it means)."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if "Weights only load failed" in text:
        return "it holds Python objects other than tensors, which are not read (nothing in it was run)"
    return text if len(text) <= 160 else text[:157] + "..."


first_line = _first_line  # for the family modules' own messages


def _read_weight_file(path: Path) -> dict:
    """The tensors of one file: safetensors, else the restricted unpickler (never plain pickle)."""
    if path.name.endswith(".safetensors"):
        from safetensors.torch import load_file

        try:
            return load_file(path)
        except Exception as error:  # truncated, empty, not safetensors
            raise ConversionError(
                f"{path}: not a readable safetensors file ({_first_line(error)}); truncated download?"
            ) from error
    from hf_genomics.safe_pickle import NotAStateDictError, UnsafePickleError, load_checkpoint_state_dict

    try:
        return load_checkpoint_state_dict(path)
    except UnsafePickleError as error:
        raise ConversionError(
            f"{path}: refused to unpickle: {error} (nothing in the file was run); only tensors, "
            "containers and inert metadata are read from a .bin/.ckpt"
        ) from error
    except NotAStateDictError as error:  # a bare tensor, a list, mixed values
        raise ConversionError(_first_line(error)) from error
    except Exception as error:  # truncated zip, EOF, corrupt pickle
        reason = _first_line(error) if str(error).strip() else type(error).__name__
        raise ConversionError(
            f"{path}: not a readable PyTorch checkpoint ({reason}); truncated download?"
        ) from error


def _shard_files(folder: Path, index_path: Path) -> list[Path]:
    """The shard files an index names: plain file names inside ``folder`` (never elsewhere)."""
    try:
        weight_map = json.loads(index_path.read_text())["weight_map"]
        names = sorted(set(weight_map.values()))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as error:
        raise ConversionError(f"{index_path}: not a shard index with a weight_map ({error})") from error
    shards = []
    for name in names:
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ConversionError(f"{index_path}: shard {name!r} is not a file name in {folder}")
        if not (folder / name).is_file():
            raise ConversionError(f"{index_path}: names shard {name}, which is missing from {folder}")
        shards.append(folder / name)
    return shards


def load_original_state_dict(folder: Path) -> dict:
    """All tensors of the checkpoint: one file, or the shards its index names.

    Safetensors first; pickles (``.bin``/``.ckpt``) only through :mod:`hf_genomics.safe_pickle`
    (a Lightning checkpoint's ``state_dict`` is kept, its hyper-parameters and optimizer state dropped).
    """
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return _read_weight_file(folder / name)
    for index in SHARD_INDEXES:
        if (folder / index).is_file():
            state: dict = {}
            for shard in _shard_files(folder, folder / index):
                state.update(_read_weight_file(shard))
            return state
    shards = sorted(folder.glob("model-*-of-*.safetensors")) or sorted(
        folder.glob("pytorch_model-*-of-*.bin")
    )
    if shards:
        state = {}
        for shard in shards:
            state.update(_read_weight_file(shard))
        return state
    raise ConversionError(
        f"{folder}: no weights found (looked for {', '.join(WEIGHT_FILES + SHARD_INDEXES)})"
    )


def _matches(converter: FamilyConverter, config: dict) -> bool:
    try:
        return bool(converter.matches(config))
    except (TypeError, ValueError, AttributeError, KeyError):  # a key of the wrong kind: not this family
        return False


def detect_family(config: dict, folder: Path | str = "") -> FamilyConverter:
    """The converter whose signature (auto_map targets, characteristic keys) this config carries.

    Families are told apart by what only they write, never by ``model_type`` alone (DNABERT-2's
    first ``config.json`` has none; HyenaDNA's original and ``-hf`` layouts share one). Exactly one
    family must match: two would mean an ambiguous signature, which is refused rather than guessed.
    """
    matching = [converter for converter in _converters() if _matches(converter, config)]
    if len(matching) == 1:
        return matching[0]
    found = {key: config.get(key) for key in ("model_type", "architectures", "auto_map") if key in config}
    if matching:
        names = " and ".join(c.family for c in matching)
        raise ConversionError(f"{folder}: config.json fits both {names} ({found}); cannot tell which")
    known = ", ".join(c.family for c in _converters()) or "none registered"
    raise ConversionError(
        f"{folder}: unknown architecture {found or 'no model_type, architectures or auto_map'}; hf-genomics converts: {known}"
    )


def convert_in_memory(src: str | Path, original_id: str | None = None) -> ConvertedCheckpoint:
    """``original_id`` names the Hub original of a local folder (for the card's ``base_model:``)."""
    source, hub_id = resolve_any_source(src)
    return _convert_source(source, original_id or hub_id)


def resolve_any_source(src: str | Path) -> tuple[Path, str | None]:
    """A local path a family claims from its files alone (e.g. a vortex ``.pt``), else
    :func:`resolve_source` (a folder, or a Hub id downloaded)."""
    path = Path(src).expanduser()
    if path.exists() and _claiming_converter(path) is not None:
        return path, None
    return resolve_source(src)


def _convert_source(source: Path, original_id: str | None) -> ConvertedCheckpoint:
    converter = _claiming_converter(source)
    config: dict = {}
    if converter is None:
        config = read_original_config(source)
        converter = detect_family(config, source)
    logger.info("converting %s as %s", source, converter.family)
    try:
        return converter.convert(source, config, original_id)
    except ConversionError:
        raise
    except Exception as error:
        # every input here is the user's file: a value of the wrong kind or size in config.json
        # (caught by our code, by transformers' config validators or by torch), weights of other
        # shapes. One line names the file; HF_GENOMICS_TRACEBACK=1 shows where it broke.
        raise ConversionError(
            f"{source}: its config.json and weights do not make a {converter.family} model "
            f"({type(error).__name__}: {_first_line(error)})"
        ) from error


def _claiming_converter(path: Path) -> FamilyConverter | None:
    for converter in _converters():
        if converter.claims_source is not None and converter.claims_source(path):
            return converter
    return None


def save_converted(converted: ConvertedCheckpoint, folder: Path) -> None:
    """Model (safetensors, sharded when the family asks), tokenizer and model card into ``folder``."""
    from hf_genomics.convert.card import write_conversion_card

    if converted.max_shard_size:
        converted.model.save_pretrained(folder, max_shard_size=converted.max_shard_size)
    else:
        converted.model.save_pretrained(folder)
    converted.tokenizer.save_pretrained(folder)
    write_conversion_card(folder, converted)


def convert_checkpoint(
    src: str | Path, out: str | Path, original_id: str | None = None, overwrite: bool = False
) -> ConvertedCheckpoint:
    """Convert ``src`` (Hub id or original-layout folder) into a native folder ``out``.

    ``original_id``: the Hub id a local folder was downloaded from, recorded as the card's ``base_model``
    (a Hub id given as ``src`` is recorded without it). ``out`` must be new or empty, or hold a model
    and ``overwrite`` be set; it is never ``src`` or inside it, and is written all at once
    (:mod:`hf_genomics.convert.output`).
    """
    from hf_genomics.convert.output import check_output_path, staged_output

    source, hub_id = resolve_any_source(src)  # a local path, or the Hub-cache snapshot: never written into
    check_output_path(Path(out), source)  # refuse before minutes of loading
    with staged_output(Path(out), source, overwrite) as staging:
        converted = _convert_source(source, original_id or hub_id)
        save_converted(converted, staging)
    return converted


def from_pretrained_any(
    src: str | Path, task: str = "base", original_id: str | None = None, **model_kwargs: Any
) -> tuple[Any, Any]:
    """One line from a Hub id or original folder to a native ``(model, tokenizer)``.

    ``task`` picks the head like transformers' Auto classes: ``"base"``, ``"masked-lm"``,
    ``"causal-lm"``, ``"sequence-classification"`` (pass ``num_labels=...``), ``"token-classification"``.
    """
    from transformers import (
        AutoModel,
        AutoModelForCausalLM,
        AutoModelForMaskedLM,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    import hf_genomics  # noqa: F401  (registers our Auto classes)

    auto_classes = {
        "base": AutoModel,
        "masked-lm": AutoModelForMaskedLM,
        "causal-lm": AutoModelForCausalLM,
        "sequence-classification": AutoModelForSequenceClassification,
        "token-classification": AutoModelForTokenClassification,
    }
    if task not in auto_classes:
        raise ValueError(f"task must be one of {sorted(auto_classes)}, got {task!r}")
    with tempfile.TemporaryDirectory(prefix="hf-genomics-convert-") as folder:
        convert_checkpoint(src, folder, original_id)
        model = auto_classes[task].from_pretrained(folder, **model_kwargs)
        tokenizer = AutoTokenizer.from_pretrained(folder)
    return model, tokenizer
