"""Nucleotide Transformer checkpoints (InstaDeepAI/nucleotide-transformer-*) -> native folders.

* v2 (``*-v2-*-multi-species``: ESM with rotary positions and a gated FFN, shipped as remote code):
  our :mod:`hf_genomics.models.nucleotide_transformer` classes, weights renamed.
* v1 (500m-human-ref, 500m-1000g, 2.5b-1000g, 2.5b-multi-species, AgroNT): transformers' own ESM
  (learned absolute positions), weights as they are.

Both get :class:`NucleotideTransformerTokenizer` built from the checkpoint's ``vocab.txt`` (so the
v1 and v2 vocabulary orders are both honoured), or from NT's published order when it is absent.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    architecture_names,
    auto_map_targets,
    load_original_state_dict,
)

logger = logging.getLogger(__name__)

FAMILY = "Nucleotide Transformer"
LICENSE = "cc-by-nc-sa-4.0"
NT_SINGLE_TOKENS = 5  # A T C G N


def _nt_k(vocab_size: int, specials: int) -> int | None:
    """k such that ``vocab_size == specials + 4**k + 5``, if any."""
    for k in range(1, 9):
        if vocab_size == specials + 4**k + NT_SINGLE_TOKENS:
            return k
    return None


# keys only ESM configs write (EsmConfig's own fields), and NT v2's remote code modules
ESM_KEYS = ("is_folding_model", "esmfold_config", "emb_layer_norm_before", "token_dropout", "vocab_list")
NT_CODE_MODULES = ("esm_config.", "modeling_esm.")


def is_esm_config(config: dict) -> bool:
    """ESM's signature: ``model_type: esm``, or (the key absent) ESM's own fields, an auto_map into NT's
    ``esm_config``/``modeling_esm`` or an ``Esm*`` architecture."""
    model_type = config.get("model_type")
    if model_type is not None:
        return model_type == "esm"
    refs = auto_map_targets(config)
    architectures = architecture_names(config)
    return (
        any(key in config for key in ESM_KEYS)
        or any(ref.startswith(NT_CODE_MODULES) for ref in refs)
        or any(name.startswith("Esm") for name in architectures)
    )


def nt_version(config: dict) -> int | None:
    """2 for NT v2 (ESM + rotary + gated FFN), 1 for NT v1 (plain ESM with NT's 6-mer vocabulary)."""
    if not is_esm_config(config) or config.get("is_folding_model"):
        return None
    vocab_size = int(config.get("vocab_size") or 0)
    if "add_bias_fnn" in config and config.get("position_embedding_type") == "rotary":
        return 2 if _nt_k(vocab_size, 6) else None
    if config.get("position_embedding_type", "absolute") in ("absolute", "rotary") and _nt_k(vocab_size, 4):
        return 1  # plain ESM; v1's model vocabulary excludes the tokenizer-only <eos>/<bos>
    return None


def matches(config: dict) -> bool:
    return nt_version(config) is not None


# ------------------------------------------------------------------------------------------------
# v2 weights: the Hub remote code's names -> ours
# ------------------------------------------------------------------------------------------------
_V2_RENAMES = [
    (r"^esm\.embeddings\.word_embeddings\.", "model.embeddings.word_embeddings."),
    (r"^esm\.embeddings\.layer_norm\.", "model.embeddings.layer_norm."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.LayerNorm\.", r"model.layers.\1.attention_norm."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.query\.", r"model.layers.\1.attention.q_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.key\.", r"model.layers.\1.attention.k_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.value\.", r"model.layers.\1.attention.v_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.output\.dense\.", r"model.layers.\1.attention.o_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.LayerNorm\.", r"model.layers.\1.mlp_norm."),
    (r"^esm\.encoder\.layer\.(\d+)\.intermediate\.dense\.", r"model.layers.\1.mlp.gate_up_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.output\.dense\.", r"model.layers.\1.mlp.down_proj."),
    (r"^esm\.encoder\.emb_layer_norm_after\.", "model.final_norm."),
    (r"^(lm_head\.(dense|layer_norm|decoder)\.|lm_head\.bias$)", r"\1"),
    (r"^(classifier\.)", r"\1"),
]
# unused by NT's outputs: the absolute table under rotary, rotary/position buffers, ESM's contact head
_V2_DROPPED = re.compile(
    r"^esm\.(embeddings\.position_embeddings\.|embeddings\.position_ids$|contact_head\.|pooler\.)"
    r"|rotary_embeddings\.inv_freq$"
)


def rename_v2_state_dict(state: dict) -> tuple[dict, list[str]]:
    """Our names for the original v2 tensors, and the original keys that were dropped on purpose."""
    if state and not any(key.startswith(("esm.", "lm_head.", "classifier.")) for key in state):
        state = {f"esm.{key}": value for key, value in state.items()}  # saved from the bare EsmModel
    renamed, dropped, unknown = {}, [], []
    for key, value in state.items():
        if _V2_DROPPED.search(key):
            dropped.append(key)
            continue
        for pattern, replacement in _V2_RENAMES:
            new_key, hits = re.subn(pattern, replacement, key)
            if hits:
                renamed[new_key] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ConversionError(f"unexpected tensors in the NT v2 checkpoint: {unknown[:5]}")
    return renamed, dropped


def _head_task(config: dict) -> str:
    architectures = config.get("architectures") or ["EsmForMaskedLM"]
    name = architectures[0]
    for task in ("SequenceClassification", "TokenClassification", "MaskedLM"):
        if name.endswith(f"For{task}"):
            return task
    return "Model"


def _label_kwargs(config: dict) -> dict:
    kwargs = {
        key: config[key] for key in ("id2label", "label2id", "problem_type") if config.get(key) is not None
    }
    if "id2label" in kwargs:
        kwargs["id2label"] = {int(index): label for index, label in kwargs["id2label"].items()}
    return kwargs


def _load_checked(model, state: dict, allowed_missing: set[str]) -> None:
    result = model.load_state_dict(state, strict=False)
    missing = [key for key in result.missing_keys if key not in allowed_missing]
    if missing or result.unexpected_keys:
        raise ConversionError(
            f"weights do not fit {type(model).__name__}: missing {missing[:5]}, unexpected {result.unexpected_keys[:5]}"
        )


def build_v2_model(config: dict, state: dict):
    from hf_genomics.models.nucleotide_transformer import modeling_nucleotide_transformer as modeling
    from hf_genomics.models.nucleotide_transformer.configuration_nucleotide_transformer import (
        NucleotideTransformerConfig,
    )

    keys = (
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "intermediate_size",
        "hidden_dropout_prob",
        "attention_probs_dropout_prob",
        "max_position_embeddings",
        "initializer_range",
        "layer_norm_eps",
        "add_bias_fnn",
        "emb_layer_norm_before",
        "token_dropout",
        "pad_token_id",
        "mask_token_id",
    )
    native = NucleotideTransformerConfig(
        **{key: config[key] for key in keys if config.get(key) is not None},
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
        classifier_dropout=config.get("classifier_dropout"),
        **_label_kwargs(config),
    )
    task = _head_task(config)
    model_class = {
        "MaskedLM": modeling.NucleotideTransformerForMaskedLM,
        "SequenceClassification": modeling.NucleotideTransformerForSequenceClassification,
        "TokenClassification": modeling.NucleotideTransformerForTokenClassification,
        "Model": modeling.NucleotideTransformerModel,
    }[task]
    renamed, dropped = rename_v2_state_dict(state)
    if task == "Model":
        renamed = {key.removeprefix("model."): value for key, value in renamed.items()}
    model = model_class(native).eval()
    tied = {"lm_head.decoder.weight"} if native.tie_word_embeddings else set()
    _load_checked(model, renamed, tied)
    if tied:
        model.tie_weights()
    return model, dropped


# ------------------------------------------------------------------------------------------------
# v1: transformers' own ESM
# ------------------------------------------------------------------------------------------------
def build_v1_model(config: dict, state: dict):
    import transformers
    from transformers import EsmConfig

    ignored = {
        "auto_map",
        "architectures",
        "transformers_version",
        "torch_dtype",
        "model_type",
        "_name_or_path",
    }
    native = EsmConfig(**{key: value for key, value in config.items() if key not in ignored})
    native.architectures = config.get("architectures")
    task = _head_task(config)
    model_class = getattr(transformers, "EsmModel" if task == "Model" else f"EsmFor{task}")
    prefix_missing = state and not any(key.startswith(("esm.", "lm_head.", "classifier.")) for key in state)
    if prefix_missing and task != "Model":
        state = {f"esm.{key}": value for key, value in state.items()}
    dropped = [key for key in state if key.endswith("position_ids")]
    state = {key: value for key, value in state.items() if key not in dropped}
    model = model_class(native).eval()
    allowed = {"lm_head.decoder.weight"} if native.tie_word_embeddings else set()
    # ESM's contact head (attention -> contacts, for proteins) is absent from NT checkpoints
    allowed |= {key for key in model.state_dict() if "contact_head" in key or key.startswith("pooler.")}
    _load_checked(model, state, allowed)
    if native.tie_word_embeddings:
        model.tie_weights()
    return model, dropped


# ------------------------------------------------------------------------------------------------
def build_tokenizer(folder: Path, config: dict, version: int):
    from hf_genomics.models.nucleotide_transformer.tokenization_nucleotide_transformer import (
        NucleotideTransformerTokenizer,
        nt_vocab,
    )

    specials = 6 if version == 2 else 4
    k = _nt_k(int(config["vocab_size"]), specials)
    vocab_file = folder / "vocab.txt"
    vocab = vocab_file if vocab_file.is_file() else nt_vocab(k, version)
    max_length = int(config.get("max_position_embeddings", 1002)) - 2  # ESM positions start at pad + 1
    tokenizer_config = folder / "tokenizer_config.json"
    if tokenizer_config.is_file():
        max_length = int(json.loads(tokenizer_config.read_text()).get("model_max_length", max_length))
    tokenizer = NucleotideTransformerTokenizer(vocab=vocab, k=k, model_max_length=max_length)
    expected = int(config["vocab_size"])
    if version == 2 and len(tokenizer.original_vocab) != expected:
        raise ConversionError(
            f"{vocab_file}: {len(tokenizer.original_vocab)} tokens, the model has {expected}"
        )
    return tokenizer, vocab_file.is_file()


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    version = nt_version(config)
    if version is None:
        raise ConversionError(f"{folder}: not a Nucleotide Transformer config")
    state = load_original_state_dict(folder)
    model, dropped = (build_v2_model if version == 2 else build_v1_model)(config, state)
    tokenizer, had_vocab = build_tokenizer(folder, config, version)
    notes = [
        f"Nucleotide Transformer v{version}: "
        + (
            "native hf-genomics classes (ESM with rotary positions and a gated FFN), weights renamed"
            if version == 2
            else "transformers' own ESM classes (learned absolute positions), weights unchanged"
        ),
        f"tokenizer: NT's non-overlapping {tokenizer.k}-mers, <cls> prepended, ids from "
        + ("the checkpoint's vocab.txt" if had_vocab else f"NT's published v{version} vocabulary order"),
    ]
    notes.append(
        "parity with the original implementation (hf-genomics tests, tiny seeded checkpoint, fp32): "
        "max |logit difference| <= 2e-6"
    )
    if dropped:
        notes.append(f"left out (unused by NT's outputs): {len(dropped)} tensors such as {dropped[0]}")
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=f"{FAMILY} v{version}",
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        dropped=dropped,
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=matches, convert=convert)
