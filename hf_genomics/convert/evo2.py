"""Evo 2 checkpoints (vortex ``.pt``) -> native :mod:`hf_genomics.models.evo2` folders.

Recognised sources (local paths; a Hub id such as ``arcinstitute/evo2_7b`` is downloaded first):

* a ``.pt`` file as ``vortex`` loads it (``evo2/models.py`` -> ``vortex.model.utils.load_checkpoint``);
* a folder holding one ``<name>.pt`` or its byte-split parts ``<name>.pt.part0, .part1 ...`` (the Hub
  repositories' layout; parts are joined into a temporary file first, as evo2 does).

The architecture comes from a vortex config next to the weights (``config.json`` or ``*.yml`` with
``hcl_layer_idxs``...), else from the released config of the same name (``evo2_7b.pt`` -> the
``evo2-7b-1m.yml`` values, :data:`~hf_genomics.models.evo2.configuration_evo2.VORTEX_PRESETS`); either way
every tensor shape is checked against it before anything is written.

Memory: the file is opened with ``torch.load(mmap=True, weights_only=True)`` (tensors stay on disk
until read; only ``io.BytesIO``, Transformer Engine's FP8 metadata type, is allow-listed besides
tensors) and the model is built on the meta device, each parameter then assigned the mapped tensor
itself: a 7B converts with one copy of the weights in memory at most, and the output is written as
sharded safetensors.

Renaming: ``blocks.N.`` -> ``model.layers.N.``; ``projections`` -> ``mixer.in_proj``; ``filter.short_filter_weight``
-> ``mixer.short_filter.weight``; ``filter.{h,D,log_poles,residues}`` -> ``mixer.filter.*``;
``out_filter_dense`` -> ``mixer.out_proj``; ``inner_mha_cls.Wqkv`` -> ``mixer.{q,k,v}_proj`` (rows
reordered from the column-split ``(head, 3, head_dim)`` order as vortex's ``custom_load_state_dict`` does
when ``column_split``); ``inner_mha_cls.out_proj`` -> ``mixer.o_proj``; ``mlp.l1/l2/l3`` ->
``mlp.gate_proj/up_proj/down_proj``; ``*.scale`` -> ``*.weight``; ``embedding_layer`` -> ``model.embeddings``;
``unembed`` -> ``lm_head``. Dropped: ``rotary_emb.inv_freq`` (recomputed; checked equal) and
Transformer Engine ``_extra_state``.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import tempfile
from pathlib import Path

import torch

from hf_genomics.convert.base import ConversionError, ConvertedCheckpoint, FamilyConverter, first_line

logger = logging.getLogger(__name__)

LICENSE = "apache-2.0"  # the Evo 2 weights' (arcinstitute model cards)
MAX_SHARD_SIZE = "2GB"
_PART = re.compile(r"^(?P<stem>.+\.pt)\.part(?P<index>\d+)$")


def checkpoint_files(path: Path) -> list[Path]:
    """The ``.pt`` file (or its ordered ``.partN`` pieces) a path designates; [] when none."""
    if path.is_file():
        return [path] if path.suffix == ".pt" else []
    if not path.is_dir():
        return []
    whole = sorted(path.glob("*.pt"))
    if len(whole) == 1:
        return whole
    parts = sorted(
        (p for p in path.glob("*.pt.part*") if _PART.match(p.name)),
        key=lambda p: int(_PART.match(p.name)["index"]),
    )
    if parts and len({_PART.match(p.name)["stem"] for p in parts}) == 1:
        return parts
    return []


def claims_source(path: Path) -> bool:
    """A vortex ``.pt`` (or a folder with exactly one, or its parts) and no other family's config."""
    files = checkpoint_files(path)
    if not files:
        return False
    config = path / "config.json" if path.is_dir() else path.parent / "config.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text())
        except json.JSONDecodeError:
            return True
        return "hcl_layer_idxs" in data or "model_type" not in data or data.get("model_type") == "evo2"
    return True


def _vortex_config(files: list[Path]) -> tuple[dict, str]:
    """The vortex config next to the weights, else the released one of the same name."""
    folder = files[0].parent
    candidates = [folder / "config.json", *sorted(folder.glob("*.yml")), *sorted(folder.glob("*.yaml"))]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        text = candidate.read_text()
        if candidate.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
        if isinstance(data, dict) and "hcl_layer_idxs" in data:
            return data, candidate.name
    from hf_genomics.models.evo2.configuration_evo2 import VORTEX_PRESETS

    stem = _PART.sub(r"\g<stem>", files[0].name)[: -len(".pt")]
    if stem in VORTEX_PRESETS:
        return VORTEX_PRESETS[stem], f"the released {stem} config"
    raise ConversionError(
        f"{folder}: no vortex config (config.json or *.yml with hcl_layer_idxs) next to {files[0].name}, and "
        f"{stem!r} is not a released Evo 2 name ({', '.join(sorted(VORTEX_PRESETS))}); put the model's "
        "evo2/configs/*.yml next to the weights"
    )


