"""``hf-genomics benchmark gue --model M --gue-root R --output-dir OUT``: the GUE table for any model.

Every task of :data:`~hf_genomics.data.gue.GUE_TASKS` found under the GUE root (or the ``--tasks``
subset) is fine-tuned with the DNABERT-2 paper's protocol (:mod:`hf_genomics.training.gue_protocol`:
learning rate, batch size, epochs, warmup, evaluation interval, best checkpoint by validation loss,
test evaluated once), for several seeds, through the same code path as every classification run
(:func:`~hf_genomics.training.classification.run_classification`). The model is anything
``AutoModelForSequenceClassification`` loads with this package imported: a folder we trained, a
converted community checkpoint (``hf-genomics convert``), or a Hub id (fetched by transformers as
usual; tests never do).

Resumable per task and seed: each task's folder keeps ``seed-<n>/result.json`` of every finished seed
(reused when the settings hash the same) and Trainer checkpoints with optimizer state of the seed
that was running; rerunning the same command continues where it stopped. ``accelerate launch`` runs
it on several GPUs (the Trainer does the distribution; only the main process writes tables).
``--budget-minutes`` caps each task's training on CPUs (split evenly over its seeds) and stops the
k-mer baseline's C grid after a share of it, as ``gue-recipe`` does. ``--learning-rate``,
``--batch-size`` and ``--epochs`` replace the protocol's per-task values for models it does not fit
(a CNN, a model trained from scratch); they are part of the settings hash, so changing them retrains
(the seeds made with the earlier settings are moved to ``tasks/<task>/replaced/<hash>/``).

Beside every task: the bag-of-k-mers logistic regression (:mod:`hf_genomics.evaluation.kmer_baseline`)
fitted on the same splits, and the paper's published numbers. Output: ``gue_benchmark.json``,
``gue_benchmark.csv``, ``gue_benchmark.md`` (Table-4 shaped: task groups as in the paper,
mean ± sd over seeds) and ``model_card_section.md`` to paste into (or append to) a model card.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_genomics.training.callbacks import TimeBudgetCallback

logger = logging.getLogger(__name__)

DEFAULT_SEEDS = (42, 43, 44)


class SeedBudgetCallback(TimeBudgetCallback):
    """:class:`TimeBudgetCallback` whose deadline is ``seconds`` after each training run begins: one
    per-seed budget shared by every seed's Trainer."""

    def __init__(self, seconds: float, clock=time.monotonic):
        super().__init__(float("inf"), clock)
        self.seconds = seconds

    def on_train_begin(self, args, state, control, **kwargs):
        self.deadline = self.clock() + self.seconds


@dataclass
class BenchmarkOptions:
    """What ``benchmark gue`` runs: model, tasks, seeds, protocol changes for small machines."""

    model: str
    output_dir: str
    gue_root: str | None = None
    tasks: list[str] | None = None
    seeds: list[int] = field(default_factory=lambda: list(DEFAULT_SEEDS))
    use_lora: bool = False
    lora_r: int = 8
    budget_minutes: float | None = None
    max_steps: int | None = None  # override every task's protocol (quick checks)
    eval_steps: int | None = None
    learning_rate: float | None = None  # None: the protocol's per-task value (3e-5)
    batch_size: int | None = None  # per-device training batch; None: the protocol's (8, Covid 32)
    epochs: float | None = None  # None: the protocol's (3-10; mouse: max_steps 1000 binds instead)
    max_length_nt: int | None = None
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    save_models: bool = False
    resume: bool = True
    threads: int | None = None
    label: str | None = None  # the model's name in tables (default: its folder name or Hub id)


