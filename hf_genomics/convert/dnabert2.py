"""DNABERT-2 / DNABERT-S (MosaicBERT remote code, ``bert_layers.py``) -> native ``Dnabert2*`` classes.

Recognised by the original ``config.json``: ``model_type: bert`` with MosaicBERT's ``alibi_starting_size``
or an ``auto_map`` pointing at ``bert_layers``. Weights are renamed (never executed); the head saved is the
one the checkpoint has: a sequence classifier (``classifier.*`` + ``bert.pooler.*``), else the masked-LM
head (``cls.predictions.*``), else the bare encoder. The tokenizer is the checkpoint's own
``tokenizer.json`` behind our DNA normaliser, so ids are the original's for upper-case A/C/G/T/N input.
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

logger = logging.getLogger(__name__)

FAMILY = "DNABERT-2"
LICENSE = "apache-2.0"  # zhihan1996/DNABERT-2-117M and DNABERT-S are released under Apache-2.0
# Measured by tests/test_port_dnabert2.py against the original's PyTorch path (fp32, tiny seeded
# checkpoint, padded batch); keep in step with the README row.
PARITY = (
    "outputs identical to the original's PyTorch path with attn_implementation='eager'; with 'sdpa' (the "
    "default) max |difference| 2.1e-6 in masked-LM logits, 1.4e-6 in hidden states, 3e-7 in classifier logits "
    "(fp32, tiny seeded checkpoint, padded batch: tests/test_port_dnabert2.py) and <= 3.1e-6 at full "
    "DNABERT-2-117M size on 8 kb (benchmarks/bench_ports_dnabert2.py)"
)

# original config field -> ours (same names: the native config keeps the original's vocabulary)
CONFIG_FIELDS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "alibi_starting_size",
    "type_vocab_size",
    "initializer_range",
    "layer_norm_eps",
    "classifier_dropout",
    "problem_type",
)

# original parameter name (after the optional "bert." prefix) -> ours (after "model.")
ENCODER_RENAMES = [
    (r"embeddings\.LayerNorm\.", "embeddings.norm."),
    (r"embeddings\.(word|token_type)_embeddings\.", r"embeddings.\1_embeddings."),
    (r"encoder\.layer\.(\d+)\.attention\.self\.Wqkv\.", r"layers.\1.attention.qkv."),
    (r"encoder\.layer\.(\d+)\.attention\.output\.dense\.", r"layers.\1.attention.out_proj."),
    (r"encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.", r"layers.\1.attn_norm."),
    (r"encoder\.layer\.(\d+)\.mlp\.gated_layers\.", r"layers.\1.mlp.gate_up_proj."),
    (r"encoder\.layer\.(\d+)\.mlp\.wo\.", r"layers.\1.mlp.down_proj."),
    (r"encoder\.layer\.(\d+)\.mlp\.layernorm\.", r"layers.\1.mlp_norm."),
]
HEAD_RENAMES = {
    "cls.predictions.transform.dense.weight": "lm_head.dense.weight",
    "cls.predictions.transform.dense.bias": "lm_head.dense.bias",
    "cls.predictions.transform.LayerNorm.weight": "lm_head.norm.weight",
    "cls.predictions.transform.LayerNorm.bias": "lm_head.norm.bias",
    "cls.predictions.decoder.bias": "lm_head.decoder.bias",
    "pooler.dense.weight": "pooler.dense.weight",
    "pooler.dense.bias": "pooler.dense.bias",
    "classifier.weight": "classifier.weight",
    "classifier.bias": "classifier.bias",
}
TIED_DECODER = "cls.predictions.decoder.weight"


def matches(config: dict) -> bool:
    """MosaicBERT's signature: ``alibi_starting_size`` or an ``auto_map`` into ``bert_layers``.

    ``model_type`` is not required: DNABERT-2-117M's first ``config.json`` has none."""
    if config.get("model_type", "bert") != "bert":
        return False
    refs = auto_map_targets(config)
    return "alibi_starting_size" in config or any(ref.startswith("bert_layers.") for ref in refs)


