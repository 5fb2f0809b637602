"""The table in README.md, from the committed results: ``python summarize.py <this folder>``.

Reads ``seed<n>/<task>.json`` (each a ``gue-recipe`` run's ``results.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hf_genomics.training.gue_protocol import published

ORDER = [
    "prom/prom_core_tata",
    "prom/prom_core_notata",
    "prom/prom_300_tata",
    "tf/0",
    "tf/1",
    "tf/4",
    "mouse/0",
]


def rows(folder: Path) -> list[dict]:
    found = []
    for seed_dir in sorted(folder.glob("seed*")):
        for task in ORDER:
            path = seed_dir / f"{task.replace('/', '_')}.json"
            if not path.is_file():
                continue
            r = json.loads(path.read_text())
            blend, candidate = r["blend"], r["candidates"][r["neural_model"]]
            found.append(
                {
                    "task": task,
                    "seed": int(seed_dir.name[4:]),
                    "cnn": 100 * blend["transformer_test"]["mcc"],
                    "cnn_dev": 100 * r["dev_mcc"],
                    "kmer": 100 * r["kmer_baseline_test_mcc"],
                    "kmer_dev": 100 * r["kmer_baseline_dev_mcc"],
                    "blend": 100 * blend["test"]["mcc"],
                    "blend_dev": 100 * blend["dev_mcc"],
                    "w": blend["weight_transformer"],
                    "selected": r["selected_model"],
                    "sel": 100 * r["selected_test_mcc"],
                    "dnabert2": published(task, "DNABERT-2"),
                    "size": candidate["planned"].get("size", [64, 4]),
                    "steps": r["per_seed"][0]["train_steps"],
                    "epochs": candidate["planned"]["epochs"],
                    "probe": r["budget"]["seconds_per_step_probe"],
                    "wall": r["budget"]["total_seconds"],
                }
            )
    return found


def main(folder: Path) -> None:
    table = rows(folder)
    print(
        "| task | seed | CNN test MCC (dev) | k-mer baseline test MCC (dev) | CNN ≥ baseline | blend test MCC (dev), "
        "CNN weight | selected on dev → test MCC | pretrained DNABERT-2 | selected ≥ DNABERT-2 | CNN channels × "
        "blocks, steps (planned epochs) | s/step probe | wall clock |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in table:
        print(
            f"| {x['task']} | {x['seed']} | {x['cnn']:.2f} ({x['cnn_dev']:.2f}) | {x['kmer']:.2f} ({x['kmer_dev']:.2f}) "
            f"| {'yes' if x['cnn'] >= x['kmer'] else 'no'} | {x['blend']:.2f} ({x['blend_dev']:.2f}), w={x['w']:g} "
            f"| {x['selected']} → **{x['sel']:.2f}** | {x['dnabert2']:.2f} | {'yes' if x['sel'] >= x['dnabert2'] else 'no'} "
            f"| {x['size'][0]} × {x['size'][1]}, {x['steps']} ({x['epochs']:.2f}) | {x['probe']:.2f} | {x['wall']:.0f} s |"
        )
    for seed in sorted({x["seed"] for x in table}):
        mine = [x for x in table if x["seed"] == seed]
        n = len(mine)
        print(
            f"\nseed {seed}: {n} task(s); CNN ≥ k-mer baseline on {sum(x['cnn'] >= x['kmer'] for x in mine)}; "
            f"selected ≥ DNABERT-2 on {sum(x['sel'] >= x['dnabert2'] for x in mine)}; means: CNN "
            f"{sum(x['cnn'] for x in mine) / n:.2f}, baseline {sum(x['kmer'] for x in mine) / n:.2f}, selected "
            f"{sum(x['sel'] for x in mine) / n:.2f}, DNABERT-2 {sum(x['dnabert2'] for x in mine) / n:.2f}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
