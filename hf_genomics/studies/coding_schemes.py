"""``hf-genomics study coding-schemes``: tokenizer × position × depth × task × seed on GUE
(arXiv 2507.15087), every cell trained through :func:`run_classification`.

Each cell (one seed) writes ``cells/<cell>/results.json`` atomically when it finishes; a rerun
skips finished cells, so a killed run loses at most the cell in progress. After every cell the
runner refreshes ``results.csv`` (one row per cell), ``summary.csv`` and ``results.md`` (mean ±
sd MCC over seeds); at the end it draws ``heatmap_L<depth>.png`` (tokenizer × position per task)
and ``depth_curve.png``. A cell counts as finished only for the settings that define it (its
coordinates, the preset's model and training settings, the data limits; hashed into
``cells/<cell>/cell.json``): another preset or other overrides on the same folder stop with an
error instead of mixing cells, and tables count only the current grid's cells. One runner per
folder (:mod:`hf_genomics.output_lock`). Every table and heatmap caption prints, beside the cells,
the k-mer baseline (:mod:`hf_genomics.evaluation.kmer_baseline`, read from ``kmer_lr_<task>.json``
in the baselines folder and computed there when missing) and pretrained DNABERT-2's published MCC.
BPE vocabularies are learned once per task and size, from the same training rows the cells see,
and shared by all cells (``tokenizers/<task>-<spec>-n<rows>``). Options:
:class:`CodingSchemesConfig`; tables use :mod:`hf_genomics.evaluation.report` (mean ± sample sd).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hf_genomics.evaluation.report import mean_sd, write_csv_atomic, write_json_atomic, write_text_atomic
from hf_genomics.fingerprint import settings_fingerprint
from hf_genomics.output_lock import lock_output_dir
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)

SHARED_TASKS = ("prom/prom_core_tata", "prom/prom_300_tata", "tf/0", "mouse/0")
PAPER_TOKENIZERS = ("kmer:1", "kmer:3", "kmer:4", "kmer:5", "kmer:6", "bpe:4096")
POSITIONS = ("sinusoidal", "alibi", "rope")
BPE_ABLATION_SIZES = (512, 1024, 2048, 4096, 8192, 16384, 32768)
# pretrained DNABERT-2, MCC x 100 (DNABERT-2 paper, Table 4)
DNABERT2_MCC = {"prom/prom_core_tata": 74.17, "prom/prom_300_tata": 71.59, "tf/0": 71.99, "mouse/0": 56.76}
BASELINE_LABEL = "k-mer baseline (3–6-mer LR)"
CSV_FIELDS = (
    "task",
    "tokenizer",
    "position",
    "depth",
    "seed",
    "test_mcc",
    "test_accuracy",
    "test_f1",
    "test_precision",
    "test_recall",
    "best_dev_mcc",
    "vocab_size",
    "max_length_tokens",
    "num_parameters",
    "train_examples",
    "train_steps",
    "train_seconds",
)


@dataclass(frozen=True)
class StudyPreset:
    """The grid and the per-cell training budget."""

    tokenizers: tuple[str, ...]
    positions: tuple[str, ...]
    depths: tuple[int, ...]  # run in this order: the most informative depth first
    tasks: tuple[str, ...]
    seeds: tuple[int, ...]
    model: dict[str, Any]  # DnaEncoderConfig preset (``{depth}`` is filled in) and overrides
    training: dict[str, Any] = field(default_factory=dict)  # StudyTrainingArguments overrides
    max_train_samples: int | None = None
    max_eval_samples: int | None = None


PRESETS: dict[str, StudyPreset] = {
    # the paper's grid: hidden 768, 12 heads, depths 3/6/12/24, full data (GPUs: accelerate launch)
    "paper": StudyPreset(
        tokenizers=PAPER_TOKENIZERS,
        positions=POSITIONS,
        depths=(3, 6, 12, 24),
        tasks=SHARED_TASKS,
        seeds=(1, 2, 3),
        model={"preset": "paper-L{depth}"},
        training={"num_train_epochs": 10, "per_device_train_batch_size": 32},
    ),
    # same grid shape at CPU scale: hidden 64, depths 2/1/4, 3,000 training rows, 3 epochs, 2 seeds.
    # lr 1e-3 instead of 1e-4: a 64-wide model trained for ~300 steps does not move at 1e-4.
    "cpu": StudyPreset(
        tokenizers=PAPER_TOKENIZERS,
        positions=POSITIONS,
        depths=(2, 1, 4),
        tasks=("prom/prom_core_tata", "mouse/0", "tf/0", "prom/prom_300_tata"),  # cheapest first
        seeds=(1, 2),
        model={"preset": "small", "hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 256},
        training={"num_train_epochs": 3, "learning_rate": 1e-3, "per_device_train_batch_size": 32},
        max_train_samples=3000,
        max_eval_samples=None,
    ),
    # for tests and the demo: seconds per cell
    "tiny": StudyPreset(
        tokenizers=("kmer:1", "kmer:3", "bpe:64"),
        positions=POSITIONS,
        depths=(1, 2),
        tasks=SHARED_TASKS[:1],
        seeds=(1, 2),
        model={"preset": "tiny"},
        training={"num_train_epochs": 1, "learning_rate": 3e-3, "per_device_train_batch_size": 16},
        max_train_samples=128,
        max_eval_samples=64,
    ),
}


@dataclass(frozen=True)
class Cell:
    task: str
    tokenizer: str
    position: str
    depth: int
    seed: int

    @property
    def name(self) -> str:
        tokenizer = self.tokenizer.replace(":", "")
        return f"{self.task.replace('/', '_')}__{tokenizer}__{self.position}__L{self.depth}__seed{self.seed}"


def grid(preset: StudyPreset) -> list[Cell]:
    """Cells in run order: depth (preset order), task, tokenizer, position, seed.

    Seeds are innermost so every finished group already has its mean ± sd, and a partial run
    holds complete tokenizer × position tables task by task at the first depth.
    """
    return [
        Cell(task, tokenizer, position, depth, seed)
        for depth in preset.depths
        for task in preset.tasks
        for tokenizer in preset.tokenizers
        for position in preset.positions
        for seed in preset.seeds
    ]


CELL_SETTINGS = "cell.json"


class StudySettingsConflict(ValueError):
    """The output folder holds finished cells trained with other settings."""


def cell_settings(cell: Cell, preset: StudyPreset) -> dict[str, Any]:
    """Everything that defines what a cell trains: its coordinates, the model and training settings
    and the data limits (not the grid's other axes: extending a grid keeps finished cells valid)."""
    return {
        "cell": asdict(cell),
        "model": preset.model,
        "training": preset.training,
        "max_train_samples": preset.max_train_samples,
        "max_eval_samples": preset.max_eval_samples,
    }


def settings_key(settings: dict[str, Any]) -> str:
    """A short hash of a run's defining settings (:func:`hf_genomics.fingerprint.settings_fingerprint`)."""
    return settings_fingerprint(settings)


def cell_key(cell: Cell, preset: StudyPreset) -> str:
    """A hash of :func:`cell_settings`, recorded in ``cells/<cell>/cell.json``."""
    return settings_key(cell_settings(cell, preset))


def recorded_preset(out_dir: Path) -> StudyPreset | None:
    """The preset in ``study.json`` (what cells written before settings were recorded used)."""
    try:
        grid_fields = json.loads((out_dir / "study.json").read_text())["grid"]
        axes = ("tokenizers", "positions", "depths", "tasks", "seeds")
        return StudyPreset(**{k: tuple(v) if k in axes else v for k, v in grid_fields.items()})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _recorded_key(folder: Path, cell: Cell, legacy: StudyPreset | None) -> str | None:
    try:
        return json.loads((folder / CELL_SETTINGS).read_text())["key"]
    except FileNotFoundError:  # a cell from before settings were recorded: study.json says which
        return cell_key(cell, legacy) if legacy is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cell_state(out_dir: Path, cell: Cell, preset: StudyPreset, legacy: StudyPreset | None = None) -> str:
    """``"missing"`` (not finished), ``"done"`` (finished with these settings) or ``"other"``
    (finished with other settings, or settings that cannot be told)."""
    folder = out_dir / "cells" / cell.name
    try:
        json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return "missing"
    return "done" if _recorded_key(folder, cell, legacy) == cell_key(cell, preset) else "other"


def cell_is_done(out_dir: Path, cell: Cell, preset: StudyPreset) -> bool:
    """Finished, with the settings ``preset`` gives it."""
    return cell_state(out_dir, cell, preset, recorded_preset(out_dir)) == "done"


def record_cell_settings(out_dir: Path, cell: Cell, preset: StudyPreset) -> None:
    write_json_atomic(
        out_dir / "cells" / cell.name / CELL_SETTINGS,
        {"key": cell_key(cell, preset), "settings": cell_settings(cell, preset)},
    )


def _cell_of(result: dict[str, Any]) -> Cell:
    return Cell(
        result["task"],
        result["tokenizer"],
        result["position_embedding_type"],
        int(result["model_config"]["num_hidden_layers"]),
        int(result["per_seed"][0]["seed"]),
    )


def stamp_legacy_cells(out_dir: Path) -> int:
    """Give finished cells without ``cell.json`` the settings of the ``study.json`` they were made
    with, before a new ``study.json`` replaces it; returns how many were stamped."""
    legacy = recorded_preset(out_dir)
    stamped = 0
    for results in sorted((out_dir / "cells").glob("*/results.json")):
        if legacy is None or (results.parent / CELL_SETTINGS).exists():
            continue
        try:
            cell = _cell_of(json.loads(results.read_text()))
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        if cell.name == results.parent.name:
            record_cell_settings(out_dir, cell, legacy)
            stamped += 1
    return stamped


def check_settings(out_dir: Path, cells: list[Cell], preset: StudyPreset) -> None:
    """Refuse to mix: raise if any cell of the grid was finished with other settings."""
    legacy = recorded_preset(out_dir)
    conflicts = [cell for cell in cells if cell_state(out_dir, cell, preset, legacy) == "other"]
    if not conflicts:
        return
    folder = out_dir / "cells" / conflicts[0].name
    try:
        recorded = json.loads((folder / CELL_SETTINGS).read_text())["settings"]
    except (OSError, ValueError, KeyError):
        recorded = "not recorded"
    raise StudySettingsConflict(
        f"{out_dir}: {len(conflicts)} cell(s) of this grid were finished with other settings, e.g. "
        f"{folder} (recorded: {recorded}; this run: {cell_settings(conflicts[0], preset)}); "
        "use another --output-dir, or delete those cell folders to retrain them"
    )


def bpe_tokenizer_dir(
    out_dir: Path, task: str, spec: str, preset: StudyPreset, gue_root: Path | None
) -> Path:
    """Learn (once) and save the BPE vocabulary of ``spec`` on the task's training rows."""
    from hf_genomics.data.gue import load_gue
    from hf_genomics.tokenization.spec import build_tokenizer

    rows = f"-n{preset.max_train_samples}" if preset.max_train_samples else ""  # learned on these rows
    folder = out_dir / "tokenizers" / f"{task.replace('/', '_')}-{spec.replace(':', '')}{rows}"
    if (folder / "tokenizer.json").is_file():
        return folder
    limits = {"train": preset.max_train_samples} if preset.max_train_samples else None
    train = load_gue(task, gue_root, splits=("train",), max_samples=limits)["train"]
    tokenizer = build_tokenizer(spec, train_sequences=train["sequence"])
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")  # one per process under accelerate
    tokenizer.save_pretrained(tmp)
    try:
        tmp.rename(folder)
    except OSError:  # another process got there first: same data, same vocabulary
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def run_cell(
    cell: Cell,
    preset: StudyPreset,
    out_dir: Path,
    gue_root: Path | None,
    *,
    tokenizer_name: str | None = None,
    model_name_or_path: str | None = None,
    cell_dir: Path | None = None,
) -> dict[str, Any]:
    """Train one cell through the run_classification code path; return its results.

    By default a fresh encoder with the cell's tokenizer (BPE learned on the task) into
    ``out_dir/cells/<cell>``; ``tokenizer_name`` / ``model_name_or_path`` / ``cell_dir`` let another
    study reuse the same recipe with a given vocabulary or a pretrained encoder (its own shape and
    position encoding then apply; the preset's training settings still do)."""
    import torch

    from hf_genomics.training.classification import (
        ClassificationArguments,
        StudyTrainingArguments,
        run_classification,
    )

    tokenizer = tokenizer_name or cell.tokenizer
    if tokenizer.startswith("bpe:"):
        tokenizer = str(bpe_tokenizer_dir(out_dir, cell.task, cell.tokenizer, preset, gue_root))
    model = {k: v for k, v in preset.model.items() if k != "preset"}
    preset_name = preset.model["preset"].format(depth=cell.depth)
    if "{depth}" not in preset.model["preset"]:
        model["num_hidden_layers"] = cell.depth
    args = ClassificationArguments(
        task_dir=cell.task,
        gue_root=str(gue_root) if gue_root else None,
        tokenizer_name=tokenizer,
        tokenizer_label=cell.tokenizer,
        position_embedding_type=cell.position,
        preset=preset_name,
        seeds=[cell.seed],
        max_train_samples=preset.max_train_samples,
        max_eval_samples=preset.max_eval_samples,
        save_model=False,
        model_name_or_path=model_name_or_path,
        **model,
    )
    training = StudyTrainingArguments(
        output_dir=str(cell_dir or out_dir / "cells" / cell.name),
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=True,
        logging_strategy="no",
        **preset.training,
    )
    return run_classification(args, training)


def baseline_path(baselines_dir: Path, task: str) -> Path:
    return Path(baselines_dir) / f"kmer_lr_{task.replace('/', '_')}.json"


def load_baselines(
    tasks: tuple[str, ...] | list[str],
    baselines_dir: Path | None,
    gue_root: Path | None = None,
    compute: bool = True,
) -> dict[str, dict[str, Any]]:
    """task -> the k-mer baseline's results (``test_mcc``, ``validation``...) from its JSON; with
    ``compute``, a missing one is fitted on the task (train, C on dev) and written first.

    A task whose baseline cannot be read or computed (no data here) is left out and logged; the
    tables then print "—" for it.
    """
    from hf_genomics.evaluation.report import write_json_atomic

    found: dict[str, dict[str, Any]] = {}
    if baselines_dir is None:
        return found
    for task in tasks:
        path = baseline_path(baselines_dir, task)
        if not path.is_file() and compute:
            from hf_genomics.evaluation.kmer_baseline import kmer_baseline_on_gue

            try:
                result = kmer_baseline_on_gue(task, gue_root)
            except (FileNotFoundError, NotADirectoryError, ValueError, KeyError) as error:
                logger.warning("no k-mer baseline for %s: %s", task, error)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, {"task": task, **result.to_dict()})
            logger.info("k-mer baseline for %s: test MCC %.4f -> %s", task, result.test["mcc"], path)
        if path.is_file():
            found[task] = json.loads(path.read_text())
    return found