def rename_key(key: str) -> str | None:
    """Our parameter name for an original one (``bert.`` prefix optional), or None if unknown."""
    bare = key.removeprefix("bert.")
    if bare in HEAD_RENAMES:
        return HEAD_RENAMES[bare]
    for pattern, replacement in ENCODER_RENAMES:
        if re.match(pattern, bare):
            return "model." + re.sub(pattern, replacement, bare, count=1)
    return None


MLM_HEAD = (
    "lm_head.dense.weight",
    "lm_head.dense.bias",
    "lm_head.norm.weight",
    "lm_head.norm.bias",
    "lm_head.decoder.bias",
)


def native_state_dict(original: dict, architectures: list | None = None) -> tuple[dict, str, list[str]]:
    """Renamed tensors, the head they make up (``sequence-classification``, ``masked-lm`` or
    ``base``) and the original keys not carried over.

    A masked-LM checkpoint (head tensors present, or ``architectures`` naming ``BertForMaskedLM``)
    missing any head tensor is refused rather than saved as a bare encoder."""
    import torch

    state, unknown, renamed_from = {}, [], {}
    decoder = None
    for key, tensor in original.items():
        if key.removeprefix("bert.") == TIED_DECODER:
            decoder = tensor
            continue
        new = rename_key(key)
        if new is None:
            unknown.append(key)
        else:
            state[new] = tensor
            renamed_from[new] = key
    if unknown:
        raise ConversionError(
            f"unexpected DNABERT-2 weights (not MosaicBERT?): {', '.join(sorted(unknown)[:8])}"
        )
    embeddings = state.get("model.embeddings.word_embeddings.weight")
    if embeddings is None:
        raise ConversionError("no bert.embeddings.word_embeddings.weight in the checkpoint")
    if decoder is not None and not torch.equal(decoder, embeddings):
        raise ConversionError(
            "cls.predictions.decoder.weight differs from the word embeddings (expected tied)"
        )
    if "classifier.weight" in state:
        return state, "sequence-classification", []
    # only the classifier uses the pooler
    dropped = [renamed_from[k] for k in state if k.startswith("pooler.")]
    state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
    present = [name for name in MLM_HEAD if name in state]
    claims_mlm = any(str(name).endswith("ForMaskedLM") for name in architectures or [])
    if present or claims_mlm:
        original_names = {ours: theirs for theirs, ours in HEAD_RENAMES.items()}
        missing = [original_names[name] for name in MLM_HEAD if name not in state]
        if missing:
            raise ConversionError(
                f"a masked-LM checkpoint ({'config says ' + architectures[0] if claims_mlm else 'head tensors present'}) "
                f"without {', '.join(missing)}: refusing to save it as a bare encoder"
            )
        state["lm_head.decoder.weight"] = embeddings
        return state, "masked-lm", dropped
    return {k: v for k, v in state.items() if k.startswith("model.")}, "base", dropped


def native_config(original: dict, state: dict, head: str, tokenizer) -> object:
    from hf_genomics.models.dnabert2.configuration_dnabert2 import Dnabert2Config

    kwargs = {name: original[name] for name in CONFIG_FIELDS if original.get(name) is not None}
    vocab, hidden = state["model.embeddings.word_embeddings.weight"].shape
    if kwargs.get("vocab_size", vocab) != vocab or kwargs.get("hidden_size", hidden) != hidden:
        raise ConversionError(
            f"config.json says vocab {kwargs.get('vocab_size')} x hidden {kwargs.get('hidden_size')}, "
            f"the weights are {vocab} x {hidden}"
        )
    for name in ("unk", "cls", "sep", "pad", "mask"):
        kwargs[f"{name}_token_id"] = tokenizer.convert_tokens_to_ids(f"[{name.upper()}]")
    if head == "sequence-classification":
        num_labels = state["classifier.weight"].shape[0]
        id2label = original.get("id2label")
        if id2label and len(id2label) == num_labels:
            kwargs["id2label"] = {int(k): v for k, v in id2label.items()}
            kwargs["label2id"] = {v: int(k) for k, v in id2label.items()}
        else:
            kwargs["num_labels"] = num_labels
    return Dnabert2Config(**kwargs)


