"""Tables of ``benchmark gue``: Markdown shaped like the DNABERT-2 paper's Table 4 (task groups as
row headings), CSV, JSON and a model-card section, from the summary :func:`run_benchmark` returns."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hf_genomics.evaluation.kmer_baseline import BASELINE_SHARE
from hf_genomics.evaluation.report import (
    markdown_table,
    mean_sd,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from hf_genomics.training.gue_protocol import (
    GROUP_TITLES,
    OTHER_PROTOCOL,
    REFERENCE_MODELS,
    SOURCES,
    group_of,
    published,
)

CSV_FIELDS = ["task", "group", "metric", "mean", "sd", "n", "per_seed", "kmer_baseline", *REFERENCE_MODELS]


def _mean_cell(row: dict[str, Any]) -> str:
    """``mean ± sd (n)``; one seed has no sample sd, so its cell is ``mean (1)``, not a false ± 0.00."""
    spread = f" ± {row['sd']:.2f}" if row["n"] > 1 else ""
    return f"{row['mean']:.2f}{spread} ({row['n']})"


def _cell(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def task_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per task, scores x100: mean and sample sd over seeds, the baseline, the references."""
    rows = []
    for task in summary["tasks"]:
        stats = mean_sd(task["per_seed"].values())
        baseline = task.get("kmer_baseline", {}).get("test")
        rows.append(
            {
                "task": task["task"],
                "group": group_of(task["task"]),
                "metric": task["metric"],
                "mean": 100 * stats.mean,
                "sd": 100 * stats.sd,
                "n": stats.n,
                "per_seed": ";".join(f"{seed}:{100 * value:.2f}" for seed, value in task["per_seed"].items()),
                "kmer_baseline": None if baseline is None else 100 * baseline,
                **{model: published(task["task"], model) for model in REFERENCE_MODELS},
            }
        )
    return rows


def published_note() -> str:
    """Which reference columns come from where (:data:`~hf_genomics.training.gue_protocol.SOURCES`)."""
    sourced = [model for model in REFERENCE_MODELS if SOURCES.get(model)]
    table4 = [model for model in sourced if model not in OTHER_PROTOCOL]
    missing = [model for model in REFERENCE_MODELS if not SOURCES.get(model)]
    note = f"Published: {' and '.join(table4)} as fine-tuned in the DNABERT-2 paper (arXiv 2306.15006v2), Table 4"
    for model in sourced:
        if model in OTHER_PROTOCOL:
            note += (
                f"; {model}: another paper's protocol, not the DNABERT-2 scripts' ({OTHER_PROTOCOL[model]})"
            )
    if missing:
        note += f"; {', '.join(missing)}: no published GUE number we could verify (–)"
    return note + "."


