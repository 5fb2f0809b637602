"""``hf-genomics study viral-scaling``: a ladder of Pythia decoders on viral windows ("Attention is
not enough", Figures 2–3).

For every size of the ladder (``tiny``, ``14m``, ``31m``, ... from :mod:`hf_genomics.models.pythia`)
the runner trains a GPT-NeoX causal LM with the study's 8-token vocabulary (``dnallm``) on the
training windows with run_clm's ``CausalLMTrainer`` (so ``--aux-losses`` work as in
``scripts/run_clm.py``), then

* scores validation likelihood with the shared harness (perplexity per token, bits per nucleotide);
* prompts with the first half of held-in test windows and of out-of-distribution windows (held-out
  species) and scores the generated halves (:mod:`hf_genomics.evaluation.generation`).

Each rung writes ``rungs/<size>/results.json`` (and its per-sequence ``scores.json``) when it
finishes; a rerun skips finished rungs made with the same settings (``rung.json``) and refuses
rungs made with others; one runner per output folder (:mod:`hf_genomics.output_lock`). After each
rung the runner refreshes ``results.json`` (all rungs), ``results.md`` and the plots
``ood_distance_vs_parameters.png`` (Figure 2) and ``distance_vs_training_windows.png`` (Figure 3:
walk distance against the number of training windows of the sequence's group — genogroups of norovirus; 0 for the held-out species).

Options: :class:`ViralScalingConfig`. CPU scale: windows are cut into ``--context-nt`` chunks (the study uses 2,048 nt) and every rung
gets the same number of optimiser steps; ``--time-budget-min`` stops the ladder between rungs.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hf_genomics.evaluation.report import write_json_atomic, write_text_atomic
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)

DEFAULT_SIZES = ("tiny", "14m", "31m")


@dataclass
class ViralScalingConfig:
    """Options of ``hf-genomics study viral-scaling`` (each is a ``--flag``; dashes or underscores)."""

    data_dir: Path | None = field(default=None, metadata={"help": "shared data folder (default: found)"})
    output_dir: Path = field(default=Path("runs/viral-scaling"), metadata={"help": "rungs, tables, plots"})
    sizes: list[str] = field(default_factory=lambda: list(DEFAULT_SIZES), metadata={"help": "Pythia sizes"})
    ood_species: list[str] = field(
        default_factory=lambda: ["Zika virus"], metadata={"help": "held-out species"}
    )
    group_column: str = field(default="lineage", metadata={"help": "groups for the samples-per-group plot"})
    context_nt: int = field(default=512, metadata={"help": "training chunk length (nt)"})
    eval_nt: int = field(default=512, metadata={"help": "evaluation window length (nt)"})
    max_steps: int = field(default=150, metadata={"help": "optimiser steps per rung"})
    batch_size: int = field(default=8, metadata={"help": "training batch size"})
    learning_rate: float = field(default=1e-3, metadata={"help": "peak learning rate"})
    eval_per_group: int = field(default=6, metadata={"help": "test windows per group to generate"})
    eval_ood: int = field(default=12, metadata={"help": "OOD windows to generate"})
    do_sample: bool = field(default=False, metadata={"help": "sample instead of greedy decoding"})
    aux_losses: list[str] = field(
        default_factory=list, metadata={"help": "e.g. walk:0.1 complement:0.5", "nargs": "*"}
    )
    seed: int = field(default=0, metadata={"help": "seed of splits, training and generation"})
    threads: int = field(default=1, metadata={"help": "torch.set_num_threads"})
    time_budget_min: float = field(
        default=30.0, metadata={"help": "stop the ladder between rungs after this"}
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, ViralScalingConfig)


RUNG_SETTINGS = "rung.json"
# options that do not change what a rung trains or scores
NON_DEFINING_OPTIONS = ("data_dir", "output_dir", "sizes", "threads", "time_budget_min", "group_column")


def rung_settings(size: str, args: ViralScalingConfig) -> dict[str, Any]:
    """Everything that defines a rung: its size and the options that change training or scoring."""
    options = {k: v for k, v in vars(args).items() if k not in NON_DEFINING_OPTIONS}
    return json.loads(json.dumps({"size": size, **options}, sort_keys=True, default=str))


def finished_rung(rung_dir: Path, size: str, args: ViralScalingConfig) -> dict | None:
    """The rung's results if it finished with these settings; None if it has not finished; raises
    if it finished with other settings (a rung from before settings were kept is reused, logged)."""
    try:
        result = json.loads((rung_dir / "results.json").read_text())
    except (OSError, ValueError):
        return None
    wanted = rung_settings(size, args)
    try:
        recorded = json.loads((rung_dir / RUNG_SETTINGS).read_text())
    except FileNotFoundError:
        logger.warning(
            "[%s] finished before settings were recorded: reused, recorded now as this run's", size
        )
        write_json_atomic(rung_dir / RUNG_SETTINGS, wanted)
        return result
    except (OSError, ValueError):
        recorded = None
    if recorded != wanted:
        differ = sorted(
            k for k in set(wanted) | set(recorded or {}) if (recorded or {}).get(k) != wanted.get(k)
        )
        raise ValueError(
            f"{rung_dir} was finished with other settings ({', '.join(differ)} differ); "
            "use another --output-dir, or delete the rung folder to retrain it"
        )
    return result


def prepare_data(data_dir: Path, ood_species: list[str], seed: int = 0):
    """Genomes -> windows -> splits (train/validation/test/ood) from the shared viral collections."""
    from hf_genomics.data.viruses import load_shared_viruses, split_windows, window_genomes

    windows = window_genomes(load_shared_viruses(data_dir))
    return split_windows(windows, ood_values=ood_species, seed=seed)


def chunk_sequences(sequences: list[str], length: int, min_length: int | None = None) -> list[str]:
    """Non-overlapping ``length``-nt chunks (:func:`hf_genomics.data.sequences.cut_windows`); the
    last one kept if it has at least ``min_length`` bases (default: half a chunk)."""
    from hf_genomics.data.sequences import cut_windows

    return cut_windows(sequences, length, length // 2 if min_length is None else min_length)


def evaluation_windows(
    splits, group_column: str, per_group: int, n_ood: int, length: int, seed: int
) -> list[dict]:
    """A few test windows per group plus OOD windows, cut to their first ``length`` bases."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    test = splits["test"]
    groups = np.asarray(test[group_column])
    for group in sorted(set(groups.tolist())):
        members = np.flatnonzero(groups == group)
        for index in rng.permutation(members)[:per_group]:
            rows.append({**test[int(index)], "split": "test"})
    ood = splits["ood"]
    for index in rng.permutation(len(ood))[:n_ood]:
        rows.append({**ood[int(index)], "split": "ood"})
    return [{**row, "sequence": row["sequence"][:length]} for row in rows]


