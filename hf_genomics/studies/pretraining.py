"""``hf-genomics study pretraining``: does pretraining change which tokenizer and position encoding
win on GUE? (the coding-schemes paper's first open question, arXiv 2507.15087, at CPU scale).

1. **Corpus** — unlabelled DNA only: the shared GUE tasks' *training* sequences (never dev/test,
   labels dropped), the human genes of ``validation.csv`` (the gene LMs' training file) and the
   viral genomes; written once as ``<work_dir>/corpus.fasta`` with a manifest.
2. **Pretraining** — one small encoder per tokenizer × position (the ``cpu`` grid's shape: hidden 64,
   4 heads, FFN 256, depth 2) through ``run_mlm``'s code with the same steps, batch and window in
   nucleotides for every cell, so each sees the same DNA; BPE vocabularies are learned on the
   corpus' training split. Held-out corpus loss and bits/nt are recorded. Resumable (Trainer
   checkpoints); a finished model is reused.
3. **Fine-tuning** — every task × seed twice, from scratch and from the pretrained encoder, with the
   ``cpu`` grid's recipe (3,000 training rows, 3 epochs, lr 1e-3, batch 32, best checkpoint by dev
   MCC, test once) and the *same* tokenizer, so the only difference is the initialisation.

Results (``<output_dir>``): ``cells/<start>/<cell>/results.json`` per fine-tune, ``pretraining.json``,
``results.csv``, ``results.md`` (tables beside the k-mer baseline and pretrained DNABERT-2) and
``pretraining.png``. Options: :class:`PretrainingStudyConfig`.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hf_genomics.evaluation.report import mean_sd, write_csv_atomic, write_json_atomic, write_text_atomic
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)

STARTS = ("scratch", "pretrained")
CSV_FIELDS = ("start", "task", "tokenizer", "position", "seed", "test_mcc", "best_dev_mcc", "train_seconds")


@dataclass
class PretrainingStudyConfig:
    """Options of ``hf-genomics study pretraining``."""

    output_dir: Path = field(
        default=Path("runs/pretraining_results"),
        metadata={"help": "results (the committed ones: --output_dir docs/results/pretraining)"},
    )
    work_dir: Path = field(
        default=Path("runs/pretraining"), metadata={"help": "corpus and pretrained encoders (not results)"}
    )
    data_dir: Path | None = field(
        default=None, metadata={"help": "shared data root (default: HF_GENOMICS_DATA)"}
    )
    tokenizers: list[str] = field(
        default_factory=lambda: ["kmer:4", "kmer:6", "bpe:4096"], metadata={"help": "specs", "nargs": "*"}
    )
    positions: list[str] = field(
        default_factory=lambda: ["rope", "alibi"], metadata={"help": "position encodings", "nargs": "*"}
    )
    tasks: list[str] = field(
        default_factory=list, metadata={"help": "GUE tasks (default: the four shared)", "nargs": "*"}
    )
    seeds: list[int] = field(
        default_factory=lambda: [1, 2], metadata={"help": "fine-tuning seeds", "nargs": "*"}
    )
    fine_tune_preset: str = field(default="cpu", metadata={"help": "coding-schemes preset giving the recipe"})
    depth: int = field(default=2, metadata={"help": "encoder layers"})
    pretrain_steps: int = field(default=3000, metadata={"help": "MLM steps per encoder"})
    pretrain_batch_size: int = field(default=64, metadata={"help": "windows per MLM step"})
    pretrain_learning_rate: float = field(default=1e-3, metadata={"help": "peak MLM learning rate"})
    window_nt: int = field(default=512, metadata={"help": "MLM window (nucleotides); GUE rows are shorter"})
    corpus_viruses: bool = field(default=True, metadata={"help": "add the viral genomes to the corpus"})
    corpus_genes: bool = field(default=True, metadata={"help": "add validation.csv's human genes"})
    threads: int = field(default=1, metadata={"help": "torch CPU threads"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, PretrainingStudyConfig)


# ---------------------------------------------------------------------------- corpus
def corpus_records(
    tasks: list[str], gue_root: Path, data_dir: Path | None, genes: bool = True, viruses: bool = True
) -> list[tuple[str, str]]:
    """(id, sequence) of the unlabelled pretraining DNA: GUE training rows only (labels dropped),
    then genes and viral genomes when present."""
    from hf_genomics.data.gue import load_gue

    records: list[tuple[str, str]] = []
    for task in tasks:
        train = load_gue(task, gue_root, splits=("train",))["train"]
        columns = [name for name in train.column_names if name != "label"]
        for i, row in enumerate(train.select_columns(columns)):
            records += [(f"gue/{task}/train/{i}/{name}", row[name]) for name in columns]
    if data_dir is not None and genes and (data_dir / "human_genes" / "validation.csv").is_file():
        from hf_genomics.data.genes import read_genes_csv

        data = read_genes_csv(data_dir / "human_genes" / "validation.csv")
        records += [(f"genes/{gene}", seq) for gene, seq in zip(data["NCBIGeneID"], data["sequence"])]
    if data_dir is not None and viruses and (data_dir / "viruses").is_dir():
        from hf_genomics.data.viruses import load_shared_viruses

        genomes = load_shared_viruses(data_dir)
        records += [(f"virus/{name}", seq) for name, seq in zip(genomes["accession"], genomes["sequence"])]
    return records


def corpus_inputs(config: PretrainingStudyConfig, tasks: list[str], data_dir: Path | None) -> dict[str, Any]:
    """What the corpus is made of (the tasks whose training rows it holds; genes, viruses when
    present): the key a corpus in the work folder is reused on."""
    genes = (
        data_dir is not None
        and config.corpus_genes
        and (data_dir / "human_genes" / "validation.csv").is_file()
    )
    viruses = data_dir is not None and config.corpus_viruses and (data_dir / "viruses").is_dir()
    return {"tasks": sorted(tasks), "genes": bool(genes), "viruses": bool(viruses)}


def _recorded_inputs(manifest: dict[str, Any]) -> dict[str, Any]:
    """A corpus manifest's inputs (read from its sources when written before they were recorded)."""
    if "inputs" in manifest:
        return manifest["inputs"]
    sources = manifest.get("sources", {})
    return {
        "tasks": sorted(name[len("gue/") :] for name in sources if name.startswith("gue/")),
        "genes": "genes" in sources,
        "viruses": "virus" in sources,
    }