def _baseline_text(baseline: dict[str, Any] | None) -> str:
    if not baseline:
        return "—"
    return f"{100 * baseline['test_mcc']:.2f} (dev {100 * baseline['validation']['mcc']:.2f})"


def cell_rows(out_dir: Path, preset: StudyPreset | None = None) -> list[dict[str, Any]]:
    """One CSV row per finished cell: of ``preset``'s grid, with its settings (every cell when None)."""
    rows = []
    paths = sorted((out_dir / "cells").glob("*/results.json"))
    if preset is not None:
        legacy = recorded_preset(out_dir)
        done = {cell.name for cell in grid(preset) if cell_state(out_dir, cell, preset, legacy) == "done"}
        paths = [path for path in paths if path.parent.name in done]
    for path in paths:
        result = json.loads(path.read_text())
        record = result["per_seed"][0]
        rows.append(
            {
                "task": result["task"],
                "tokenizer": result["tokenizer"],
                "position": result["position_embedding_type"],
                "depth": result["model_config"]["num_hidden_layers"],
                "seed": record["seed"],
                **{f"test_{k}": round(v, 6) for k, v in record["test"].items()},
                "best_dev_mcc": round(record["best_dev_mcc"], 6),
                "vocab_size": result["vocab_size"],
                "max_length_tokens": result["max_length_tokens"],
                "num_parameters": result["num_parameters"],
                "train_examples": result["train_examples"],
                "train_steps": record["train_steps"],
                "train_seconds": record["train_seconds"],
            }
        )
    return rows