def load_tokenizer(folder: Path):
    """The checkpoint's ``tokenizer.json`` with its stored padding/truncation switched off (as
    transformers' PreTrainedTokenizerFast does per call) and our DNA normaliser in front."""
    from tokenizers import Tokenizer

    from hf_genomics.tokenization.bpe import DnaBpeTokenizer

    path = folder / "tokenizer.json"
    if not path.is_file():
        raise ConversionError(f"{folder}: no tokenizer.json (DNABERT-2 checkpoints ship their BPE tokenizer)")
    try:
        backend = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception on malformed JSON
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise ConversionError(f"{path}: not a readable tokenizers file ({reason})") from error
    backend.no_padding()
    backend.no_truncation()
    missing = [t for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]") if backend.token_to_id(t) is None]
    if missing:
        raise ConversionError(f"{path}: special tokens {missing} missing (not a DNABERT-2 tokenizer)")
    # DNABERT-2 maps N (and IUPAC codes) to [UNK]: reproduce its ids, as the conversion promises
    return DnaBpeTokenizer(tokenizer_object=backend, n_as_unk=True)


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    from hf_genomics.models.dnabert2.modeling_dnabert2 import (
        Dnabert2ForMaskedLM,
        Dnabert2ForSequenceClassification,
        Dnabert2Model,
    )

    tokenizer = load_tokenizer(folder)
    state, head, dropped = native_state_dict(load_original_state_dict(folder), config.get("architectures"))
    native = native_config(config, state, head, tokenizer)
    model_class = {
        "sequence-classification": Dnabert2ForSequenceClassification,
        "masked-lm": Dnabert2ForMaskedLM,
        "base": Dnabert2Model,
    }[head]
    if head == "base":  # a bare encoder: our Dnabert2Model has no "model." prefix
        state = {k.removeprefix("model."): v for k, v in state.items()}
    model = model_class(native).eval()
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ConversionError(
            f"weights do not fit {model_class.__name__}: missing {missing}, unexpected {unexpected}"
        )
    model.tie_weights()
    notes = [
        f"Converted: encoder ({native.num_hidden_layers} layers, hidden {native.hidden_size}, "
        f"{native.num_attention_heads} heads, ALiBi, gated-linear-unit MLP) and "
        + {
            "sequence-classification": f"the sequence-classification head ({native.num_labels} labels, pooler included)",
            "masked-lm": "the masked-LM head (decoder tied to the token embeddings)",
            "base": "no head (the checkpoint has none)",
        }[head]
        + f"; saved as {model_class.__name__}.",
        f"Tokenizer: the original tokenizer.json (BPE, {len(tokenizer):,} tokens, no N) unchanged, behind hf-genomics' DNA "
        "normaliser: ids equal the original's for upper-case input; lower-case and U are normalised instead of "
        "becoming [UNK]; N (and IUPAC codes, mapped to N) stay [UNK] as in the original.",
        "Attention runs through transformers' SDPA/eager on the padded batch (no triton, CPU-capable); "
        "padded positions of the last hidden state are zero, as in the original.",
    ]
    if config.get("pad_token_id") != native.pad_token_id:
        notes.append(
            f"pad_token_id set to {native.pad_token_id} (the tokenizer's [PAD]; the original config said "
            f"{config.get('pad_token_id')}): only changes which embedding row gets no gradient."
        )
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=FAMILY,
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        parity=PARITY,
        dropped=dropped,
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=matches, convert=convert)
