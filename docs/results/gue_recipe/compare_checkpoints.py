"""How many best checkpoints to average, from the runs themselves: ``python compare_checkpoints.py <folder>``.

Every ``gue-recipe`` run's ``results.json`` holds ``checkpoint_averaging``: the recipe's tail (the
neural model alone, the blend with the k-mer baseline, the selection) redone for 1, 2 and 3 best
checkpoints of each seed, on the same trained seeds. The comparison is therefore paired run by
run; the choice is made on the **validation** columns (mean over tasks of the per-task seed means).
Test columns are printed for the record only.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from statistics import mean

from summarize import ORDER, rows  # the script's folder is on sys.path

from hf_genomics.training.gue_protocol import published
from hf_genomics.training.gue_recipe import CHECKPOINT_CHOICES

# this script's column -> summarize.rows' key (the selected model's validation MCC is the blend's:
# the blend weight is chosen among 0 (baseline), mixes and 1 (the CNN) on validation)
COLUMNS = {"neural_dev": "cnn_dev", "selected_dev": "blend_dev", "neural_test": "cnn", "selected_test": "sel"}


def per_task(folder: Path) -> dict[str, dict[str, dict[str, list[float]]]]:
    """``{k: {task: {column: [value per seed]}}}`` (MCC × 100), from each run's ``checkpoint_averaging``."""
    table: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for k in map(str, CHECKPOINT_CHOICES):
        for row in rows(folder, k):
            for column, key in COLUMNS.items():
                table[k][row["task"]][column].append(row[key])
    return table


def main(folder: Path) -> None:
    table = per_task(folder)
    columns = tuple(COLUMNS)
    print("| checkpoints averaged | tasks | runs | " + " | ".join(columns) + " | selected ≥ DNABERT-2 |")
    print("|---|---|---|" + "---|" * (len(columns) + 1))
    for k in sorted(table):
        tasks = [t for t in ORDER if t in table[k]]
        means = {c: mean([mean(table[k][t][c]) for t in tasks]) for c in columns}
        wins = sum(mean(table[k][t]["selected_test"]) >= published(t, "DNABERT-2") for t in tasks)
        runs = sum(len(table[k][t]["neural_dev"]) for t in tasks)
        print(
            f"| {k} | {len(tasks)} | {runs} | "
            + " | ".join(f"{means[c]:.2f}" for c in columns)
            + f" | {wins} |"
        )
    print("\n| task | " + " | ".join(f"k={k}: selected dev / test" for k in sorted(table)) + " |")
    print("|---|" + "---|" * len(table))
    for t in ORDER:
        if all(t in table[k] for k in table):
            cells = [
                f"{mean(table[k][t]['selected_dev']):.2f} / {mean(table[k][t]['selected_test']):.2f}"
                for k in sorted(table)
            ]
            print(f"| {t} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