def load_vortex_state(path: Path) -> dict:
    """Memory-mapped tensors of a vortex ``.pt`` (``weights_only``; BytesIO allowed for TE metadata)."""
    try:
        with torch.serialization.safe_globals([io.BytesIO]):
            state = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    except Exception as error:  # not a torch zip file, or a pickle needing arbitrary globals
        raise ConversionError(
            f"{path}: not a loadable vortex checkpoint ({type(error).__name__}: {first_line(error)})"
        ) from error
    if isinstance(state, dict) and isinstance(state.get("module"), dict):
        state = state["module"]
    if not isinstance(state, dict):
        raise ConversionError(f"{path}: expected a dict of tensors, found {type(state).__name__}")
    return state


def _split_qkv(weight: torch.Tensor, config, column_split: bool) -> tuple[torch.Tensor, ...]:
    """Wqkv rows -> (q, k, v) rows; column-split checkpoints store them per head as (head, 3, head_dim)."""
    heads, head_dim, hidden = config.num_attention_heads, config.head_dim, config.hidden_size
    if column_split:
        if config.proj_groups != 1:
            raise ConversionError("column-split Wqkv with grouped-query attention is not defined by vortex")
        grouped = weight.reshape(heads, 3, head_dim, *weight.shape[1:])
        return tuple(grouped[:, i].reshape(hidden, *weight.shape[1:]) for i in range(3))
    kv = config.num_key_value_heads * head_dim
    return tuple(weight.split([hidden, kv, kv], dim=0))


_RENAMES = [
    (re.compile(r"^blocks\.(\d+)\.projections\.(weight|bias)$"), r"model.layers.\1.mixer.in_proj.\2"),
    (
        re.compile(r"^blocks\.(\d+)\.filter\.short_filter_weight$"),
        r"model.layers.\1.mixer.short_filter.weight",
    ),
    (re.compile(r"^blocks\.(\d+)\.filter\.short_filter_bias$"), r"model.layers.\1.mixer.short_filter.bias"),
    (
        re.compile(r"^blocks\.(\d+)\.filter\.(h|D|log_poles|poles|residues)$"),
        r"model.layers.\1.mixer.filter.\2",
    ),
    (re.compile(r"^blocks\.(\d+)\.out_filter_dense\.(weight|bias)$"), r"model.layers.\1.mixer.out_proj.\2"),
    (
        re.compile(r"^blocks\.(\d+)\.inner_mha_cls\.out_proj\.(weight|bias)$"),
        r"model.layers.\1.mixer.o_proj.\2",
    ),
    (re.compile(r"^blocks\.(\d+)\.(pre_norm|post_norm)\.scale$"), r"model.layers.\1.\2.weight"),
    (re.compile(r"^blocks\.(\d+)\.mlp\.l1\.weight$"), r"model.layers.\1.mlp.gate_proj.weight"),
    (re.compile(r"^blocks\.(\d+)\.mlp\.l2\.weight$"), r"model.layers.\1.mlp.up_proj.weight"),
    (re.compile(r"^blocks\.(\d+)\.mlp\.l3\.weight$"), r"model.layers.\1.mlp.down_proj.weight"),
    (re.compile(r"^embedding_layer\.weight$"), "model.embeddings.weight"),
    (re.compile(r"^norm\.scale$"), "model.norm.weight"),
    (re.compile(r"^unembed\.weight$"), "lm_head.weight"),
]
_QKV = re.compile(r"^blocks\.(\d+)\.inner_mha_cls\.Wqkv\.(weight|bias)$")
_DROPPED = re.compile(r"(\._extra_state$|\.rotary_emb\.inv_freq$)")


def convert_state_dict(state: dict, config, column_split: bool = True) -> tuple[dict, list[str]]:
    """vortex tensors -> native names (views where possible). Returns the mapping and the dropped keys."""
    native: dict[str, torch.Tensor] = {}
    dropped: list[str] = []
    for key, value in state.items():
        if _DROPPED.search(key) or not isinstance(value, torch.Tensor):
            dropped.append(key)
            continue
        match = _QKV.match(key)
        if match:
            prefix = f"model.layers.{match[1]}.mixer"
            for name, part in zip(("q_proj", "k_proj", "v_proj"), _split_qkv(value, config, column_split)):
                native[f"{prefix}.{name}.{match[2]}"] = part
            continue
        for pattern, replacement in _RENAMES:
            if pattern.match(key):
                native[pattern.sub(replacement, key)] = value
                break
        else:
            raise ConversionError(f"unexpected tensor {key!r} {tuple(value.shape)} in the vortex checkpoint")
    return native, dropped


def _joined(files: list[Path], scratch: Path) -> Path:
    """One ``.pt`` path: the file itself, or the parts concatenated (evo2's own merge) into ``scratch``."""
    if len(files) == 1 and files[0].suffix == ".pt":
        return files[0]
    target = scratch / _PART.sub(r"\g<stem>", files[0].name)
    with open(target, "wb") as out:
        for part in files:
            with open(part, "rb") as piece:
                shutil.copyfileobj(piece, out, length=64 << 20)
    return target


