"""Sequence classification and regression with ``transformers.Trainer``: the code path of
``scripts/run_classification.py`` and of every cell of the coding-schemes study.

Data: a GUE task folder (``--task_dir``) or the user's own files (``--train_file``, optional
``--validation_file``/``--test_file``; CSV/TSV/Parquet/saved datasets with ``--sequence_column``
and ``--label_column``) — binary, multi-class, multi-label or regression, inferred from the labels
as transformers' ``run_classification.py`` does (:mod:`hf_genomics.data.labelled`).

Model: a fresh DNA encoder from a preset, or ``--model_name_or_path`` — ours or any transformers
model with a sequence-classification head (``AutoModelForSequenceClassification``) and its fast
tokenizer. Token budget: the longest sequence of *all* splits (never only the training split), or
the model's own limit; anything cut is counted per split, logged and written to ``results.json``.

One call trains one model per seed, selects the best checkpoint by the validation metric (MCC;
MSE for regression), evaluates the test split once at that checkpoint, and writes ``results.json``
(per seed, mean ± sample sd), the model + tokenizer of the seed with the best validation score
(safetensors) and its model card.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from datasets import DatasetDict
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed
from transformers.trainer_utils import IntervalStrategy, SaveStrategy, SchedulerType

from hf_genomics.data.collators import (
    RC_PREFIX,
    RandomStrandCollator,
    add_reverse_complement,
    strip_rc_fields,
)
from hf_genomics.data.gue import find_task_dir, load_gue, task_info
from hf_genomics.data.labelled import LabelSpec, encode_labels, infer_label_spec, read_labelled
from hf_genomics.data.sequences import max_tokens_for, model_token_limit
from hf_genomics.evaluation.metrics import (
    compute_classification_metrics,
    multilabel_metrics,
    regression_metrics,
    task_metrics,
    trainer_compute_metrics,
)
from hf_genomics.evaluation.report import mean_sd, write_json_atomic
from hf_genomics.evaluation.strand import rc_averaged_probabilities
from hf_genomics.fingerprint import settings_fingerprint as fingerprint_of
from hf_genomics.training.arguments import MAX_TRAIN_MINUTES_HELP, tokenizer_name_field
from hf_genomics.training.callbacks import TrainingMinutesCallback
from hf_genomics.training.checkpoints import RESUME_LAST, last_complete_checkpoint, saves_optimizer
from hf_genomics.training.output_folder import output_dir_lock

logger = logging.getLogger(__name__)

SEQUENCE_COLUMNS = ("sequence", "sequence_2")


@dataclass
class ClassificationArguments:
    """What to train: data, tokenizer, model shape, reverse-complement handling, seeds."""

    task_dir: str | None = field(
        default=None,
        metadata={"help": "GUE task folder, or a task name (prom_core_tata, tf/0) under --gue_root"},
    )
    gue_root: str | None = field(
        default=None, metadata={"help": "GUE root for task names (default: shared data)"}
    )
    train_file: str | None = field(
        default=None,
        metadata={"help": "your own labelled CSV/TSV/Parquet/save_to_disk data (instead of --task_dir)"},
    )
    validation_file: str | None = field(
        default=None, metadata={"help": "same formats; default: split off --validation_split_percentage"}
    )
    test_file: str | None = field(
        default=None, metadata={"help": "same formats; default: split off --validation_split_percentage"}
    )
    sequence_column: str = field(default="sequence", metadata={"help": "column holding sequences"})
    second_sequence_column: str | None = field(
        default=None, metadata={"help": "column of the second sequence for pair tasks"}
    )
    label_column: str = field(default="label", metadata={"help": "column holding labels"})
    problem_type: str | None = field(
        default=None,
        metadata={
            "help": "single_label_classification | multi_label_classification | regression "
            "(default: inferred from the training labels)"
        },
    )
    label_separator: str = field(default=";", metadata={"help": "separates labels of one multi-label cell"})
    validation_split_percentage: float = field(
        default=10.0, metadata={"help": "rows split off --train_file for a missing validation/test file"}
    )
    tokenizer_name: str | None = tokenizer_name_field(None)
    tokenizer_label: str | None = field(
        default=None, metadata={"help": "tokenizer name recorded in results (default: --tokenizer_name)"}
    )
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "start from this pretrained encoder (e.g. a run_mlm output folder)"}
    )
    base_model: str | None = field(
        default=None,
        metadata={
            "help": "Hub id of the pretrained model for the card (default: model_name_or_path unless a local folder)"
        },
    )
    architecture: str = field(
        default="encoder",
        metadata={"help": "fresh model family: encoder (transformer) or cnn (dilated residual CNN)"},
    )
    reverse_complement_sharing: bool = field(
        default=False, metadata={"help": "cnn: the same weights read both strands (RC-invariant output)"}
    )
    cnn_kmer_sizes: list[int] = field(
        default_factory=list,
        metadata={
            "help": "cnn with the char tokenizer: add a bag of k-mer embeddings for these k (e.g. 3 4 5 6)"
        },
    )
    position_embedding_type: str = field(default="rope", metadata={"help": "sinusoidal, alibi or rope"})
    preset: str = field(
        default="small", metadata={"help": "DnaEncoderConfig preset: paper-L3/6/12/24, small, tiny"}
    )
    num_hidden_layers: int | None = field(default=None, metadata={"help": "override the preset's depth"})
    hidden_size: int | None = field(default=None, metadata={"help": "override the preset's width"})
    num_attention_heads: int | None = field(default=None)
    intermediate_size: int | None = field(default=None)
    max_length_nt: int | None = field(
        default=None,
        metadata={"help": "maximum input length in nucleotides (default: longest sequence of all splits)"},
    )
    seeds: list[int] | None = field(
        default=None,
        metadata={"help": "one model per seed (default: 1 2 3 for a GUE task, 1 for your own files)"},
    )
    use_lora: bool = field(default=False, metadata={"help": "train LoRA adapters (merged before saving)"})
    lora_r: int = field(default=8)
    rc_augment: bool = field(
        default=False, metadata={"help": "show each training example on a random strand"}
    )
    rc_average: bool = field(default=False, metadata={"help": "average test probabilities over both strands"})
    max_train_samples: int | None = field(default=None, metadata={"help": "keep the first N training rows"})
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "keep the first N validation/test rows"}
    )
    max_train_minutes: float | None = field(default=None, metadata={"help": MAX_TRAIN_MINUTES_HELP})
    save_model: bool = field(
        default=True, metadata={"help": "save model + tokenizer + card of the best seed"}
    )
    dataset_id: str | None = field(
        default=None,
        metadata={"help": "Hub dataset id named in the model card (default: hf-genomics/GUE for GUE tasks)"},
    )

    @property
    def tokenizer(self) -> str | None:
        """Alias of :attr:`tokenizer_name` (the former option name)."""
        return self.tokenizer_name

    def __post_init__(self) -> None:
        if (self.task_dir is None) == (self.train_file is None):
            raise ValueError("give exactly one of --task_dir (a GUE task) and --train_file (your own data)")
        if self.seeds is None:  # a benchmark reports seed spread; a user's own run needs one model
            self.seeds = [1, 2, 3] if self.task_dir is not None else [1]
        if not self.seeds:
            raise ValueError("--seeds needs at least one seed")


# the fresh encoder's shape: meaningless once --model_name_or_path supplies the model
ARCHITECTURE_FLAGS = (
    "preset",
    "position_embedding_type",
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
)


def ignored_flags(args: ClassificationArguments) -> list[str]:
    """The architecture flags set away from their defaults that ``--model_name_or_path`` makes moot."""
    if not args.model_name_or_path:
        return []
    defaults = {f.name: f.default for f in dataclasses.fields(ClassificationArguments)}
    return [f"--{name}" for name in ARCHITECTURE_FLAGS if getattr(args, name) != defaults[name]]


def warn_ignored_flags(args: ClassificationArguments) -> None:
    """Say which flags a pretrained model overrides, instead of dropping them silently."""
    flags = ignored_flags(args)
    if flags:
        logger.warning(
            "%s ignored: the model comes from --model_name_or_path %s (its own architecture and positions)",
            ", ".join(flags),
            args.model_name_or_path,
        )


def _default(name: str, value: Any):
    """A TrainingArguments field with a new default and the parent's help text."""
    parent = {f.name: f for f in dataclasses.fields(TrainingArguments)}[name]
    return field(default=value, metadata=dict(parent.metadata))


