"""DNABERT-1 checkpoints (zhihan1996/DNA_bert_3 ... DNA_bert_6) -> native folders.

The model is transformers' own BERT (weights as they are); the tokenizer is
:class:`~hf_genomics.models.dnabert1.Dnabert1Tokenizer` built from the checkpoint's ``vocab.txt``.
Recognised by a BERT config whose vocabulary is DNABERT-1's: 5 specials + 4^k k-mers, k = 3..6.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_genomics.convert.base import (
    ConversionError,
    ConvertedCheckpoint,
    FamilyConverter,
    architecture_names,
    load_original_state_dict,
)

FAMILY = "DNABERT-1"
LICENSE = "apache-2.0"
VOCAB_SIZE_TO_K = {5 + 4**k: k for k in (3, 4, 5, 6)}  # 69, 261, 1029, 4101


def _is_bert(config: dict) -> bool:
    architectures = architecture_names(config)
    return config.get("model_type", "bert") == "bert" and (
        "model_type" in config or any(name.startswith("Bert") for name in architectures)
    )


def matches(config: dict) -> bool:
    """Plain BERT (no remote code, none of DNABERT-2's or GENA-LM's keys) with a k-mer vocabulary."""
    foreign = ("auto_map", "alibi_starting_size", "pre_layer_norm", "last_layer_norm", "sparse_config_cls")
    if not _is_bert(config) or any(key in config for key in foreign):
        return False
    return int(config.get("vocab_size") or 0) in VOCAB_SIZE_TO_K


def _task(config: dict) -> str:
    name = (config.get("architectures") or ["BertForMaskedLM"])[0]
    for task in ("SequenceClassification", "TokenClassification", "MaskedLM", "PreTraining"):
        if name.endswith(f"For{task}"):
            return task
    return "Model"


def convert(folder: Path, config: dict, original_id: str | None) -> ConvertedCheckpoint:
    import transformers
    from transformers import BertConfig

    from hf_genomics.models.dnabert1.tokenization_dnabert1 import Dnabert1Tokenizer, dnabert1_vocab

    k = VOCAB_SIZE_TO_K[int(config["vocab_size"])]
    ignored = {"architectures", "transformers_version", "torch_dtype", "model_type", "_name_or_path"}
    native = BertConfig(**{key: value for key, value in config.items() if key not in ignored})
    native.architectures = config.get("architectures")
    task = _task(config)
    class_name = {"Model": "BertModel", "PreTraining": "BertForMaskedLM"}.get(task, f"BertFor{task}")
    model = getattr(transformers, class_name)(native).eval()
    state = load_original_state_dict(folder)
    if task == "Model":
        state = {key.removeprefix("bert."): value for key, value in state.items()}
    # pre-training extras (next-sentence head, pooler under a MaskedLM) and position-id buffers
    dropped = [
        key
        for key in state
        if key.startswith("cls.seq_relationship")
        or key.endswith("position_ids")
        or (task in ("MaskedLM", "PreTraining") and key.startswith("bert.pooler."))
    ]
    state = {key: value for key, value in state.items() if key not in dropped}
    result = model.load_state_dict(state, strict=False)
    tied = {"cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}
    missing = [key for key in result.missing_keys if key not in tied]
    if missing or result.unexpected_keys:
        raise ConversionError(
            f"{folder}: weights do not fit {class_name}: missing {missing[:5]}, unexpected {result.unexpected_keys[:5]}"
        )
    model.tie_weights()

    vocab_file = folder / "vocab.txt"
    vocab = vocab_file if vocab_file.is_file() else dnabert1_vocab(k)
    max_length = int(config.get("max_position_embeddings", 512))
    tokenizer_config = folder / "tokenizer_config.json"
    if tokenizer_config.is_file():
        settings = json.loads(tokenizer_config.read_text())
        max_length = int(settings.get("model_max_length", settings.get("max_len", max_length)))
    tokenizer = Dnabert1Tokenizer(vocab=vocab, k=k, model_max_length=max_length)
    notes = [
        f"DNABERT-1 ({k}-mers): transformers' own BERT classes ({class_name}), weights unchanged",
        f"tokenizer: overlapping {k}-mers of the raw sequence (no seq2kmer step), [CLS] x [SEP], ids from "
        + ("the checkpoint's vocab.txt" if vocab_file.is_file() else "DNABERT-1's published vocabulary"),
        "k-mers covering N are [UNK] as in the original (warned); unknown_kmers='error' refuses them",
    ]
    notes.append(
        "parity with the original (hf-genomics tests, tiny seeded checkpoint, fp32): max |logit difference| "
        "<= 2e-6; tokenizer ids equal seq2kmer + vocab.txt look-up on GUE and human-gene sequences"
    )
    if dropped:
        notes.append(f"left out: {len(dropped)} pre-training-only tensors such as {dropped[0]}")
    return ConvertedCheckpoint(
        model=model,
        tokenizer=tokenizer,
        family=FAMILY,
        original_id=original_id,
        license=LICENSE,
        notes=notes,
        dropped=dropped,
    )


CONVERTER = FamilyConverter(family=FAMILY, matches=matches, convert=convert)
