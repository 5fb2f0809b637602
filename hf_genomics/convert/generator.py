"""GENERator checkpoints (GenerTeam/GENERator-eukaryote-1.2b-base, -3b-base, GENERator-v2-*) -> native folders.

The model is transformers' own Llama (``LlamaForCausalLM``, weights unchanged, streamed by
transformers' loader: no second copy in memory); the tokenizer is
:class:`~hf_genomics.tokenization.generator.GeneratorTokenizer` (the Hub ``DNAKmerTokenizer``'s ids,
its ``vocab.txt`` checked against the layout). The Hub folders' own code is never run: their
``modeling_generator.GENERatorForCausalLM`` (named by the current revisions' ``auto_map``) is read as a
Llama, which is what the weights' names and the config's fields describe.

Recognised by a Llama config that is GENERator's: ``GENERatorForCausalLM`` in ``architectures``, an
``auto_map`` into ``modeling_generator``, or a plain Llama with GENERator's 4,128-entry vocabulary
(32 specials + 4^6 six-mers).
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    architecture_names,
    auto_map_targets,
)

FAMILY = "GENERator"
LICENSE = "mit"
VOCAB_SIZE = 32 + 4**6
_IGNORED = {"architectures", "auto_map", "transformers_version", "torch_dtype", "model_type", "_name_or_path"}


def matches(config: dict) -> bool:
    if config.get("model_type") != "llama":
        return False
    marked = "GENERatorForCausalLM" in architecture_names(config) or any(
        ref.startswith("modeling_generator.") for ref in auto_map_targets(config)
    )
    return marked or int(config.get("vocab_size") or 0) == VOCAB_SIZE


def _tokenizer_k(folder: Path) -> int:
    settings_file = folder / "tokenizer_config.json"
    if not settings_file.is_file():
        return 6
    try:
        settings = json.loads(settings_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConversionError(f"{settings_file}: not valid JSON ({error})") from error
    k = settings.get("k", 6) if isinstance(settings, dict) else 6
    if k != 6:
        raise ConversionError(f"{settings_file}: k={k!r}; GENERator's tokenizer uses 6-mers")
    return k


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from transformers import LlamaConfig, LlamaForCausalLM

    from hf_genomics.model_folders import NO_REMOTE_CODE
    from hf_genomics.tokenization.generator import GeneratorTokenizer

    k = _tokenizer_k(folder)
    if int(config.get("vocab_size") or 0) != VOCAB_SIZE:
        raise ConversionError(
            f"{folder}/config.json: vocab_size {config.get('vocab_size')!r}, GENERator's 6-mer vocabulary has "
            f"{VOCAB_SIZE} entries"
        )
    native = LlamaConfig(**{key: value for key, value in config.items() if key not in _IGNORED})
    native.architectures = ["LlamaForCausalLM"]
    if native.pad_token_id is None:  # the Hub configs name none; <pad> is 3 (a classification head needs it)
        native.pad_token_id = 3
    model, info = LlamaForCausalLM.from_pretrained(
        folder, config=native, output_loading_info=True, **NO_REMOTE_CODE
    )
    missing = [key for key in info["missing_keys"] if not key.endswith("rotary_emb.inv_freq")]
    if missing or info["unexpected_keys"] or info.get("mismatched_keys"):
        raise ConversionError(
            f"{folder}: weights do not fit LlamaForCausalLM: missing {missing[:5]}, unexpected "
            f"{sorted(info['unexpected_keys'])[:5]}, other shapes {list(info.get('mismatched_keys') or [])[:3]}"
        )
    model.eval()
    vocab_file = folder / "vocab.txt"
    tokenizer = GeneratorTokenizer(
        vocab_file=str(vocab_file) if vocab_file.is_file() else None,
        k=k,
        model_max_length=int(native.max_position_embeddings),
    )
    notes = [
        "GENERator: transformers' own LlamaForCausalLM, weights unchanged (the folder's "
        "modeling_generator.py, if any, is not run)",
        "tokenizer: GeneratorTokenizer, the ids of GenerTeam's DNAKmerTokenizer (32 specials, then "
        "non-overlapping 6-mers in itertools.product('ATCG') order; <s> first, no </s>); a tail shorter "
        "than 6 and any 6-mer with N are <oov> as in the original; lower case is upper-cased first",
        "config: pad_token_id 3 (<pad>) added where the original names none, so sequence-classification "
        "heads find each row's last token in a padded batch",
        "tokenizer parity: ids equal the original DNAKmerTokenizer's on the committed fixture "
        "(tests/fixtures/ports/generator); vocab.txt identical to the Hub file (sha256)",
    ]
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=FAMILY,
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        parity="the model is transformers' Llama itself (no port); tokenizer ids as the original's",
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=matches, convert=convert)