def benchmark_markdown(summary: dict[str, Any]) -> str:
    """The Table-4-shaped Markdown: groups in the paper's order, an average row over the tasks run."""
    rows = task_rows(summary)
    label = summary["label"]
    header = [
        "task",
        f"{label} (mean ± sd, n seeds)",
        "k-mer baseline",
        *(f"{m} (published)" for m in REFERENCE_MODELS),
    ]
    body = []
    for group, title in GROUP_TITLES.items():
        members = [row for row in rows if row["group"] == group]
        if not members:
            continue
        body.append([f"**{title}**", "", "", *([""] * len(REFERENCE_MODELS))])
        for row in members:
            body.append(
                [
                    row["task"],
                    _mean_cell(row),
                    _cell(row["kmer_baseline"]),
                    *(_cell(row[model]) for model in REFERENCE_MODELS),
                ]
            )
    model_mean = mean_sd(row["mean"] for row in rows).mean
    baselines = [row["kmer_baseline"] for row in rows if row["kmer_baseline"] is not None]
    body.append(
        [
            f"**average over {len(rows)} task(s)**",
            f"{model_mean:.2f}",
            _cell(sum(baselines) / len(baselines) if len(baselines) == len(rows) else None),
            *(
                _cell(sum(r[m] for r in rows) / len(rows) if all(r[m] is not None for r in rows) else None)
                for m in REFERENCE_MODELS
            ),
        ]
    )
    notes = [
        f"Test MCC x100 (Covid: macro F1 x100), mean ± sample sd over seeds {', '.join(map(str, summary['seeds']))}; "
        "best checkpoint by validation loss, as in the DNABERT-2 scripts "
        f"({summary['protocol_source']}).",
        "k-mer baseline: bag of 3-6-mer frequencies + logistic regression, C chosen on validation, same rows.",
        published_note(),
    ]
    shortened = []
    if summary.get("budget_minutes_per_task") is not None:
        shortened.append(f"a {summary['budget_minutes_per_task']:g}-minute budget per task")
    if summary.get("max_steps_override"):
        shortened.append(f"max_steps {summary['max_steps_override']}")
    if shortened:
        notes.append(
            f"Protocol shortened ({', '.join(shortened)}): not comparable with the published numbers."
        )
    overrides = summary.get("protocol_overrides", {})
    described = {
        "learning_rate": "learning rate {:g}",
        "batch_size": "batch size {}",
        "epochs": "{:g} epochs",
        "eval_steps": "evaluation every {} steps",
    }
    overridden = [text.format(overrides[name]) for name, text in described.items() if name in overrides]
    if overridden:
        notes.append(
            f"Protocol overridden on every task ({', '.join(overridden)}) instead of the DNABERT-2 "
            "scripts' values: not comparable with the published numbers."
        )
    if summary.get("processes", 1) > 1:
        notes.append(
            f"Trained on {summary['processes']} data-parallel processes, each with the batch size above: "
            f"{summary['processes']}x the examples per optimizer step of one process."
        )
    cut = [
        f"{task['task']} ({len(task['kmer_baseline']['tried_C'])} of "
        f"{len(task['kmer_baseline']['tried_C']) + len(task['kmer_baseline']['untried_C'])} C values tried)"
        for task in summary["tasks"]
        if task.get("kmer_baseline", {}).get("untried_C")
    ]
    if cut:
        notes.append(
            f"k-mer baseline's C grid cut by the time budget ({100 * BASELINE_SHARE:g}% of each task's "
            f"budget) on {', '.join(cut)}."
        )
    if any(summary["subset"].values()):
        notes.append(f"Subset of rows: {summary['subset']} — a smoke test, not a benchmark result.")
    return markdown_table(header, body) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def model_card_section(summary: dict[str, Any]) -> str:
    """A ``## GUE benchmark`` section for the model's README (model card)."""
    command = (
        summary.get("command") or f"hf-genomics benchmark gue --model {summary['model']} --output-dir OUT"
    )
    lora = " with LoRA adapters" if summary.get("use_lora") else ""
    return (
        "## GUE benchmark\n\n"
        f"Fine-tuned{lora} on the Genome Understanding Evaluation tasks with the DNABERT-2 paper's "
        "protocol, by [hf-genomics](https://github.com/hf-genomics):\n\n"
        f"```bash\n{command}\n```\n\n" + benchmark_markdown(summary)
    )


def write_benchmark_report(summary: dict[str, Any], output_dir: str | Path) -> dict[str, Path]:
    """``gue_benchmark.json`` / ``.csv`` / ``.md`` and ``model_card_section.md`` in ``output_dir``."""
    output_dir = Path(output_dir)
    rows = task_rows(summary)
    return {
        "json": write_json_atomic(output_dir / "gue_benchmark.json", {**summary, "rows": rows}),
        "csv": write_csv_atomic(output_dir / "gue_benchmark.csv", rows, CSV_FIELDS),
        "markdown": write_text_atomic(output_dir / "gue_benchmark.md", benchmark_markdown(summary)),
        "card": write_text_atomic(output_dir / "model_card_section.md", model_card_section(summary)),
    }


__all__ = ["benchmark_markdown", "model_card_section", "task_rows", "write_benchmark_report"]