def tasks_under(root: Path, wanted: list[str] | None = None) -> list[str]:
    """Registry task paths whose folder (with ``train.csv``) exists under ``root``, in registry order.

    ``wanted`` names a subset (paths or short names); naming a task that is not there is an error.
    """
    from hf_genomics.data.gue import GUE_TASKS, get_task

    if not root.is_dir():
        raise FileNotFoundError(f"GUE root {root} does not exist")
    present = [path for path in GUE_TASKS if (root / path / "train.csv").is_file()]
    if wanted is None:
        if not present:
            raise FileNotFoundError(f"no GUE task folder (<group>/<task>/train.csv) under {root}")
        return present
    chosen = []
    for name in wanted:
        path = get_task(name).path
        if path not in present:
            raise FileNotFoundError(f"GUE task {name!r} not found under {root} (expected {root / path})")
        if path not in chosen:
            chosen.append(path)
    return chosen


def task_folder_name(task_path: str) -> str:
    return task_path.replace("/", "_")


def training_arguments(task_path: str, options: BenchmarkOptions, output_dir: Path):
    """The protocol's ``TrainingArguments`` for one task (on CPU when no GPU is present)."""
    import torch

    from hf_genomics.training.classification import StudyTrainingArguments
    from hf_genomics.training.gue_protocol import PROTOCOLS

    protocol = PROTOCOLS[task_path]
    gpu = torch.cuda.is_available()
    eval_steps = options.eval_steps or protocol.eval_steps
    if options.max_steps:
        max_steps = options.max_steps
    elif options.epochs is not None:
        max_steps = -1  # the user's epochs bind, not the protocol's step cap (mouse: 1000)
    else:
        max_steps = protocol.max_steps
    return StudyTrainingArguments(
        output_dir=str(output_dir),
        use_cpu=not gpu,
        fp16=gpu,  # the scripts' --fp16
        learning_rate=_given_or(options.learning_rate, protocol.learning_rate),
        weight_decay=protocol.weight_decay,
        lr_scheduler_type="linear",
        warmup_steps=protocol.warmup_steps,
        per_device_train_batch_size=_given_or(options.batch_size, protocol.batch_size),
        per_device_eval_batch_size=protocol.eval_batch_size,
        num_train_epochs=_given_or(options.epochs, protocol.epochs),
        max_steps=max_steps,
        eval_strategy="steps",
        save_strategy="steps",
        eval_steps=eval_steps,
        save_steps=eval_steps,
        load_best_model_at_end=True,
        metric_for_best_model="loss",  # train.py leaves it unset: transformers then uses the loss
        greater_is_better=False,
        save_total_limit=1,  # the best and the newest checkpoint are both kept
        save_only_model=False,  # optimizer state too, so an unfinished seed resumes mid-way
        resume_from_checkpoint="last" if options.resume else None,
        logging_steps=max(eval_steps, 1),
        disable_tqdm=not sys.stderr.isatty(),
        dataloader_num_workers=0,
    )


def _given_or(value, default):
    return default if value is None else value


def protocol_overrides(options: BenchmarkOptions) -> dict[str, float | int]:
    """The options that replace the protocol's per-task values, as given (only those set)."""
    given = {
        "learning_rate": options.learning_rate,
        "batch_size": options.batch_size,
        "epochs": options.epochs,
        "max_steps": options.max_steps,
        "eval_steps": options.eval_steps,
    }
    return {name: value for name, value in given.items() if value is not None}


