"""``hf-genomics gue-recipe TASK_DIR --output-dir OUT --budget-minutes 15``: the best CPU recipe
we measured, trained on any GUE-layout folder within a wall-clock budget, beside the k-mer baseline.

The recipe (:data:`RECIPE`) was chosen on **validation** MCC of the four shared GUE tasks only
(:func:`choose_recipe` re-derives it from the committed study results; a test checks they agree):
k-mer 4 + RoPE has the highest mean validation MCC of the coding-schemes grid, and the `small`
encoder on the full training split, lr 5e-4, is the run that took it furthest. Reverse-complement
augment + averaging won on *test* but lost on validation (0.684 vs 0.711, prom_core_tata, 2 seeds),
so it is off for the transformer; the CNN (:data:`CNN_RECIPE`, the default candidate) won on
validation with it and reads both strands by default (``--rc`` / ``--no-rc`` override both).
With ``--self-pretraining-epochs N`` the CNN's trunk is first self-pretrained on the task's own
training sequences (masked bases, both strands; :mod:`hf_genomics.training.self_pretraining`) in at
most ``self_pretraining_share`` of its time, and every seed is fine-tuned from it (off by default:
it lost on validation).

The budget covers everything: the k-mer baseline is fitted first, then a few timed training steps
plan the run (the spacing of its evaluations, and whether the epoch cap binds),
:class:`~hf_genomics.training.callbacks.TimeBudgetCallback` stops the Trainer at the training
deadline whatever happens, and :class:`~hf_genomics.training.callbacks.TimePacedSchedule` paces the
cosine schedule by the clock as well as by steps, so a budget-bound run (trained up to its epoch
cap) reaches a learning rate of 0 at the deadline however far the probe's step time was off.
``results.json`` holds the transformer's ``test_mcc`` with ``kmer_baseline_test_mcc`` beside it,
both validation MCCs, and ``better_on_dev`` — which of the two is better on validation.

The two make different mistakes, so the command also blends their class probabilities
(:mod:`hf_genomics.evaluation.blend`, weight of the transformer in {0, ¼, ½, ¾, 1}, chosen on
validation MCC). ``selected_model`` is the blend when a mixed weight wins on validation, else the
better single model; ``selected_test_mcc`` is that model's test MCC, the number to report.

When the first seed finishes with budget to spare (the epoch cap binds on a quiet machine, or the
probe over-estimated the step time), more seeds are trained on what is left, at the first seed's
measured cost per step (:func:`extra_seed_steps`, up to :data:`MAX_SEEDS`), and the transformer's
probabilities are the mean over seeds — a seed ensemble, the cheapest variance cut there is.
The main folder keeps the first seed's model; the others are in ``extra_seeds/seed-<n>/``.
Within a seed, the recipe's ``checkpoints_averaged`` best checkpoints (by validation MCC) are
averaged too: their probabilities are taken at each evaluation
(:mod:`hf_genomics.training.snapshot_predictions`), and ``checkpoint_averaging`` in results.json
holds the whole tail of the recipe for 1, 2 and 3 checkpoints, so the choice is checked on every run.

When the CNN's first seed ends early (its epoch cap binds), the time left trains its
``spare_time_models`` in turn, one seed each, while they fit: the same CNN without the training
augmentation (``spare_time/cnn_unaugmented/``: the augmentation is a prior that can be wrong for a
task, e.g. one whose signal sits at a fixed position, which the augmented CNN's real-sequence finish,
the last fifth of its schedule, learns back only in part), then the transformer
(``spare_time/transformer/``); then extra CNN seeds. Every neural model and the baseline are
weighed together on validation (``ensemble``:
:func:`~hf_genomics.evaluation.blend.choose_ensemble_weights`), a superset of the blend's choices.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SHARED_TASKS = ("prom/prom_core_tata", "prom/prom_300_tata", "tf/0", "mouse/0")
RECIPE: dict[str, Any] = {
    "tokenizer": "kmer:4",
    "position_embedding_type": "rope",
    "preset": "small",
    "learning_rate": 5e-4,
    "max_epochs": 12,
    "batch_size": 32,
    "rc_augment": False,
    "rc_average": False,
}
EVALUATIONS = 6  # validation passes planned over the run (best checkpoint chosen among them)...
EVAL_SHARE = 0.25  # ...fewer (at least one) when they would take more than this share of the time
PROBE_STEPS = 6
SAFETY = 0.85  # fraction of the estimated affordable steps actually planned
# The dilated residual CNN (hf_genomics.models.cnn) on one-base tokens with a bag of 3-6-mer
# embeddings beside the convolutions; sized so that a 15-minute budget on one shared core gives it
# several epochs of the small GUE tasks (docs/gue-benchmark.md has the validation runs it came from).
CNN_RECIPE: dict[str, Any] = {
    "architecture": "cnn",
    "tokenizer": "char",
    "preset": "small",
    "hidden_size": 64,
    "num_hidden_layers": 4,
    # (channels, blocks) tried in order: the first whose planned training reaches min_epochs in the
    # budget left (the step time is measured), else the last: a starved CPU gets the smaller CNN
    "sizes": [(64, 4), (32, 3)],
    "min_epochs": 2.0,
    "cnn_kmer_sizes": [3, 4, 5, 6],
    "reverse_complement_sharing": False,
    "position_embedding_type": "rope",  # unused by the CNN
    "learning_rate": 2e-3,
    "max_epochs": 30,
    "batch_size": 64,
    # Two choices made on validation MCC (runs in docs/results/gue_recipe/cnn_variants/):
    # both strands -- random reverse-complement augmentation in training, the two strands'
    # probabilities averaged in prediction (tf/1 best validation 52.2 vs 50.9 at 4 epochs; mouse/0
    # 66.3 vs the recipe's earlier 60.5 / 61.2) -- and pooling over 4 stretches of the sequence
    # besides the whole of it (prom_300_tata 51.0 vs 47.1, mouse/0 66.9 vs 66.3, tf/1 51.7 vs 52.2)
    "rc_augment": True,
    "rc_average": True,
    "position_bins": 4,
    # single values, not whole channels: channel dropout is 15-25% faster per step but lost on
    # validation run beside this recipe on the same machine (docs/results/gue_recipe/channel_dropout/)
    "block_dropout": "element",
    # each seed's best checkpoint alone: averaging its 2 or 3 best (by validation MCC) gained nothing
    # on validation over 14 runs (docs/results/gue_recipe/checkpoint_averaging/); every run still
    # reports all three in results.json "checkpoint_averaging"
    "checkpoints_averaged": 1,
    # evaluations and checkpoints see an exponential moving average of the weights
    # (hf_genomics/training/moving_average_weights.py) over this share of the steps between two
    # evaluations; 0: the raw weights. Chosen on validation over 14 runs (selected model 64.72 vs
    # 64.39, the CNN 63.92 vs 63.20; level on test: docs/results/gue_recipe/moving_average/)
    "weight_averaging_share": 0.5,
    # evolution-inspired augmentation of training examples (hf_genomics/data/sequence_augmentation.py,
    # after EvoAug's ChIP-seq runs): half of them get 5 % of their bases mutated, half a circular
    # shift of up to 10 % of their length; validation and test are never augmented. Kept on
    # validation over 14 runs with the unaugmented CNN in the spare time (selected model 65.67 vs
    # 64.72; tf/4 and mouse/0 test 79.03 and 58.24, were 75.92 and 55.99; on a faster machine:
    # docs/results/gue_recipe/augmentation/)
    "mutation_fraction": 0.05,
    "max_shift_fraction": 0.1,
    # EvoAug's second stage, inside the run: the final fifth of the schedule (where the cosine is at
    # <= 10 % of its peak learning rate) trains on real sequences only, so that what the augmentation
    # blurs (a TATA box's fixed position) can be learnt back; the checkpoint is chosen on validation.
    # Kept on validation over 14 runs (selected model 65.81 vs 65.67, the CNN 63.52 vs 62.94;
    # prom_core_tata's CNN +3.7; docs/results/gue_recipe/real_sequence_finish/)
    "unaugmented_final_share": 0.2,
    # self-pretraining (hf_genomics/training/self_pretraining.py): masked-base training of the trunk
    # on the task's own training sequences (both strands) before fine-tuning, for this many passes
    # over them, in at most this share of the candidate's time. Off: with 5 passes it lost on
    # validation over the seven tasks (seed 1: selected 62.99 vs 64.15; the time it takes comes out
    # of fine-tuning and extra seeds; docs/results/gue_recipe/self_pretraining/); --self-pretraining-epochs 5
    "self_pretraining_epochs": 0,
    "self_pretraining_share": 0.25,
    # when the epoch cap ends the first seed early, the time it leaves trains these other models in
    # turn (one seed each, if its plan reaches spare_time_min_epochs) before any extra seeds of this
    # one; all of them and the k-mer baseline are then weighed together on validation (ensemble in
    # results.json). The CNN without augmentation first: where the augmentation hurts (prom_core_tata,
    # a TATA box at a fixed position: CNN validation 63.4 vs 73.9), validation can still choose it
    "spare_time_models": ["cnn_unaugmented", "transformer"],
    "spare_time_min_epochs": 2.0,
    # below this share of the budget left after the first seed, not even the other model's probe runs
    "spare_time_min_share": 0.1,
}
# the CNN recipe as it was before the training augmentation: a spare-time model of the CNN recipe,
# and, as `--models cnn_unaugmented`, that earlier recipe whole (its spare time trains the transformer)
UNAUGMENTED_CNN_RECIPE: dict[str, Any] = {
    **CNN_RECIPE,
    "mutation_fraction": 0.0,
    "max_shift_fraction": 0.0,
    "unaugmented_final_share": 0.0,
    "spare_time_models": ["transformer"],
}
RECIPES: dict[str, dict[str, Any]] = {
    "cnn": CNN_RECIPE,
    "transformer": RECIPE,
    "cnn_unaugmented": UNAUGMENTED_CNN_RECIPE,
}
DEFAULT_MODELS = ("cnn",)
MAX_SEEDS = 3  # seeds averaged when the budget leaves room after the first
CHECKPOINT_CHOICES = (1, 2, 3)  # best checkpoints averaged: each is measured in every run
MIN_EXTRA_SEED_SHARE = 0.5  # an extra seed needs at least this share of the first seed's steps


def choose_recipe(results_csv: str | Path, beyond_dir: str | Path) -> dict[str, Any]:
    """Tokenizer, position and strand options with the best mean *validation* MCC in the committed
    study results (``results.csv`` of the coding-schemes grid; ``beyond_cpu_preset/*.json``).

    Only (tokenizer, position) pairs with cells on all four shared tasks compete; each task weighs
    the same (mean over its depths and seeds first). Test MCC is never read.
    """
    import csv
    from collections import defaultdict

    per_task: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with open(results_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["task"] in SHARED_TASKS:
                per_task[(row["tokenizer"], row["position"])][row["task"]].append(float(row["best_dev_mcc"]))
    means = {
        key: sum(sum(v) / len(v) for v in tasks.values()) / len(tasks)
        for key, tasks in per_task.items()
        if set(tasks) == set(SHARED_TASKS)
    }
    tokenizer, position = max(means, key=means.get)
    strand: dict[bool, list[float]] = defaultdict(list)
    for path in sorted(Path(beyond_dir).glob("*.json")):
        result = json.loads(path.read_text())
        if result["tokenizer"] == tokenizer and result["position_embedding_type"] == position:
            strand[bool(result["rc_augment"])] += [seed["best_dev_mcc"] for seed in result["per_seed"]]
    rc = bool(strand[True]) and (
        not strand[False] or sum(strand[True]) / len(strand[True]) > sum(strand[False]) / len(strand[False])
    )
    return {
        "tokenizer": tokenizer,
        "position_embedding_type": position,
        "rc_augment": rc,
        "rc_average": rc,
        "mean_dev_mcc": means[(tokenizer, position)],
        "dev_mcc_by_strand_option": {str(k): sum(v) / len(v) for k, v in strand.items() if v},
    }


def seconds_per_step(
    model,
    batch_size: int,
    length: int,
    vocab_size: int,
    steps: int = PROBE_STEPS,
    give_up_after: float | None = None,
) -> float:
    """Median wall time of one AdamW step of ``model`` on random tokens (the model is a throwaway).

    With ``give_up_after``, a first step slower than that ends the probe and returns its time.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab_size, (batch_size, length), generator=generator)
    labels = torch.zeros(batch_size, dtype=torch.long)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    times = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
        if give_up_after is not None and len(times) == 2 and times[1] > give_up_after:
            return times[1]
    times = sorted(times[1:])  # the first step pays one-off allocation
    return times[len(times) // 2]


def fastest_threads(model, batch_size: int, length: int, vocab_size: int, threads: int) -> tuple[int, float]:
    """``(threads, seconds per step)``: 1 thread against ``threads``, the faster one.

    On a shared, oversubscribed CPU two intra-op threads can be an order of magnitude slower than
    one (measured on the 2-core machine at load 13: 11.6 s vs 0.84 s per step), so we measure.
    """
    import torch

    torch.set_num_threads(1)
    best = (1, seconds_per_step(model, batch_size, length, vocab_size))
    if threads > 1:
        torch.set_num_threads(threads)
        many = seconds_per_step(model, batch_size, length, vocab_size, give_up_after=1.5 * best[1])
        if many < best[1]:
            best = (threads, many)
    torch.set_num_threads(best[0])
    logger.info("step time: %.3f s with %d thread(s) (tried 1..%d)", best[1], best[0], threads)
    return best


def forward_seconds_per_example(step_seconds: float, batch_size: int) -> float:
    """A forward pass of one example costs about a third of its share of a training step."""
    return step_seconds / batch_size / 3


def plan_steps(
    seconds_left: float,
    step_seconds: float,
    train_rows: int,
    dev_rows: int,
    test_rows: int,
    batch_size: int,
    max_epochs: float,
    passes_at_test: int = 1,
    snapshot_passes: int = 0,
) -> dict[str, Any]:
    """How many optimizer steps fit in ``seconds_left`` after the planned validation passes and the
    final test prediction (a forward pass of one example costs about a third of a training step's).

    Up to :data:`EVALUATIONS` validation passes, fewer when they would take more than
    :data:`EVAL_SHARE` of the time (at least one: the model is always chosen on validation).
    ``passes_at_test`` counts the prediction passes of test after training (one per strand);
    ``snapshot_passes``, those of validation and test at every evaluation (:class:`~hf_genomics.training.snapshot_predictions.SnapshotPredictionsCallback`).
    """
    forward = forward_seconds_per_example(step_seconds, batch_size)
    evaluation = (dev_rows * (1 + snapshot_passes) + test_rows * snapshot_passes) * forward
    test = test_rows * forward * passes_at_test
    evaluations = max(1, min(EVALUATIONS, int(EVAL_SHARE * seconds_left / max(evaluation, 1e-9))))
    usable = SAFETY * (seconds_left - evaluations * evaluation - test)
    steps_per_epoch = math.ceil(train_rows / batch_size)
    cap = int(max_epochs * steps_per_epoch)
    steps = max(1, min(cap, int(usable / step_seconds)))
    capped = steps == cap
    every = max(1, steps // evaluations)
    if steps >= evaluations:
        steps = every * evaluations
    return {
        "max_steps": steps,  # a multiple of eval_steps: the last evaluation is the last step, not a near-copy
        "epoch_cap_steps": cap,
        "eval_steps": every,
        "epochs": steps / steps_per_epoch,
        "capped_by_epochs": capped,
        "evaluations": evaluations,
        "estimated_eval_seconds": evaluation,
        "estimated_test_seconds": test,  # every pass after training: test, both strands when asked
    }


def extra_seed_steps(
    seconds_left: float, seconds_per_step: float, first_seed_steps: int, evaluations: int
) -> int:
    """Steps of one more seed (0: none): what fits in ``seconds_left`` at the first seed's measured
    cost per step (its evaluations and test pass included), at most the first seed's steps, a multiple
    of ``evaluations``; none below :data:`MIN_EXTRA_SEED_SHARE` of the first seed's (too short a
    seed would dilute the average it joins)."""
    fits = int(SAFETY * max(seconds_left, 0.0) / max(seconds_per_step, 1e-9))
    steps = min(first_seed_steps, fits)
    steps -= steps % max(evaluations, 1)
    return steps if steps >= max(MIN_EXTRA_SEED_SHARE * first_seed_steps, evaluations, 1) else 0


def save_kmer_baseline(result, output_dir: Path) -> Path:
    """The baseline's coefficients, intercepts and feature scaling as safetensors (never a pickle)."""
    import numpy as np
    from safetensors.numpy import save_file

    model, scaler = result.model, result.scaler
    path = output_dir / "kmer_baseline.safetensors"
    save_file(
        {
            "coef": np.ascontiguousarray(model.coef_, dtype=np.float64),
            "intercept": np.ascontiguousarray(model.intercept_, dtype=np.float64),
            "max_abs": np.ascontiguousarray(scaler.max_abs_, dtype=np.float64),
        },
        str(path),
        metadata={
            "ks": ",".join(map(str, result.ks)),
            "C": str(result.chosen_c),
            "classes": str(list(model.classes_)),
        },
    )
    return path


def run_recipe(
    task_dir: str | Path,
    output_dir: str | Path,
    budget_minutes: float = 15.0,
    *,
    threads: int = 2,
    seed: int = 1,
    rc: bool | None = None,
    max_epochs: float | None = None,
    started: float | None = None,
    models: Sequence[str] | None = None,
    self_pretraining: float | None = None,
) -> dict[str, Any]:
    """Fit the k-mer baseline, train the neural candidate(s) ``models`` (names in :data:`RECIPES`,
    default :data:`DEFAULT_MODELS`; the budget left is shared evenly) inside what is left of the
    budget, keep the one with the best validation MCC, blend it with the baseline on validation, write
    ``results.json`` (all of them, ``selected_model``), the model + tokenizer + card and the baseline.

    ``started`` (``time.monotonic()``) is when the budget began; default: now. ``self_pretraining``:
    epochs of masked-base pretraining of a CNN's trunk on the training sequences before fine-tuning
    (0: none; default: the recipe's ``self_pretraining_epochs``).

    The whole command holds ``output_dir``'s lock and writes into its staging area; the outputs are
    published together at the end (:class:`~hf_genomics.staged_output.StagedOutput`), so a second
    run is refused before writing anything and a killed or failed run never leaves a mixed folder.
    A non-empty ``output_dir`` is taken only when an earlier gue-recipe run wrote it.
    """
    from hf_genomics.data.gue import find_task_dir
    from hf_genomics.staged_output import StagedOutput

    find_task_dir(task_dir)  # a missing task folder fails before the output folder is claimed
    for name, value, low in (("budget_minutes", budget_minutes, 0), ("max_epochs", max_epochs, 0)):
        if value is not None and not (math.isfinite(value) and value > low):
            raise ValueError(f"{name.replace('_', '-')} must be a positive number, got {value!r}")
    if self_pretraining is not None and not (math.isfinite(self_pretraining) and self_pretraining >= 0):
        raise ValueError(f"self-pretraining-epochs must be 0 or more, got {self_pretraining!r}")
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads!r}")
    with StagedOutput(
        output_dir, command="gue-recipe", completion="results.json", legacy=_is_recipe_folder
    ) as staged:
        results = _run_recipe(
            task_dir, staged.staging, budget_minutes, threads=threads, seed=seed, rc=rc,
            max_epochs=max_epochs, started=started, models=models, self_pretraining=self_pretraining,
        )  # fmt: skip
        results["files"] = staged.publish()
    return results


def _is_recipe_folder(folder: Path) -> bool:
    """A folder written by gue-recipe before it kept an owner marker (results.json names the recipe)."""
    try:
        return "recipe" in json.loads((folder / "results.json").read_text())
    except (OSError, ValueError, TypeError):
        return False


def _run_recipe(
    task_dir: str | Path,
    output_dir: Path,
    budget_minutes: float,
    *,
    threads: int,
    seed: int,
    rc: bool | None,
    max_epochs: float | None,
    started: float | None,
    models: Sequence[str] | None = None,
    self_pretraining: float | None = None,
) -> dict[str, Any]:
    """:func:`run_recipe`'s work, written into ``output_dir`` (the staging area)."""
    import torch

    from hf_genomics.data.gue import find_task_dir, load_gue
    from hf_genomics.data.label_set import check_label_set
    from hf_genomics.evaluation.kmer_baseline import baseline_deadline, fit_kmer_baseline
    from hf_genomics.evaluation.report import write_json_atomic
    from hf_genomics.hub import write_model_card

    started = time.monotonic() if started is None else started
    deadline = started + 60 * budget_minutes
    torch.set_num_threads(threads)
    folder = find_task_dir(task_dir)

    data = load_gue(folder)
    if "sequence_2" in data["train"].column_names:
        raise ValueError(f"{folder}: pair tasks (sequence1,sequence2) are not supported by gue-recipe")
    splits = {name: (data[name]["sequence"], data[name]["label"]) for name in ("train", "validation", "test")}
    check_label_set(  # before any training: labels {1, 2} or a class only in test fail here, not at the end
        {name: labels for name, (_, labels) in splits.items()},
        str(folder),
        data["train"].features["label"].num_classes,
    )
    baseline = fit_kmer_baseline(
        splits["train"], splits["validation"], splits["test"], seed=seed, source=str(folder),
        deadline=baseline_deadline(started, budget_minutes),
    )  # fmt: skip
    save_kmer_baseline(baseline, output_dir)
    logger.info(
        "k-mer baseline: validation MCC %.4f, test MCC %.4f (%.1f s)",
        baseline.validation["mcc"],
        baseline.test["mcc"],
        baseline.seconds,
    )

    reserve = 15.0  # saving the model, tokenizer, card
    models = list(DEFAULT_MODELS if models is None else models)
    unknown = [name for name in models if name not in RECIPES]
    if unknown or not models:
        raise ValueError(f"unknown gue-recipe model(s) {unknown or models}: choose from {sorted(RECIPES)}")
    candidates: dict[str, dict[str, Any]] = {}

    def train(name: str, folder_of: Path, until: float, **options: Any) -> dict[str, Any] | None:
        return train_neural_candidate(
            name, folder, data, folder_of, until, reserve, threads=threads, seed=seed,
            rc=RECIPES[name]["rc_augment"] if rc is None else rc,
            max_epochs=max_epochs if max_epochs is not None else RECIPES[name]["max_epochs"],
            self_pretraining=self_pretraining, **options,
        )  # fmt: skip

    for index, name in enumerate(models):
        share_end = time.monotonic() + (deadline - time.monotonic()) / (len(models) - index)
        candidates[name] = train(
            name, output_dir if len(models) == 1 else output_dir / "candidates" / name, share_end
        )
        if len(models) > 1:
            candidates[name]["train_more_seeds"](share_end)
    spare_time: dict[str, dict[str, Any]] = {}
    first = RECIPES[models[0]]
    for spare_name in first.get("spare_time_models", []) if len(models) == 1 else []:
        # the time the first seed left (its epoch cap bound) trains the other models, then more seeds
        spare_seconds = deadline - time.monotonic() - reserve
        if (
            spare_name in models
            or spare_seconds < first.get("spare_time_min_share", 0.0) * 60 * budget_minutes
        ):
            continue
        trained = train(
            spare_name, output_dir / "spare_time" / spare_name, deadline,
            required_epochs=first.get("spare_time_min_epochs", 0.0),
        )  # fmt: skip
        if trained is not None:
            spare_time[spare_name] = trained
    if len(models) == 1:
        candidates[models[0]]["train_more_seeds"](deadline)
    neural = max(candidates, key=lambda name: candidates[name]["results"]["per_seed"][0]["best_dev_mcc"])
    chosen = candidates[neural]
    if len(models) > 1:  # the chosen candidate's model, tokenizer and card become the folder's own
        for item in chosen["folder"].iterdir():
            if item.is_file():
                shutil.copy2(item, output_dir / item.name)
    results, model_dirs, plan = chosen["results"], chosen["model_dirs"], chosen["plan"]
    rc = chosen["rc"]
    step_seconds, threads_used, seed_seconds = (
        chosen["step_seconds"],
        chosen["threads_used"],
        chosen["seed_seconds"],
    )
    recipe = RECIPES[neural]
    budget_callback = chosen["budget_callback"]
    transformer_dev = results["per_seed"][0]["best_dev_mcc"]
    better = "kmer_baseline" if baseline.validation["mcc"] > transformer_dev else neural
    averaged = recipe.get("checkpoints_averaged", 1)
    # the baseline's probabilities once: the blend and every row of the checkpoint-averaging table
    kmer = {name: baseline.predict_proba(splits[name][0]) for name in ("validation", "test")}
    chosen_probabilities = neural_probabilities(chosen["snapshots"], averaged)
    blend = blend_with_baseline(chosen_probabilities, kmer, splits)
    blend.update(transformer_models=len(model_dirs), checkpoints_averaged=averaged)
    others = {name: candidate for name, candidate in candidates.items() if name != neural}
    others.update(spare_time)
    ensemble = None
    # every neural model and the baseline, weighed on validation: a superset of the blend's choices
    if others:
        members = {
            neural: chosen_probabilities,
            **{
                name: neural_probabilities(other["snapshots"], RECIPES[name].get("checkpoints_averaged", 1))
                for name, other in others.items()
            },
            "kmer_baseline": kmer,
        }
        ensemble = ensemble_of(members, splits)
        selected, selected_metrics = ensemble["selected_model"], ensemble["test"]
    else:
        selected = selected_by_validation(blend, neural)
        selected_metrics = selected_test_metrics(selected, blend, baseline, neural)
    selected_test = selected_metrics["mcc"]
    results.update(
        {
            "recipe": {**recipe, "rc_augment": rc, "rc_average": rc, "max_epochs": chosen["max_epochs"]},
            "neural_model": neural,
            "self_pretraining": chosen["self_pretraining"],  # None: the trunk started from scratch
            "candidates": {name: candidate_summary(c) for name, c in candidates.items()},
            # the models trained in the time the first seed's epoch cap left, in order (None: none)
            "spare_time": [{"model": name, **candidate_summary(c)} for name, c in spare_time.items()] or None,
            "ensemble": ensemble,  # None: one neural model (nothing in spare time); the blend decided
            "budget": {
                "budget_minutes": budget_minutes,
                "threads": threads,
                "threads_used": threads_used,
                "seconds_per_step_probe": step_seconds,
                "planned": plan,
                "stopped_by_budget_at_step": budget_callback.stopped_at_step,
                "seconds_first_seed": round(seed_seconds, 1),
                "total_seconds": round(time.monotonic() - started, 1),
            },
            "dev_mcc": transformer_dev,
            "kmer_baseline_test_mcc": baseline.test["mcc"],
            "kmer_baseline_dev_mcc": baseline.validation["mcc"],
            "kmer_baseline": {"file": "kmer_baseline.safetensors", **baseline.to_dict()},
            "better_on_dev": better,
            "transformer_seeds": [seed + i for i in range(len(model_dirs))],
            "blend": blend,
            "checkpoint_averaging": checkpoint_averaging_table(
                chosen["snapshots"], kmer, baseline, splits, neural
            ),
            "selected_model": selected,
            "selected_test_mcc": selected_test,
            "selected_test": selected_metrics,  # every test metric of the selected model (the card's)
        }
    )
    logger.info(
        "blend (neural model's weight %g): validation MCC %.4f, test MCC %.4f; selected on validation: %s",
        blend["weight_transformer"],
        blend["dev_mcc"],
        blend["test"]["mcc"],
        selected,
    )
    if selected == "kmer_baseline":
        logger.warning(
            "the k-mer baseline beats the %s on validation (%.4f vs %.4f): prefer it for this task",
            neural,
            baseline.validation["mcc"],
            transformer_dev,
        )
    for candidate in [results, *results["candidates"].values()]:
        if candidate.get("self_pretraining"):  # the staging path -> where it is in the published folder
            pretrained = str(Path(candidate["self_pretraining"]["folder"]).relative_to(output_dir))
            candidate["self_pretraining"] = {**candidate["self_pretraining"], "folder": pretrained}
    if results["self_pretraining"]:
        results["model_name_or_path"] = results["self_pretraining"]["folder"]
    results["task_metric"] = task_metric(folder)
    results["budget"]["total_seconds"] = round(time.monotonic() - started, 1)
    write_json_atomic(output_dir / "results.json", results)
    write_model_card(output_dir)  # with card_section(): rendered from results.json, so push keeps it
    return results


def task_metric(folder: Path) -> str:
    """The metric GUE reports for this task (``f1``: macro F1 for Covid; else ``mcc``). The recipe
    still chooses on validation MCC, as the DNABERT-2 scripts choose their checkpoint on loss."""
    from hf_genomics.data.gue import task_info
    from hf_genomics.training.gue_protocol import PROTOCOLS

    info = task_info(folder)
    protocol = PROTOCOLS.get(info.path) if info is not None else None
    return protocol.metric if protocol is not None else "mcc"


def train_neural_candidate(
    name: str,
    folder: Path,
    data,
    output_dir: Path,
    deadline: float,
    reserve: float,
    *,
    threads: int,
    seed: int,
    rc: bool,
    max_epochs: float,
    self_pretraining: float | None = None,
    required_epochs: float = 0.0,
) -> dict[str, Any] | None:
    """Train candidate ``name`` of :data:`RECIPES` into ``output_dir`` until ``deadline``: probe the
    step time, self-pretrain the trunk (``self_pretraining`` epochs; default: the recipe's), plan the
    steps and train seed ``seed``. ``None`` (nothing trained) when the plan is below
    ``required_epochs``. More seeds, while another fits, come from the returned
    ``train_more_seeds(deadline)``: the caller decides what the time left goes to first."""
    from hf_genomics.tokenization.spec import build_tokenizer
    from hf_genomics.training.callbacks import TimeBudgetCallback, TimePacedSchedule
    from hf_genomics.training.classification import (
        ClassificationArguments,
        StudyTrainingArguments,
        build_model,
        run_classification,
        token_budget,
    )
    from hf_genomics.training.moving_average_weights import MovingAverageWeights
    from hf_genomics.training.self_pretraining import self_pretrain_in_time
    from hf_genomics.training.snapshot_predictions import SnapshotPredictionsCallback

    recipe = RECIPES[name]
    pretrain_epochs = (
        recipe.get("self_pretraining_epochs", 0) if self_pretraining is None else self_pretraining
    )
    if recipe.get("architecture") != "cnn":  # the masked-base head is the CNN's
        pretrain_epochs = 0
    pretrain_share = recipe.get("self_pretraining_share", 0.25) if pretrain_epochs > 0 else 0.0
    args = ClassificationArguments(
        task_dir=str(folder),
        tokenizer_name=recipe["tokenizer"],
        architecture=recipe.get("architecture", "encoder"),
        position_embedding_type=recipe["position_embedding_type"],
        preset=recipe["preset"],
        hidden_size=recipe.get("hidden_size"),
        num_hidden_layers=recipe.get("num_hidden_layers"),
        cnn_kmer_sizes=list(recipe.get("cnn_kmer_sizes", [])),
        cnn_position_bins=recipe.get("position_bins", 1),
        cnn_block_dropout=recipe.get("block_dropout", "element"),
        reverse_complement_sharing=recipe.get("reverse_complement_sharing", False),
        seeds=[seed],
        rc_augment=rc,
        rc_average=rc,
        mutation_fraction=recipe.get("mutation_fraction", 0.0),
        max_shift_fraction=recipe.get("max_shift_fraction", 0.0),
        unaugmented_final_share=recipe.get("unaugmented_final_share", 0.0),
    )
    tokenizer = build_tokenizer(recipe["tokenizer"], train_sequences=data["train"]["sequence"])
    max_length_nt, max_tokens, _ = token_budget(data, tokenizer, None, None)
    num_labels = data["train"].features["label"].num_classes
    strands = 2 if rc else 1

    def fine_tuning_plan(share: float) -> dict[str, Any]:
        return plan_steps(
            share * (deadline - time.monotonic() - reserve),
            step_seconds,
            len(data["train"]),
            len(data["validation"]),
            len(data["test"]),
            recipe["batch_size"],
            max_epochs,
            passes_at_test=strands,  # the Trainer's test pass (the blend reuses the snapshots)
            snapshot_passes=strands,  # every evaluation also predicts validation and test
        )

    # the first size (width, depth) whose plan reaches min_epochs; else the last (smallest) one
    for size in recipe.get("sizes", [(args.hidden_size, args.num_hidden_layers)]):
        args = dataclasses.replace(args, hidden_size=size[0], num_hidden_layers=size[1])
        probe = build_model(args, tokenizer, num_labels, max_tokens)
        threads_used, step_seconds = fastest_threads(
            probe, recipe["batch_size"], max_tokens, len(tokenizer), threads
        )
        classifier_config = probe.config
        del probe
        plan = fine_tuning_plan(1 - pretrain_share)
        if plan["epochs"] >= recipe.get("min_epochs", 0):
            break
        logger.info("%s %s: %.2f planned epochs < %s", name, size, plan["epochs"], recipe.get("min_epochs"))
    pretraining = None
    if pretrain_epochs > 0:
        pretraining = self_pretrain_in_time(
            classifier_config, tokenizer, data["train"]["sequence"], output_dir / "self_pretrained",
            epochs=pretrain_epochs, seconds=pretrain_share * (deadline - time.monotonic() - reserve),
            step_seconds=step_seconds, strands=strands, max_tokens=max_tokens,
            batch_size=recipe["batch_size"], learning_rate=recipe["learning_rate"], seed=seed,
        )  # fmt: skip
    if pretraining is not None:
        logger.info(
            "%s: self-pretrained for %d steps (%.1f s)", name, pretraining["steps"], pretraining["seconds"]
        )
        args = dataclasses.replace(args, model_name_or_path=pretraining["folder"])
        plan = fine_tuning_plan(1.0)  # the fine-tuning gets what is left
    if plan["epochs"] < required_epochs:
        logger.info("%s: %.2f planned epochs < %s, not trained", name, plan["epochs"], required_epochs)
        return None
    plan["size"] = [args.hidden_size, args.num_hidden_layers]
    logger.info(
        "%s %s: %.3f s per step, planning %d steps (%.2f epochs)",
        name,
        plan["size"],
        step_seconds,
        plan["max_steps"],
        plan["epochs"],
    )
    train_deadline = deadline - reserve - plan["estimated_test_seconds"] - plan["estimated_eval_seconds"]
    budget_callback = TimeBudgetCallback(train_deadline)
    # a budget-bound run trains up to the epoch cap, its cosine paced by the clock (TimePacedSchedule):
    # the learning rate reaches 0 at the deadline however far the probe's step time was off
    max_steps = plan["max_steps"] if plan["capped_by_epochs"] else plan["epoch_cap_steps"]
    training = StudyTrainingArguments(
        output_dir=str(output_dir),
        use_cpu=True,
        disable_tqdm=True,
        logging_strategy="no",
        learning_rate=recipe["learning_rate"],
        per_device_train_batch_size=recipe["batch_size"],
        max_steps=max_steps,
        eval_strategy="steps",
        save_strategy="steps",
        eval_steps=plan["eval_steps"],
        save_steps=plan["eval_steps"],
        dataloader_num_workers=0,
    )
    evaluated = {name: data[name]["sequence"] for name in ("validation", "test")}

    def snapshots() -> SnapshotPredictionsCallback:
        return SnapshotPredictionsCallback(tokenizer, evaluated, rc_average=rc, window_nt=max_length_nt)

    seed_started = time.monotonic()
    seed_snapshots = [snapshots()]

    def averaging(eval_steps: int) -> list:
        share = recipe.get("weight_averaging_share", 0)
        return [MovingAverageWeights(max(1.0, share * eval_steps))] if share > 0 else []

    results = run_classification(
        args,
        training,
        callbacks=[
            budget_callback,
            TimePacedSchedule(train_deadline),
            seed_snapshots[0],
            *averaging(plan["eval_steps"]),  # last: it sees the budget callback's evaluation request
        ],
    )
    seed_seconds = time.monotonic() - seed_started  # training, its evaluations and snapshots, the test pass
    # the measured cost of a step, all in: the probe's (taken before training, maybe beside a
    # busier neighbour) can be far off, and then a whole seed's worth of budget went unused
    seconds_per_step_all_in = seed_seconds / max(results["per_seed"][0]["train_steps"], 1)
    model_dirs = [output_dir]

    def train_more_seeds(until: float) -> None:
        """More seeds (into ``extra_seeds/``, appended to ``model_dirs`` and the snapshots) while one
        fits before ``until``, at the first seed's measured cost per step."""
        while len(model_dirs) < MAX_SEEDS:
            left = until - time.monotonic() - reserve
            steps = extra_seed_steps(left, seconds_per_step_all_in, plan["max_steps"], plan["evaluations"])
            if not steps:
                return
            extra_seed = seed + len(model_dirs)
            folder_of_seed = output_dir / "extra_seeds" / f"seed-{extra_seed}"
            logger.info(
                "%.0f s left, a step costs %.3f s: seed %d, %d steps",
                left,
                seconds_per_step_all_in,
                extra_seed,
                steps,
            )
            seed_snapshots.append(snapshots())
            every = steps // plan["evaluations"]
            seed_deadline = until - (deadline - train_deadline)  # the same reserve for the test pass
            run_classification(
                dataclasses.replace(args, seeds=[extra_seed]),
                dataclasses.replace(
                    training,
                    output_dir=str(folder_of_seed),
                    max_steps=steps,
                    eval_steps=every,
                    save_steps=every,
                ),
                callbacks=[
                    TimeBudgetCallback(seed_deadline),
                    TimePacedSchedule(seed_deadline),
                    seed_snapshots[-1],
                    *averaging(every),
                ],
            )
            model_dirs.append(folder_of_seed)

    return {
        "train_more_seeds": train_more_seeds,
        "results": results,
        "model_dirs": model_dirs,
        "snapshots": seed_snapshots,
        "folder": output_dir,
        "plan": plan,
        "step_seconds": step_seconds,
        "threads_used": threads_used,
        "seed_seconds": seed_seconds,
        "budget_callback": budget_callback,
        "max_epochs": max_epochs,
        "rc": rc,
        "self_pretraining": pretraining,
    }


def candidate_summary(candidate: dict[str, Any]) -> dict[str, Any]:
    """What results.json keeps of every neural candidate (the choice among them is on validation)."""
    first = candidate["results"]["per_seed"][0]
    return {
        "dev_mcc": first["best_dev_mcc"],
        "test_mcc": first["test"]["mcc"],
        "train_steps": first["train_steps"],
        "seeds": len(candidate["model_dirs"]),
        "planned": candidate["plan"],
        "seconds_per_step_probe": candidate["step_seconds"],
        "num_parameters": candidate["results"]["num_parameters"],
        "both_strands": candidate["rc"],
        "self_pretraining": candidate["self_pretraining"],
    }


def card_section(results: dict[str, Any]) -> str:
    """The card's gue-recipe section, from ``results.json`` alone (so ``push`` re-renders it)."""
    budget, blend = results["budget"], results["blend"]
    baseline = results["kmer_baseline"]
    pretraining = results.get("self_pretraining")
    pretrained = (
        f" The trunk was first self-pretrained for {pretraining['steps']} steps on masked bases of the "
        f"training sequences (`{pretraining['folder']}/`), then fine-tuned."
        if pretraining
        else ""
    )
    return (
        "\n## gue-recipe: budget and baseline\n\n"
        f"Trained by `hf-genomics gue-recipe` ({results.get('neural_model', 'transformer')}) in a "
        f"{budget['budget_minutes']:g}-minute budget on "
        f"{budget['threads_used']} CPU thread(s) ({budget['total_seconds']:.0f} s in all, "
        f"{results['per_seed'][0]['train_steps']} steps).{pretrained} Test MCC {results['test_mcc']:.4f} (validation "
        f"{results['dev_mcc']:.4f}); averaged over {len(results['transformer_seeds'])} seed(s) (this folder's "
        f"and `extra_seeds/`) and each seed's {blend.get('checkpoints_averaged', 1)} best checkpoint(s): "
        f"test MCC {blend['transformer_test']['mcc']:.4f}; bag-of-"
        f"{min(baseline['ks'])}–{max(baseline['ks'])}-mers logistic regression (`kmer_baseline.safetensors`): "
        f"test MCC {results['kmer_baseline_test_mcc']:.4f} (validation {results['kmer_baseline_dev_mcc']:.4f}). "
        f"Probability blend, neural model's weight {blend['weight_transformer']:g} chosen on validation: test MCC "
        f"{blend['test']['mcc']:.4f} (validation {blend['dev_mcc']:.4f}).{spare_time_sentence(results)} "
        "Selected on validation: "
        f"**{results['selected_model']}** (test MCC {results['selected_test_mcc']:.4f}); the model-index above "
        "reports the selected model.\n"
    )


def spare_time_sentence(results: dict[str, Any]) -> str:
    """The card's words on the models trained in the time the first seed's epoch cap left ("" if none)."""
    spare, ensemble = results.get("spare_time"), results.get("ensemble")
    if not spare or not ensemble:
        return ""
    spare = [spare] if isinstance(spare, dict) else spare  # results.json before the list: one model
    trained = "; ".join(
        f"{model['model']} (`spare_time/{model['model']}/`, {model['train_steps']} steps, "
        f"validation MCC {model['dev_mcc']:.4f})"
        for model in spare
    )
    weights = ", ".join(f"{name} {weight:g}" for name, weight in ensemble["weights"].items())
    return (
        f" In the spare time the epoch cap left: {trained}; weights chosen on validation "
        f"({weights}): test MCC {ensemble['test']['mcc']:.4f} (validation {ensemble['dev_mcc']:.4f})."
    )


def neural_probabilities(snapshots: list, k: int) -> dict[str, Any]:
    """The neural candidate's validation and test probabilities: each seed's ``k`` best checkpoints
    averaged (:meth:`~hf_genomics.training.snapshot_predictions.SnapshotPredictionsCallback.top_mean`),
    then the seeds averaged."""
    import numpy as np

    per_seed = [callback.top_mean(k) for callback in snapshots]
    return {name: np.mean([seed[name] for seed in per_seed], axis=0) for name in per_seed[0]}


def blend_with_baseline(neural: dict[str, Any], kmer: dict[str, Any], splits: dict) -> dict[str, Any]:
    """Blend the neural candidate's probabilities with the k-mer baseline's (each ``{"validation",
    "test"}``: see :func:`neural_probabilities`): weight chosen on validation MCC, then the blend's
    test metrics. ``splits``: ``{name: (sequences, labels)}``."""
    from hf_genomics.evaluation.blend import blend_probabilities, choose_blend_weight
    from hf_genomics.evaluation.metrics import compute_classification_metrics

    probabilities = {name: (neural[name], kmer[name]) for name in ("validation", "test")}
    choice = choose_blend_weight(*probabilities["validation"], splits["validation"][1])
    num_classes = probabilities["test"][0].shape[-1]

    def test_metrics(weight: float) -> dict[str, float]:
        predicted = blend_probabilities(weight, *probabilities["test"]).argmax(-1)
        return compute_classification_metrics(predicted, splits["test"][1], num_classes)

    return {
        "weight_transformer": choice.weight,
        "dev_mcc": choice.dev_mcc,
        "dev_mcc_by_transformer_weight": {str(w): v for w, v in choice.dev_mcc_by_weight.items()},
        "test": test_metrics(choice.weight),
        "transformer_test": test_metrics(1.0),  # the neural model alone (seed-averaged when several)
    }


def ensemble_of(members: dict[str, dict[str, Any]], splits: dict) -> dict[str, Any]:
    """Weights of ``members`` (``{name: {"validation", "test"} probabilities}``) chosen on validation
    MCC (:func:`~hf_genomics.evaluation.blend.choose_ensemble_weights`), the test metrics at those
    weights, and what was selected: a member alone, ``blend`` (the first member and the last, the
    k-mer baseline) or ``ensemble`` (the others too)."""
    from hf_genomics.evaluation.blend import choose_ensemble_weights, ensemble_probabilities
    from hf_genomics.evaluation.metrics import compute_classification_metrics

    names = list(members)
    choice = choose_ensemble_weights([members[name]["validation"] for name in names], splits["validation"][1])
    test = ensemble_probabilities(choice.weights, [members[name]["test"] for name in names])
    num_classes = test.shape[-1]
    used = [name for name, weight in zip(names, choice.weights, strict=True) if weight > 0]
    selected = used[0] if len(used) == 1 else "blend" if used == [names[0], names[-1]] else "ensemble"
    return {
        "models": names,
        "weights": dict(zip(names, choice.weights, strict=True)),
        "dev_mcc": choice.dev_mcc,
        "dev_mcc_by_weights": {
            ",".join(f"{w:g}" for w in key): v for key, v in choice.dev_mcc_by_weights.items()
        },
        "test": compute_classification_metrics(test.argmax(-1), splits["test"][1], num_classes),
        "selected_model": selected,
    }


def selected_by_validation(blend: dict[str, Any], neural: str) -> str:
    """``kmer_baseline``, the neural model's name or ``blend``, from the blend weight chosen on validation."""
    return {0.0: "kmer_baseline", 1.0: neural}.get(blend["weight_transformer"], "blend")


def selected_test_metrics(selected: str, blend: dict[str, Any], baseline, neural: str) -> dict[str, float]:
    """Every test metric of the model :func:`selected_by_validation` chose."""
    return {"kmer_baseline": baseline.test, neural: blend["transformer_test"], "blend": blend["test"]}[
        selected
    ]


def checkpoint_averaging_table(
    snapshots: list,
    kmer: dict[str, Any],
    baseline,
    splits: dict,
    neural: str,
    choices: Sequence[int] = CHECKPOINT_CHOICES,
) -> dict[str, dict[str, Any]]:
    """For each number of checkpoints averaged, the whole tail of the recipe (neural model alone,
    blend, selection) on validation and test: the paired comparison behind ``checkpoints_averaged``.
    ``kmer``: the baseline's probabilities (``{"validation", "test"}``)."""
    table = {}
    for k in choices:
        blend = blend_with_baseline(neural_probabilities(snapshots, k), kmer, splits)
        selected = selected_by_validation(blend, neural)
        table[str(k)] = {
            "neural_dev_mcc": blend["dev_mcc_by_transformer_weight"]["1.0"],
            "neural_test_mcc": blend["transformer_test"]["mcc"],
            "blend_weight": blend["weight_transformer"],
            "blend_dev_mcc": blend["dev_mcc"],
            "selected_model": selected,
            "selected_test_mcc": selected_test_metrics(selected, blend, baseline, neural)["mcc"],
        }
    return table


# ---- `hf-genomics gue-recipe TASK_DIR` ----


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_dir", help="GUE-layout folder (train.csv/dev.csv/test.csv: sequence,label)")
    parser.add_argument("--output-dir", "--output_dir", required=True, help="model, card, results.json")
    parser.add_argument(
        "--budget-minutes", "--budget_minutes", type=float, default=15.0, help="wall clock, all in"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="most torch CPU threads (1 is used when it measures faster)"
    )
    parser.add_argument("--seed", type=int, default=1, help="training seed (and the baseline's random state)")
    parser.add_argument(
        "--rc", action=argparse.BooleanOptionalAction, default=None,
        help="reverse-complement augment + averaged prediction (default: the model's recipe: on for cnn, off for transformer)",
    )  # fmt: skip
    parser.add_argument(
        "--max-epochs", "--max_epochs", type=float, default=None, help="cap (default: the model's recipe)"
    )
    parser.add_argument(
        "--self-pretraining-epochs", "--self_pretraining_epochs", type=float, default=None,
        help="CNN: passes of masked-base pretraining on the training sequences before fine-tuning (0: none; default: the recipe's)",
    )  # fmt: skip
    parser.add_argument(
        "--models", default=",".join(DEFAULT_MODELS),
        help=f"neural candidates, comma-separated ({', '.join(RECIPES)}); the best on validation is kept",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()  # the budget counts the heavy imports too
    from hf_genomics.training.entrypoint import setup_logging

    setup_logging()
    import datasets

    datasets.disable_progress_bars()
    results = run_recipe(
        args.task_dir,
        args.output_dir,
        args.budget_minutes,
        threads=args.threads,
        seed=args.seed,
        rc=args.rc,
        max_epochs=args.max_epochs,
        started=started,
        models=[name.strip() for name in args.models.split(",") if name.strip()],
        self_pretraining=args.self_pretraining_epochs,
    )
    print(
        f"{args.task_dir}: {results['neural_model']} test MCC {100 * results['test_mcc']:.2f} "
        f"(dev {100 * results['dev_mcc']:.2f}); "
        f"{len(results['transformer_seeds'])} seed(s) averaged: test MCC "
        f"{100 * results['blend']['transformer_test']['mcc']:.2f}; "
        f"k-mer baseline test MCC {100 * results['kmer_baseline_test_mcc']:.2f} "
        f"(dev {100 * results['kmer_baseline_dev_mcc']:.2f}); blend test MCC "
        f"{100 * results['blend']['test']['mcc']:.2f} (dev {100 * results['blend']['dev_mcc']:.2f}); "
        f"selected on dev: {results['selected_model']} → test MCC {100 * results['selected_test_mcc']:.2f}; "
        f"{results['budget']['total_seconds']:.0f} s"
    )
    if results["task_metric"] == "f1":  # what GUE reports for this task, beside the MCC line above
        print(
            f"{args.task_dir}: GUE reports this task as macro F1: {results['neural_model']} "
            f"{100 * results['blend']['transformer_test']['f1']:.2f}; k-mer baseline "
            f"{100 * results['kmer_baseline']['test']['f1']:.2f}; selected "
            f"{100 * results['selected_test']['f1']:.2f}"
        )
    return 0


__all__ = ["CNN_RECIPE", "RECIPE", "RECIPES", "choose_recipe", "plan_steps", "run_recipe"]