@dataclass
class StudyTrainingArguments(TrainingArguments):
    """``TrainingArguments`` with the study's defaults (arXiv 2507.15087 fine-tuning protocol)."""

    learning_rate: float = _default("learning_rate", 1e-4)
    weight_decay: float = _default("weight_decay", 0.01)
    warmup_steps: float = _default("warmup_steps", 0.1)
    lr_scheduler_type: SchedulerType | str = _default("lr_scheduler_type", "cosine")
    num_train_epochs: float = _default("num_train_epochs", 3.0)
    per_device_train_batch_size: int = _default("per_device_train_batch_size", 32)
    per_device_eval_batch_size: int = _default("per_device_eval_batch_size", 64)
    eval_strategy: IntervalStrategy | str = _default("eval_strategy", "epoch")
    save_strategy: SaveStrategy | str = _default("save_strategy", "epoch")
    load_best_model_at_end: bool = _default("load_best_model_at_end", True)
    metric_for_best_model: str | None = _default("metric_for_best_model", "mcc")
    greater_is_better: bool | None = _default("greater_is_better", True)
    save_total_limit: int | None = _default("save_total_limit", 1)
    save_only_model: bool = _default("save_only_model", True)
    logging_steps: float = _default("logging_steps", 50)
    report_to: None | str | list[str] = _default("report_to", "none")


def tokenizer_spec(args: ClassificationArguments) -> str:
    """``--tokenizer_name``, else the pretrained model's folder, else ``kmer:6``."""
    return args.tokenizer_name or args.model_name_or_path or "kmer:6"


def resolve_tokenizer(args: ClassificationArguments, train_sequences: list[str]):
    """The tokenizer a run uses (:func:`tokenizer_spec`), built or loaded."""
    from hf_genomics.tokenization.spec import build_tokenizer

    return build_tokenizer(tokenizer_spec(args), train_sequences=train_sequences)


