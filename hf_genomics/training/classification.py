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
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

from hf_genomics.data.collators import (
    RandomStrandCollator,
    add_reverse_complement,
    strip_rc_fields,
)
from hf_genomics.data.gue import find_task_dir, load_gue, task_info
from hf_genomics.data.labelled import LabelSpec
from hf_genomics.data.sequence_augmentation import (
    FinishUnaugmented,
    MutationShiftCollator,
    TrainingCollatorTrainer,
    require_one_base_per_token,
)
from hf_genomics.data.sequences import model_token_limit
from hf_genomics.evaluation.metrics import (
    compute_classification_metrics,
    multilabel_metrics,
    regression_metrics,
    task_metrics,
    trainer_compute_metrics,
)
from hf_genomics.evaluation.report import mean_sd, write_json_atomic
from hf_genomics.evaluation.strand import rc_averaged_probabilities
from hf_genomics.training.callbacks import TimePacedSchedule, TrainingMinutesCallback
from hf_genomics.training.checkpoints import last_complete_checkpoint, saves_optimizer
from hf_genomics.training.classification_arguments import (
    ARCHITECTURE_FLAGS,
    SEQUENCE_COLUMNS,
    ClassificationArguments,
    StudyTrainingArguments,
    ignored_flags,
    resolve_tokenizer,
    tokenizer_spec,
    warn_ignored_flags,
)
from hf_genomics.training.classification_data import (
    encode_splits,
    load_user_data,
    token_budget,
    token_lengths,
    tokenize_splits,
    truncate_splits,
)
from hf_genomics.training.classification_seeds import (
    NON_DEFINING_ARGUMENTS,
    NON_DEFINING_TRAINING_FIELDS,
    SEED_MODEL,
    SEED_RESULT,
    finish_seed,
    finished_seed,
    load_seed_model,
    model_summary,
    seed_folder,
    settings_fingerprint,
    training_args_barrier,
    wants_resume,
)
from hf_genomics.training.output_folder import output_dir_lock

logger = logging.getLogger(__name__)


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

        from hf_genomics.models.families import lora_targets

        model_type = model.config.model_type
        if model_type in PEFT_DEFAULTS:
            targets = None  # peft's own choice for the architecture (e.g. query/value for BERT, ESM)
        else:  # named for our families (encoder, Evo 1/2); else every linear layer but the head
            targets = lora_targets(model_type) or "all-linear"
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
        position_bins=args.cnn_position_bins,
        block_dropout=args.cnn_block_dropout,
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
    train_collator = None  # the same as evaluation's unless training examples are augmented
    callbacks = list(callbacks or [])
    finish = None  # FinishUnaugmented, when the run ends on real sequences
    if args.augments_sequences:
        augmented = MutationShiftCollator(
            padding,
            tokenizer,
            mutation_fraction=args.mutation_fraction,
            max_shift_fraction=args.max_shift_fraction,
            seed=seed,
        )
        train_collator = RandomStrandCollator(augmented, seed=seed) if args.rc_augment else augmented
        if args.unaugmented_final_share > 0:  # after the clock's schedule, whose progress it reads
            paced = [callback for callback in callbacks if isinstance(callback, TimePacedSchedule)]
            finish = FinishUnaugmented(
                augmented, args.unaugmented_final_share, paced[0].progress if paced else None
            )
            callbacks.append(finish)
    trainer = TrainingCollatorTrainer(
        model=model,
        args=seed_args,
        train_dataset=tokens["train"],
        eval_dataset=tokens["validation"],
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=trainer_compute_metrics
        if problem_type == "single_label_classification"
        else task_metrics(problem_type),
        callbacks=callbacks,
        train_collator=train_collator,
    )
    length = (  # max_steps, when set, overrides the epochs (transformers' rule): say which one binds
        f"{seed_args.max_steps} steps"
        if seed_args.max_steps > 0
        else f"{seed_args.num_train_epochs:g} epoch(s)"
    )
    logger.info(
        "seed %d: training on %d examples for %s, selecting by validation %s",
        seed,
        len(tokens["train"]),
        length,
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
    if finish is not None:  # a best step after it was chosen from the real-sequence finish
        record["unaugmented_from_step"] = finish.unaugmented_from_step
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
    if args.augments_sequences:  # before tokenizing every split, not at the first seed's collator
        require_one_base_per_token(tokenizer)
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
        "mutation_fraction": args.mutation_fraction,
        "max_shift_fraction": args.max_shift_fraction,
        "unaugmented_final_share": args.unaugmented_final_share,
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


# the parts (classification_arguments, classification_data, classification_seeds) stay importable from here
__all__ = [
    "ARCHITECTURE_FLAGS",
    "NON_DEFINING_ARGUMENTS",
    "NON_DEFINING_TRAINING_FIELDS",
    "SEED_MODEL",
    "SEED_RESULT",
    "SEQUENCE_COLUMNS",
    "ClassificationArguments",
    "StudyTrainingArguments",
    "base_model_id",
    "build_model",
    "encode_splits",
    "finish_seed",
    "finished_seed",
    "ignored_flags",
    "load_seed_model",
    "load_user_data",
    "main",
    "model_summary",
    "predict_test",
    "resolve_tokenizer",
    "run_and_report",
    "run_classification",
    "seed_folder",
    "settings_fingerprint",
    "summarize",
    "token_budget",
    "token_lengths",
    "tokenize_splits",
    "tokenizer_spec",
    "train_one_seed",
    "training_args_barrier",
    "truncate_splits",
    "wants_resume",
    "warn_ignored_flags",
]
