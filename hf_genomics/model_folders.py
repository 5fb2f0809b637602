"""Check a user's model folder before transformers loads it, and never run code shipped in it.

A folder can carry its own Python (``auto_map`` in ``config.json``/``tokenizer_config.json``).
Left unset, transformers' ``trust_remote_code`` *asks on stdin* for an unknown ``model_type``, so
``echo y | hf-genomics predict ...`` would execute the folder's code. Every place that loads a
user's folder therefore passes :data:`NO_REMOTE_CODE` (``trust_remote_code=False``), and calls
:func:`check_model_folder` first, which turns what transformers would refuse (or, worse, load into
the wrong class) into one line that says what to do instead:

* a missing folder, a file, a folder without ``config.json`` or with one that is not a JSON object;
* an ``auto_map`` on a ``model_type`` hf-genomics does not define: the folder's model exists only as
  its own code (an original DNABERT-2 is ``model_type: bert`` plus MosaicBERT code, which
  transformers' BERT would load silently wrong); it must be converted to a native folder
  (``hf-genomics convert``) first.

A GENERator folder (``model_type: llama``, ``auto_map`` into ``modeling_generator`` only) is read as
transformers' Llama, its code never run (``hf_genomics/convert/generator.py``).

An ``auto_map`` on one of *our* model types is ignored, never run: our registered class loads the
folder (folders written by hf-genomics carry one so they load without the package; original
HyenaDNA/Caduceus folders are read natively or refused by our classes in one line, issue 19).
"""

from __future__ import annotations

import json
from pathlib import Path

NO_REMOTE_CODE = {"trust_remote_code": False}


class FolderCodeRefused(ValueError):
    """The folder's model is defined only by code shipped in it; hf-genomics never runs that code."""


def _read_json_object(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 JSON ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} must hold a JSON object, found a {type(value).__name__}")
    return value


def _defined_natively(model_type) -> bool:
    """One of our registered types: our class loads it (an original layout too), never its auto_map."""
    from hf_genomics._registration import MODEL_FAMILIES

    return isinstance(model_type, str) and model_type in MODEL_FAMILIES


def _read_as_llama(config: dict) -> bool:
    """GENERator's Hub folders: a Llama whose ``auto_map`` names only ``modeling_generator``; transformers'
    own ``LlamaForCausalLM`` loads the weights (``convert/generator.py``), the folder's code never runs."""
    references = _references(config.get("auto_map"))
    return (
        config.get("model_type") == "llama"
        and bool(references)
        and all(ref.startswith("modeling_generator.") for ref in references)
    )


def _references(auto_map) -> list[str]:
    if not isinstance(auto_map, dict):
        return [repr(auto_map)]
    found = []
    for value in auto_map.values():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                found.append(item if isinstance(item, str) else repr(item))
    return found


def _convert_hint(folder: Path, config: dict) -> str:
    try:
        from hf_genomics.convert.base import detect_family

        family = detect_family(config, folder).family
    except Exception:  # an unknown family: say what convert knows instead
        return "hf-genomics loads only native folders; `hf-genomics convert --help` lists the families it converts"
    return (
        f"it is a {family} checkpoint: convert it first with `hf-genomics convert {folder} OUT` and use OUT"
    )


def check_model_folder(path: str | Path) -> Path:
    """The folder, checked as the module docstring says; raises one-line errors otherwise."""
    folder = Path(path)
    if not folder.exists():
        from hf_genomics.hub_ids import is_hub_id

        hint = (
            f" ({path} looks like a Hub id: analysis never downloads; `hf-genomics convert {path} OUT` "
            "fetches and converts it, then use OUT)"
            if is_hub_id(str(path))
            else ""
        )
        raise FileNotFoundError(f"model folder not found: {folder}{hint}")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file; --model takes the folder of a saved model")
    config_file = folder / "config.json"
    if (folder / "ngram_config.json").is_file() and not config_file.exists():
        return folder  # an n-gram LM: no transformers code involved
    if not config_file.is_file():
        raise FileNotFoundError(
            f"{folder} has no config.json: not a saved model folder (a community checkpoint in another "
            "layout converts with `hf-genomics convert`)"
        )
    config = _read_json_object(config_file)
    auto_map = config.get("auto_map")
    model_type = config.get("model_type")
    if auto_map and not _defined_natively(model_type) and not _read_as_llama(config):
        reference = next(iter(_references(auto_map)), repr(auto_map))
        raise FolderCodeRefused(
            f"{folder}: config.json's auto_map names code shipped in the folder ({reference}) for "
            f"model_type {model_type!r}, which hf-genomics does not define natively; hf-genomics never runs "
            f"a folder's code (trust_remote_code=False): {_convert_hint(folder, config)}"
        )
    tokenizer_config = folder / "tokenizer_config.json"
    if tokenizer_config.is_file():
        _read_json_object(tokenizer_config)
    return folder


def check_local_source(name_or_path: str | Path) -> str:
    """A local folder checked by :func:`check_model_folder`; a Hub id passes unchanged (as a string)."""
    if Path(name_or_path).exists():
        check_model_folder(name_or_path)
    return str(name_or_path)


def one_line(error: BaseException) -> str:
    """An exception's message on one line (transformers' own errors span several)."""
    return " ".join(str(error).split())


__all__ = ["NO_REMOTE_CODE", "FolderCodeRefused", "check_local_source", "check_model_folder", "one_line"]