def aggregate(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, float]]:
    """(task, tokenizer, position, depth) -> mean, sd (sample; 0 for one seed), n of test MCC,
    and ``dev_mean``, the mean best validation MCC (what the best-cell table selects on)."""
    groups: dict[tuple, list[float]] = defaultdict(list)
    dev: dict[tuple, list[float]] = defaultdict(list)
    for row in rows:
        key = (row["task"], row["tokenizer"], row["position"], int(row["depth"]))
        groups[key].append(float(row["test_mcc"]))
        dev[key].append(float(row.get("best_dev_mcc", row["test_mcc"])))
    summary = {}
    for key, values in groups.items():
        mean, sd, n = mean_sd(values)
        summary[key] = {"mean": mean, "sd": sd, "n": n, "dev_mean": mean_sd(dev[key]).mean}
    return summary


def _ordered(values, preferred) -> list:
    return [v for v in preferred if v in values] + sorted(v for v in values if v not in preferred)


def markdown_report(
    rows: list[dict[str, Any]],
    preset_name: str,
    total_cells: int,
    expected_tasks: tuple[str, ...] = (),
    baselines: dict[str, dict[str, Any]] | None = None,
) -> str:
    """Tables of MCC × 100 (mean ± sd over seeds, n seeds) and the best cell per task, each beside
    the k-mer baseline (``baselines``: task -> its results JSON) and pretrained DNABERT-2.

    Tasks of the grid with no finished cell still get a row in the best-cell table ("not run yet").
    """
    baselines = baselines or {}
    summary = aggregate(rows)
    tasks = _ordered({k[0] for k in summary}, SHARED_TASKS)
    tokenizers = _ordered({k[1] for k in summary}, PAPER_TOKENIZERS)
    positions = _ordered({k[2] for k in summary}, POSITIONS)
    depths = sorted({k[3] for k in summary})
    lines = [
        f"# Coding-schemes study — preset `{preset_name}`",
        "",
        f"{len(rows)} of {total_cells} cells finished. Test MCC × 100, mean ± sd over seeds (n seeds);",
        "each cell: best checkpoint by validation MCC, test split evaluated once.",
        "",
        "## Best cell per task",
        "",
        "The cell is chosen by mean validation MCC; its test MCC is the honest number. The highest test",
        "MCC in the grid is shown too, but picking it uses the test split and is optimistic.",
        f"Beside them: the {BASELINE_LABEL} — bag of 3–6-mer frequencies, logistic regression, C chosen",
        "on dev MCC, full training split — test MCC (its dev MCC in brackets), and pretrained DNABERT-2",
        "(DNABERT-2 paper, Table 4).",
        "",
        "| task | best by validation (tokenizer, position, depth) | its test MCC | highest test MCC in grid "
        f"| {BASELINE_LABEL} | pretrained DNABERT-2 |",
        "|---|---|---|---|---|---|",
    ]
    for task in _ordered(set(tasks) | set(expected_tasks), SHARED_TASKS):
        candidates = {k: v for k, v in summary.items() if k[0] == task}
        if not candidates:
            lines.append(
                f"| {task} | not run yet | — | — | {_baseline_text(baselines.get(task))} "
                f"| {DNABERT2_MCC.get(task, '—')} |"
            )
            continue
        key, best = max(candidates.items(), key=lambda item: item[1]["dev_mean"])
        top_key, top = max(candidates.items(), key=lambda item: item[1]["mean"])
        published = DNABERT2_MCC.get(task)
        lines.append(
            f"| {task} | {key[1]}, {key[2]}, L{key[3]} | {100 * best['mean']:.2f} ± {100 * best['sd']:.2f} "
            f"(n={best['n']}) | {100 * top['mean']:.2f} ({top_key[1]}, {top_key[2]}, L{top_key[3]}) "
            f"| {_baseline_text(baselines.get(task))} | {published if published is not None else '—'} |"
        )
    header = [f"L{d} {p}" for d in depths for p in positions]
    for task in tasks:
        published = DNABERT2_MCC.get(task)
        lines += [
            "",
            f"## {task}",
            "",
            f"Beside these cells: {BASELINE_LABEL} {_baseline_text(baselines.get(task))}; "
            f"pretrained DNABERT-2 {published if published is not None else '—'}.",
            "",
            "| tokenizer | " + " | ".join(header) + " |",
        ]
        lines.append("|---" * (len(header) + 1) + "|")
        for tokenizer in tokenizers:
            cells = []
            for depth in depths:
                for position in positions:
                    value = summary.get((task, tokenizer, position, depth))
                    cells.append(
                        "—"
                        if value is None
                        else f"{100 * value['mean']:.1f} ± {100 * value['sd']:.1f} ({value['n']})"
                    )
            lines.append(f"| {tokenizer} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_tables(
    out_dir: Path,
    preset_name: str,
    total_cells: int,
    expected_tasks: tuple[str, ...] = (),
    preset: StudyPreset | None = None,
    baselines: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """results.csv, summary.csv and results.md from the finished cells (of ``preset``'s grid and
    settings when given)."""
    rows = cell_rows(out_dir, preset)
    write_csv_atomic(out_dir / "results.csv", rows, CSV_FIELDS)
    write_csv_atomic(
        out_dir / "summary.csv",
        (
            [*key, f"{value['mean']:.6f}", f"{value['sd']:.6f}", value["n"]]
            for key, value in sorted(aggregate(rows).items())
        ),
        ["task", "tokenizer", "position", "depth", "test_mcc_mean", "test_mcc_sd", "n_seeds"],
    )
    if rows:
        write_text_atomic(
            out_dir / "results.md",
            markdown_report(rows, preset_name, total_cells, expected_tasks, baselines),
        )
    return rows


def _panel_caption(panel: str, tasks: list[str], baselines: dict[str, dict[str, Any]]) -> str:
    """Panel title with the k-mer baseline and DNABERT-2 beside it (means over tasks for the mean panel)."""
    names = tasks if panel == "mean over tasks" else [panel]
    kmer = [baselines[t]["test_mcc"] for t in names if t in baselines]
    dnabert2 = [DNABERT2_MCC[t] for t in names if t in DNABERT2_MCC]
    kmer_text = f"{100 * sum(kmer) / len(kmer):.1f}" if len(kmer) == len(names) else "—"
    dnabert2_text = f"{sum(dnabert2) / len(dnabert2):.1f}" if len(dnabert2) == len(names) else "—"
    return f"{panel}\nk-mer LR {kmer_text} · DNABERT-2 {dnabert2_text}"


def write_plots(
    out_dir: Path, rows: list[dict[str, Any]], baselines: dict[str, dict[str, Any]] | None = None
) -> list[Path]:
    """Heatmaps (tokenizer × position, one panel per task + mean) per depth, each panel captioned with
    the k-mer baseline and DNABERT-2 test MCC, and the depth curve."""
    baselines = baselines or {}
    if not rows:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    summary = aggregate(rows)
    tasks = _ordered({k[0] for k in summary}, SHARED_TASKS)
    tokenizers = _ordered({k[1] for k in summary}, PAPER_TOKENIZERS)
    positions = _ordered({k[2] for k in summary}, POSITIONS)
    depths = sorted({k[3] for k in summary})
    written = []
    for depth in depths:
        panels = [*tasks, "mean over tasks"] if len(tasks) > 1 else tasks
        fig, axes = plt.subplots(
            1, len(panels), figsize=(max(5.0, 3.2 * len(panels)), 0.45 * len(tokenizers) + 1.8)
        )
        axes = np.atleast_1d(axes)
        for ax, panel in zip(axes, panels):
            matrix = np.full((len(tokenizers), len(positions)), np.nan)
            for i, tokenizer in enumerate(tokenizers):
                for j, position in enumerate(positions):
                    if panel == "mean over tasks":
                        found = [summary.get((t, tokenizer, position, depth)) for t in tasks]
                        complete = all(value is not None for value in found)  # no mean over a partial row
                        matrix[i, j] = np.mean([v["mean"] for v in found]) if complete else np.nan
                    elif (panel, tokenizer, position, depth) in summary:
                        matrix[i, j] = summary[(panel, tokenizer, position, depth)]["mean"]
            image = ax.imshow(100 * matrix, cmap="viridis", aspect="auto")
            low, high = image.get_clim()
            for (i, j), value in np.ndenumerate(matrix):
                if not np.isnan(value):
                    dark = 100 * value < low + 0.6 * (high - low)  # white text on the dark end of viridis
                    ax.text(
                        j,
                        i,
                        f"{100 * value:.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
                    )
            ax.set_xticks(range(len(positions)), positions, rotation=30)
            ax.set_yticks(range(len(tokenizers)), tokenizers)
            ax.set_title(_panel_caption(panel, tasks, baselines), fontsize=8)
            fig.colorbar(image, ax=ax, fraction=0.046)
        fig.suptitle(
            f"Test MCC × 100 (mean over seeds), {depth} layer(s); captions: k-mer LR baseline "
            "and pretrained DNABERT-2 test MCC × 100",
            fontsize=9,
        )
        fig.tight_layout()
        path = out_dir / f"heatmap_L{depth}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, axis_values, index, title in (
        (left, tokenizers, 1, "by tokenizer"),
        (right, positions, 2, "by position"),
    ):
        for value in axis_values:
            xs, ys = [], []
            for depth in depths:
                means = [v["mean"] for k, v in summary.items() if k[index] == value and k[3] == depth]
                if means:
                    xs.append(depth)
                    ys.append(100 * sum(means) / len(means))
            ax.plot(xs, ys, marker="o", label=value)
        ax.set_xlabel("encoder layers")
        ax.set_title(f"mean test MCC × 100 over tasks, {title}")
        ax.set_xticks(depths)
        ax.legend(fontsize=8)
    left.set_ylabel("MCC × 100")
    fig.tight_layout()
    path = out_dir / "depth_curve.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def run_study(
    preset: StudyPreset,
    out_dir: Path,
    gue_root: Path | None = None,
    preset_name: str = "custom",
    max_cells: int | None = None,
    cell_runner: Callable[..., dict[str, Any]] = run_cell,
    plots: bool = True,
    baselines_dir: Path | None = None,
) -> dict[str, Any]:
    """Run (or resume) the grid; ``max_cells`` stops after that many newly trained cells.

    Holds the output folder's lock throughout (a second runner fails at once, naming the holder).
    A cell counts as finished only with the settings this run gives it (``cells/<cell>/cell.json``);
    cells of the grid finished with other settings stop the run before anything is trained.
    """
    with lock_output_dir(out_dir):
        return _run_study(
            preset, out_dir, gue_root, preset_name, max_cells, cell_runner, plots, baselines_dir
        )


