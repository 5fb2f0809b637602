"""HyenaDNA checkpoints -> native :mod:`hf_genomics.models.hyenadna` folders.

Two original layouts are recognised from ``config.json``:

* the LongSafari ``hyenadna-*-seqlen-hf`` repos (``model_type: "hyenadna"`` with their flat fields
  ``d_model``, ``n_layer``, ``max_seq_len`` ...; weights ``model.safetensors`` or ``pytorch_model.bin``
  with keys ``hyena.backbone.*``, ``lm_head.weight`` or a classifier's ``score.weight``);
* the original releases ``hyenadna-*-seqlen`` (``config.json`` with a nested ``layer`` dict whose
  ``_name_`` is ``"hyena"``, and ``weights.ckpt``, a PyTorch Lightning checkpoint with keys
  ``model.backbone.*`` — ``.mixer.layer`` / ``.mlp.layer`` when trained with ``checkpoint_mixer`` —
  plus ``model.lm_head.weight`` and, for fine-tuned classifiers, ``decoder.0.output_transform.*``).

Weights are read as tensors only (safetensors, or the restricted unpickler :mod:`hf_genomics.safe_pickle`,
which reads a full Lightning checkpoint and keeps its ``state_dict``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import torch

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    architecture_names,
    auto_map_targets,
    load_original_state_dict,
)

logger = logging.getLogger(__name__)

LICENSE = "bsd-3-clause"  # the LongSafari model cards'


HF_CODE_MODULES = ("configuration_hyena.", "modeling_hyena.")


def is_original_layout(config: dict) -> bool:
    """The original release: a nested ``layer`` dict named ``hyena`` (whatever ``model_type`` says:
    some LongSafari non-hf configs also carry ``"model_type": "hyenadna"``)."""
    layer = config.get("layer")
    return (
        config.get("model_type", "hyenadna") == "hyenadna"
        and isinstance(layer, dict)
        and layer.get("_name_") == "hyena"
        and "d_model" in config
        and "n_layer" in config
    )


def is_hf_layout(config: dict) -> bool:
    """A LongSafari ``-hf`` config: flat ``d_model`` plus ``model_type: hyenadna`` or an auto_map/
    architectures naming the -hf code. Our native config (``modulation_shift``) and the original
    layout (nested ``layer``) are not."""
    if config.get("model_type", "hyenadna") != "hyenadna" or "d_model" not in config:
        return False
    if is_original_layout(config) or "modulation_shift" in config:
        return False
    refs = auto_map_targets(config)
    architectures = architecture_names(config)
    return (
        config.get("model_type") == "hyenadna"
        or any(ref.startswith(HF_CODE_MODULES) for ref in refs)
        or any(name.startswith("HyenaDNA") for name in architectures)
    )


def matches(config: dict) -> bool:
    return is_hf_layout(config) or is_original_layout(config)


def _native_settings_hf(config: dict) -> dict:
    if int(config.get("hyena_order", 2)) != 2:
        raise ConversionError(f"the -hf HyenaDNA code only runs hyena_order=2, got {config['hyena_order']}")
    if int(config.get("short_filter_order", 3)) != 3:
        raise ConversionError(
            "the -hf HyenaDNA code pads its short filter by 2 whatever its length; "
            f"short_filter_order={config['short_filter_order']} has no faithful native equivalent"
        )
    keys = [
        "vocab_size", "d_model", "n_layer", "d_inner", "max_seq_len", "emb_dim", "filter_order",
        "num_inner_mlps", "train_freq", "embed_dropout", "hyena_dropout", "layer_norm_epsilon",
        "initializer_range", "pad_vocab_size_multiple", "pad_token_id", "id2label", "label2id",
        "problem_type",
    ]  # fmt: skip
    settings = {key: config[key] for key in keys if config.get(key) is not None}
    settings["activation_freq"] = float(config.get("activation_freq", 1))  # the -hf HyenaConfig default
    settings.setdefault("emb_dim", 3)  # the -hf HyenaConfig defaults
    settings.setdefault("n_layer", 12)
    settings.setdefault("max_seq_len", 1024)
    return dict(settings, classifier_pooling="last", classifier_bias=False, tie_word_embeddings=False)


def _native_settings_original(config: dict) -> dict:
    if config.get("attn_layer_idx"):
        raise ConversionError(
            f"HyenaDNA with attention layers (attn_layer_idx={config['attn_layer_idx']}) is not supported"
        )
    layer = config["layer"]
    if "l_max" not in layer:
        raise ConversionError("config.json: layer.l_max (the longest input) is missing")
    return dict(
        vocab_size=int(config["vocab_size"]),
        d_model=int(config["d_model"]),
        n_layer=int(config["n_layer"]),
        d_inner=int(config.get("d_inner") or 4 * int(config["d_model"])),
        max_seq_len=int(layer["l_max"]),
        emb_dim=int(layer.get("emb_dim", 3)),
        filter_order=int(layer.get("filter_order", 64)),
        num_inner_mlps=int(layer.get("num_inner_mlps", 2)),
        hyena_order=int(layer.get("order", 2)),
        activation_freq=float(layer.get("w", 1)),
        train_freq=bool(layer.get("train_freq", True)),
        modulate=bool(layer.get("modulate", True)),
        embed_dropout=float(config.get("embed_dropout", 0.1)),
        resid_dropout=float(config.get("resid_dropout", 0.0)),
        hyena_dropout=float(layer.get("dropout", 0.0)),
        layer_norm_epsilon=float(config.get("layer_norm_epsilon", 1e-5)),
        pad_vocab_size_multiple=int(config.get("pad_vocab_size_multiple", 1)),
        classifier_pooling="mean",  # standalone_hyenadna.SequenceDecoder(mode="pool")
        classifier_bias=True,
    )


_FILTER_KEY = re.compile(r"^(layers\.\d+\.mixer\.filter_fn\.)implicit_filter\.(\d+)\.(weight|bias|freq)$")


def _rename_backbone_key(key: str, num_inner_mlps: int) -> str | None:
    """A backbone key (prefix removed) -> its native name under ``model.``; None for duplicates."""
    key = key.replace(".mixer.layer.", ".mixer.").replace(".mlp.layer.", ".mlp.")
    if key == "embeddings.word_embeddings.weight":
        return "model.embeddings.weight"
    if key.startswith("ln_f."):
        return "model.final_norm." + key[len("ln_f.") :]
    match = _FILTER_KEY.match(key)
    if match:
        prefix, index, kind = match.group(1), int(match.group(2)), match.group(3)
        if kind == "freq":  # one Sin module shared by every activation: keep the first copy
            return f"model.{prefix}freq" if index == 1 else None
        if index % 2 or index > 2 * (num_inner_mlps + 1):
            raise ConversionError(f"unexpected implicit-filter weight {key}")
        if index == 2 * (num_inner_mlps + 1):
            return f"model.{prefix}out.{kind}"
        return f"model.{prefix}mlp.{index // 2}.{kind}"
    key = key.replace(".filter_fn.pos_emb.", ".filter_fn.").replace(".filter_fn.modulation.", ".filter_fn.")
    return "model." + key


BACKBONE_PREFIXES = {True: "hyena.backbone.", False: "model.backbone."}  # -hf layout / original


def backbone_prefix_of(state: dict, hf_layout: bool) -> str:
    """The prefix the weights themselves use (the config's layout decides only when both or neither occur)."""
    found = [hf for hf, prefix in BACKBONE_PREFIXES.items() if any(key.startswith(prefix) for key in state)]
    return BACKBONE_PREFIXES[found[0] if len(found) == 1 else hf_layout]


def convert_state_dict(state: dict, hf_layout: bool, num_inner_mlps: int) -> tuple[dict, list[str]]:
    """Original tensors -> native names. Returns the mapping and the keys left out (non-model state;
    the duplicate copies of the shared sine frequencies are checked equal and kept once)."""
    backbone_prefix = backbone_prefix_of(state, hf_layout)
    heads = {
        "lm_head.weight": "lm_head.weight",
        "model.lm_head.weight": "lm_head.weight",
        "score.weight": "score.weight",
        "decoder.0.output_transform.weight": "score.weight",
        "decoder.0.output_transform.bias": "score.bias",
    }
    native: dict[str, torch.Tensor] = {}
    ignored: list[str] = []
    freqs: dict[str, list[torch.Tensor]] = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            ignored.append(key)
            continue
        if key in heads:
            native[heads[key]] = value
        elif key.startswith(backbone_prefix):
            name = _rename_backbone_key(key[len(backbone_prefix) :], num_inner_mlps)
            if name is None or name.endswith(".freq"):
                stem = re.sub(r"implicit_filter\.\d+\.freq$", "", key)
                freqs.setdefault(stem, []).append(value)
            if name is not None:
                native[name] = value
        else:
            ignored.append(key)
    for stem, copies in freqs.items():
        if any(not torch.equal(copies[0], other) for other in copies[1:]):
            raise ConversionError(f"{stem}: the shared sine frequencies differ between activations")
    return native, ignored


def _duplicate_freq_keys(state: dict) -> list[str]:
    """The copies of a filter's shared sine frequency beyond the first (equal, checked on conversion)."""
    return [
        key
        for key in state
        if re.search(r"implicit_filter\.\d+\.freq$", key) and ".implicit_filter.1.freq" not in key
    ]


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.hyenadna.configuration_hyenadna import HyenaDnaConfig
    from hf_genomics.models.hyenadna.modeling_hyenadna import (
        HyenaDnaForCausalLM,
        HyenaDnaForSequenceClassification,
    )
    from hf_genomics.models.hyenadna.tokenization_hyenadna import HyenaDnaTokenizer

    hf_layout = is_hf_layout(config)
    settings = _native_settings_hf(config) if hf_layout else _native_settings_original(config)
    state = load_original_state_dict(folder)
    native, ignored = convert_state_dict(state, hf_layout, settings.get("num_inner_mlps", 2))
    if "model.embeddings.weight" not in native:
        expected = " or ".join(
            f"{prefix}embeddings.word_embeddings.weight" for prefix in BACKBONE_PREFIXES.values()
        )
        raise ConversionError(
            f"{folder}: no HyenaDNA token embeddings in the weights: expected {expected}, "
            f"found {len(state)} tensors such as {sorted(state)[:3]}"
        )
    short = native.get("model.layers.0.mixer.short_filter.weight")
    if short is not None:
        settings["short_filter_order"] = int(short.shape[-1])
    embeddings = native["model.embeddings.weight"]
    has_classifier = "score.weight" in native
    if has_classifier:
        settings["num_labels"] = int(native["score.weight"].shape[0])
        if native.pop("lm_head.weight", None) is not None:  # a classifier's unused LM head
            ignored += [key for key in ("lm_head.weight", "model.lm_head.weight") if key in state]
    elif not hf_layout:
        head = native.get("lm_head.weight")
        settings["tie_word_embeddings"] = head is None or torch.equal(head, embeddings)
        if settings["tie_word_embeddings"]:
            native.pop("lm_head.weight", None)
    native_config = HyenaDnaConfig(**settings)
    if embeddings.shape != (native_config.padded_vocab_size, native_config.d_model):
        raise ConversionError(
            f"{folder}: token embeddings of shape {tuple(embeddings.shape)}, but config.json implies "
            f"({native_config.padded_vocab_size}, {native_config.d_model})"
        )
    model_class = HyenaDnaForSequenceClassification if has_classifier else HyenaDnaForCausalLM
    model = model_class(native_config)
    for name, parameter in model.named_parameters():
        if name.endswith("filter_fn.freq") and name not in native and not native_config.train_freq:
            native[name] = parameter.detach().clone()  # a constant, not saved by the original
    missing, unexpected = model.load_state_dict(native, strict=False)
    missing = [
        name for name in missing if not (name == "lm_head.weight" and native_config.tie_word_embeddings)
    ]
    if unexpected or missing:
        raise ConversionError(
            f"{folder}: weights do not fit HyenaDNA: missing {missing}, unexpected {unexpected}"
        )
    model.tie_weights()
    model.eval()

    tokenizer = HyenaDnaTokenizer(add_cls=not hf_layout, model_max_length=native_config.max_seq_len)
    layout = (
        "LongSafari -hf repository (modeling_hyena.py)" if hf_layout else "original release (weights.ckpt)"
    )
    specials = (
        "`x [SEP]` as the -hf tokenizer"
        if hf_layout
        else "`[CLS] x [SEP]` as the standalone CharacterTokenizer"
    )
    notes = [
        f"Layout: {layout}; converted: {'sequence classifier' if has_classifier else 'causal LM'} "
        f"({native_config.n_layer} layers, width {native_config.d_model}, max {native_config.max_seq_len} tokens).",
        f"Tokenizer: the original character ids ([PAD]=4, A/C/G/T/N=7..11), left padding, specials {specials}.",
        "An attention_mask with zeros keeps padding out of the convolutions (the original has no mask).",
    ]
    if ignored:
        notes.append(
            f"Left out (not model weights): {', '.join(sorted(ignored)[:8])}"
            + (" ..." if len(ignored) > 8 else "")
        )
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family="HyenaDNA",
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        dropped=sorted(ignored + _duplicate_freq_keys(state)),
    )


CONVERTER = FamilyConverter(family="HyenaDNA", matches=matches, convert=convert)
