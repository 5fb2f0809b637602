"""How many best checkpoints to average, from the runs themselves: ``python compare_checkpoints.py <folder>``.

Every ``gue-recipe`` run's ``results.json`` holds ``checkpoint_averaging``: the recipe's tail (the
neural model alone, the blend with the k-mer baseline, the selection) redone for 1, 2 and 3 best
checkpoints of each seed, on the same trained seeds. The comparison is therefore paired run by
run; the choice is made on the **validation** columns (mean over tasks of the per-task seed means).
Test columns are printed for the record only.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from summarize import ORDER  # the script's folder is on sys.path

from hf_genomics.training.gue_protocol import published


def per_task(folder: Path) -> dict[str, dict[str, dict[str, list[float]]]]:
    """``{k: {task: {column: [value per seed]}}}`` (MCC × 100)."""
    table: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for path in sorted(folder.glob("seed*/*.json")):
        run = json.loads(path.read_text())
        task = next(t for t in ORDER if t.replace("/", "_") == path.stem)
        for k, row in run.get("checkpoint_averaging", {}).items():
            cells = table[k][task]
            cells["neural_dev"].append(100 * row["neural_dev_mcc"])
            cells["selected_dev"].append(100 * row["blend_dev_mcc"])
            cells["neural_test"].append(100 * row["neural_test_mcc"])
            cells["selected_test"].append(100 * row["selected_test_mcc"])
    return table


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def main(folder: Path) -> None:
    table = per_task(folder)
    columns = ("neural_dev", "selected_dev", "neural_test", "selected_test")
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
