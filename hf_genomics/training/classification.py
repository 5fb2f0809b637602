"""GUE sequence classification with ``transformers.Trainer``: the code path of
``scripts/run_classification.py`` and of every cell of the coding-schemes study.

One call trains one model per seed (from scratch, or from ``model_name_or_path``), selects the
best checkpoint by validation MCC, evaluates the test split once at that checkpoint, and writes
``results.json`` (per seed, mean ± sd, ``test_mcc``), the model + tokenizer of the seed with the
best validation MCC (safetensors) and its model card.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed
from transformers.trainer_utils import IntervalStrategy, SaveStrategy, SchedulerType

from hf_genomics.data.gue import find_task_dir, load_gue, task_info
from hf_genomics.evaluation.metrics import (
    METRIC_NAMES,
    compute_classification_metrics,
    trainer_compute_metrics,
)
from hf_genomics.training.rc_strand import (
    RC_PREFIX,
    RandomStrandCollator,
    add_reverse_complement,
    rc_averaged_probabilities,
    strip_rc_fields,
)

SEQUENCE_COLUMNS = ("sequence", "sequence_2")


@dataclass
class ClassificationArguments:
    """What to train: data, tokenizer, model shape, reverse-complement handling, seeds."""

    task_dir: str = field(
        metadata={"help": "GUE task folder, or a task name (prom_core_tata, tf/0) under --gue_root"}
    )
    gue_root: str | None = field(
        default=None, metadata={"help": "GUE root for task names (default: shared data)"}
    )
    tokenizer: str | None = field(
        default=None,
        metadata={
            "help": "kmer:K, kmer:K:S, char, bpe:V (learned on the training split) or a saved tokenizer path"
        },
    )
    tokenizer_name: str | None = field(
        default=None, metadata={"help": "label recorded in results (default: spec)"}
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
        metadata={"help": "maximum input length in nucleotides (default: longest training sequence)"},
    )
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3], metadata={"help": "one model per seed"})
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
    save_model: bool = field(
        default=True, metadata={"help": "save model + tokenizer + card of the best seed"}
    )
    dataset_id: str = field(
        default="hf-genomics/GUE", metadata={"help": "dataset id named in the model card"}
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


def resolve_tokenizer(args: ClassificationArguments, train_sequences: list[str]):
    """The tokenizer a run uses: ``--tokenizer`` spec, else the pretrained model's, else ``kmer:6``."""
    from hf_genomics.tokenization.spec import build_tokenizer

    spec = args.tokenizer or args.model_name_or_path or "kmer:6"
    return build_tokenizer(spec, train_sequences=train_sequences)


def tokenize_splits(data, tokenizer, max_tokens: int, with_reverse: bool):
    """Token ids per split; with ``with_reverse`` the training split also gets ``rc_*`` fields."""

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        pair = batch.get("sequence_2")
        return dict(tokenizer(batch["sequence"], pair, truncation=True, max_length=max_tokens))

    encoded = {}
    for split, dataset in data.items():
        columns = [c for c in SEQUENCE_COLUMNS if c in dataset.column_names]
        tokens = dataset.map(encode, batched=True, remove_columns=columns, desc=f"tokenize {split}")
        if with_reverse and split == "train":
            reverse = add_reverse_complement(dataset).map(
                encode, batched=True, remove_columns=[*columns, "label"], desc="tokenize reverse strand"
            )
            for name in reverse.column_names:
                tokens = tokens.add_column(RC_PREFIX + name, reverse[name])
        encoded[split] = tokens
    return encoded


def build_model(args: ClassificationArguments, tokenizer, num_labels: int, max_tokens: int):
    """A fresh encoder from the preset (+ overrides), or the pretrained one with a new head."""
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForSequenceClassification

    if args.model_name_or_path:
        model = DnaEncoderForSequenceClassification.from_pretrained(
            args.model_name_or_path, num_labels=num_labels
        )
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
            **overrides,
        )
        model = DnaEncoderForSequenceClassification(config)
    if args.use_lora:
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            task_type="SEQ_CLS",
            r=args.lora_r,
            lora_alpha=2 * args.lora_r,
            lora_dropout=0.1,
            target_modules=["qkv", "out_proj", "up_proj", "down_proj"],
            modules_to_save=["classifier"],
        )
        model = get_peft_model(model, lora)
    return model


def predict_test(trainer: Trainer, test_tokens, test_reverse_tokens=None) -> dict[str, float]:
    """Metrics on the test split at the loaded (best) checkpoint; strand-averaged when asked."""
    output = trainer.predict(test_tokens, metric_key_prefix="test")
    logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
    if test_reverse_tokens is None:
        scores = logits
    else:
        reverse = trainer.predict(test_reverse_tokens, metric_key_prefix="test_rc").predictions
        reverse = reverse[0] if isinstance(reverse, tuple) else reverse
        scores = rc_averaged_probabilities(logits, reverse)
    return compute_classification_metrics(scores.argmax(-1), output.label_ids, num_classes=scores.shape[-1])


