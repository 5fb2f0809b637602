"""Recognise a MarinDNA folder as Levanter exports it, and give its tokenizer our input policy.

An original folder is a transformers one: ``config.json`` with ``model_type`` ``llama`` or
``qwen3`` (``LlamaForCausalLM`` / ``Qwen3ForCausalLM``), the weights, and the tokenizer files of
``marin-dna/tokenizer-char-bos`` (``tokenizer_class: PreTrainedTokenizerFast``). transformers loads
it without remote code; its tokenizer then gives the original's ids, but maps ``N``, ``U`` and
whitespace to ``[UNK]`` without a word. :func:`adopt_original_tokenizer` swaps it for
:class:`MarinDnaTokenizer` (same ids, the package's policy) wherever hf-genomics loads a folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_genomics.models.marin_dna.tokenization_marin_dna import MARIN_CHAR_BOS_VOCAB, MarinDnaTokenizer

#: transformers' own architectures the MarinDNA releases use
MODEL_TYPES = ("llama", "qwen3")


def is_marin_tokenizer_json(spec: dict) -> bool:
    """``spec`` (a parsed ``tokenizer.json``) is the char-bos layout: its vocabulary, case folding,
    one token per character and ``[BOS] $A``."""
    if not isinstance(spec, dict):
        return False
    model = spec.get("model") or {}
    post = spec.get("post_processor") or {}
    single = post.get("single") or []
    first = single[0].get("SpecialToken", {}).get("id") if single and isinstance(single[0], dict) else None
    return (
        model.get("type") == "WordLevel"
        and model.get("vocab") == MARIN_CHAR_BOS_VOCAB
        and model.get("unk_token") == "[UNK]"
        and (spec.get("normalizer") or {}).get("type") == "Lowercase"
        and (spec.get("pre_tokenizer") or {}).get("type") == "Split"
        and post.get("type") == "TemplateProcessing"
        and len(single) == 2
        and first == "[BOS]"
    )


def read_tokenizer_json(folder: Path) -> dict | None:
    """The folder's parsed ``tokenizer.json``, or ``None`` when absent or not JSON."""
    path = Path(folder) / "tokenizer.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def is_original_folder(folder: Path) -> bool:
    """A folder holding a MarinDNA model in Levanter's export layout (its tokenizer not yet ours)."""
    folder = Path(folder)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(config, dict) or config.get("model_type") not in MODEL_TYPES:
        return False
    return is_marin_tokenizer_json(read_tokenizer_json(folder) or {})


def adopt_original_tokenizer(
    tokenizer, model_max_length: int | None = None, folder: Path | str | None = None
):
    """``tokenizer`` itself, or, when it is a plain fast tokenizer in the MarinDNA layout, the
    :class:`MarinDnaTokenizer` giving the same ids under the package's input policy.

    ``model_max_length``: the model's positions; read from ``folder``'s ``config.json``
    (``max_position_embeddings``) when not given."""
    from hf_genomics.tokenization.base import DnaTokenizerBase

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if isinstance(tokenizer, DnaTokenizerBase) or backend is None:
        return tokenizer
    try:
        if backend.get_vocab_size(with_added_tokens=True) != len(MARIN_CHAR_BOS_VOCAB):
            return tokenizer  # cheap test first: a large vocabulary is never serialised here
        spec = json.loads(backend.to_str())
    except (AttributeError, ValueError):
        return tokenizer
    if not is_marin_tokenizer_json(spec):
        return tokenizer
    if model_max_length is None and folder is not None:
        model_max_length = _positions(Path(folder))
    options = {} if model_max_length is None else {"model_max_length": int(model_max_length)}
    return MarinDnaTokenizer(**options)


def _positions(folder: Path) -> int | None:
    try:
        value = json.loads((folder / "config.json").read_text(encoding="utf-8")).get(
            "max_position_embeddings"
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, int) and value > 0 else None


__all__ = [
    "MODEL_TYPES",
    "adopt_original_tokenizer",
    "is_marin_tokenizer_json",
    "is_original_folder",
    "read_tokenizer_json",
]