def encode_splits(data, tokenizer) -> dict[str, Any]:
    """Every split's token ids, untruncated (measured past the tokenizer's length guard), keeping the
    sequence columns: each split is tokenized once, the budget is read off these ids, and
    :func:`truncate_splits` re-tokenizes only the rows over it."""
    from hf_genomics.data.sequences import past_length_guard

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        return dict(tokenizer(batch["sequence"], batch.get("sequence_2")))

    with past_length_guard(tokenizer):
        return {
            split: dataset.map(encode, batched=True, desc=f"tokenize {split}")
            for split, dataset in data.items()
        }


def token_lengths(data, tokenizer, encoded: dict[str, Any] | None = None) -> dict[str, list[int]]:
    """Untruncated token count of every example, per split (from ``encoded`` when given)."""
    encoded = encoded if encoded is not None else encode_splits(data, tokenizer)
    return {split: [len(row) for row in dataset["input_ids"]] for split, dataset in encoded.items()}


def token_budget(
    data,
    tokenizer,
    max_length_nt: int | None,
    model_limit: int | None,
    encoded: dict[str, Any] | None = None,
) -> tuple[int, int, dict[str, dict[str, int]]]:
    """``(max_length_nt, max_tokens, truncation per split)``.

    Without ``max_length_nt`` the budget is the longest example of every split in tokens (exact,
    whatever ``N`` does to k-mers); with it, the nucleotide budget of that length. Either is capped
    at ``model_limit``. Examples over the budget are counted (``sequences``, ``tokens_cut``).
    ``encoded`` (:func:`encode_splits`) saves tokenizing the splits again.
    """
    lengths = token_lengths(data, tokenizer, encoded)
    longest_nt = max(len(seq) for dataset in data.values() for seq in dataset["sequence"])
    is_pair = any("sequence_2" in dataset.column_names for dataset in data.values())
    if max_length_nt is None:
        max_length_nt = longest_nt
        max_tokens = max(max(split, default=0) for split in lengths.values())
        max_tokens = max(max_tokens, max_tokens_for(tokenizer, max_length_nt) * (2 if is_pair else 1))
    else:
        max_tokens = max_tokens_for(tokenizer, max_length_nt) * (2 if is_pair else 1)
    if model_limit is not None and max_tokens > model_limit:
        logger.warning("token budget %d capped at the model's limit of %d tokens", max_tokens, model_limit)
        max_tokens = model_limit
    truncation = {}
    for split, values in lengths.items():
        over = np.asarray(values, dtype=np.int64) - max_tokens
        over = over[over > 0]
        truncation[split] = {"sequences": int(over.size), "tokens_cut": int(over.sum())}
        if over.size:
            logger.warning(
                "%s: %d of %d sequences are longer than %d tokens and are truncated (%d tokens cut)",
                split,
                over.size,
                len(values),
                max_tokens,
                over.sum(),
            )
    return max_length_nt, max_tokens, truncation


def truncate_splits(encoded: dict[str, Any], tokenizer, max_tokens: int) -> dict[str, Any]:
    """:func:`encode_splits`' ids cut to ``max_tokens``, sequence columns dropped: only the rows over
    the budget are tokenized again, with the tokenizer's own truncation (special tokens kept, pairs
    cut longest-first), so the result equals ``tokenizer(..., truncation=True, max_length=max_tokens)``."""

    def cut(batch: dict[str, list]) -> dict[str, Any]:
        over = [i for i, ids in enumerate(batch["input_ids"]) if len(ids) > max_tokens]
        if over:
            pair = batch.get("sequence_2")
            again = tokenizer(
                [batch["sequence"][i] for i in over],
                [pair[i] for i in over] if pair is not None else None,
                truncation=True,
                max_length=max_tokens,
            )
            for name, values in again.items():
                column = list(batch[name])
                for row, value in zip(over, values):
                    column[row] = value
                batch[name] = column
        return {name: values for name, values in batch.items() if name not in SEQUENCE_COLUMNS}

    result = {}
    for split, dataset in encoded.items():
        columns = [c for c in SEQUENCE_COLUMNS if c in dataset.column_names]
        result[split] = dataset.map(cut, batched=True, remove_columns=columns, desc=f"truncate {split}")
    return result


def tokenize_splits(
    data, tokenizer, max_tokens: int, with_reverse: bool, encoded: dict[str, Any] | None = None
):
    """Token ids per split; with ``with_reverse`` the training split also gets ``rc_*`` fields.

    ``encoded`` (:func:`encode_splits` of ``data``) is cut to the budget instead of tokenizing again."""

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        pair = batch.get("sequence_2")
        return dict(tokenizer(batch["sequence"], pair, truncation=True, max_length=max_tokens))

    truncated = truncate_splits(encoded, tokenizer, max_tokens) if encoded is not None else {}
    result = {}
    for split, dataset in data.items():
        columns = [c for c in SEQUENCE_COLUMNS if c in dataset.column_names]
        tokens = truncated.get(split)
        if tokens is None:
            tokens = dataset.map(encode, batched=True, remove_columns=columns, desc=f"tokenize {split}")
        if with_reverse and split == "train":
            reverse = add_reverse_complement(dataset).map(
                encode, batched=True, remove_columns=[*columns, "label"], desc="tokenize reverse strand"
            )
            for name in reverse.column_names:
                tokens = tokens.add_column(RC_PREFIX + name, reverse[name])
        result[split] = tokens
    return result


