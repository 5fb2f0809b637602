"""Caduceus (kuleshov-group/caduceus-{ph,ps}_*) -> native ``caduceus`` folders.

The originals are ``model_type: "caduceus"`` configs in mamba-ssm's vocabulary (``d_model``,
``n_layer``, ``ssm_cfg``) whose ``auto_map`` points to the repository's ``modeling_caduceus.py``;
the native config uses transformers' Mamba names, so a native folder is never mistaken for an
original. Weights: tied forward/reverse projections and the tied LM head may be stored under
either name (safetensors keeps one name per shared tensor); both are accepted.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    auto_map_targets,
    load_original_state_dict,
)
from hf_genomics.models.caduceus.original_layout import (  # one copy, shared with native loading
    SSM_KEYS,
    complement_list,
)

logger = logging.getLogger(__name__)

FAMILY = "Caduceus"
LICENSE = "apache-2.0"
_SSM_PARTS = r"(conv1d\.weight|conv1d\.bias|x_proj\.weight|dt_proj\.weight|dt_proj\.bias|A_log|D)"


CADUCEUS_KEYS = ("rcps", "bidirectional_strategy", "bidirectional_weight_tie", "complement_map")
CADUCEUS_CODE_MODULES = ("configuration_caduceus.", "modeling_caduceus.")


def is_caduceus_config(config: dict) -> bool:
    """An original Caduceus config: mamba-ssm field names (``d_model``, ``n_layer``) plus
    ``model_type: caduceus``, an auto_map into the original's code or Caduceus' own keys. Our native
    config uses transformers' Mamba names (``hidden_size``), so it never matches."""
    if (
        config.get("model_type", "caduceus") != "caduceus"
        or "d_model" not in config
        or "n_layer" not in config
    ):
        return False
    refs = auto_map_targets(config)
    return (
        config.get("model_type") == "caduceus"
        or any(ref.startswith(CADUCEUS_CODE_MODULES) for ref in refs)
        or any(key in config for key in CADUCEUS_KEYS)
    )


def padded_vocab_size(config: dict) -> int:
    """The original pads the vocabulary to a multiple of ``pad_vocab_size_multiple`` when built."""
    vocab, multiple = int(config["vocab_size"]), int(config.get("pad_vocab_size_multiple", 1) or 1)
    return vocab + (-vocab) % multiple


def native_config(config: dict, state: dict | None = None):
    """The :class:`CaduceusConfig` for an original config dict (refusing what is not exact)."""
    from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig

    if config.get("layer_cfg") or (config.get("ssm_cfg") or {}).get("layer") not in (None, "Mamba1", "Mamba"):
        raise ConversionError("Caduceus with Mamba-2 layers (layer_cfg / ssm_cfg.layer) is not ported")
    ssm = dict(config.get("ssm_cfg") or {})
    unknown = sorted(set(ssm) - set(SSM_KEYS))
    if unknown:
        raise ConversionError(f"Caduceus ssm_cfg keys this converter does not know: {unknown}")
    values = {SSM_KEYS[key]: value for key, value in ssm.items() if SSM_KEYS[key] is not None}
    vocab_size = padded_vocab_size(config)
    complement = complement_list(config.get("complement_map") or {}, vocab_size)
    if state is not None:  # the checkpoint's own complement buffer is the ground truth when present
        for key, tensor in state.items():
            if key.endswith("complement_map") and tensor.numel() == vocab_size:
                complement = [int(value) for value in tensor.tolist()]
                break
    init_cfg = config.get("initializer_cfg") or {}
    rcps = bool(config.get("rcps", False))
    extra = {
        key: config[key] for key in ("id2label", "label2id", "problem_type") if config.get(key) is not None
    }
    if "id2label" in extra:
        extra["id2label"] = {int(key): label for key, label in extra["id2label"].items()}
    return CaduceusConfig(
        vocab_size=vocab_size,
        hidden_size=int(config["d_model"]),
        num_hidden_layers=int(config["n_layer"]),
        rms_norm=bool(config.get("rms_norm", True)),
        layer_norm_epsilon=float(config.get("norm_epsilon", 1e-5)),
        residual_in_fp32=bool(config.get("residual_in_fp32", True)),
        fused_add_norm=bool(config.get("fused_add_norm", True)),
        bidirectional=bool(config.get("bidirectional", True)),
        bidirectional_strategy=config.get("bidirectional_strategy") or "add",
        bidirectional_weight_tie=bool(config.get("bidirectional_weight_tie", True)),
        rcps=rcps,
        complement_map=complement,
        initializer_range=float(init_cfg.get("initializer_range", 0.02)),
        rescale_prenorm_residual=bool(init_cfg.get("rescale_prenorm_residual", True)),
        # as the original: no RC averaging unless asked (config.conjoin_eval=True, the paper's post-hoc
        # conjoining of -ph models; the original's conjoin_eval=True constructor argument)
        conjoin_eval=False,
        **values,
        **extra,
    )


