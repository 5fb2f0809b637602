"""``hf-genomics gue-recipe``: the recipe is the committed study's validation choice, the plan and the
time-budget callback keep training inside the budget, results.json holds both models honestly."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from linear_trainer import linear_trainer

from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training import gue_recipe

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results" / "coding_schemes"


def test_recipe_is_the_validation_choice_of_the_committed_study(tmp_path):
    choice = gue_recipe.choose_recipe(RESULTS / "results.csv", RESULTS / "beyond_cpu_preset")
    for name in ("tokenizer", "position_embedding_type", "rc_augment", "rc_average"):
        assert choice[name] == gue_recipe.RECIPE[name]
    # test MCC plays no part: shuffle every test column, the choice stays
    rows = list(csv.DictReader((RESULTS / "results.csv").open()))
    shuffled = [row["test_mcc"] for row in rows]
    random.Random(0).shuffle(shuffled)
    for row, value in zip(rows, shuffled):
        row["test_mcc"] = value
    path = tmp_path / "results.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert gue_recipe.choose_recipe(path, RESULTS / "beyond_cpu_preset") == choice


def test_plan_fits_the_budget_and_caps_at_the_epoch_limit():
    plan = gue_recipe.plan_steps(
        100.0, 0.5, train_rows=3200, dev_rows=500, test_rows=500, batch_size=32, max_epochs=12
    )
    forward = 0.5 / 32 / 3
    spent = plan["max_steps"] * 0.5 + plan["evaluations"] * 500 * forward + 500 * forward
    assert spent <= 100.0 and not plan["capped_by_epochs"]
    assert plan["eval_steps"] * plan["evaluations"] == plan["max_steps"]  # the last evaluation: the last step
    assert 1 <= plan["evaluations"] <= gue_recipe.EVALUATIONS
    assert plan["evaluations"] * 500 * forward <= gue_recipe.EVAL_SHARE * 100.0 or plan["evaluations"] == 1
    long = gue_recipe.plan_steps(
        1e6, 0.5, train_rows=3200, dev_rows=500, test_rows=500, batch_size=32, max_epochs=12
    )
    assert long["max_steps"] == 12 * 100 and long["capped_by_epochs"]
    assert gue_recipe.plan_steps(0.0, 0.5, 3200, 500, 500, 32, 12)["max_steps"] == 1  # always one step
    odd = gue_recipe.plan_steps(
        1e6, 0.5, train_rows=3201, dev_rows=5, test_rows=5, batch_size=32, max_epochs=1
    )
    assert odd["capped_by_epochs"] and odd["max_steps"] == 6 * 16 and odd["eval_steps"] == 16  # 101 cut to 96


def test_extra_seeds_fit_the_time_left_at_the_measured_step_cost():
    extra = gue_recipe.extra_seed_steps
    # 400 s left at 0.2 s per step, all in: 0.85 * 2000 = 1700 steps fit; the first seed had 3000
    assert extra(400.0, 0.2, 3000, 6) == 1698  # a multiple of the 6 evaluations
    assert extra(1e6, 0.2, 3000, 6) == 3000  # never longer than the first seed
    assert extra(100.0, 0.2, 3000, 6) == 0  # 425 steps: under half the first seed's, not worth a seed
    assert extra(-5.0, 0.2, 3000, 6) == 0 and extra(400.0, 0.2, 3, 6) == 0


def test_time_budget_callback_stops_and_evaluates_the_last_step(tmp_path):
    from hf_genomics.training.callbacks import TimeBudgetCallback

    ticks = iter(range(1000))
    callback = TimeBudgetCallback(deadline=3, clock=lambda: next(ticks))  # passes at the 4th check
    trainer = linear_trainer(
        tmp_path, [callback], max_steps=50, eval_strategy="steps", eval_steps=20, save_strategy="steps",
        save_steps=20, load_best_model_at_end=True, metric_for_best_model="loss", greater_is_better=False,
    )  # fmt: skip
    trainer.train()
    assert trainer.state.global_step == 4 == callback.stopped_at_step
    assert [entry["step"] for entry in trainer.state.log_history if "eval_loss" in entry] == [4]
    assert trainer.state.best_model_checkpoint.endswith("checkpoint-4")


@pytest.mark.parametrize("seconds_per_step", [0.0, 0.5, 2.0])
def test_time_paced_schedule_is_transformers_cosine_at_steps_or_time(tmp_path, seconds_per_step):
    """Against transformers' own cosine-with-warmup: on time (no clock), the schedule is unchanged; a
    run slower than planned (2 s per step, deadline 100 s, 100 steps) follows the cosine at the time
    share, reaches a learning rate of 0 at the deadline and stops there; a faster one, at the steps."""
    import torch
    from transformers import TrainerCallback, get_cosine_schedule_with_warmup

    from hf_genomics.training.callbacks import TimeBudgetCallback, TimePacedSchedule

    now = {"t": 0.0}

    class Clock(TrainerCallback):  # step k (1-based) runs at time k * seconds_per_step
        def on_step_begin(self, args, state, control, **kwargs):
            now["t"] = (state.global_step + 1) * seconds_per_step

    rates = []

    class Rates(TrainerCallback):
        def on_step_end(self, args, state, control, optimizer=None, **kwargs):
            rates.append((state.global_step, optimizer.param_groups[0]["lr"]))

    clock = lambda: now["t"]  # noqa: E731
    budget, paced = TimeBudgetCallback(100.0, clock=clock), TimePacedSchedule(100.0, clock=clock)
    trainer = linear_trainer(
        tmp_path, [Clock(), budget, paced, Rates()], max_steps=100, learning_rate=0.1,
        lr_scheduler_type="cosine", warmup_steps=0.1, save_strategy="no",
    )  # fmt: skip
    trainer.train()
    reference = get_cosine_schedule_with_warmup(
        torch.optim.SGD([torch.zeros(1)], lr=0.1), 10, 100
    ).lr_lambdas[0]
    for step, rate in rates:  # the rate the next step will use, set after step `step`
        equivalent_step = max(step, min(100.0, step * seconds_per_step))  # 100 steps = 100 s
        assert rate == pytest.approx(0.1 * reference(equivalent_step), abs=1e-12)
    expected_steps = 50 if seconds_per_step == 2.0 else 100
    assert trainer.state.global_step == expected_steps and rates[-1][1] == pytest.approx(0.0, abs=1e-12)


def test_time_paced_schedule_refuses_a_schedule_it_does_not_know(tmp_path):
    from hf_genomics.training.callbacks import TimePacedSchedule

    trainer = linear_trainer(tmp_path, [TimePacedSchedule(1e9)], max_steps=2, lr_scheduler_type="linear")
    with pytest.raises(ValueError, match="cosine"):
        trainer.train()


def test_gue_recipe_end_to_end(tmp_path):
    from safetensors.numpy import load_file
    from transformers import AutoModelForSequenceClassification

    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict
    from hf_genomics.data.gue import load_gue
    from hf_genomics.evaluation.kmer_baseline import DEFAULT_CS, fit_kmer_baseline, kmer_frequency_matrix
    from hf_genomics.evaluation.metrics import compute_classification_metrics

    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(192, 64, 64))
    out = tmp_path / "out"
    results = gue_recipe.run_recipe(
        task, out, budget_minutes=0.5, threads=1, max_epochs=2, models=["cnn", "transformer"]
    )
    saved = json.loads((out / "results.json").read_text())
    assert saved["test_mcc"] == pytest.approx(saved["per_seed"][0]["test"]["mcc"]) == results["test_mcc"]
    # both neural candidates trained on half the budget each; the one kept is the better on validation
    candidates = saved["candidates"]
    assert set(candidates) == {"cnn", "transformer"}
    neural = saved["neural_model"]
    assert neural == max(candidates, key=lambda name: candidates[name]["dev_mcc"])
    assert saved["dev_mcc"] == candidates[neural]["dev_mcc"]
    # each candidate reads the strands its own recipe says: the CNN both, the transformer one
    assert candidates["cnn"]["both_strands"] and not candidates["transformer"]["both_strands"]
    assert saved["recipe"]["rc_augment"] == saved["rc_augment"] == (neural == "cnn")
    if neural == "transformer":
        assert saved["tokenizer"] == "kmer:4" and saved["position_embedding_type"] == "rope"
    else:
        assert saved["tokenizer"] == "char" and saved["num_parameters"] == candidates["cnn"]["num_parameters"]
    # a 30-s budget is below the fixed costs on a loaded CI core (imports, baseline, probe): the plan
    # then falls back to one step, one evaluation, the test passes (both strands for the CNN) and
    # saving -- bounded, not zero (98 s measured with three 1-thread trainings beside it)
    assert saved["budget"]["total_seconds"] <= 0.5 * 60 + 120
    # self-pretraining is off by default (it lost on validation): both candidates start from scratch
    assert candidates["cnn"]["self_pretraining"] is candidates["transformer"]["self_pretraining"] is None
    assert saved["self_pretraining"] is saved["model_name_or_path"] is None
    assert saved["per_seed"][0]["train_steps"] <= saved["budget"]["planned"]["max_steps"]

    # the baseline beside it is the library baseline, recomputed independently over the C values the
    # recipe's deadline let it try (on a loaded core 20% of 30 s can pass after the first C)
    data = load_gue(task)
    splits = {s: (data[s]["sequence"], data[s]["label"]) for s in ("train", "validation", "test")}
    tried = [float(c) for c in saved["kmer_baseline"]["dev_mcc_by_C"]]
    assert tried + saved["kmer_baseline"]["untried_C"] == list(DEFAULT_CS)
    reference = fit_kmer_baseline(splits["train"], splits["validation"], splits["test"], seed=1, cs=tried)
    assert saved["kmer_baseline_test_mcc"] == pytest.approx(reference.test["mcc"])
    assert saved["kmer_baseline_dev_mcc"] == pytest.approx(reference.validation["mcc"])
    expected = "kmer_baseline" if saved["kmer_baseline_dev_mcc"] > saved["dev_mcc"] else neural
    assert saved["better_on_dev"] == expected

    # the blend: its end points are the two models (the saved transformer, re-read from disk, scores
    # validation as the Trainer did at the best checkpoint); the selection follows validation only
    blend = saved["blend"]
    by_weight = {float(w): v for w, v in blend["dev_mcc_by_transformer_weight"].items()}
    assert by_weight[0.0] == pytest.approx(saved["kmer_baseline_dev_mcc"])
    if len(saved["transformer_seeds"]) == 1:
        if not saved["rc_average"]:  # the Trainer's validation passes read one strand; the blend both
            assert by_weight[1.0] == pytest.approx(saved["dev_mcc"], abs=1e-6)
        assert blend["transformer_test"]["mcc"] == pytest.approx(saved["test_mcc"], abs=1e-6)
    assert blend["dev_mcc"] == max(by_weight.values()) == by_weight[blend["weight_transformer"]]
    names = {0.0: "kmer_baseline", 1.0: neural}
    blend_selected = names.get(blend["weight_transformer"], "blend")
    # two neural candidates: both and the baseline are weighed together (the blend's weightings included)
    ensemble = saved["ensemble"]
    other = ({"cnn", "transformer"} - {neural}).pop()
    assert ensemble["models"] == [neural, other, "kmer_baseline"]
    assert ensemble["dev_mcc"] == max(ensemble["dev_mcc_by_weights"].values()) >= blend["dev_mcc"]
    assert ensemble["dev_mcc_by_weights"][
        f"{blend['weight_transformer']:g},0,{1 - blend['weight_transformer']:g}"
    ] == (pytest.approx(blend["dev_mcc"]))
    assert (saved["selected_model"], saved["selected_test_mcc"]) == (
        ensemble["selected_model"],
        ensemble["test"]["mcc"],
    )
    # the neural end point averages the recipe's number of best checkpoints; the table beside it
    # redoes the recipe's tail for 1, 2 and 3, and its "1" row is the saved (best) model, re-read
    averaged = gue_recipe.RECIPES[neural].get("checkpoints_averaged", 1)
    assert blend["checkpoints_averaged"] == averaged
    table = saved["checkpoint_averaging"]
    assert sorted(table) == ["1", "2", "3"]
    row = table[str(averaged)]
    assert row["neural_dev_mcc"] == pytest.approx(by_weight[1.0])
    assert row["blend_dev_mcc"] == pytest.approx(blend["dev_mcc"])
    test_mcc_of = {
        "kmer_baseline": saved["kmer_baseline_test_mcc"],
        neural: blend["transformer_test"]["mcc"],
        "blend": blend["test"]["mcc"],
    }
    assert (row["selected_model"], row["selected_test_mcc"]) == (blend_selected, test_mcc_of[blend_selected])
    if len(saved["transformer_seeds"]) == 1:
        model, tokenizer = load_model_and_tokenizer(out, kind="classifier")
        best = predict(
            model, tokenizer, splits["validation"][0], rc_average=saved["rc_average"], progress=False
        )
        mcc = compute_classification_metrics(best.probabilities.argmax(1), splits["validation"][1], 2)["mcc"]
        assert table["1"]["neural_dev_mcc"] == pytest.approx(mcc)

    # the saved baseline (safetensors) reproduces scikit-learn's test predictions
    weights = load_file(str(out / "kmer_baseline.safetensors"))
    features = kmer_frequency_matrix(splits["test"][0]).toarray() / np.where(
        weights["max_abs"] == 0, 1, weights["max_abs"]
    )
    scores = features @ weights["coef"].T + weights["intercept"]
    ours = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(1)
    x_test = reference.scaler.transform(kmer_frequency_matrix(splits["test"][0]))
    np.testing.assert_array_equal(ours, reference.model.predict(x_test))

    # the model folder loads through the Auto classes and has a card naming the baseline
    model = AutoModelForSequenceClassification.from_pretrained(out)
    assert model.config.model_type == {"cnn": "dna_cnn", "transformer": "dna_encoder"}[neural]
    if neural == "cnn":
        assert model.config.position_bins == gue_recipe.CNN_RECIPE["position_bins"] == 4
        assert model.config.block_dropout == gue_recipe.CNN_RECIPE["block_dropout"]
    assert "k-mer" in (out / "README.md").read_text() or "3–6-mers" in (out / "README.md").read_text()
    assert not list(out.glob("checkpoint*")) and not list(out.glob("checkpoints-seed*"))
    shutil.rmtree(out)


def test_self_pretraining_then_fine_tuning_from_the_trunk(tmp_path, monkeypatch):
    """``--self-pretraining-epochs``: the CNN's trunk learns masked bases of the training sequences
    (both strands) first, the fine-tuning starts from that folder, and results.json and the card say so."""
    from transformers import AutoConfig

    monkeypatch.setattr(gue_recipe, "MAX_SEEDS", 1)
    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(192, 64, 64))
    out = tmp_path / "out"
    results = gue_recipe.run_recipe(task, out, budget_minutes=2, threads=1, max_epochs=1, self_pretraining=2)
    pretraining = results["self_pretraining"]
    assert pretraining == results["candidates"]["cnn"]["self_pretraining"]
    # 2 passes over 2 x 192 sequences at batch 64: 12 steps, well inside a quarter of two minutes
    assert pretraining["sequences"] == 2 * 192
    assert pretraining["steps"] == pretraining["planned_steps"] == 12
    assert pretraining["folder"] == results["model_name_or_path"] == "self_pretrained"
    pretrained = AutoConfig.from_pretrained(out / "self_pretrained")
    assert pretrained.architectures == ["DnaCnnForMaskedLM"]
    fine_tuned = AutoConfig.from_pretrained(out)
    assert fine_tuned.architectures == ["DnaCnnForSequenceClassification"]
    for name in ("hidden_size", "num_hidden_layers", "kmer_sizes", "position_bins", "vocab_size"):
        assert getattr(fine_tuned, name) == getattr(pretrained, name), name
    card = (out / "README.md").read_text()
    assert "self-pretrained for 12 steps" in card and "`self_pretrained`" in card


def test_cli_is_wired():
    from hf_genomics.cli import build_parser

    args = build_parser(("gue-recipe",), lazy=True).parse_args(
        ["gue-recipe", "some/task", "--output-dir", "out", "--budget-minutes", "15"]
    )
    assert args._module == "hf_genomics.training.gue_recipe"
    assert (args.task_dir, args.output_dir, args.budget_minutes, args.threads) == (
        "some/task",
        "out",
        15.0,
        2,
    )
    assert args.rc is None  # each candidate's own recipe decides
    for flag, value in (("--rc", True), ("--no-rc", False)):
        parsed = build_parser(("gue-recipe",), lazy=True).parse_args(
            ["gue-recipe", "t", "--output-dir", "o", flag]
        )
        assert parsed.rc is value
    assert args.self_pretraining_epochs is None  # the recipe's
    parsed = build_parser(("gue-recipe",), lazy=True).parse_args(
        ["gue-recipe", "t", "--output-dir", "o", "--self-pretraining-epochs", "0"]
    )
    assert parsed.self_pretraining_epochs == 0.0


def test_spare_budget_trains_more_seeds_and_averages_them(tmp_path, monkeypatch):
    """Seeds that fit are averaged: the blend's transformer end point is the mean of the seeds'
    probabilities, recomputed here from the two saved folders."""
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict
    from hf_genomics.data.gue import load_gue
    from hf_genomics.evaluation.metrics import compute_classification_metrics

    # "always fits": exactly MAX_SEEDS seeds, each as long as the first
    monkeypatch.setattr(gue_recipe, "extra_seed_steps", lambda left, cost, steps, evaluations: steps)
    monkeypatch.setattr(gue_recipe, "MAX_SEEDS", 2)
    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(160, 48, 48))
    out = tmp_path / "out"
    results = gue_recipe.run_recipe(
        task, out, budget_minutes=0.3, threads=1, max_epochs=1, models=["transformer"]
    )
    assert results["transformer_seeds"] == [1, 2] and results["blend"]["transformer_models"] == 2
    data = load_gue(task)
    mean = {}
    for name in ("validation", "test"):
        scores = [
            predict(
                *load_model_and_tokenizer(folder, kind="classifier"), data[name]["sequence"], progress=False
            )
            for folder in (out, out / "extra_seeds" / "seed-2")
        ]
        mean[name] = (scores[0].probabilities + scores[1].probabilities) / 2
    dev = compute_classification_metrics(mean["validation"].argmax(1), data["validation"]["label"], 2)["mcc"]
    test = compute_classification_metrics(mean["test"].argmax(1), data["test"]["label"], 2)["mcc"]
    assert results["blend"]["dev_mcc_by_transformer_weight"]["1.0"] == pytest.approx(dev)
    assert results["blend"]["transformer_test"]["mcc"] == pytest.approx(test)
    seed_two = json.loads((out / "extra_seeds" / "seed-2" / "results.json").read_text())
    assert seed_two["seeds"] == [2]


def test_spare_time_trains_the_other_models_and_weighs_them_all_on_validation(tmp_path, monkeypatch):
    """The CNN's epoch cap ends its seed early: the time left trains the CNN without augmentation,
    then the transformer, and the ensemble's weights are the validation choice, recomputed here
    from the saved models and scikit-learn's MCC for every weighting."""
    from sklearn.metrics import matthews_corrcoef
    from transformers import AutoModelForSequenceClassification

    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict
    from hf_genomics.data.gue import load_gue
    from hf_genomics.evaluation.blend import simplex_weights
    from hf_genomics.evaluation.kmer_baseline import fit_kmer_baseline

    monkeypatch.setattr(gue_recipe, "MAX_SEEDS", 1)  # one CNN seed: its end point is the saved model
    # any plan will do (a loaded CI core may leave the transformer under the recipe's 2 epochs)
    monkeypatch.setitem(gue_recipe.CNN_RECIPE, "spare_time_min_epochs", 0.0)
    monkeypatch.setitem(gue_recipe.CNN_RECIPE, "spare_time_min_share", 0.0)
    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(192, 64, 64))
    out = tmp_path / "out"
    results = gue_recipe.run_recipe(task, out, budget_minutes=1.0, threads=1, max_epochs=2)
    assert results["neural_model"] == "cnn"
    assert [model["model"] for model in results["spare_time"]] == ["cnn_unaugmented", "transformer"]
    assert results["mutation_fraction"] > 0 and results["max_shift_fraction"] > 0  # the first CNN's
    plain, spare = out / "spare_time" / "cnn_unaugmented", out / "spare_time" / "transformer"
    plain_results = json.loads((plain / "results.json").read_text())
    assert plain_results["mutation_fraction"] == plain_results["max_shift_fraction"] == 0.0
    assert AutoModelForSequenceClassification.from_pretrained(plain).config.model_type == "dna_cnn"
    assert AutoModelForSequenceClassification.from_pretrained(spare).config.model_type == "dna_encoder"

    data = load_gue(task)
    splits = {s: (data[s]["sequence"], data[s]["label"]) for s in ("train", "validation", "test")}
    tried = [float(c) for c in results["kmer_baseline"]["dev_mcc_by_C"]]
    baseline = fit_kmer_baseline(splits["train"], splits["validation"], splits["test"], seed=1, cs=tried)
    probabilities = {}
    for name in ("validation", "test"):
        cnn = predict(
            *load_model_and_tokenizer(out, kind="classifier"),
            splits[name][0],
            rc_average=True,
            progress=False,
        )
        unaugmented = predict(
            *load_model_and_tokenizer(plain, kind="classifier"),
            splits[name][0],
            rc_average=True,
            progress=False,
        )
        transformer = predict(
            *load_model_and_tokenizer(spare, kind="classifier"), splits[name][0], progress=False
        )
        probabilities[name] = [
            cnn.probabilities,
            unaugmented.probabilities,
            transformer.probabilities,
            baseline.predict_proba(splits[name][0]),
        ]

    def mcc(weights, name):
        mixed = sum(w * p for w, p in zip(weights, probabilities[name]))
        return matthews_corrcoef(splits[name][1], mixed.argmax(1))

    ensemble = results["ensemble"]
    assert ensemble["models"] == ["cnn", "cnn_unaugmented", "transformer", "kmer_baseline"]
    reference = {",".join(f"{x:g}" for x in w): mcc(w, "validation") for w in simplex_weights(4)}
    assert ensemble["dev_mcc_by_weights"] == pytest.approx(reference, abs=1e-6)
    chosen = tuple(ensemble["weights"].values())
    assert sum(chosen) == pytest.approx(1.0)
    assert ensemble["dev_mcc"] == pytest.approx(max(reference.values()), abs=1e-6)
    assert ensemble["test"]["mcc"] == pytest.approx(mcc(chosen, "test"), abs=1e-6)
    used = [name for name, weight in ensemble["weights"].items() if weight > 0]
    expected = used[0] if len(used) == 1 else "blend" if used == ["cnn", "kmer_baseline"] else "ensemble"
    assert results["selected_model"] == ensemble["selected_model"] == expected
    assert results["selected_test_mcc"] == ensemble["test"]["mcc"]
    assert "spare time" in (out / "README.md").read_text()


def test_spare_time_model_is_skipped_when_its_plan_is_too_short(tmp_path):
    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(160, 48, 48))
    results = gue_recipe.run_recipe(task, tmp_path / "out", budget_minutes=0.3, threads=1, max_epochs=1)
    assert results["spare_time"] is None and results["ensemble"] is None  # 1 epoch < 2: not trained
    assert not (tmp_path / "out" / "spare_time").exists()
    assert results["selected_model"] == gue_recipe.selected_by_validation(results["blend"], "cnn")
