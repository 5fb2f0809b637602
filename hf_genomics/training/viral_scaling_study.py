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
finishes; a rerun skips finished rungs. After each rung the runner refreshes ``results.json``
(all rungs), ``results.md`` and the plots ``ood_distance_vs_parameters.png`` (Figure 2) and
``distance_vs_training_windows.png`` (Figure 3: walk distance against the number of training windows
of the sequence's group — genogroups of norovirus; 0 for the held-out species).

CPU scale: windows are cut into ``--context-nt`` chunks (the study uses 2,048 nt) and every rung
gets the same number of optimiser steps; ``--time-budget-min`` stops the ladder between rungs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SIZES = ("tiny", "14m", "31m")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="shared data folder (default: found)")
    parser.add_argument("--output-dir", type=Path, default=Path("runs/viral-scaling"))
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--ood-species", nargs="+", default=["Zika virus"])
    parser.add_argument("--group-column", default="lineage", help="groups for the samples-per-group plot")
    parser.add_argument("--context-nt", type=int, default=512, help="training chunk length (nt)")
    parser.add_argument("--eval-nt", type=int, default=512, help="evaluation window length (nt)")
    parser.add_argument("--max-steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--eval-per-group", type=int, default=6, help="test windows per group to generate")
    parser.add_argument("--eval-ood", type=int, default=12, help="OOD windows to generate")
    parser.add_argument("--do-sample", action="store_true", help="sample instead of greedy decoding")
    parser.add_argument("--aux-losses", nargs="*", default=[], help="e.g. walk:0.1 complement:0.5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--time-budget-min", type=float, default=30.0)


def prepare_data(data_dir: Path, ood_species: list[str], seed: int = 0):
    """Genomes -> windows -> splits (train/validation/test/ood) from the shared viral collections."""
    from hf_genomics.data.viruses import load_shared_viruses, split_windows, window_genomes

    windows = window_genomes(load_shared_viruses(data_dir))
    return split_windows(windows, ood_values=ood_species, seed=seed)


def chunk_sequences(sequences: list[str], length: int, min_length: int | None = None) -> list[str]:
    """Non-overlapping ``length``-nt chunks of every sequence (the last kept if ≥ ``min_length``)."""
    min_length = length // 2 if min_length is None else min_length
    chunks = [s[i : i + length] for s in sequences for i in range(0, len(s), length)]
    return [c for c in chunks if len(c) >= min_length]


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


def train_rung(size: str, tokenizer, train_texts: list[str], out_dir: Path, args: argparse.Namespace):
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


def run_rung(size: str, tokenizer, splits, args: argparse.Namespace, rung_dir: Path) -> dict[str, Any]:
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
    (rung_dir / "scores.json").write_text(json.dumps(scores, indent=1))
    tmp = rung_dir / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, rung_dir / "results.json")
    return results


def composition_baseline(splits, args: argparse.Namespace) -> list[dict]:
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

    (out_dir / "results.json").write_text(json.dumps(rungs, indent=1))
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
        (out_dir / "baseline.json").write_text(json.dumps(baseline, indent=1))
    (out_dir / "results.md").write_text("\n".join(lines) + "\n")

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


def run(args: argparse.Namespace) -> int:
    import sys

    import torch

    from hf_genomics.paths import shared_data_dir
    from hf_genomics.tokenization.spec import build_tokenizer

    torch.set_num_threads(args.threads)
    data_dir = args.data_dir or shared_data_dir()
    if data_dir is None:
        print("viral-scaling needs the shared viral data (set HF_GENOMICS_DATA)", file=sys.stderr)
        return 2
    out_dir: Path = args.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer("dnallm", causal=True)
    splits = prepare_data(data_dir, args.ood_species, args.seed)
    print({name: len(split) for name, split in splits.items()})
    command = "hf-genomics study viral-scaling " + " ".join(sys.argv[3:] if len(sys.argv) > 3 else [])
    started = time.perf_counter()
    rungs: list[dict] = []
    for size in args.sizes:
        rung_dir = out_dir / "rungs" / size
        done = rung_dir / "results.json"
        if done.exists():
            rungs.append(json.loads(done.read_text()))
            print(f"[{size}] finished earlier: skipped")
            continue
        elapsed_min = (time.perf_counter() - started) / 60
        if elapsed_min > args.time_budget_min:
            print(f"time budget of {args.time_budget_min} min spent: stopping before {size}")
            break
        print(f"[{size}] training ...", flush=True)
        result = run_rung(size, tokenizer, splits, args, rung_dir)
        rungs.append(result)
        print(
            f"[{size}] {result['num_parameters']:,} parameters, {result['train_seconds']:.0f} s, "
            f"val bits/nt {result['validation']['bits_per_nucleotide']:.3f}",
            flush=True,
        )
        write_report(out_dir, rungs, args.group_column, command)
    baseline = composition_baseline(splits, args)
    write_report(out_dir, rungs, args.group_column, command, baseline)
    print(f"results in {out_dir}")
    return 0