def rename_state_dict(state: dict, tied_projections: bool) -> dict:
    """Original names -> native names; unknown keys raise (nothing dropped silently)."""
    renamed: dict = {}
    unknown = []
    for key, tensor in state.items():
        if key.endswith("complement_map"):
            continue  # a buffer, rebuilt from the config
        body = re.sub(r"^(caduceus\.)?backbone\.", "model.", key)
        body = body.replace(".submodule.", ".")  # RCPS wrappers
        new = None
        if body in (
            "model.embeddings.word_embeddings.weight",
            "model.embeddings.word_embeddings.embedding.weight",
        ):
            new = "model.embeddings.word_embeddings.weight"
        elif body in ("lm_head.weight", "lm_head.lm_head.weight"):
            new = "lm_head.decoder.weight"
        elif body == "score.weight":
            new = body
        elif match := re.fullmatch(r"model\.norm_f\.(weight|bias)", body):
            new = f"model.final_norm.{match[1]}"
        elif match := re.fullmatch(r"model\.layers\.(\d+)\.norm\.(weight|bias)", body):
            new = body
        elif match := re.fullmatch(
            r"model\.layers\.(\d+)\.mixer\.mamba_(fwd|rev)\.(in_proj|out_proj)\.(weight|bias)", body
        ):
            layer, direction, proj, kind = match.groups()
            shared = tied_projections or direction == "fwd"
            new = f"model.layers.{layer}.mixer.{proj if shared else 'rev_' + proj}.{kind}"
        elif match := re.fullmatch(rf"model\.layers\.(\d+)\.mixer\.mamba_(fwd|rev)\.{_SSM_PARTS}", body):
            layer, direction, part = match.groups()
            new = f"model.layers.{layer}.mixer.{direction}.{part}"
        if new is None:
            unknown.append(key)
        elif new in renamed and not renamed[new].equal(tensor):
            raise ConversionError(f"Caduceus checkpoint: tied tensors differ ({key})")
        else:
            renamed[new] = tensor
    if unknown:
        raise ConversionError(f"Caduceus checkpoint has tensors this converter does not know: {unknown[:8]}")
    embeddings, head = "model.embeddings.word_embeddings.weight", "lm_head.decoder.weight"
    if embeddings not in renamed and head in renamed:  # the tied pair stored under the head's name
        renamed[embeddings] = renamed[head]
    return renamed


def head_class(config: dict, state: dict):
    from hf_genomics.models.caduceus import modeling_caduceus as caduceus

    architecture = (config.get("architectures") or [""])[0]
    if "score.weight" in state or architecture == "CaduceusForSequenceClassification":
        return caduceus.CaduceusForSequenceClassification
    if "lm_head.decoder.weight" in state or architecture == "CaduceusForMaskedLM":
        return caduceus.CaduceusForMaskedLM
    return caduceus.CaduceusModel


def load_native_model(folder: Path, config: dict):
    """The native model (head chosen from the checkpoint) with the original weights loaded."""
    native_config(config)  # refuse unported variants before reading any weights
    original_state = load_original_state_dict(folder)
    native = native_config(config, original_state)
    state = rename_state_dict(original_state, native.bidirectional_weight_tie)
    model_class = head_class(config, state)
    head = state.get("lm_head.decoder.weight")
    if head is not None and not head.equal(state["model.embeddings.word_embeddings.weight"]):
        native.tie_word_embeddings = False
    if model_class.__name__ == "CaduceusModel":
        state = {key[len("model.") :]: value for key, value in state.items() if key.startswith("model.")}
    if "score.weight" in state:
        native.num_labels = state["score.weight"].shape[0]
    model = model_class(native)
    missing, unexpected = model.load_state_dict(state, strict=False)
    allowed = {"lm_head.decoder.weight"} if native.tie_word_embeddings else set()
    missing = [key for key in missing if key not in allowed]
    if missing or unexpected:
        raise ConversionError(
            f"{folder}: Caduceus weights do not fit {model_class.__name__} (missing {missing[:8]}, "
            f"unexpected {unexpected[:8]})"
        )
    if native.tie_word_embeddings:
        model.tie_weights()
    return model.eval()


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.caduceus.tokenization_caduceus import CaduceusTokenizer

    model = load_native_model(folder, config)
    max_length = 131072
    if original_id and (match := re.search(r"seqlen-(\d+)k", original_id)):
        max_length = int(match[1]) * 1024
    tokenizer = CaduceusTokenizer(model_max_length=max_length)
    kind = (
        "RC-equivariant (RCPS, -ps)"
        if model.config.rcps
        else "-ph (post-hoc RC conjoining on request: config.conjoin_eval=True)"
    )
    notes = [
        f"architecture: {type(model).__name__}, {model.config.num_hidden_layers} BiMamba layers, hidden "
        f"{model.config.hidden_size}, {kind}",
        "kernels: pure-PyTorch chunked selective scan and F.conv1d instead of mamba-ssm CUDA/Triton",
        "weights: every tensor mapped by name (tied forward/reverse projections and LM head kept tied)",
        "tokenizer: Caduceus' character ids ([SEP] after the sequence, left padding)",
    ]
    return ConvertedCheckpoint(
        model=model, tokenizer=tokenizer, family=FAMILY, original_id=original_id, license=LICENSE, notes=notes
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=is_caduceus_config, convert=convert)