def build_corpus(
    config: PretrainingStudyConfig, tasks: list[str], gue_root: Path, data_dir: Path | None
) -> Path:
    """``<work_dir>/corpus.fasta`` (+ ``corpus.json``), written once per inputs: a corpus built from
    other tasks (or without the genes/viruses this run adds) is refused, never reused."""
    from hf_genomics.data.io import write_fasta
    from hf_genomics.studies.coding_schemes import StudySettingsConflict

    path = config.work_dir / "corpus.fasta"
    inputs = corpus_inputs(config, tasks, data_dir)
    manifest_path = config.work_dir / "corpus.json"
    if path.is_file() and manifest_path.is_file():
        recorded = _recorded_inputs(json.loads(manifest_path.read_text()))
        if recorded == inputs:
            return path
        raise StudySettingsConflict(
            f"{path} was built from {recorded}, this run needs {inputs}: pretraining on it would mix "
            "studies; use another --work_dir (or delete that one)"
        )
    records = corpus_records(tasks, gue_root, data_dir, config.corpus_genes, config.corpus_viruses)
    by_source: dict[str, list[int]] = {}
    for name, seq in records:
        source = name.split("/")[0] if not name.startswith("gue/") else "/".join(name.split("/")[:3])
        by_source.setdefault(source, []).append(len(seq))
    config.work_dir.mkdir(parents=True, exist_ok=True)
    manifest_path.unlink(missing_ok=True)  # corpus.json last: a corpus without it is rebuilt
    write_fasta(records, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").rename(path)
    write_json_atomic(
        manifest_path,
        {
            "inputs": inputs,
            "records": len(records),
            "nucleotides": sum(map(len, (seq for _, seq in records))),
            "sources": {k: {"records": len(v), "nucleotides": sum(v)} for k, v in sorted(by_source.items())},
        },
    )
    return path


# ---------------------------------------------------------------------------- pretraining
def model_name(tokenizer: str, position: str) -> str:
    return f"{tokenizer.replace(':', '')}__{position}"


def pretrain(
    config: PretrainingStudyConfig, corpus: Path, tokenizer: str, position: str, model_preset: dict[str, Any]
) -> Path:
    """One MLM encoder through run_mlm's code (resumed if checkpoints exist, reused if finished);
    its shape is the fine-tuning preset's model (``{"preset": name, **overrides}``) at ``config.depth``."""
    from transformers import TrainingArguments

    from hf_genomics.studies.coding_schemes import StudySettingsConflict
    from hf_genomics.training.mlm import DataArguments, ModelArguments
    from hf_genomics.training.mlm import run as run_mlm

    folder = config.work_dir / "models" / model_name(tokenizer, position)
    settings = {
        "tokenizer": tokenizer,
        "position": position,
        "model": model_preset,
        "depth": config.depth,
        "steps": config.pretrain_steps,
        "batch_size": config.pretrain_batch_size,
        "learning_rate": config.pretrain_learning_rate,
        "window_nt": config.window_nt,
        "corpus": json.loads((config.work_dir / "corpus.json").read_text()),
    }
    recorded = folder / "pretraining_settings.json"
    if recorded.is_file() and json.loads(recorded.read_text()) != json.loads(json.dumps(settings)):
        raise StudySettingsConflict(
            f"{folder} was pretrained (or started) with other settings ({recorded}); delete it or use another "
            "--work_dir"
        )
    if (folder / "mlm_results.json").is_file():
        return folder
    write_json_atomic(recorded, settings)
    shape = {k: v for k, v in model_preset.items() if k != "preset"}
    overrides = ",".join(f"{k}={v}" for k, v in {**shape, "num_hidden_layers": config.depth}.items())
    logger.info(
        "pretraining %s × %s for %d steps into %s", tokenizer, position, config.pretrain_steps, folder
    )
    run_mlm(
        ModelArguments(
            tokenizer_name=tokenizer,
            preset=model_preset["preset"].format(depth=config.depth),
            position_embedding_type=position,
            config_overrides=overrides,
        ),
        DataArguments(train_file=str(corpus), validation_split_percentage=2, max_length_nt=config.window_nt),
        TrainingArguments(
            output_dir=str(folder),
            max_steps=config.pretrain_steps,
            per_device_train_batch_size=config.pretrain_batch_size,
            per_device_eval_batch_size=64,
            learning_rate=config.pretrain_learning_rate,
            lr_scheduler_type="cosine",
            warmup_steps=0.05,
            weight_decay=0.01,
            save_steps=max(1, config.pretrain_steps // 6),
            save_total_limit=1,
            logging_steps=max(1, config.pretrain_steps // 30),
            eval_strategy="no",
            use_cpu=True,
            report_to="none",
            seed=0,
            disable_tqdm=True,
            dataloader_num_workers=0,
            resume_from_checkpoint="last" if any(folder.glob("checkpoint-*")) else None,
        ),
    )
    for checkpoint in folder.glob("checkpoint-*"):  # the final model is saved; checkpoints are bulk
        shutil.rmtree(checkpoint, ignore_errors=True)
    return folder


# ---------------------------------------------------------------------------- fine-tuning
def fine_tune(
    cell, start: str, pretrained: Path, preset, config: PretrainingStudyConfig, gue_root: Path
) -> dict:
    """One fine-tune (``start``: scratch or pretrained) with the pretrained folder's tokenizer;
    skipped when finished with the same settings, refused when finished with others."""
    from hf_genomics.studies.coding_schemes import (
        StudySettingsConflict,
        cell_settings,
        run_cell,
        settings_key,
    )

    folder = config.output_dir / "cells" / start / cell.name
    mlm = json.loads((pretrained / "mlm_results.json").read_text())
    settings = {
        **cell_settings(cell, preset),
        "start": start,
        "tokenizer_from": str(pretrained),
        "pretraining": {
            k: mlm["model_args"].get(k)
            for k in ("tokenizer_name", "position_embedding_type", "config_overrides")
        }
        | {
            "steps": mlm["train"].get("global_step") or config.pretrain_steps,
            "window_nt": mlm["max_length_nt"],
        },
    }
    key = settings_key(settings)
    if (folder / "results.json").is_file():
        if not (folder / "cell.json").is_file():  # killed between the two writes: never finished
            logger.info(
                "%s: results.json without cell.json (an interrupted run): fine-tuning it again", folder
            )
            shutil.rmtree(folder)
        elif json.loads((folder / "cell.json").read_text()).get("key") == key:
            return json.loads((folder / "results.json").read_text())
        else:
            raise StudySettingsConflict(
                f"{folder} was fine-tuned with other settings; delete it or use another --output_dir"
            )
    result = run_cell(
        cell,
        preset,
        config.output_dir,
        gue_root,
        tokenizer_name=str(pretrained),
        model_name_or_path=str(pretrained) if start == "pretrained" else None,
        cell_dir=folder,
    )
    write_json_atomic(folder / "cell.json", {"key": key, "settings": settings})
    return result


def result_row(start: str, result: dict[str, Any], tokenizer: str, position: str) -> dict[str, Any]:
    record = result["per_seed"][0]
    return {
        "start": start,
        "task": result["task"],
        "tokenizer": tokenizer,
        "position": position,
        "seed": record["seed"],
        "test_mcc": round(record["test"]["mcc"], 6),
        "best_dev_mcc": round(record["best_dev_mcc"], 6),
        "train_seconds": record["train_seconds"],
    }


# ---------------------------------------------------------------------------- report
def summarise(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, float]]:
    """(start, task, tokenizer, position) -> test mean, sd, n and dev mean."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["start"], row["task"], row["tokenizer"], row["position"]), []).append(row)
    summary = {}
    for key, members in groups.items():
        test = mean_sd([m["test_mcc"] for m in members])
        summary[key] = {
            "mean": test.mean,
            "sd": test.sd,
            "n": test.n,
            "dev": mean_sd([m["best_dev_mcc"] for m in members]).mean,
        }
    return summary


def winners(
    summary: dict[tuple, dict[str, float]], start: str, task: str | None
) -> tuple[tuple, float] | None:
    """The (tokenizer, position) with the highest mean dev MCC (over tasks when ``task`` is None)."""
    cells: dict[tuple, list[float]] = {}
    for (s, t, tokenizer, position), value in summary.items():
        if s == start and (task is None or t == task):
            cells.setdefault((tokenizer, position), []).append(value["dev"])
    if not cells:
        return None
    n_tasks = max(len(v) for v in cells.values())
    complete = {k: sum(v) / len(v) for k, v in cells.items() if len(v) == n_tasks}
    best = max(complete, key=complete.get)
    return best, complete[best]


def markdown_report(results: dict[str, Any], baselines: dict[str, dict]) -> str:
    from hf_genomics.studies.coding_schemes import BASELINE_LABEL, DNABERT2_MCC

    summary = summarise(results["rows"])
    tasks = list(dict.fromkeys(row["task"] for row in results["rows"]))
    corpus = results["corpus"]
    lines = [
        "# Does pretraining change which tokenizer and position encoding win? (CPU scale)",
        "",
        f"Corpus: {corpus['records']:,} unlabelled records, {corpus['nucleotides']:,} nt (GUE *training* rows of "
        "the four tasks without labels, the human genes of validation.csv, the viral genomes; never dev/test). "
        f"Each encoder: hidden 64, 4 heads, FFN 256, {results['config']['depth']} layers, "
        f"{results['config']['pretrain_steps']} MLM steps × {results['config']['pretrain_batch_size']} windows "
        f"of ≤ {results['config']['window_nt']} nt (the same DNA for every tokenizer). Fine-tuning: the `cpu` "
        "grid's recipe (3,000 training rows, 3 epochs, lr 1e-3, batch 32, best checkpoint by dev MCC, test once), "
        "the same tokenizer from scratch and from the pretrained encoder. Test MCC × 100, mean ± sd over seeds (n).",
        "",
        "## Pretraining (held-out 2 % of the corpus)",
        "",
        "| tokenizer | position | MLM loss (nats/masked token) | bits/nt | minutes |",
        "|---|---|---|---|---|",
    ]
    for entry in results["pretraining"].values():
        lines.append(
            f"| {entry['tokenizer']} | {entry['position']} | {entry['loss']:.4f} | {entry['bits_per_nucleotide']:.4f} "
            f"| {entry['minutes']:.1f} |"
        )
    lines += ["", "## Which cell wins (chosen on mean dev MCC; its test MCC beside it)", "",
              "| task | from scratch | from pretrained |", "|---|---|---|"]  # fmt: skip
    for task in [*tasks, None]:
        cells = []
        for start in STARTS:
            won = winners(summary, start, task)
            if won is None:
                cells.append("—")
                continue
            (tokenizer, position), _ = won
            tests = [
                summary[(start, t, tokenizer, position)]["mean"] for t in (tasks if task is None else [task])
            ]
            cells.append(f"{tokenizer}, {position} (test {100 * sum(tests) / len(tests):.1f})")
        lines.append(f"| {task or 'mean over tasks'} | " + " | ".join(cells) + " |")
    lines += ["", "## Mean over tasks (each cell's test MCC averaged over the tasks where both starts finished)", "",
              "| tokenizer | position | from scratch | from pretrained | Δ | tasks where pretraining helped |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for tokenizer in results["config"]["tokenizers"]:
        for position in results["config"]["positions"]:
            pairs = [
                (
                    summary[("scratch", t, tokenizer, position)]["mean"],
                    summary[("pretrained", t, tokenizer, position)]["mean"],
                )
                for t in tasks
                if ("scratch", t, tokenizer, position) in summary
                and ("pretrained", t, tokenizer, position) in summary
            ]
            if not pairs:
                lines.append(f"| {tokenizer} | {position} | — | — | — | — |")
                continue
            scratch, pretrained = (sum(v) / len(pairs) for v in zip(*pairs))
            helped = sum(after > before for before, after in pairs)
            lines.append(
                f"| {tokenizer} | {position} | {100 * scratch:.1f} | {100 * pretrained:.1f} "
                f"| {100 * (pretrained - scratch):+.1f} | {helped} of {len(pairs)} |"
            )
    for task in tasks:
        baseline = baselines.get(task)
        baseline_text = f"{100 * baseline['test_mcc']:.2f}" if baseline else "—"
        lines += [
            "",
            f"## {task}",
            "",
            f"Beside these: {BASELINE_LABEL} {baseline_text}; pretrained DNABERT-2 {DNABERT2_MCC.get(task, '—')}.",
            "",
            "| tokenizer | position | from scratch | from pretrained | Δ |",
            "|---|---|---|---|---|",
        ]
        for tokenizer in results["config"]["tokenizers"]:
            for position in results["config"]["positions"]:
                values = [summary.get((start, task, tokenizer, position)) for start in STARTS]
                text = [
                    f"{100 * v['mean']:.1f} ± {100 * v['sd']:.1f} ({v['n']})" if v else "—" for v in values
                ]
                delta = f"{100 * (values[1]['mean'] - values[0]['mean']):+.1f}" if all(values) else "—"
                lines.append(f"| {tokenizer} | {position} | {text[0]} | {text[1]} | {delta} |")
    return "\n".join(lines) + "\n"


def write_plot(results: dict[str, Any], path: Path) -> Path | None:
    """One panel per task: scratch vs pretrained test MCC per tokenizer × position (mean, sd bars)."""
    if not results["rows"]:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    summary = summarise(results["rows"])
    tasks = list(dict.fromkeys(row["task"] for row in results["rows"]))
    cells = [(t, p) for t in results["config"]["tokenizers"] for p in results["config"]["positions"]]
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.6 * len(tasks), 3.4), sharey=False)
    axes = np.atleast_1d(axes)
    x = np.arange(len(cells))
    for ax, task in zip(axes, tasks):
        for offset, start, colour in ((-0.2, "scratch", "#999999"), (0.2, "pretrained", "#1f77b4")):
            found = [summary.get((start, task, t, p)) for t, p in cells]
            means = [100 * v["mean"] if v else np.nan for v in found]
            sds = [100 * v["sd"] if v else 0 for v in found]
            ax.bar(x + offset, means, 0.4, yerr=sds, color=colour, label=start, capsize=2)
        ax.set_xticks(x, [f"{t}\n{p}" for t, p in cells], fontsize=6)
        ax.set_title(task, fontsize=9)
        ax.set_ylabel("test MCC × 100")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------- run
def run_study(config: PretrainingStudyConfig) -> dict[str, Any]:
    from hf_genomics.output_lock import lock_output_dir

    with lock_output_dir(config.output_dir):
        if config.work_dir.resolve() == config.output_dir.resolve():
            return _run_study(config)
        with lock_output_dir(config.work_dir):  # the corpus and encoders: one study at a time too
            return _run_study(config)


def _run_study(config: PretrainingStudyConfig) -> dict[str, Any]:
    import torch

    from hf_genomics.paths import shared_data_dir
    from hf_genomics.studies.coding_schemes import PRESETS, SHARED_TASKS, Cell, load_baselines

    torch.set_num_threads(config.threads)
    data_dir = config.data_dir or shared_data_dir()
    if data_dir is None or not (data_dir / "gue").is_dir():
        raise FileNotFoundError("no GUE data: set HF_GENOMICS_DATA or --data_dir (a folder with gue/)")
    gue_root = data_dir / "gue"
    tasks = list(config.tasks or SHARED_TASKS)
    preset = PRESETS[config.fine_tune_preset]
    corpus = build_corpus(config, tasks, gue_root, data_dir)
    results: dict[str, Any] = {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "corpus": json.loads((config.work_dir / "corpus.json").read_text()),
        "pretraining": {},
        "rows": [],
    }
    results["config"]["tasks"] = tasks
    baselines = load_baselines(tuple(tasks), config.output_dir.parent / "baselines", gue_root, compute=False)
    for tokenizer in config.tokenizers:
        for position in config.positions:
            started = time.perf_counter()
            folder = pretrain(config, corpus, tokenizer, position, preset.model)
            mlm = json.loads((folder / "mlm_results.json").read_text())
            results["pretraining"][model_name(tokenizer, position)] = {
                "tokenizer": tokenizer,
                "position": position,
                "loss": mlm["eval"]["loss"],
                "bits_per_nucleotide": mlm["eval"]["bits_per_nucleotide"],
                "minutes": mlm["train"].get("train_runtime", time.perf_counter() - started) / 60,
                "n_parameters": mlm["n_parameters"],
                "loss_curve": mlm["loss_curve"],
            }
            for task in tasks:
                for seed in config.seeds:
                    cell = Cell(task, tokenizer, position, config.depth, seed)
                    for start in STARTS:
                        result = fine_tune(cell, start, folder, preset, config, gue_root)
                        results["rows"].append(result_row(start, result, tokenizer, position))
                        logger.info("%s %s: test MCC %.4f", start, cell.name, results["rows"][-1]["test_mcc"])
            write_outputs(results, baselines, config.output_dir)
    return results


def write_outputs(results: dict[str, Any], baselines: dict[str, dict], out_dir: Path) -> None:
    write_json_atomic(out_dir / "pretraining.json", results)
    write_csv_atomic(out_dir / "results.csv", results["rows"], CSV_FIELDS)
    write_text_atomic(out_dir / "results.md", markdown_report(results, baselines))
    write_plot(results, out_dir / "pretraining.png")


def run(args: argparse.Namespace | PretrainingStudyConfig) -> int:
    config = config_from(args, PretrainingStudyConfig)
    setup_logging()
    run_study(config)
    logger.info("tables:\n%s", (config.output_dir / "results.md").read_text())
    return 0


__all__ = ["PretrainingStudyConfig", "add_arguments", "corpus_records", "run", "run_study"]
