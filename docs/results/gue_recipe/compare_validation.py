"""Two or more results folders side by side on **validation** MCC only (the recipe's choices are made
there): ``python compare_validation.py <folder> <folder> ... [--checkpoints K]``.

Per task, the mean over a folder's seeds of the selected model's and the CNN's validation MCC × 100
(``seed<n>/<task>.json`` as in ``summarize.py``), then the mean over the tasks every folder has.
``--checkpoints K`` reads every run's ``checkpoint_averaging`` row K (runs that measured it), so a
folder run with another ``checkpoints_averaged`` is compared as the recipe with K."""

from __future__ import annotations

import sys
from pathlib import Path
from statistics import mean

from summarize import ORDER, checkpoints_option, rows, selected_dev


def validation_by_task(folder: Path, checkpoints: str | None = None) -> dict[str, tuple[float, float]]:
    """task -> (selected model's, CNN's) validation MCC, mean over seeds."""
    found: dict[str, list[tuple[float, float]]] = {}
    for row in rows(folder, checkpoints):
        found.setdefault(row["task"], []).append((selected_dev(row), row["cnn_dev"]))
    return {task: (mean(s for s, _ in v), mean(c for _, c in v)) for task, v in found.items()}


def main(folders: list[Path], checkpoints: str | None = None) -> None:
    tables = [validation_by_task(folder, checkpoints) for folder in folders]
    tasks = [task for task in ORDER if all(task in table for table in tables)]
    names = [folder.name for folder in folders]
    header = ["task", *(f"selected: {n}" for n in names), *(f"CNN: {n}" for n in names)]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for task in tasks:
        cells = [f"{t[task][0]:.2f}" for t in tables] + [f"{t[task][1]:.2f}" for t in tables]
        print(f"| {task} | " + " | ".join(cells) + " |")
    means = [f"**{mean(t[task][0] for task in tasks):.2f}**" for t in tables]
    means += [f"**{mean(t[task][1] for task in tasks):.2f}**" for t in tables]
    print("| **mean** | " + " | ".join(means) + " |")


if __name__ == "__main__":
    folders, k = checkpoints_option(sys.argv[1:])
    main([Path(folder) for folder in folders], k)
