"""The tables of a results folder, from its committed JSONs: ``python summarize.py <folder>``
(``--checkpoints K``: the recipe's tail with K best checkpoints averaged, from each run's
``checkpoint_averaging``, instead of the number the run's recipe used).

Reads ``<folder>/seed<n>/<task>.json`` (each a ``gue-recipe`` run's ``results.json``): one row per
run, then per task the mean over seeds, with the published DNABERT-2 and NT-2500M-multi numbers."""

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


def recipe_tail(run: dict, checkpoints: str | None) -> dict:
    """The CNN / blend / selection numbers of a run: as the run's recipe chose them, or (``checkpoints``)
    its ``checkpoint_averaging`` row for that many checkpoints averaged, on the same trained seeds."""
    blend = run["blend"]
    if checkpoints is None:
        return {
            "cnn": blend["transformer_test"]["mcc"],
            "cnn_dev": blend["dev_mcc_by_transformer_weight"].get("1.0", run["dev_mcc"]),
            "blend": blend["test"]["mcc"],
            "blend_dev": blend["dev_mcc"],
            "w": blend["weight_transformer"],
            "selected": run["selected_model"],
            "sel": run["selected_test_mcc"],
            **spare_time_tail(run),
        }
    row = run["checkpoint_averaging"][checkpoints]
    # the blend's test MCC is stored only as the selection's; its end points are the two models
    ends = {1.0: row["neural_test_mcc"], 0.0: run["kmer_baseline_test_mcc"]}
    return {
        "cnn": row["neural_test_mcc"],
        "cnn_dev": row["neural_dev_mcc"],
        "blend": ends.get(row["blend_weight"], row["selected_test_mcc"]),
        "blend_dev": row["blend_dev_mcc"],
        "w": row["blend_weight"],
        "selected": row["selected_model"],
        "sel": row["selected_test_mcc"],
    }


def spare_time_tail(run: dict) -> dict:
    """The other neural models (trained in the CNN's spare time, or the other ``--models``
    candidate) and the ensemble, for runs that had one."""
    ensemble = run.get("ensemble")
    if not ensemble:
        return {}
    spare = run.get("spare_time")
    # every model of the spare time (a list since the unaugmented CNN joined; before, one dict), or
    # the other --models candidate
    others = [spare] if isinstance(spare, dict) else spare or [run["candidates"][ensemble["models"][1]]]
    return {
        "spare": " / ".join(f"{other['test_mcc'] * 100:.2f}" for other in others),
        "spare_dev": " / ".join(f"{other['dev_mcc'] * 100:.2f}" for other in others),
        "spare_models": " / ".join(other.get("model", ensemble["models"][1]) for other in others),
        "ens": ensemble["test"]["mcc"],
        "ens_dev": ensemble["dev_mcc"],
        "weights": " / ".join(f"{name} {w:g}" for name, w in ensemble["weights"].items()),
    }


def selected_dev(row: dict) -> float:
    """The validation MCC × 100 of the model the run selected."""
    if "ens_dev" in row:  # the ensemble's weightings include every other choice: it selected
        return row["ens_dev"]
    return {"kmer_baseline": row["kmer_dev"], "blend": row["blend_dev"]}.get(row["selected"], row["cnn_dev"])


def rows(folder: Path, checkpoints: str | None = None) -> list[dict]:
    found = []
    for seed_dir in sorted(folder.glob("seed*")):
        for task in ORDER:
            path = seed_dir / f"{task.replace('/', '_')}.json"
            if not path.is_file():
                continue
            r = json.loads(path.read_text())
            candidate = r["candidates"][r["neural_model"]]
            # cnn_dev: the validation MCC of the same models as the test column (their mean, when several)
            tail = recipe_tail(r, checkpoints)
            found.append(
                {
                    "task": task,
                    "seed": int(seed_dir.name[4:]),
                    **{key: value if key in TEXT_FIELDS else 100 * value for key, value in tail.items()},
                    "kmer": 100 * r["kmer_baseline_test_mcc"],
                    "kmer_dev": 100 * r["kmer_baseline_dev_mcc"],
                    "dnabert2": published(task, "DNABERT-2"),
                    "size": candidate["planned"].get("size", [64, 4]),
                    "steps": r["per_seed"][0]["train_steps"],
                    "seeds": len(r["transformer_seeds"]),
                    "epochs": candidate["planned"]["epochs"],
                    # trained, not planned: a run paced by the clock trains past (or short of) its plan
                    "epochs_trained": trained_epochs(r["per_seed"][0]["train_steps"], candidate["planned"]),
                    # the step at whose end the CNN's augmentation stopped, and its best step
                    "finish_from": r["per_seed"][0].get("unaugmented_from_step"),
                    "best_step": r["per_seed"][0].get("best_step"),
                    "probe": r["budget"]["seconds_per_step_probe"],
                    "wall": r["budget"]["total_seconds"],
                }
            )
    return found