def _run_study(
    preset, out_dir, gue_root, preset_name, max_cells, cell_runner, plots, baselines_dir
) -> dict[str, Any]:
    """The body of :func:`run_study`; the k-mer baselines are read from ``baselines_dir`` (default
    ``<out_dir>/../baselines``) and computed there first when missing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    baselines = load_baselines(
        preset.tasks, baselines_dir or out_dir.parent / "baselines", gue_root, compute=True
    )
    cells = grid(preset)
    stamped = stamp_legacy_cells(out_dir)
    if stamped:
        logger.info("%d finished cells recorded with the settings of their study.json", stamped)
    check_settings(out_dir, cells, preset)
    write_text_atomic(
        out_dir / "study.json",
        json.dumps(
            {"preset": preset_name, "grid": {k: v for k, v in preset.__dict__.items()}},
            indent=2,
            default=list,
        ),
    )
    skipped = trained = 0
    for index, cell in enumerate(cells, start=1):
        if cell_state(out_dir, cell, preset) == "done":
            skipped += 1
            continue
        if max_cells is not None and trained >= max_cells:
            break
        shutil.rmtree(out_dir / "cells" / cell.name, ignore_errors=True)  # leftovers of a killed cell
        record_cell_settings(out_dir, cell, preset)
        start = time.perf_counter()
        logger.info("[%d/%d] training cell %s", index, len(cells), cell.name)
        result = cell_runner(cell, preset, out_dir, gue_root)
        trained += 1
        logger.info("    test MCC %.4f (%.1f s)", result["test_mcc"], time.perf_counter() - start)
        write_tables(out_dir, preset_name, len(cells), preset.tasks, preset, baselines)
    rows = write_tables(out_dir, preset_name, len(cells), preset.tasks, preset, baselines)
    images = write_plots(out_dir, rows, baselines) if plots else []
    return {"cells": len(cells), "done": len(rows), "skipped": skipped, "trained": trained, "plots": images}


@dataclass
class CodingSchemesConfig:
    """Options of ``hf-genomics study coding-schemes`` (each is a ``--flag``; dashes or underscores)."""

    preset: str = field(default="cpu", metadata={"help": "grid preset", "choices": sorted(PRESETS)})
    output_dir: Path = field(default=Path("runs/coding_schemes"), metadata={"help": "cells, tables, plots"})
    gue_root: Path | None = field(default=None, metadata={"help": "GUE root (default: <shared data>/gue)"})
    tasks: list[str] | None = field(
        default=None, metadata={"help": "task names or paths, e.g. prom_core_tata tf/0", "nargs": "*"}
    )
    tokenizers: list[str] | None = field(
        default=None, metadata={"help": "tokenizer specs, e.g. kmer:3 bpe:4096", "nargs": "*"}
    )
    positions: list[str] | None = field(
        default=None, metadata={"help": "position encodings", "choices": POSITIONS, "nargs": "*"}
    )
    depths: list[int] | None = field(default=None, metadata={"help": "encoder depths", "nargs": "*"})
    seeds: list[int] | None = field(default=None, metadata={"help": "seeds per cell", "nargs": "*"})
    bpe_ablation: list[int] | None = field(
        default=None,
        metadata={
            "help": "BPE vocabulary-size ablation: replace the tokenizers by bpe:V for these sizes "
            f"(no value: {' '.join(map(str, BPE_ABLATION_SIZES))})",
            "nargs": "*",
        },
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "0 = all training rows"})
    num_train_epochs: float | None = field(default=None, metadata={"help": "override the preset's epochs"})
    max_cells: int | None = field(default=None, metadata={"help": "stop after training this many cells"})
    baselines_dir: Path | None = field(
        default=None,
        metadata={
            "help": "k-mer baseline JSONs (computed there when missing; default: <output_dir>/../baselines)"
        },
    )
    threads: int | None = field(default=None, metadata={"help": "torch.set_num_threads for CPU runs"})
    report_only: bool = field(default=False, metadata={"help": "rebuild tables and plots, train nothing"})


def select_preset(args: CodingSchemesConfig | argparse.Namespace) -> StudyPreset:
    """The named preset with command-line overrides of the grid axes."""
    args = config_from(args, CodingSchemesConfig)
    preset = PRESETS[args.preset]
    changes: dict[str, Any] = {}
    for name in ("tokenizers", "positions", "depths", "tasks", "seeds"):
        value = getattr(args, name)
        if value:
            changes[name] = tuple(value)
    if args.bpe_ablation is not None:
        changes["tokenizers"] = tuple(f"bpe:{size}" for size in (args.bpe_ablation or BPE_ABLATION_SIZES))
    if args.max_train_samples is not None:
        changes["max_train_samples"] = args.max_train_samples or None
    if args.num_train_epochs is not None:
        changes["training"] = {**preset.training, "num_train_epochs": args.num_train_epochs}
    return replace(preset, **changes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, CodingSchemesConfig)


def run(args: argparse.Namespace | CodingSchemesConfig) -> int:
    import datasets

    from hf_genomics.data.gue import get_task

    args = config_from(args, CodingSchemesConfig)
    setup_logging()

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    datasets.disable_progress_bars()
    preset = select_preset(args)
    preset = replace(preset, tasks=tuple(get_task(t).path for t in preset.tasks))
    gue_root = args.gue_root
    if gue_root is None:
        from hf_genomics.paths import shared_data_dir

        shared = shared_data_dir()
        gue_root = shared / "gue" if shared else None
    if args.report_only:
        baselines = load_baselines(
            preset.tasks, args.baselines_dir or args.output_dir.parent / "baselines", gue_root
        )
        rows = write_tables(args.output_dir, args.preset, len(grid(preset)), preset.tasks, preset, baselines)
        write_plots(args.output_dir, rows, baselines)
        logger.info("%d cells reported in %s", len(rows), args.output_dir)
        return 0
    outcome = run_study(
        preset,
        args.output_dir,
        gue_root,
        args.preset,
        max_cells=args.max_cells,
        baselines_dir=args.baselines_dir,
    )
    logger.info(
        "%d of %d cells done (%d trained now, %d resumed); tables and plots in %s",
        outcome["done"],
        outcome["cells"],
        outcome["trained"],
        outcome["skipped"],
        args.output_dir,
    )
    return 0


__all__ = [
    "PRESETS",
    "Cell",
    "CodingSchemesConfig",
    "StudyPreset",
    "StudySettingsConflict",
    "cell_is_done",
    "cell_key",
    "grid",
    "load_baselines",
    "markdown_report",
    "run_study",
    "write_plots",
    "write_tables",
]