def train_rung(size: str, tokenizer, train_texts: list[str], out_dir: Path, args: ViralScalingConfig):
    """Train one Pythia size with ``Trainer``; returns the model and training facts."""
    import torch
    from datasets import Dataset
    from transformers import GPTNeoXForCausalLM, TrainingArguments

    from hf_genomics.models.pythia import pythia_config
    from hf_genomics.training.aux_losses import parse_aux_losses
    from hf_genomics.training.clm import CausalLMTrainer, causal_collator

    torch.manual_seed(args.seed)
    config = pythia_config(
        size,
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GPTNeoXForCausalLM(config)
    dataset = Dataset.from_dict({"sequence": train_texts}).map(
        lambda batch: tokenizer(batch["sequence"], add_eos_token=True),
        batched=True,
        remove_columns=["sequence"],
    )
    training_args = TrainingArguments(
        output_dir=str(out_dir / "trainer"),
        max_steps=args.max_steps,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=0.1,
        lr_scheduler_type="cosine",
        weight_decay=0.01,
        logging_steps=max(1, args.max_steps // 10),
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=args.seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    trainer = CausalLMTrainer(
        model=model,
        args=training_args,
        train_dataset=dataset,
        data_collator=causal_collator(tokenizer),
        processing_class=tokenizer,
        aux_losses=dict(parse_aux_losses(args.aux_losses)),
    )
    start = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - start
    model.save_pretrained(out_dir / "model")
    tokenizer.save_pretrained(out_dir / "model")
    history = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return model, {"train_seconds": seconds, "train_loss": result.training_loss, "loss_history": history}


def run_rung(size: str, tokenizer, splits, args: ViralScalingConfig, rung_dir: Path) -> dict[str, Any]:
    """Train, score likelihood and generation for one size; write ``results.json`` and ``scores.json``."""
    from hf_genomics.data.viruses import windows_per_group
    from hf_genomics.evaluation.generation import evaluate_generation, summarize
    from hf_genomics.evaluation.perplexity import evaluate_perplexity

    rung_dir.mkdir(parents=True, exist_ok=True)
    train_texts = chunk_sequences(splits["train"]["sequence"], args.context_nt)
    model, facts = train_rung(size, tokenizer, train_texts, rung_dir, args)
    validation = chunk_sequences(splits["validation"]["sequence"], args.context_nt)[:64]
    likelihood = evaluate_perplexity(model, validation, tokenizer, batch_size=8)
    counts = windows_per_group(splits["train"], args.group_column)
    eval_rows = evaluation_windows(
        splits, args.group_column, args.eval_per_group, args.eval_ood, args.eval_nt, args.seed
    )
    scores = evaluate_generation(
        model,
        tokenizer,
        eval_rows,
        training_counts=counts,
        group_column=args.group_column,
        metadata_columns=("accession", "species", "lineage", "start", "split"),
        do_sample=args.do_sample,
        seed=args.seed,
    )
    for record in scores:
        record["size"] = size
    results = {
        "size": size,
        "num_parameters": int(model.num_parameters()),
        "train_chunks": len(train_texts),
        "train_windows_per_group": counts,
        "context_nt": args.context_nt,
        "max_steps": args.max_steps,
        "batch_size": args.batch_size,
        "aux_losses": list(args.aux_losses),
        "validation": likelihood,
        **facts,
        "by_split": summarize(scores, by="split"),
        "by_group": summarize(scores, by=args.group_column),
    }
    write_json_atomic(rung_dir / "scores.json", scores, indent=1)
    write_json_atomic(rung_dir / "results.json", results, indent=1)
    return results


def composition_baseline(splits, args: ViralScalingConfig) -> list[dict]:
    """Summary by split of the prompt-composition baseline on the rungs' evaluation windows."""
    from hf_genomics.data.viruses import windows_per_group
    from hf_genomics.evaluation.generation import composition_continuations, score_rows, summarize

    rows = evaluation_windows(
        splits, args.group_column, args.eval_per_group, args.eval_ood, args.eval_nt, args.seed
    )
    outputs = composition_continuations([row["sequence"] for row in rows], seed=args.seed)
    scores = score_rows(
        rows,
        outputs,
        training_counts=windows_per_group(splits["train"], args.group_column),
        group_column=args.group_column,
        metadata_columns=("accession", "species", "lineage", "start", "split"),
    )
    return summarize(scores, by="split")


def write_report(
    out_dir: Path, rungs: list[dict], group_column: str, command: str, baseline: list[dict] | None = None
) -> None:
    """``results.json``, ``results.md`` and the two figures from the finished rungs (and the baseline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    write_json_atomic(out_dir / "results.json", rungs, indent=1)
    if not rungs:
        return
    rungs = sorted(rungs, key=lambda r: r["num_parameters"])
    lines = [
        "# Viral scaling ladder (CPU scale)",
        "",
        f"Command: `{command}`",
        "",
        "| size | parameters | steps | train s | val perplexity | val bits/nt | test walk max | OOD walk max | OOD 3-mer JS | OOD GC diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rungs:
        split = {row["split"]: row for row in r["by_split"]}
        test, ood = split.get("test", {}), split.get("ood", {})
        lines.append(
            f"| {r['size']} | {r['num_parameters']:,} | {r['max_steps']} | {r['train_seconds']:.0f} "
            f"| {r['validation']['perplexity']:.3f} | {r['validation']['bits_per_nucleotide']:.3f} "
            f"| {test.get('walk_max_mean', math.nan):.1f} ± {test.get('walk_max_sd', math.nan):.1f} "
            f"| {ood.get('walk_max_mean', math.nan):.1f} ± {ood.get('walk_max_sd', math.nan):.1f} "
            f"| {ood.get('kmer3_js_mean', math.nan):.3f} | {ood.get('gc_difference_mean', math.nan):+.3f} |"
        )
    if baseline:
        split = {row["split"]: row for row in baseline}
        test, ood = split.get("test", {}), split.get("ood", {})
        lines.append(
            "| prompt-composition baseline | 0 | - | - | - | - "
            f"| {test.get('walk_max_mean', math.nan):.1f} ± {test.get('walk_max_sd', math.nan):.1f} "
            f"| {ood.get('walk_max_mean', math.nan):.1f} ± {ood.get('walk_max_sd', math.nan):.1f} "
            f"| {ood.get('kmer3_js_mean', math.nan):.3f} | {ood.get('gc_difference_mean', math.nan):+.3f} |"
        )
        write_json_atomic(out_dir / "baseline.json", baseline, indent=1)
    write_text_atomic(out_dir / "results.md", "\n".join(lines) + "\n")

    fig, ax = plt.subplots(figsize=(5, 4))
    for split_name, marker in (("test", "o"), ("ood", "s")):
        xs, ys, es = [], [], []
        for r in rungs:
            row = next((row for row in r["by_split"] if row["split"] == split_name), None)
            if row:
                xs.append(r["num_parameters"])
                ys.append(row["walk_max_mean"])
                es.append(row["walk_max_sd"])
        if xs:
            line = ax.errorbar(xs, ys, yerr=es, marker=marker, capsize=3, label=split_name)
            base = next((row for row in baseline or [] if row["split"] == split_name), None)
            if base:
                ax.axhline(
                    base["walk_max_mean"],
                    linestyle="--",
                    color=line[0].get_color(),
                    label=f"{split_name}: composition",
                )
    ax.set(xscale="log", xlabel="parameters", ylabel="max walk distance (mean ± sd)")
    ax.set_title("Generated vs true halves: distance vs model size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "ood_distance_vs_parameters.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    for r in rungs:
        rows = [row for row in r["by_group"] if "n_training_windows" in row]
        xs = [row["n_training_windows"] + 1 for row in rows]
        ax.scatter(xs, [row["walk_max_mean"] for row in rows], label=f"{r['size']}")
    ax.set(xscale="log", xlabel=f"training windows per {group_column} + 1", ylabel="max walk distance (mean)")
    ax.set_title("Distance vs training samples per group")
    ax.legend(title="size")
    fig.tight_layout()
    fig.savefig(out_dir / "distance_vs_training_windows.png", dpi=110)
    plt.close(fig)


def run(args: argparse.Namespace | ViralScalingConfig) -> int:
    import torch

    from hf_genomics.output_lock import lock_output_dir
    from hf_genomics.paths import shared_data_dir

    args = config_from(args, ViralScalingConfig)
    setup_logging()
    torch.set_num_threads(args.threads)
    data_dir = args.data_dir or shared_data_dir()
    if data_dir is None:
        logger.error("viral-scaling needs the shared viral data (set HF_GENOMICS_DATA)")
        return 2
    out_dir: Path = args.output_dir
    with lock_output_dir(out_dir):  # one runner per folder: a second one fails at once, naming the holder
        return _run_locked(args, data_dir, out_dir)


def _run_locked(args: ViralScalingConfig, data_dir: Path, out_dir: Path) -> int:
    import sys

    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer("dnallm", causal=True)
    logger.info("loading and windowing the viral genomes from %s", data_dir)
    splits = prepare_data(data_dir, args.ood_species, args.seed)
    logger.info("windows per split: %s", {name: len(split) for name, split in splits.items()})
    command = "hf-genomics study viral-scaling " + " ".join(sys.argv[3:] if len(sys.argv) > 3 else [])
    started = time.perf_counter()
    rungs: list[dict] = []
    for size in args.sizes:
        rung_dir = out_dir / "rungs" / size
        done = finished_rung(rung_dir, size, args)
        if done is not None:
            rungs.append(done)
            logger.info("[%s] finished earlier: skipped", size)
            continue
        elapsed_min = (time.perf_counter() - started) / 60
        if elapsed_min > args.time_budget_min:
            logger.warning("time budget of %s min spent: stopping before %s", args.time_budget_min, size)
            break
        logger.info(
            "[%s] training %d steps, then scoring likelihood and generation ...", size, args.max_steps
        )
        write_json_atomic(rung_dir / RUNG_SETTINGS, rung_settings(size, args))
        result = run_rung(size, tokenizer, splits, args, rung_dir)
        rungs.append(result)
        logger.info(
            "[%s] %s parameters, %.0f s, val bits/nt %.3f",
            size,
            f"{result['num_parameters']:,}",
            result["train_seconds"],
            result["validation"]["bits_per_nucleotide"],
        )
        write_report(out_dir, rungs, args.group_column, command)
    logger.info("prompt-composition baseline")
    baseline = composition_baseline(splits, args)
    write_report(out_dir, rungs, args.group_column, command, baseline)
    logger.info("results in %s", out_dir)
    return 0