TEXT_FIELDS = ("w", "selected", "weights", "spare", "spare_dev", "spare_models")  # not MCCs to scale


def trained_epochs(steps: int, planned: dict) -> float:
    """Epochs of ``steps`` optimizer steps, at the plan's steps per epoch."""
    return steps * planned["epochs"] / max(planned["max_steps"], 1)


def main(folder: Path, checkpoints: str | None = None) -> None:
    table = rows(folder, checkpoints)
    print(
        "| task | seed | CNN test MCC (dev) | k-mer baseline test MCC (dev) | CNN ≥ baseline | blend test MCC (dev), "
        "CNN weight | selected on dev → test MCC | pretrained DNABERT-2 | selected ≥ DNABERT-2 | CNN channels × "
        "blocks, steps (epochs trained; planned) | s/step probe | wall clock |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in table:
        print(
            f"| {x['task']} | {x['seed']} | {x['cnn']:.2f} ({x['cnn_dev']:.2f}) | {x['kmer']:.2f} ({x['kmer_dev']:.2f}) "
            f"| {'yes' if x['cnn'] >= x['kmer'] else 'no'} | {x['blend']:.2f} ({x['blend_dev']:.2f}), w={x['w']:g} "
            f"| {x['selected']} → **{x['sel']:.2f}** | {x['dnabert2']:.2f} | {'yes' if x['sel'] >= x['dnabert2'] else 'no'} "
            f"| {x['size'][0]} × {x['size'][1]}, {x['steps']} ({x['epochs_trained']:.2f}; {x['epochs']:.2f}), {x['seeds']} model(s) "
            f"| {x['probe']:.2f} | {x['wall']:.0f} s |"
        )
    spare = [x for x in table if "ens" in x]
    if spare:
        print(
            "\n| task | seed | other models (spare time or candidate): test MCC (dev) | ensemble weights "
            "(validation) | ensemble test MCC (dev) |\n|---|---|---|---|---|"
        )
        for x in spare:
            print(
                f"| {x['task']} | {x['seed']} | {x['spare_models']}: {x['spare']} ({x['spare_dev']}) | {x['weights']} "
                f"| {x['ens']:.2f} ({x['ens_dev']:.2f}) |"
            )
    finishing = [x for x in table if x["finish_from"] is not None]
    if finishing:
        print(
            "\n| task | seed | CNN augmented until step | of steps | best checkpoint's step "
            "| best in the finish |\n|---|---|---|---|---|---|"
        )
        for x in finishing:
            print(
                f"| {x['task']} | {x['seed']} | {x['finish_from']} | {x['steps']} | {x['best_step']} "
                f"| {'yes' if x['best_step'] is not None and x['best_step'] > x['finish_from'] else 'no'} |"
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
    mean_table(table)


def mean_table(table: list[dict]) -> None:
    """Per task, the mean over its seeds (sd when two or more) against the baseline and the references."""
    from statistics import mean, stdev

    print(
        "\n| task | seeds | CNN test MCC | k-mer baseline | CNN ≥ baseline | selected on validation | "
        "DNABERT-2 (published) | selected ≥ DNABERT-2 | NT-2500M-multi (published) | HyenaDNA (published, "
        "another protocol) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    wins = beats = 0
    for task in ORDER:
        mine = [x for x in table if x["task"] == task]
        if not mine:
            continue

        def spread(key: str, mine: list[dict] = mine) -> str:
            values = [x[key] for x in mine]
            return f"{mean(values):.2f}" + (f" ± {stdev(values):.2f}" if len(values) > 1 else "")

        cnn, kmer, sel = (mean(x[key] for x in mine) for key in ("cnn", "kmer", "sel"))
        nt, hyena = published(task, "NT-2500M-multi"), published(task, "HyenaDNA")
        wins += cnn >= kmer
        beats += sel >= mine[0]["dnabert2"]
        print(
            f"| {task} | {len(mine)} | {spread('cnn')} | {kmer:.2f} | {'yes' if cnn >= kmer else 'no'} "
            f"| {spread('sel')} | {mine[0]['dnabert2']:.2f} | {'yes' if sel >= mine[0]['dnabert2'] else 'no'} "
            f"| {'–' if nt is None else f'{nt:.2f}'} | {'–' if hyena is None else f'{hyena:.1f}'} |"
        )
    print(f"\nmeans over seeds: CNN ≥ k-mer baseline on {wins} task(s); selected ≥ DNABERT-2 on {beats}")


def checkpoints_option(arguments: list[str]) -> tuple[list[str], str | None]:
    """The command line without ``--checkpoints K``, and K (None when not given): this script's and
    ``compare_validation.py``'s option."""
    if "--checkpoints" not in arguments:
        return arguments, None
    at = arguments.index("--checkpoints")
    return arguments[:at] + arguments[at + 2 :], arguments[at + 1]


if __name__ == "__main__":  # summarize.py <folder> [--checkpoints K]
    folders, k = checkpoints_option(sys.argv[1:])
    main(Path(folders[0]), k)