def check_overrides(options: BenchmarkOptions) -> None:
    """Refuse protocol overrides no Trainer can use, before any work."""
    import math

    for name in ("learning_rate", "epochs", "budget_minutes"):
        value = getattr(options, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"--{name.replace('_', '-')} must be a positive number, got {value}")
    for name in ("batch_size", "max_steps", "eval_steps"):
        value = getattr(options, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {value}")


SETTINGS_FILE = "benchmark_settings.json"


def replace_stale_seeds(folder: Path, fingerprint: str, protocol: dict[str, Any], resume: bool) -> None:
    """Record the task's settings hash in ``<folder>/benchmark_settings.json``; when a rerun's hash
    differs (changed overrides), move the seeds of the earlier settings, finished or half-trained,
    to ``replaced/<old hash>/`` so they are retrained, not reused or continued with other settings."""
    import json
    import shutil

    from hf_genomics.evaluation.report import write_json_atomic

    path = folder / SETTINGS_FILE
    if resume and path.is_file():
        previous = json.loads(path.read_text()).get("settings_fingerprint")
        seeds = sorted(folder.glob("seed-*"))
        if previous != fingerprint and seeds:
            if (folder / "replaced").is_symlink():  # never move a user's results through a link
                raise ValueError(
                    f"{folder / 'replaced'} is a symbolic link: not moving the earlier seeds into it"
                )
            target = folder / "replaced" / str(previous)
            target.mkdir(parents=True, exist_ok=True)
            logger.warning(
                "%s: settings changed (%s -> %s): retraining; the earlier seeds are in %s",
                folder.name, previous, fingerprint, target,
            )  # fmt: skip
            for seed_dir in seeds:
                shutil.rmtree(target / seed_dir.name, ignore_errors=True)  # an older copy, same settings
                seed_dir.rename(target / seed_dir.name)
    write_json_atomic(path, {"settings_fingerprint": fingerprint, "protocol": protocol})


def classification_arguments(task_path: str, root: Path, options: BenchmarkOptions):
    from hf_genomics.training.classification import ClassificationArguments

    return ClassificationArguments(
        task_dir=str(root / task_path),
        model_name_or_path=options.model,
        seeds=list(options.seeds),
        use_lora=options.use_lora,
        lora_r=options.lora_r,
        max_length_nt=options.max_length_nt,
        max_train_samples=options.max_train_samples,
        max_eval_samples=options.max_eval_samples,
        save_model=options.save_models,
    )


def kmer_baseline_result(task_path: str, root: Path, options: BenchmarkOptions, folder: Path) -> dict:
    """The k-mer baseline on the same rows as the model (``kmer_baseline.json``).

    With ``--budget-minutes`` its C grid stops at the same share of the task's budget as in
    ``gue-recipe`` (:func:`~hf_genomics.evaluation.kmer_baseline.baseline_deadline`: full Covid, 77k
    rows of 1 kb, took far longer than the training); ``untried_C`` lists what was cut. A saved
    result is reused when the subset limits are the same and its grid was complete or cut under the
    same budget.
    """
    import json

    from hf_genomics.data.gue import load_gue
    from hf_genomics.evaluation.kmer_baseline import baseline_deadline, fit_kmer_baseline
    from hf_genomics.evaluation.report import write_json_atomic

    limits = {"train": options.max_train_samples, "eval": options.max_eval_samples}
    path = folder / "kmer_baseline.json"
    if path.is_file():
        saved = json.loads(path.read_text())
        complete = not saved.get("untried_C")
        if saved.get("limits") == limits and (
            complete or saved.get("budget_minutes") == options.budget_minutes
        ):
            return saved
    sample_limits = {
        "train": options.max_train_samples,
        "validation": options.max_eval_samples,
        "test": options.max_eval_samples,
    }
    data = load_gue(root / task_path, max_samples={k: v for k, v in sample_limits.items() if v})
    if "sequence_2" in data["train"].column_names:  # pair task: the baseline reads both, joined by N
        splits = {
            name: (
                [a + "N" + b for a, b in zip(data[name]["sequence"], data[name]["sequence_2"])],
                data[name]["label"],
            )
            for name in ("train", "validation", "test")
        }
    else:
        splits = {
            name: (data[name]["sequence"], data[name]["label"]) for name in ("train", "validation", "test")
        }
    deadline = None
    if options.budget_minutes is not None:
        deadline = baseline_deadline(time.monotonic(), options.budget_minutes)
    result = fit_kmer_baseline(
        splits["train"], splits["validation"], splits["test"], seed=0, deadline=deadline
    ).to_dict()
    result["limits"] = limits
    result["budget_minutes"] = options.budget_minutes
    write_json_atomic(path, result)
    return result


def run_task(task_path: str, root: Path, options: BenchmarkOptions, output_dir: Path) -> dict[str, Any]:
    """Fine-tune every seed on one task (resuming finished work) and fit its baseline."""
    from hf_genomics.training.classification import run_classification, settings_fingerprint
    from hf_genomics.training.gue_protocol import PROTOCOLS

    folder = output_dir / "tasks" / task_folder_name(task_path)
    training = training_arguments(task_path, options, folder)
    args = classification_arguments(task_path, root, options)
    protocol = {
        "learning_rate": training.learning_rate,
        "batch_size": training.per_device_train_batch_size,
        "epochs": training.num_train_epochs,
        "max_steps": training.max_steps,
        "eval_steps": training.eval_steps,
    }  # what this task's Trainer uses, after the overrides
    with training.main_process_first(desc="GUE task settings"):
        if training.process_index == 0:
            folder.mkdir(parents=True, exist_ok=True)
            replace_stale_seeds(folder, settings_fingerprint(args, training), protocol, options.resume)
    callbacks = []
    if options.budget_minutes is not None:
        callbacks.append(SeedBudgetCallback(60 * options.budget_minutes / len(options.seeds)))
    started = time.monotonic()
    results = run_classification(args, training, callbacks=callbacks)
    metric = PROTOCOLS[task_path].metric
    record = {
        "task": task_path,
        "metric": metric,
        "per_seed": {str(seed["seed"]): seed["test"][metric] for seed in results["per_seed"]},
        "test": results["test"][metric],
        "best_steps": {str(seed["seed"]): seed.get("best_step") for seed in results["per_seed"]},
        "train_steps": {str(seed["seed"]): seed.get("train_steps") for seed in results["per_seed"]},
        "max_length_tokens": results["max_length_tokens"],
        "truncated": results["truncated"],
        "training": protocol,
        "seconds": round(time.monotonic() - started, 1),
    }
    if training.process_index == 0:
        baseline = kmer_baseline_result(task_path, root, options, folder)
        record["kmer_baseline"] = {
            "test": baseline["test"][metric],
            "validation": baseline["validation"][metric],
            "tried_C": [float(c) for c in baseline["dev_mcc_by_C"]],
            "untried_C": baseline.get("untried_C", []),  # cut by the time budget's deadline
        }
    return record


def run_benchmark(options: BenchmarkOptions) -> dict[str, Any]:
    """Run every chosen task; write the JSON/CSV/Markdown tables and the card section (main process)."""
    import torch

    from hf_genomics.paths import shared_data_dir
    from hf_genomics.training.gue_protocol import PROTOCOL_SOURCE, PROTOCOLS

    if options.threads:
        torch.set_num_threads(options.threads)
    if options.gue_root is None:
        shared = shared_data_dir()
        if shared is None:
            raise FileNotFoundError("no --gue-root given and no shared data folder found")
        root = shared / "gue"
    else:
        root = Path(options.gue_root)
    if not options.seeds:
        raise ValueError("give at least one seed")
    check_overrides(options)
    tasks = tasks_under(root, options.tasks)
    output_dir = Path(options.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, task_path in enumerate(tasks, 1):
        logger.info("GUE task %d of %d: %s", index, len(tasks), task_path)
        rows.append(run_task(task_path, root, options, output_dir))
    summary = {
        "model": options.model,
        "label": options.label or model_label(options.model),
        "gue_root": str(root),
        "protocol_source": PROTOCOL_SOURCE,
        "protocols": {task: PROTOCOLS[task].to_dict() for task in tasks},
        "seeds": list(options.seeds),
        "processes": _world_size(),  # accelerate launch / torchrun: the Trainer's data-parallel processes
        "use_lora": options.use_lora,
        "budget_minutes_per_task": options.budget_minutes,
        "max_steps_override": options.max_steps,
        "protocol_overrides": protocol_overrides(options),  # replace every task's protocol value
        "subset": {
            "max_train_samples": options.max_train_samples,
            "max_eval_samples": options.max_eval_samples,
        },
        "tasks": rows,
        "command": " ".join(["hf-genomics", *sys.argv[1:]])
        if Path(sys.argv[0]).name in ("hf-genomics", "cli.py")
        else None,  # called from Python: no command line to show
    }
    from hf_genomics.training.gue_report import write_benchmark_report

    if _is_main_process():
        write_benchmark_report(summary, output_dir)
    return summary


def _is_main_process() -> bool:
    import os

    return int(os.environ.get("RANK", "0")) == 0


def _world_size() -> int:
    import os

    return int(os.environ.get("WORLD_SIZE", "1"))


def model_label(model: str) -> str:
    """``owner/name`` for a Hub id, the folder's name for a local path."""
    path = Path(model)
    return path.name if path.exists() else model


# ---- `hf-genomics benchmark gue` ----


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="model folder (ours or converted) or Hub id")
    parser.add_argument("--output-dir", "--output_dir", required=True, help="per-task runs and the tables")
    parser.add_argument("--gue-root", "--gue_root", default=None, help="GUE root (default: shared data gue/)")
    parser.add_argument("--tasks", default=None, help="comma-separated subset (tf/0,prom_core_tata,...)")
    parser.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)), help="comma-separated seeds")
    parser.add_argument("--lora", action="store_true", help="train LoRA adapters instead of all weights")
    parser.add_argument("--lora-r", "--lora_r", type=int, default=8, help="LoRA rank")
    parser.add_argument(
        "--budget-minutes", "--budget_minutes", type=float, default=None,
        help="cap each task's training (split over its seeds) and the k-mer baseline's C grid: for CPUs",
    )  # fmt: skip
    parser.add_argument("--max-steps", "--max_steps", type=int, default=None, help="override the protocol")
    parser.add_argument("--eval-steps", "--eval_steps", type=int, default=None, help="override the protocol")
    parser.add_argument(
        "--learning-rate", "--learning_rate", type=float, default=None,
        help="override the protocol's learning rate (3e-5) on every task, e.g. for a CNN or a from-scratch model",
    )  # fmt: skip
    parser.add_argument(
        "--batch-size", "--batch_size", type=int, default=None,
        help="override the protocol's per-device training batch size (8; Covid 32) on every task",
    )  # fmt: skip
    parser.add_argument(
        "--epochs", type=float, default=None,
        help="override the protocol's epochs (3-10) on every task; also lifts mouse's 1000-step cap",
    )  # fmt: skip
    parser.add_argument(
        "--max-length-nt", "--max_length_nt", type=int, default=None,
        help="truncate inputs to this many nucleotides (default: the whole sequence)",
    )  # fmt: skip
    parser.add_argument(
        "--max-train-samples",
        "--max_train_samples",
        type=int,
        default=None,
        help="first N training rows (smoke tests)",
    )
    parser.add_argument(
        "--max-eval-samples",
        "--max_eval_samples",
        type=int,
        default=None,
        help="first N validation/test rows",
    )
    parser.add_argument("--save-models", "--save_models", action="store_true", help="keep each task's model")
    parser.add_argument("--no-resume", "--no_resume", action="store_true", help="retrain finished seeds")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--label", default=None, help="the model's name in the tables")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.training.entrypoint import setup_logging

    setup_logging()
    try:
        seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {args.seeds!r}") from None
    options = BenchmarkOptions(
        model=args.model,
        output_dir=args.output_dir,
        gue_root=args.gue_root,
        tasks=[t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None,
        seeds=seeds,
        use_lora=args.lora,
        lora_r=args.lora_r,
        budget_minutes=args.budget_minutes,
        max_steps=args.max_steps,
        eval_steps=args.eval_steps,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        epochs=args.epochs,
        max_length_nt=args.max_length_nt,
        max_train_samples=args.max_train_samples,
        max_eval_samples=args.max_eval_samples,
        save_models=args.save_models,
        resume=not args.no_resume,
        threads=args.threads,
        label=args.label,
    )
    summary = run_benchmark(options)
    if _is_main_process():
        from hf_genomics.training.gue_report import benchmark_markdown

        print(benchmark_markdown(summary))
    return 0


__all__ = ["BenchmarkOptions", "SeedBudgetCallback", "run_benchmark", "tasks_under"]
