"""Is the three-model ensemble's choice better than the two-model blend's on validation rows it did not
see? ``python cross_fit.py RUNS [--repeats 200]`` (RUNS: the ``runs/`` folder of a measurement, with
``seed<n>/<task>/`` gue-recipe outputs, weights included).

The recipe picks the ensemble's weights among 15 weightings on the whole validation split, and the
blend's among 5, so the ensemble's validation MCC is the larger by construction. Here each run's
validation rows are split in random halves: both procedures choose on one half and are scored on
the other (and the other way round), ``--repeats`` times; test is never read. The models are
re-read from the run folder: the CNN (its seeds averaged, both strands), the transformer trained in
spare time, and the k-mer baseline refitted at the C the run chose (its validation MCC is checked
against the run's)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from hf_genomics.analysis.loading import load_model_and_tokenizer
from hf_genomics.analysis.predict import predict
from hf_genomics.data.gue import load_gue
from hf_genomics.evaluation.blend import choose_ensemble_weights, ensemble_probabilities
from hf_genomics.evaluation.kmer_baseline import fit_kmer_baseline
from hf_genomics.evaluation.metrics import compute_classification_metrics


def validation_probabilities(run: Path, results: dict) -> tuple[list[np.ndarray], np.ndarray]:
    """[CNN, transformer, baseline] validation probabilities of one run, and the labels."""
    data = load_gue(results["task_dir"])
    splits = {s: (data[s]["sequence"], data[s]["label"]) for s in ("train", "validation", "test")}
    sequences, labels = splits["validation"]
    cnn_dirs = [run, *sorted((run / "extra_seeds").glob("seed-*"))]
    cnn = np.mean(
        [
            predict(
                *load_model_and_tokenizer(d, kind="classifier"), sequences, rc_average=True, progress=False
            ).probabilities
            for d in cnn_dirs
        ],
        axis=0,
    )
    spare = run / "spare_time" / results["spare_time"]["model"]
    transformer = predict(
        *load_model_and_tokenizer(spare, kind="classifier"), sequences, progress=False
    ).probabilities
    baseline = fit_kmer_baseline(
        splits["train"], splits["validation"], splits["test"], seed=results["seeds"][0],
        cs=[results["kmer_baseline"]["chosen_C"]],
    )  # fmt: skip
    assert abs(baseline.validation["mcc"] - results["kmer_baseline_dev_mcc"]) < 1e-9, "baseline refit differs"
    return [cnn, transformer, baseline.predict_proba(sequences)], np.asarray(labels)


def mcc(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return compute_classification_metrics(probabilities.argmax(-1), labels, probabilities.shape[-1])["mcc"]


def held_out(models: list[np.ndarray], labels: np.ndarray, repeats: int) -> dict[str, float]:
    """Mean held-out validation MCC × 100 of: the CNN alone, the blend (CNN + baseline, 5 weightings)
    and the ensemble (all three, 15), each choosing on one half and scored on the other."""
    rng = np.random.default_rng(0)
    scores: dict[str, list[float]] = {"cnn": [], "blend": [], "ensemble": []}
    for _ in range(repeats):
        order = rng.permutation(len(labels))
        halves = (order[: len(order) // 2], order[len(order) // 2 :])
        for fit, score in (halves, halves[::-1]):
            part = [m[fit] for m in models]
            cnn_weight, kmer_weight = choose_ensemble_weights([part[0], part[2]], labels[fit]).weights
            blend = (cnn_weight, 0.0, kmer_weight)  # the recipe's blend: its 5 weightings, its tie order
            ensemble = choose_ensemble_weights(part, labels[fit]).weights
            held = [m[score] for m in models]
            scores["cnn"].append(mcc(held[0], labels[score]))
            scores["blend"].append(mcc(ensemble_probabilities(blend, held), labels[score]))
            scores["ensemble"].append(mcc(ensemble_probabilities(ensemble, held), labels[score]))
    return {name: 100 * float(np.mean(values)) for name, values in scores.items()}


def main(runs: Path, repeats: int) -> None:
    print("| task | seed | CNN alone | blend: CNN + baseline (5 weightings) | ensemble: + transformer (15) |")
    print("|---|---|---|---|---|")
    for results_file in sorted(runs.glob("seed*/*/results.json")):
        results = json.loads(results_file.read_text())
        if not results.get("spare_time"):
            continue
        models, labels = validation_probabilities(results_file.parent, results)
        score = held_out(models, labels, repeats)
        print(
            f"| {results['task']} | {results_file.parent.parent.name[4:]} | {score['cnn']:.2f} "
            f"| {score['blend']:.2f} | {score['ensemble']:.2f} |"
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    count = int(arguments[arguments.index("--repeats") + 1]) if "--repeats" in arguments else 200
    main(Path(arguments[0]), count)
