"""GENA-LM (AIRI-Institute/gena-lm-bert-*) -> native ``gena_lm`` folders.

The originals are ``model_type: "bert"`` configs with GENA's extra keys (``pre_layer_norm``,
``last_layer_norm``, and for the sparse variants ``sparse_config_cls``/``sparse_attention``) whose
``auto_map`` points to the repository's own ``modeling_bert.py``. Dense models convert exactly.
DeepSpeed block-sparse variants are refused: their BigBird layout draws random blocks when the
model is built (the layout is not in the checkpoint), so no dense model reproduces them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    auto_map_targets,
    load_original_state_dict,
)

logger = logging.getLogger(__name__)

FAMILY = "GENA-LM"
LICENSE = "mit"
CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "initializer_range",
    "layer_norm_eps",
    "pad_token_id",
    "classifier_dropout",
    "id2label",
    "label2id",
    "problem_type",
)
# original (after the "bert." prefix is removed) -> native, for the encoder
_LAYER_RENAMES = [
    (r"encoder\.layer\.(\d+)\.pre_attention_ln\.", r"layers.\1.attn_norm."),
    (r"encoder\.layer\.(\d+)\.post_attention_ln\.", r"layers.\1.mlp_norm."),
    (r"encoder\.layer\.(\d+)\.attention\.self\.(query|key|value)\.", r"layers.\1.attention.\2."),
    (r"encoder\.layer\.(\d+)\.attention\.output\.dense\.", r"layers.\1.attention.dense."),
    (r"encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.", r"layers.\1.attn_norm."),  # post-LN
    (r"encoder\.layer\.(\d+)\.intermediate\.dense\.", r"layers.\1.mlp.up_proj."),
    (r"encoder\.layer\.(\d+)\.output\.dense\.", r"layers.\1.mlp.down_proj."),
    (r"encoder\.layer\.(\d+)\.output\.LayerNorm\.", r"layers.\1.mlp_norm."),  # post-LN
    (r"encoder\.last_layer_ln\.", "final_norm."),
    (r"embeddings\.LayerNorm\.", "embeddings.norm."),
    (r"pooler\.dense\.", "pooler.dense."),
    (r"embeddings\.(word|position|token_type)_embeddings\.", r"embeddings.\1_embeddings."),
]
_HEAD_RENAMES = [
    (r"cls\.predictions\.transform\.dense\.", "lm_head.dense."),
    (r"cls\.predictions\.transform\.LayerNorm\.", "lm_head.norm."),
    (r"cls\.predictions\.decoder\.weight$", "lm_head.decoder.weight"),
    (r"cls\.predictions\.(decoder\.)?bias$", "lm_head.decoder.bias"),
    (r"classifier\.", "classifier."),
]
_DROPPED = re.compile(r"(position_ids|token_type_ids)$|^cls\.seq_relationship\.")


def is_gena_lm_config(config: dict) -> bool:
    """A BERT config carrying GENA-LM's keys, or routed to GENA-LM's ``modeling_bert.py``."""
    if config.get("model_type", "bert") != "bert":
        return False
    gena_keys = ("pre_layer_norm", "last_layer_norm", "sparse_config_cls", "sparse_attention")
    routed = any(ref.startswith("modeling_bert.") for ref in auto_map_targets(config))
    return any(key in config for key in gena_keys) or routed


def refusal_reason(config: dict) -> str | None:
    """Why a GENA-LM config cannot become an exact dense model, or ``None``."""
    if config.get("sparse_config_cls") or config.get("sparse_attention"):
        layout = str(config.get("sparse_config_cls", "")).rpartition(":")[2] or "block-sparse"
        return (
            f"GENA-LM sparse-attention variant ({layout}, DeepSpeed): its attention layout includes "
            "random blocks drawn when the model is built and not stored in the checkpoint, so no dense "
            "model reproduces it; use a dense GENA-LM (gena-lm-bert-base-t2t, -large-t2t, -lastln-t2t, "
            "-t2t-multi, -fly, -yeast, -athaliana)"
        )
    position = config.get("position_embedding_type", "absolute")
    if position != "absolute":
        return f"position_embedding_type={position!r} is not ported (released dense GENA-LMs use 'absolute')"
    if config.get("is_decoder") or config.get("add_cross_attention"):
        return "GENA-LM as a decoder / with cross-attention is not ported"
    return None


def native_config(config: dict):
    """The :class:`GenaLmConfig` for an original config dict (refusing what is not exact)."""
    from hf_genomics.models.gena_lm.configuration_gena_lm import GenaLmConfig

    reason = refusal_reason(config)
    if reason:
        raise ConversionError(reason)
    values = {key: config[key] for key in CONFIG_KEYS if key in config and config[key] is not None}
    if "id2label" in values:
        values["id2label"] = {int(key): label for key, label in values["id2label"].items()}
    pre_layer_norm = bool(config.get("pre_layer_norm", False))
    # the original's rule: last_layer_norm defaults to pre_layer_norm when the key is absent
    last_layer_norm = bool(config.get("last_layer_norm", pre_layer_norm))
    return GenaLmConfig(**values, pre_layer_norm=pre_layer_norm, last_layer_norm=last_layer_norm)


def dropped_keys(state: dict) -> list[str]:
    """Original keys :func:`rename_state_dict` leaves out: buffers and the next-sentence head."""
    return sorted(key for key in state if _DROPPED.search(key))


def rename_state_dict(state: dict) -> dict:
    """Original BERT-layout names -> native names; unknown keys raise (:func:`dropped_keys` names
    the few left out on purpose)."""
    has_prefix = any(key.startswith("bert.") for key in state)
    renamed, unknown = {}, []
    for key, tensor in state.items():
        if _DROPPED.search(key):
            continue
        new = None
        if has_prefix and key.startswith("bert."):
            body = key[len("bert.") :]
            rules, prefix = _LAYER_RENAMES, "model."
        elif not has_prefix and not key.startswith(("cls.", "classifier.")):
            body, rules, prefix = key, _LAYER_RENAMES, "model."
        else:
            body, rules, prefix = key, _HEAD_RENAMES, ""
        for pattern, replacement in rules:
            if re.match(pattern, body):
                new = prefix + re.sub(pattern, replacement, body, count=1)
                break
        if new is None:
            unknown.append(key)
        else:
            renamed[new] = tensor
    if unknown:
        raise ConversionError(f"GENA-LM checkpoint has tensors this converter does not know: {unknown[:8]}")
    return renamed


def head_class(config: dict, state: dict):
    from hf_genomics.models.gena_lm import modeling_gena_lm as gena

    architecture = (config.get("architectures") or [""])[0]
    if "lm_head.decoder.bias" in state or architecture in ("BertForMaskedLM", "BertForPreTraining"):
        return gena.GenaLmForMaskedLM
    if architecture == "BertForTokenClassification":
        return gena.GenaLmForTokenClassification
    if "classifier.weight" in state:
        return gena.GenaLmForSequenceClassification
    return gena.GenaLmModel


def load_native_model(folder: Path, config: dict):
    """The native model (head chosen from the checkpoint) with the original weights loaded."""
    return load_native_model_and_dropped(folder, config)[0]


def load_native_model_and_dropped(folder: Path, config: dict) -> tuple[Any, list[str]]:
    """:func:`load_native_model` and the original tensors not carried over."""
    import torch

    native = native_config(config)
    original = load_original_state_dict(folder)
    dropped = dropped_keys(original)
    state = rename_state_dict(original)
    model_class = head_class(config, state)
    decoder = state.get("lm_head.decoder.weight")
    embeddings = state.get("model.embeddings.word_embeddings.weight")
    if decoder is not None and embeddings is not None and not torch.equal(decoder, embeddings):
        native.tie_word_embeddings = False  # an untied fine-tune: keep both matrices
    if model_class.__name__ == "GenaLmModel":
        state = {key[len("model.") :]: value for key, value in state.items()}
    model = model_class(native)
    if getattr(model, "model", model).pooler is None:  # BertForPreTraining's pooler: unused by this head
        dropped += sorted(key for key in original if key.startswith("bert.pooler."))
        state = {key: value for key, value in state.items() if not key.startswith("model.pooler.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    allowed_missing = {"lm_head.decoder.weight"} if native.tie_word_embeddings else set()
    missing = [key for key in missing if key not in allowed_missing and ".pooler." not in f".{key}"]
    if missing or unexpected:
        raise ConversionError(
            f"{folder}: GENA-LM weights do not fit {model_class.__name__} (missing {missing[:8]}, "
            f"unexpected {unexpected[:8]})"
        )
    if native.tie_word_embeddings:
        model.tie_weights()
    return model.eval(), dropped


def load_tokenizer(folder: Path):
    """GENA-LM's BPE ``tokenizer.json`` behind the package's DNA normaliser (ids unchanged for
    upper-case A/C/G/T/N; lowercase and ``U`` are normalised instead of becoming ``[UNK]``)."""
    from hf_genomics.tokenization.bpe import DnaBpeTokenizer

    path = folder / "tokenizer.json"
    if not path.is_file():
        raise ConversionError(f"{folder}: no tokenizer.json (GENA-LM's BPE tokenizer) next to the weights")
    try:
        return DnaBpeTokenizer(tokenizer_file=str(path), model_max_length=512)
    except Exception as error:  # tokenizers raises a bare Exception on malformed JSON
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise ConversionError(f"{path}: not a readable tokenizers file ({reason})") from error


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    model, dropped = load_native_model_and_dropped(folder, config)
    tokenizer = load_tokenizer(folder)
    tokenizer.model_max_length = model.config.max_position_embeddings
    notes = [
        f"architecture: {type(model).__name__}, {model.config.num_hidden_layers} layers, hidden "
        f"{model.config.hidden_size}, pre-LN={model.config.pre_layer_norm}, "
        f"final LN={model.config.last_layer_norm}",
        "weights: every tensor of the original checkpoint mapped by name"
        + (f" except {len(dropped)} left out (NSP head, unused pooler, buffers)" if dropped else ""),
        "tokenizer: the original BPE tokenizer.json; ids identical for A/C/G/T/N input",
    ]
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=FAMILY,
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        dropped=dropped,
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=is_gena_lm_config, convert=convert)