def train_one_seed(args, training_args, tokens, tokenizer, num_labels, max_tokens, seed, test_reverse=None):
    """Train, keep the best checkpoint by dev MCC, evaluate the test split once; return (record, model)."""
    set_seed(seed)
    seed_dir = Path(training_args.output_dir) / f"checkpoints-seed{seed}"
    seed_args = dataclasses.replace(
        training_args, seed=seed, output_dir=str(seed_dir), remove_unused_columns=not args.rc_augment
    )
    model = build_model(args, tokenizer, num_labels, max_tokens)
    padding = DataCollatorWithPadding(tokenizer)
    collator = RandomStrandCollator(padding, seed=seed) if args.rc_augment else padding
    trainer = Trainer(
        model=model,
        args=seed_args,
        train_dataset=tokens["train"],
        eval_dataset=tokens["validation"],
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=trainer_compute_metrics,
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    if args.rc_augment:  # prediction batches: plain padding, no strand draws
        trainer.data_collator = strip_rc_fields(padding)
    if not seed_args.load_best_model_at_end:
        dev = trainer.evaluate()
        best_dev = dev["eval_mcc"]
    else:
        best_dev = trainer.state.best_metric
    test = predict_test(trainer, tokens["test"], test_reverse)
    shutil.rmtree(seed_dir, ignore_errors=True)  # checkpoints served their purpose (best is loaded)
    record = {
        "seed": seed,
        "best_dev_mcc": best_dev,
        "best_step": _best_step(trainer),
        "test": test,
        "train_seconds": round(train_seconds, 2),
        "train_steps": trainer.state.global_step,
    }
    model = trainer.model
    if args.use_lora:
        model = model.merge_and_unload()
    return record, model


def base_model_id(args: ClassificationArguments) -> str | None:
    """The card's ``base_model``: a Hub id, never a local path (the Hub would reject it)."""
    if args.base_model:
        return args.base_model
    path = args.model_name_or_path
    if path and not Path(path).exists() and path.count("/") == 1 and not path.startswith((".", "/")):
        return path
    return None


def _best_step(trainer: Trainer) -> int | None:
    checkpoint = trainer.state.best_model_checkpoint
    return int(checkpoint.rsplit("-", 1)[-1]) if checkpoint else None


def summarize(per_seed: list[dict]) -> dict[str, dict[str, float]]:
    """Mean and sample sd (0 for one seed) of every test metric over seeds."""
    summary = {}
    for name in METRIC_NAMES:
        values = [record["test"][name] for record in per_seed]
        summary[name] = {
            "mean": float(np.mean(values)),
            "sd": float(statistics.stdev(values)) if len(values) > 1 else 0.0,
        }
    return summary


def write_json_atomic(path: Path, content: dict) -> None:
    """Write via a temporary file and ``os.replace`` so a kill never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(content, indent=2))
    os.replace(tmp, path)


def run_classification(args: ClassificationArguments, training_args: TrainingArguments) -> dict[str, Any]:
    """Train every seed, write ``results.json`` (+ best model, tokenizer, card); return the results."""
    output_dir = Path(training_args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    folder = find_task_dir(args.task_dir, args.gue_root)
    info = task_info(folder)
    limits = {
        "train": args.max_train_samples,
        "validation": args.max_eval_samples,
        "test": args.max_eval_samples,
    }
    data = load_gue(folder, max_samples={k: v for k, v in limits.items() if v is not None})
    num_labels = data["train"].features["label"].num_classes
    tokenizer = resolve_tokenizer(args, data["train"]["sequence"])
    max_length_nt = args.max_length_nt or max(len(s) for s in data["train"]["sequence"])
    max_tokens = tokenizer.max_tokens_for(max_length_nt)
    if "sequence_2" in data["train"].column_names:
        max_tokens = 2 * max_tokens
    tokens = tokenize_splits(data, tokenizer, max_tokens, with_reverse=args.rc_augment)
    test_reverse = None
    if args.rc_average:
        test_reverse = tokenize_splits(
            {"test": add_reverse_complement(data["test"])}, tokenizer, max_tokens, False
        )
        test_reverse = test_reverse["test"]

    per_seed, best_model, best_record = [], None, None
    for seed in args.seeds:
        record, model = train_one_seed(
            args, training_args, tokens, tokenizer, num_labels, max_tokens, seed, test_reverse
        )
        per_seed.append(record)
        print(f"seed {seed}: dev MCC {record['best_dev_mcc']:.4f}, test MCC {record['test']['mcc']:.4f}")
        if best_record is None or record["best_dev_mcc"] > best_record["best_dev_mcc"]:
            best_model, best_record = model, record
        else:
            del model

    config = best_model.config
    test = summarize(per_seed)
    results = {
        "task": info.path if info else folder.name,
        "task_dir": str(folder),
        "task_description": info.description if info else folder.name,
        "num_labels": num_labels,
        "tokenizer": args.tokenizer_name or args.tokenizer or args.model_name_or_path or "kmer:6",
        "vocab_size": len(tokenizer),
        "position_embedding_type": config.position_embedding_type,
        "preset": args.preset,
        "model_config": {
            name: getattr(config, name)
            for name in (
                "num_hidden_layers",
                "hidden_size",
                "num_attention_heads",
                "intermediate_size",
                "hidden_dropout_prob",
            )
        },
        "num_parameters": int(sum(p.numel() for p in best_model.parameters())),
        "max_length_nt": max_length_nt,
        "max_length_tokens": max_tokens,
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
        "test_mcc": test["mcc"]["mean"],
        "test_mcc_sd": test["mcc"]["sd"],
        "saved_seed": best_record["seed"] if args.save_model else None,
        "example_sequence": data["test"]["sequence"][0][:60],
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

        write_model_card(output_dir, dataset_id=args.dataset_id)
    return results


__all__ = [
    "ClassificationArguments",
    "StudyTrainingArguments",
    "run_classification",
    "summarize",
    "train_one_seed",
    "write_json_atomic",
]
