"""The converter framework: find a checkpoint, recognise its family, write a native folder."""

from __future__ import annotations

import importlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "weights.ckpt")


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


def _converters() -> list[FamilyConverter]:
    from hf_genomics.convert import CONVERTER_MODULES

    return [importlib.import_module(name).CONVERTER for name in CONVERTER_MODULES]


def resolve_source(src: str | Path) -> tuple[Path, str | None]:
    """A local folder, or a Hub id downloaded with ``huggingface_hub`` (only when online).

    Returns the folder and the Hub id (None for a local folder). Anything path-like that does not
    exist is refused at once, so a typo never turns into minutes of Hub retries.
    """
    path = Path(src).expanduser()
    if path.is_dir():
        return path, None
    text = str(src)
    looks_like_path = text.startswith((".", "/", "~")) or text.count("/") != 1 or path.suffix
    if looks_like_path:
        raise ConversionError(f"{text}: no such folder (and not a Hub id of the form 'owner/name')")
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
        return json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ConversionError(f"{config_path}: not valid JSON ({error})") from error


def load_original_state_dict(folder: Path) -> dict:
    """Tensors only: safetensors, else ``torch.load(weights_only=True)`` (never arbitrary unpickling)."""
    import torch

    for name in WEIGHT_FILES:
        path = folder / name
        if not path.is_file():
            continue
        if name.endswith(".safetensors"):
            from safetensors.torch import load_file

            return load_file(path)
        state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]  # Lightning checkpoints
        return state
    shards = sorted(folder.glob("model-*.safetensors"))
    if shards:
        from safetensors.torch import load_file

        state: dict = {}
        for shard in shards:
            state.update(load_file(shard))
        return state
    raise ConversionError(f"{folder}: no weights found (looked for {', '.join(WEIGHT_FILES)})")


def detect_family(config: dict, folder: Path | str = "") -> FamilyConverter:
    """The converter whose ``matches`` accepts this config, or a clear refusal naming what was found."""
    for converter in _converters():
        if converter.matches(config):
            return converter
    found = {key: config.get(key) for key in ("model_type", "architectures", "auto_map") if key in config}
    known = ", ".join(c.family for c in _converters()) or "none registered"
    raise ConversionError(f"{folder}: unknown architecture {found}; hf-genomics converts: {known}")


def convert_in_memory(src: str | Path, original_id: str | None = None) -> ConvertedCheckpoint:
    """``original_id`` names the Hub original of a local folder (for the card's ``base_model:``)."""
    path = Path(src).expanduser()
    claimed = _claiming_converter(path) if path.exists() else None
    if claimed is not None:
        logger.info("converting %s as %s", src, claimed.family)
        return claimed.convert(path, {}, original_id)
    folder, hub_id = resolve_source(src)
    claimed = _claiming_converter(folder)
    if claimed is not None:
        return claimed.convert(folder, {}, original_id or hub_id)
    config = read_original_config(folder)
    converter = detect_family(config, folder)
    logger.info("converting %s as %s", src, converter.family)
    return converter.convert(folder, config, original_id or hub_id)


def _claiming_converter(path: Path) -> FamilyConverter | None:
    for converter in _converters():
        if converter.claims_source is not None and converter.claims_source(path):
            return converter
    return None


def convert_checkpoint(
    src: str | Path, out: str | Path, original_id: str | None = None
) -> ConvertedCheckpoint:
    """Convert ``src`` (Hub id or original-layout folder) into a native folder ``out``.

    ``original_id``: the Hub id a local folder was downloaded from, recorded as the card's ``base_model``
    (a Hub id given as ``src`` is recorded without it).
    """
    converted = convert_in_memory(src, original_id)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if converted.max_shard_size:
        converted.model.save_pretrained(out, max_shard_size=converted.max_shard_size)
    else:
        converted.model.save_pretrained(out)
    converted.tokenizer.save_pretrained(out)
    from hf_genomics.convert.card import write_conversion_card

    write_conversion_card(out, converted)
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
