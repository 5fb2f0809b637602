"""The ``tokenizer_class`` name of the original HyenaDNA ``-hf`` folders, resolved to our tokenizer.

LongSafari/hyenadna-*-seqlen-hf publish a ``tokenizer_config.json`` naming ``CharacterTokenizer``
(with an ``auto_map`` into their remote ``tokenization_hyena.py``). Without ``trust_remote_code``,
transformers 5 looks that name up among its own classes and finds bert_japanese's unrelated
``CharacterTokenizer`` (no ``from_pretrained``: the load crashes, with or without hf_genomics).

We register this stand-in under that name. For a folder whose ``config.json`` is a HyenaDNA one it
loads :class:`HyenaDnaTokenizer` in the ``-hf`` form (``[SEP]`` appended, left padding: the
original's ids); for any other folder it hands over to the class transformers resolved before, so
nothing else changes. Its ``__module__`` is that class's module, because transformers takes a class
registered from outside ``transformers.`` as a local override of a folder's remote code, which this
stand-in must not be (``trust_remote_code=True`` keeps running a folder's own code as before).
"""

from __future__ import annotations

import json

from transformers.utils import cached_file

from hf_genomics.models.hyenadna.tokenization_hyenadna import HyenaDnaTokenizer

ORIGINAL_CLASS_NAME = "CharacterTokenizer"
_HUB_KWARGS = ("cache_dir", "force_download", "proxies", "token", "revision", "local_files_only", "subfolder")


def _is_hyenadna_folder(pretrained_model_name_or_path, kwargs: dict) -> bool:
    hub = {key: kwargs[key] for key in _HUB_KWARGS if key in kwargs}
    path = cached_file(
        pretrained_model_name_or_path,
        "config.json",
        _raise_exceptions_for_missing_entries=False,
        _raise_exceptions_for_connection_errors=False,
        **hub,
    )
    if path is None:
        return False
    with open(path, encoding="utf-8") as handle:
        return json.load(handle).get("model_type") == "hyenadna"


def original_character_tokenizer(replaced: type | None) -> type:
    """A stand-in for the name ``CharacterTokenizer`` that keeps ``replaced`` for non-HyenaDNA folders."""

    class CharacterTokenizer:
        @classmethod
        def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
            if _is_hyenadna_folder(pretrained_model_name_or_path, kwargs):
                kwargs.setdefault("add_cls", False)  # the -hf tokenizer appends [SEP] only
                tokenizer = HyenaDnaTokenizer.from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
                for key in ("characters", "add_special_tokens", "auto_map", "tokenizer_class"):
                    tokenizer.init_kwargs.pop(key, None)  # saved folders are native ones
                return tokenizer
            if replaced is None or not hasattr(replaced, "from_pretrained"):
                raise ValueError(
                    f"{pretrained_model_name_or_path}: tokenizer_class 'CharacterTokenizer' is not a "
                    "transformers class; load it with trust_remote_code=True (its own code) or, for a "
                    "HyenaDNA folder, convert it with `hf-genomics convert SRC OUT`"
                )
            return replaced.from_pretrained(pretrained_model_name_or_path, *args, **kwargs)

    CharacterTokenizer.__module__ = getattr(replaced, "__module__", "transformers.models.auto")
    CharacterTokenizer.__qualname__ = "CharacterTokenizer[hf_genomics HyenaDNA stand-in]"  # an honest repr
    return CharacterTokenizer


__all__ = ["ORIGINAL_CLASS_NAME", "original_character_tokenizer"]