def build_model(
    args: ClassificationArguments,
    tokenizer,
    num_labels: int,
    max_tokens: int,
    labels: LabelSpec | None = None,
):
    """A fresh encoder from the preset (+ overrides), or any pretrained model with a new head."""
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForSequenceClassification

    label_config: dict[str, Any] = {}
    default_names = tuple(str(i) for i in range(num_labels))
    if labels is not None and (
        labels.problem_type != "single_label_classification" or labels.labels != default_names
    ):
        label_config = {
            "problem_type": labels.problem_type,
            "id2label": labels.id2label(),
            "label2id": {name: i for i, name in labels.id2label().items()},
        }
    if args.model_name_or_path:
        from transformers import AutoModelForSequenceClassification

        import hf_genomics  # noqa: F401  (registers our model types with the Auto classes)
        from hf_genomics.model_folders import NO_REMOTE_CODE, check_local_source

        # a checkpoint fine-tuned for another label set gets a fresh head (transformers reports it)
        model = AutoModelForSequenceClassification.from_pretrained(
            check_local_source(args.model_name_or_path),
            num_labels=num_labels,
            ignore_mismatched_sizes=True,
            **label_config,
            **NO_REMOTE_CODE,
        )
    elif args.architecture == "cnn":
        model = build_cnn(args, tokenizer, num_labels, label_config)
    elif args.architecture != "encoder":
        raise ValueError(f"unknown architecture {args.architecture!r}: expected encoder or cnn")
    else:
        overrides = {
            name: getattr(args, name)
            for name in ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size")
            if getattr(args, name) is not None
        }
        config = DnaEncoderConfig.from_preset(
            args.preset,
            vocab_size=len(tokenizer),
            position_embedding_type=args.position_embedding_type,
            max_position_embeddings=max(512, -(-max_tokens // 64) * 64),
            num_labels=num_labels,
            pad_token_id=tokenizer.pad_token_id,
            cls_token_id=tokenizer.cls_token_id,
            sep_token_id=tokenizer.sep_token_id,
            mask_token_id=tokenizer.mask_token_id,
            **label_config,
            **overrides,
        )
        model = DnaEncoderForSequenceClassification(config)
    if args.use_lora:
        from peft import LoraConfig, get_peft_model
        from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as PEFT_DEFAULTS

        if isinstance(model, DnaEncoderForSequenceClassification):
            targets = ["qkv", "out_proj", "up_proj", "down_proj"]
        elif model.config.model_type in PEFT_DEFAULTS:
            targets = None  # peft's own choice for the architecture (e.g. query/value for BERT, ESM)
        else:  # a family peft does not know (converted DNABERT-2, NT v2, CNN...): every linear layer but the head
            targets = "all-linear"
        lora = LoraConfig(
            task_type="SEQ_CLS",
            r=args.lora_r,
            lora_alpha=2 * args.lora_r,
            lora_dropout=0.1,
            target_modules=targets,
            modules_to_save=["classifier"],
        )
        model = get_peft_model(model, lora)
    return model


def build_cnn(args: ClassificationArguments, tokenizer, num_labels: int, label_config: dict[str, Any]):
    """A fresh :class:`~hf_genomics.models.cnn.DnaCnnForSequenceClassification` from its preset
    (``--preset``; ``--hidden_size`` / ``--num_hidden_layers`` override channels / blocks)."""
    from hf_genomics.models.cnn.configuration_dna_cnn import DnaCnnConfig
    from hf_genomics.models.cnn.modeling_dna_cnn import DnaCnnForSequenceClassification
    from hf_genomics.tokenization.reverse_complement import base_token_codes, reverse_complement_token_map

    overrides = {
        name: getattr(args, name)
        for name in ("num_hidden_layers", "hidden_size")
        if getattr(args, name) is not None
    }
    config = DnaCnnConfig.from_preset(
        args.preset,
        vocab_size=len(tokenizer),
        num_labels=num_labels,
        pad_token_id=tokenizer.pad_token_id,
        cls_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        reverse_complement_sharing=args.reverse_complement_sharing,
        rc_token_map=reverse_complement_token_map(tokenizer),
        kmer_sizes=list(args.cnn_kmer_sizes),
        base_token_codes=base_token_codes(tokenizer) if args.cnn_kmer_sizes else None,
        **label_config,
        **overrides,
    )
    return DnaCnnForSequenceClassification(config)


def predict_test(
    trainer: Trainer, test_tokens, test_reverse_tokens=None, problem_type: str = "single_label_classification"
) -> dict[str, float]:
    """Metrics on the test split at the loaded (best) checkpoint; strand-averaged when asked
    (class probabilities for single-label, logits of the sigmoid/regression outputs otherwise)."""
    output = trainer.predict(test_tokens, metric_key_prefix="test")
    logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
    reverse = None
    if test_reverse_tokens is not None:
        reverse = trainer.predict(test_reverse_tokens, metric_key_prefix="test_rc").predictions
        reverse = reverse[0] if isinstance(reverse, tuple) else reverse
    if problem_type == "regression":
        values = logits if reverse is None else (logits + reverse) / 2
        return regression_metrics(values, output.label_ids)
    if problem_type == "multi_label_classification":
        if reverse is not None:  # mean sigmoid probability, back to logits
            probability = (1 / (1 + np.exp(-logits)) + 1 / (1 + np.exp(-reverse))) / 2
            probability = np.clip(probability, 1e-7, 1 - 1e-7)
            logits = np.log(probability) - np.log1p(-probability)
        return multilabel_metrics(logits, output.label_ids)
    scores = logits if reverse is None else rc_averaged_probabilities(logits, reverse)
    return compute_classification_metrics(scores.argmax(-1), output.label_ids, num_classes=scores.shape[-1])


def train_one_seed(
    args,
    training_args,
    tokens,
    tokenizer,
    num_labels,
    max_tokens,
    seed,
    test_reverse=None,
    labels=None,
    seed_dir: Path | None = None,
    resume_checkpoint: str | None = None,
    callbacks=None,
):
    """Train (or continue ``resume_checkpoint``), keep the best checkpoint by the dev metric, evaluate
    the test split once; return (record, model). Trainer's checkpoints go to ``seed_dir`` (default
    ``<output_dir>/seed-<seed>``) and are left there for the caller."""
    set_seed(seed)
    problem_type = labels.problem_type if labels else "single_label_classification"
    seed_dir = seed_dir or seed_folder(training_args.output_dir, seed)
    changes: dict[str, Any] = {
        "seed": seed,
        "output_dir": str(seed_dir),
        "remove_unused_columns": not args.rc_augment,
    }
    if problem_type == "regression" and training_args.metric_for_best_model in ("mcc", "eval_mcc"):
        changes.update(metric_for_best_model="mse", greater_is_better=False)
    seed_args = dataclasses.replace(training_args, **changes)
    model = build_model(args, tokenizer, num_labels, max_tokens, labels)
    padding = DataCollatorWithPadding(tokenizer)
    collator = RandomStrandCollator(padding, seed=seed) if args.rc_augment else padding
    trainer = Trainer(
        model=model,
        args=seed_args,
        train_dataset=tokens["train"],
        eval_dataset=tokens["validation"],
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=trainer_compute_metrics
        if problem_type == "single_label_classification"
        else task_metrics(problem_type),
        callbacks=list(callbacks or []),
    )
    logger.info(
        "seed %d: training on %d examples for %s epoch(s) (max_steps %s), selecting by validation %s",
        seed,
        len(tokens["train"]),
        seed_args.num_train_epochs,
        seed_args.max_steps,
        seed_args.metric_for_best_model,
    )
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume_checkpoint)
    train_seconds = time.perf_counter() - start
    logger.info("seed %d: trained in %.0f s; evaluating the test split once", seed, train_seconds)
    if args.rc_augment:  # prediction batches: plain padding, no strand draws
        trainer.data_collator = strip_rc_fields(padding)
    metric = seed_args.metric_for_best_model or "mcc"
    if not seed_args.load_best_model_at_end:
        dev = trainer.evaluate()
        best_dev = dev[metric if metric.startswith("eval_") else f"eval_{metric}"]
    else:
        best_dev = trainer.state.best_metric
    test = predict_test(trainer, tokens["test"], test_reverse, problem_type)
    record = {
        "seed": seed,
        f"best_dev_{metric.removeprefix('eval_')}": best_dev,
        "best_step": _best_step(trainer),
        "test": test,
        "train_seconds": round(train_seconds, 2),
        "train_steps": trainer.state.global_step,
    }
    if resume_checkpoint:
        record["resumed_from"] = Path(resume_checkpoint).name  # train_seconds: the resumed part only
    model = trainer.model
    if args.use_lora:
        model = model.merge_and_unload()
    return record, model


def base_model_id(args: ClassificationArguments) -> str | None:
    """The card's ``base_model``: a Hub id, never a local path (the Hub would reject it)."""
    if args.base_model:
        return args.base_model
    from hf_genomics.hub_ids import hub_id_or_none

    return hub_id_or_none(args.model_name_or_path or None)


def _best_step(trainer: Trainer) -> int | None:
    checkpoint = trainer.state.best_model_checkpoint
    return int(checkpoint.rsplit("-", 1)[-1]) if checkpoint else None


def summarize(per_seed: list[dict]) -> dict[str, dict[str, float]]:
    """Mean and sample sd (0 for one seed) of every test metric over seeds."""
    summary = {}
    for name in per_seed[0]["test"]:
        mean, sd, _ = mean_sd(record["test"][name] for record in per_seed)
        summary[name] = {"mean": mean, "sd": sd}
    return summary


def load_user_data(args: ClassificationArguments, seed: int) -> tuple[DatasetDict, LabelSpec]:
    """``--train_file`` (+ validation/test files, else seeded splits of it) with encoded labels."""
    read = dict(
        sequence_column=args.sequence_column,
        label_column=args.label_column,
        second_sequence_column=args.second_sequence_column,
    )
    train = read_labelled(args.train_file, **read)
    validation = read_labelled(args.validation_file, **read) if args.validation_file else None
    test = read_labelled(args.test_file, **read) if args.test_file else None
    fraction = args.validation_split_percentage / 100
    for name in ("validation", "test"):
        if (validation if name == "validation" else test) is None:
            n_out = max(1, round(len(train) * fraction))
            if n_out >= len(train):
                raise ValueError(f"{args.train_file}: too few rows ({len(train)}) to split off a {name} set")
            parts = train.train_test_split(test_size=n_out, seed=seed, shuffle=True)
            train = parts["train"]
            logger.info("no --%s_file: %d rows of --train_file held out as %s", name, n_out, name)
            if name == "validation":
                validation = parts["test"]
            else:
                test = parts["test"]
    labels = infer_label_spec(train["label"], args.problem_type, args.label_separator)
    data = DatasetDict(
        {
            name: encode_labels(split, labels, source=str(path or args.train_file))
            for name, split, path in (
                ("train", train, args.train_file),
                ("validation", validation, args.validation_file),
                ("test", test, args.test_file),
            )
        }
    )
    limits = {
        "train": args.max_train_samples,
        "validation": args.max_eval_samples,
        "test": args.max_eval_samples,
    }
    for name, limit in limits.items():
        if limit is not None:
            data[name] = data[name].select(range(min(limit, len(data[name]))))
    return data, labels


SEED_RESULT = "result.json"
SEED_MODEL = "model"
# TrainingArguments that do not change what a seed learns (paths, logging, hub, resume itself)
NON_DEFINING_TRAINING_FIELDS = frozenset(
    {
        "output_dir", "logging_dir", "run_name", "resume_from_checkpoint", "overwrite_output_dir",
        "disable_tqdm", "report_to", "save_total_limit", "logging_strategy", "logging_steps",
        "logging_first_step", "logging_nan_inf_filter", "log_level", "log_level_replica",
        "log_on_each_node", "dataloader_num_workers", "dataloader_pin_memory",
        "dataloader_persistent_workers", "dataloader_prefetch_factor", "local_rank", "project",
        "trackio_space_id", "trackio_bucket_id", "save_only_model",
    }
)  # fmt: skip
NON_DEFINING_ARGUMENTS = frozenset({"seeds", "save_model", "tokenizer_label", "dataset_id", "base_model"})
# defining, but hashed only when set: seeds finished before the option existed keep their hash
HASHED_WHEN_SET = frozenset({"max_train_minutes"})


def seed_folder(output_dir: str | Path, seed: int) -> Path:
    """``<output_dir>/seed-<seed>``: Trainer checkpoints while the seed trains, then ``result.json``."""
    return Path(output_dir) / f"seed-{seed}"


def wants_resume(training_args: TrainingArguments) -> bool:
    """``--resume_from_checkpoint last`` (``latest``/``true``); a single checkpoint path is ambiguous
    over several seeds and is refused."""
    value = training_args.resume_from_checkpoint
    if value is None or value is False:
        return False
    if value is True or value in RESUME_LAST:
        return True
    raise ValueError(
        f"run_classification resumes per seed: use --resume_from_checkpoint last, not a path ({value})"
    )


def settings_fingerprint(args: ClassificationArguments, training_args: TrainingArguments) -> str:
    """A hash of every setting that changes what a seed learns: a finished seed is reused only by
    a run whose settings hash the same."""
    chosen = {
        k: v
        for k, v in dataclasses.asdict(args).items()
        if k not in NON_DEFINING_ARGUMENTS and not (k in HASHED_WHEN_SET and v is None)
    }
    training = {k: v for k, v in training_args.to_dict().items() if k not in NON_DEFINING_TRAINING_FIELDS}
    return fingerprint_of({"arguments": chosen, "training": training})


def model_summary(model) -> dict[str, Any]:
    """What results.json reports about the model (kept per seed, so a resumed run needs no weights)."""
    config = model.config
    return {
        "position_embedding_type": getattr(config, "position_embedding_type", None),
        "model_config": {
            name: getattr(config, name, None)
            for name in (
                "num_hidden_layers",
                "hidden_size",
                "num_attention_heads",
                "intermediate_size",
                "hidden_dropout_prob",
            )
        },
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
    }


def finished_seed(seed_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The seed's saved result (None if it has not finished); refuses a result made with other settings."""
    path = seed_dir / SEED_RESULT
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
        recorded = saved["settings_fingerprint"]
    except (ValueError, KeyError, TypeError):
        logger.warning("%s is unreadable: the seed is trained again", path)
        return None
    if recorded != fingerprint:
        raise ValueError(
            f"{path} was made with other settings (fingerprint {recorded}, this run {fingerprint}); "
            "use another --output_dir, or rerun without --resume_from_checkpoint to replace it"
        )
    return saved


def finish_seed(
    seed_dir: Path, record: dict, summary: dict, fingerprint: str, model=None, tokenizer=None
) -> None:
    """Keep the seed's model (when saving models), then write its result atomically (the seed counts as
    finished from that moment), then drop its checkpoints."""
    if model is not None:
        target = seed_dir / SEED_MODEL
        tmp = seed_dir / f"{SEED_MODEL}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        saved = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
        saved.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    write_json_atomic(
        seed_dir / SEED_RESULT, {"record": record, "model": summary, "settings_fingerprint": fingerprint}
    )
    for checkpoint in seed_dir.glob("checkpoint-*"):
        shutil.rmtree(checkpoint, ignore_errors=True)


def load_seed_model(output_dir: Path, seed: int):
    """The saved model of a seed finished in an earlier run (or output_dir's, if it already holds it)."""
    from transformers import AutoModelForSequenceClassification

    import hf_genomics  # noqa: F401  (registers our model types with the Auto classes)

    folder = seed_folder(output_dir, seed) / SEED_MODEL
    if not folder.is_dir():
        previous = output_dir / "results.json"
        if previous.is_file() and json.loads(previous.read_text()).get("saved_seed") == seed:
            folder = output_dir
        else:
            raise FileNotFoundError(
                f"the model of seed {seed} (the best) is missing from {folder}; rerun without "
                "--resume_from_checkpoint"
            )
    return AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=False)


def training_args_barrier(training_args: TrainingArguments) -> None:
    """Every rank waits until the main process has written the seed's files."""
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def run_classification(
    args: ClassificationArguments, training_args: TrainingArguments, callbacks: list | None = None
) -> dict[str, Any]:
    """Train every seed, write ``results.json`` (+ best model, tokenizer, card); return the results.

    ``callbacks`` (``TrainerCallback`` instances) join every seed's Trainer, e.g. a time budget.

    Holds the output folder's lock throughout. Each finished seed writes ``seed-<seed>/result.json``
    atomically; with ``--resume_from_checkpoint last`` a rerun reuses those (when they were made
    with the same settings, else it refuses) and continues an unfinished seed from its newest
    complete checkpoint (when checkpoints hold the optimizer; with ``save_only_model`` the seed
    restarts). Without it every seed is trained afresh.
    """
    with output_dir_lock(training_args):
        return _run_classification(args, training_args, callbacks)


def _run_classification(
    args: ClassificationArguments, training_args: TrainingArguments, callbacks: list | None = None
) -> dict[str, Any]:
    if args.max_train_minutes is not None:  # each seed gets its own budget
        callbacks = [*(callbacks or []), TrainingMinutesCallback(args.max_train_minutes)]
    output_dir = Path(training_args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    warn_ignored_flags(args)
    if args.train_file:
        folder, info = Path(args.train_file), None
        data, labels = load_user_data(args, training_args.seed)
    else:
        folder = find_task_dir(args.task_dir, args.gue_root)
        info = task_info(folder)
        limits = {
            "train": args.max_train_samples,
            "validation": args.max_eval_samples,
            "test": args.max_eval_samples,
        }
        data = load_gue(folder, max_samples={k: v for k, v in limits.items() if v is not None})
        names = data["train"].features["label"].names
        labels = LabelSpec("single_label_classification", tuple(names))
    num_labels = labels.num_labels
    logger.info(
        "%s: %s, %s examples; building tokenizer %s",
        folder,
        labels.problem_type,
        "/".join(str(len(data[split])) for split in ("train", "validation", "test")),
        tokenizer_spec(args),
    )
    tokenizer = resolve_tokenizer(args, data["train"]["sequence"])
    model_limit = None
    if args.model_name_or_path:
        from transformers import AutoConfig

        model_limit = model_token_limit(
            AutoConfig.from_pretrained(args.model_name_or_path, trust_remote_code=False), tokenizer
        )
    encoded = encode_splits(data, tokenizer)  # each split tokenized once: budget and training ids
    max_length_nt, max_tokens, truncation = token_budget(
        data, tokenizer, args.max_length_nt, model_limit, encoded=encoded
    )
    tokens = tokenize_splits(data, tokenizer, max_tokens, with_reverse=args.rc_augment, encoded=encoded)
    del encoded
    test_reverse = None
    if args.rc_average:
        test_reverse = tokenize_splits(
            {"test": add_reverse_complement(data["test"])}, tokenizer, max_tokens, False
        )
        test_reverse = test_reverse["test"]

    resume = wants_resume(training_args)
    fingerprint = settings_fingerprint(args, training_args)
    is_main = training_args.process_index == 0
    per_seed, best_model, best_record, summaries = [], None, None, {}
    for seed in args.seeds:
        seed_dir = seed_folder(output_dir, seed)
        finished = finished_seed(seed_dir, fingerprint) if resume else None
        if finished is not None:
            record, summaries[seed] = finished["record"], finished["model"]
            model = None
            logger.info("seed %d: finished earlier (%s), reused", seed, seed_dir / SEED_RESULT)
        else:
            checkpoint = None
            if resume and saves_optimizer(training_args):
                checkpoint = last_complete_checkpoint(seed_dir, move_incomplete=is_main)
            with training_args.main_process_first(desc="prepare seed folder"):
                if is_main and checkpoint is None:  # nothing to continue: start the seed afresh
                    shutil.rmtree(seed_dir, ignore_errors=True)
            if checkpoint:
                logger.info("seed %d: resuming from %s", seed, checkpoint)
            record, model = train_one_seed(
                args, training_args, tokens, tokenizer, num_labels, max_tokens, seed, test_reverse, labels,
                seed_dir=seed_dir, resume_checkpoint=checkpoint, callbacks=callbacks,
            )  # fmt: skip
            summaries[seed] = model_summary(model)
            if is_main:
                finish_seed(
                    seed_dir,
                    record,
                    summaries[seed],
                    fingerprint,
                    model if args.save_model else None,
                    tokenizer,
                )
            training_args_barrier(training_args)
        per_seed.append(record)
        dev_key = next(key for key in record if key.startswith("best_dev_"))
        higher_is_better = dev_key != "best_dev_mse" and dev_key != "best_dev_loss"
        primary = "mse" if labels.problem_type == "regression" else "mcc"
        logger.info(
            "seed %d: dev %s %.4f, test %s %.4f",
            seed,
            dev_key[9:],
            record[dev_key],
            primary,
            record["test"][primary],
        )
        better = best_record is None or (
            record[dev_key] > best_record[dev_key]
            if higher_is_better
            else record[dev_key] < best_record[dev_key]
        )
        if better:
            best_model, best_record = model, record
        else:
            del model
        if is_main and args.save_model:  # only the best finished seed's model is kept on disk
            for done in args.seeds[: args.seeds.index(seed) + 1]:
                if done != best_record["seed"]:
                    shutil.rmtree(seed_folder(output_dir, done) / SEED_MODEL, ignore_errors=True)

    summary = summaries[best_record["seed"]]
    if args.save_model and best_model is None:  # the best seed finished in an earlier (killed) run
        best_model = load_seed_model(output_dir, best_record["seed"])
    test = summarize(per_seed)
    results = {
        "task": info.path if info else folder.name,
        "task_dir": str(folder),
        "task_description": info.description if info else folder.name,
        "num_labels": num_labels,
        "problem_type": labels.problem_type,
        "labels": list(labels.labels),
        "tokenizer": args.tokenizer_label or tokenizer_spec(args),
        "vocab_size": len(tokenizer),
        "position_embedding_type": summary["position_embedding_type"],
        "preset": None if args.model_name_or_path else args.preset,
        "model_config": summary["model_config"],
        "num_parameters": summary["num_parameters"],
        "max_length_nt": max_length_nt,
        "max_length_tokens": max_tokens,
        "truncated": truncation,
        "model_name_or_path": args.model_name_or_path,
        "base_model": base_model_id(args),
        "use_lora": args.use_lora,
        "rc_augment": args.rc_augment,
        "rc_average": args.rc_average,
        "train_examples": data["train"].num_rows,
        "training": {
            "learning_rate": training_args.learning_rate,
            "weight_decay": training_args.weight_decay,
            "num_train_epochs": training_args.num_train_epochs,
            "max_steps": training_args.max_steps,
            "batch_size": training_args.per_device_train_batch_size,
            "warmup": training_args.warmup_steps,
            "lr_scheduler_type": str(
                getattr(training_args.lr_scheduler_type, "value", training_args.lr_scheduler_type)
            ),
        },
        "seeds": list(args.seeds),
        "per_seed": per_seed,
        "test": test,
        **({"test_mcc": test["mcc"]["mean"], "test_mcc_sd": test["mcc"]["sd"]} if "mcc" in test else {}),
        "saved_seed": best_record["seed"] if args.save_model else None,
        "example_sequence": data["test"]["sequence"][0][:60],
        "data_source": "user" if args.train_file else "gue",
        "dataset_id": args.dataset_id,
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }
    if training_args.process_index != 0:  # under accelerate/torchrun only the main process writes
        return results
    if args.save_model:
        from hf_genomics.analysis.training_length import record_training_length

        record_training_length(best_model, tokenizer, max_length_nt)  # read back by predict/embed
        best_model.save_pretrained(output_dir)
        tokenizer.save_pretrained(output_dir)
    write_json_atomic(output_dir / "results.json", results)
    if args.save_model:
        from hf_genomics.hub import write_model_card

        write_model_card(output_dir)  # the dataset named comes from results.json
        for seed in args.seeds:  # the best model now lives in output_dir; seed results stay
            shutil.rmtree(seed_folder(output_dir, seed) / SEED_MODEL, ignore_errors=True)
    return results


def run_and_report(args: ClassificationArguments, training_args: TrainingArguments) -> dict[str, Any]:
    """:func:`run_classification`, then one log line with the test score (MCC, or MSE for regression)."""
    results = run_classification(args, training_args)
    primary = "mcc" if "mcc" in results["test"] else "mse"
    summary = results["test"][primary]
    logger.info(
        "%s %s: test %s %.4f ± %.4f over %d seed(s)",
        results["task"],
        results["tokenizer"],
        primary,
        summary["mean"],
        summary["sd"],
        len(results["seeds"]),
    )
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``scripts/run_classification.py``: parse arguments (or one .json file) with the shared entry
    point, run, and tear the process group down when launched distributed."""
    from hf_genomics.training.entrypoint import parse_and_run

    return parse_and_run((ClassificationArguments, StudyTrainingArguments), run_and_report, argv)


__all__ = [
    "ClassificationArguments",
    "main",
    "encode_splits",
    "ignored_flags",
    "StudyTrainingArguments",
    "load_user_data",
    "run_classification",
    "summarize",
    "token_budget",
    "train_one_seed",
]