def build_model(state: dict, vortex_config: dict, dtype: torch.dtype | None = None):
    """A native ``Evo2ForCausalLM`` whose parameters ARE the checkpoint's tensors (meta init, assign)."""
    from hf_genomics.models.evo2.configuration_evo2 import Evo2Config, settings_from_vortex
    from hf_genomics.models.evo2.modeling_evo2 import Evo2ForCausalLM

    try:
        config = Evo2Config(**settings_from_vortex(vortex_config))
    except (ValueError, KeyError, TypeError) as error:
        raise ConversionError(
            f"the vortex config does not describe a StripedHyena 2 model: {error}"
        ) from error
    native, dropped = convert_state_dict(state, config, bool(vortex_config.get("column_split", True)))
    model = meta_model_fitting(Evo2ForCausalLM, config, native)
    for key in [k for k in dropped if k.endswith("inv_freq")]:
        computed = 1.0 / (
            config.rotary_emb_base ** (torch.arange(0, config.head_dim, 2).float() / config.head_dim)
        )
        if state[key].shape != computed.shape or not torch.allclose(state[key].float(), computed, rtol=1e-3):
            raise ConversionError(
                f"{key}: rotary frequencies differ from rotary_emb_base={config.rotary_emb_base}"
            )
    if dtype is not None:
        native = {
            k: v.to(dtype) if v.is_floating_point() and ".filter." not in k else v for k, v in native.items()
        }
    return assign_weights(model, native), dropped


def meta_model_fitting(model_class, config, native: dict):
    """``model_class(config)`` on the meta device, once ``native`` has exactly its tensors and shapes
    (a tied output matrix is stored once); otherwise a :class:`ConversionError` naming what differs."""
    with torch.device("meta"):
        model = model_class(config)
    expected = dict(model.state_dict())
    if config.tie_word_embeddings:
        expected.pop("lm_head.weight", None)
    missing = sorted(set(expected) - set(native))
    unexpected = sorted(set(native) - set(expected))
    wrong = [f"{k} {tuple(native[k].shape)} != {tuple(expected[k].shape)}" for k in sorted(set(native) & set(expected))
             if tuple(native[k].shape) != tuple(expected[k].shape)]  # fmt: skip
    if missing or unexpected or wrong:
        raise ConversionError(
            f"the checkpoint does not fit the config: missing {missing[:6]}, unexpected {unexpected[:6]}, "
            f"wrong shapes {wrong[:6]}"
        )
    return model


def assign_weights(model, native: dict):
    """The checkpoint's tensors become the meta model's parameters (no copy); ties and the rotary
    frequencies (a non-persistent buffer) are restored; evaluation mode."""
    model.load_state_dict(native, strict=False, assign=True)
    if model.config.tie_word_embeddings:
        model.tie_weights()
    model.model.rotary.inv_freq = model.model.rotary.compute_inv_freq(model.config)
    model.eval()
    return model


def convert(source: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.evo2.tokenization_evo2 import Evo2Tokenizer

    files = checkpoint_files(source)
    if not files:
        raise ConversionError(f"{source}: no vortex .pt checkpoint (or .pt.partN pieces) found")
    vortex_config, config_origin = _vortex_config(files)
    scratch = Path(tempfile.mkdtemp(prefix="hf-genomics-evo2-"))
    try:
        state = load_vortex_state(_joined(files, scratch))
        model, dropped = build_model(state, vortex_config)
    finally:  # a mapped file stays readable after its directory entry is removed
        shutil.rmtree(scratch, ignore_errors=True)
    native = model.config
    tokenizer = Evo2Tokenizer(model_max_length=native.max_seqlen)
    kinds = {kind: native.block_types.count(kind) for kind in ("hcs", "hcm", "hcl", "attention")}
    notes = [
        f"Layout: vortex .pt ({', '.join(p.name for p in files)}), config from {config_origin}; "
        f"{native.num_layers} blocks {kinds}, width {native.hidden_size}, context {native.max_seqlen} bases.",
        "Tokenizer: UTF-8 bytes as in vortex's CharLevelTokenizer (A=65 C=67 G=71 T=84 N=78; EOS=0, PAD=1), "
        "no special tokens added; input is upper-cased and U->T first (vortex would give lower-case its own ids).",
        "Runs without Transformer Engine, Triton or flash-attn: FP8 projections become ordinary matmuls in the "
        "checkpoint's dtype.",
    ]
    if dropped:
        notes.append(f"Left out (not weights): {len(dropped)} tensors ({', '.join(sorted(dropped)[:3])} ...)")
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family="Evo 2",
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        parity="logits and every block's output equal vortex's to 1e-5 (fp32, tiny seeded checkpoints)",
        max_shard_size=MAX_SHARD_SIZE,
    )


def matches(config: dict) -> bool:
    """A vortex config given as config.json (the weights then come from the same folder)."""
    return "hcl_layer_idxs" in config and "attn_layer_idxs" in config


CONVERTER = FamilyConverter(family="Evo 2", matches=matches, convert=convert, claims_source=claims_source)
