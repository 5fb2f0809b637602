"""``hf-genomics benchmark gue``: the DNABERT-2 protocol per task, any loadable model (our encoder,
a converted DNABERT-2), seeds resumable, the k-mer baseline and the published numbers beside every row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from analysis_models import save_tiny_mlm_encoder

from hf_genomics.cli import main as cli_main
from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training import gue_benchmark
from hf_genomics.training.gue_benchmark import BenchmarkOptions, run_benchmark, tasks_under
from hf_genomics.training.gue_protocol import PROTOCOLS
from tests.two_processes import launch_two_processes

DNABERT2_FIXTURE = Path(__file__).parent / "fixtures" / "ports" / "dnabert2" / "tiny_cls"


@pytest.fixture(scope="module")
def gue_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gue")
    write_planted_motif_task(root / "prom" / "prom_core_tata", sizes=(48, 24, 24), seed=0)
    write_planted_motif_task(root / "tf" / "0", sizes=(48, 24, 24), seed=10)
    (root / "not_a_task").mkdir()
    return root


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    """Our encoder as a user would have it after pretraining: MLM weights + tokenizer in a folder."""
    return save_tiny_mlm_encoder(tmp_path_factory.mktemp("tiny_encoder"))


def test_protocol_is_the_dnabert2_scripts():
    """Spot checks against run_dnabert2.sh @ d87d29f: one line per loop of the script."""
    assert (PROTOCOLS["prom/prom_core_tata"].epochs, PROTOCOLS["prom/prom_core_tata"].batch_size) == (10, 8)
    assert (
        PROTOCOLS["prom/prom_core_notata"].eval_steps == 400
        and PROTOCOLS["prom/prom_core_notata"].epochs == 4
    )
    assert PROTOCOLS["mouse/3"].max_steps == 1000 and PROTOCOLS["mouse/3"].warmup_steps == 30
    assert PROTOCOLS["tf/4"].epochs == 3 and PROTOCOLS["tf/4"].eval_batch_size == 64
    assert PROTOCOLS["virus/covid"].batch_size == 32 and PROTOCOLS["virus/covid"].metric == "f1"
    assert PROTOCOLS["EMP/H3K4me3"].model_max_length == 128
    assert {p.learning_rate for p in PROTOCOLS.values()} == {3e-5}
    from hf_genomics.data.gue import GUE_TASKS

    assert set(PROTOCOLS) == set(GUE_TASKS)  # every registry task has its protocol


def test_tasks_under_finds_registry_folders_and_refuses_missing_ones(gue_root):
    assert tasks_under(gue_root) == ["prom/prom_core_tata", "tf/0"]
    assert tasks_under(gue_root, ["tf_0"]) == ["tf/0"]
    with pytest.raises(FileNotFoundError, match="mouse/0"):
        tasks_under(gue_root, ["mouse/0"])
    with pytest.raises(KeyError, match="unknown GUE task"):
        tasks_under(gue_root, ["no_such_task"])


def test_benchmark_end_to_end_with_our_encoder_resumes_per_seed(
    gue_root, tiny_encoder, tmp_path, monkeypatch
):
    out = tmp_path / "bench"
    options = BenchmarkOptions(
        model=str(tiny_encoder),
        output_dir=str(out),
        gue_root=str(gue_root),
        seeds=[1],
        max_steps=3,
        eval_steps=2,
    )
    summary = run_benchmark(options)
    rows = {row["task"]: row for row in summary["tasks"]}
    assert set(rows) == {"prom/prom_core_tata", "tf/0"}
    for task, row in rows.items():
        assert set(row["per_seed"]) == {"1"}
        seed = json.loads((out / "tasks" / task.replace("/", "_") / "seed-1" / "result.json").read_text())
        assert seed["record"]["test"]["mcc"] == row["per_seed"]["1"]
        assert seed["record"]["train_steps"] == 3 and "best_dev_loss" in seed["record"]
        assert -1 <= row["kmer_baseline"]["test"] <= 1
        assert len(row["kmer_baseline"]["tried_C"]) == 9 and row["kmer_baseline"]["untried_C"] == []
    table = (out / "gue_benchmark.md").read_text()
    assert "C grid cut" not in table  # no budget: the baseline's whole grid
    assert "Core promoter detection" in table and "Transcription factor prediction (human)" in table
    assert "74.17" in table and "71.99" in table  # published DNABERT-2 beside the rows
    assert "not comparable with the published numbers" in table  # max_steps shortened the protocol
    card = (out / "model_card_section.md").read_text()
    assert card.startswith("## GUE benchmark") and table in card
    with (out / "gue_benchmark.csv").open() as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [r["task"] for r in csv_rows] == ["prom/prom_core_tata", "tf/0"]
    assert float(csv_rows[0]["DNABERT-2"]) == 74.17 and csv_rows[0]["n"] == "1"
    assert float(csv_rows[0]["HyenaDNA"]) == 46.5  # Lindsey et al.'s HyenaDNA (char), 0.465
    saved = json.loads((out / "gue_benchmark.json").read_text())
    assert saved["protocols"]["tf/0"]["learning_rate"] == 3e-5 and "d87d29f" in saved["protocol_source"]

    # a rerun (one more seed) trains only the new seed: finished seeds are reused
    import hf_genomics.training.classification as classification

    trained = []
    original = classification.train_one_seed
    monkeypatch.setattr(
        classification, "train_one_seed", lambda *a, **k: trained.append(a[6]) or original(*a, **k)
    )
    again = run_benchmark(BenchmarkOptions(**{**options.__dict__, "seeds": [1, 2]}))
    assert trained == [2, 2]  # seed 2 on each task, nothing else
    assert all(set(t["per_seed"]) == {"1", "2"} for t in again["tasks"])
    assert {t["task"]: t["per_seed"]["1"] for t in again["tasks"]} == {
        t: r["per_seed"]["1"] for t, r in rows.items()
    }


def test_budget_time_boxes_the_kmer_baseline_grid(gue_root, tiny_encoder, tmp_path):
    """With --budget-minutes the baseline's C grid stops at BASELINE_SHARE of the task's budget, as in
    gue-recipe (before: all nine C values, hours on full Covid). A budget of a few nanoseconds: the
    deadline has passed after the first C."""
    from hf_genomics.evaluation.kmer_baseline import DEFAULT_CS

    options = BenchmarkOptions(
        model=str(tiny_encoder), output_dir=str(tmp_path / "out"), gue_root=str(gue_root),
        tasks=["tf/0"], seeds=[1], max_steps=1, eval_steps=1, budget_minutes=1e-10,
    )  # fmt: skip
    baseline = run_benchmark(options)["tasks"][0]["kmer_baseline"]
    assert baseline["tried_C"] == [DEFAULT_CS[0]] and baseline["untried_C"] == list(DEFAULT_CS[1:])
    saved = json.loads((tmp_path / "out" / "gue_benchmark.json").read_text())
    assert saved["tasks"][0]["kmer_baseline"]["untried_C"] == list(DEFAULT_CS[1:])
    table = (tmp_path / "out" / "gue_benchmark.md").read_text()
    assert (
        "k-mer baseline's C grid cut by the time budget (20% of each task's budget) on tf/0 (1 of 9" in table
    )

    # without the budget the cut grid is not reused: the whole grid is fitted
    rerun = run_benchmark(BenchmarkOptions(**{**options.__dict__, "budget_minutes": None}))
    assert len(rerun["tasks"][0]["kmer_baseline"]["tried_C"]) == 9
    assert "C grid cut" not in (tmp_path / "out" / "gue_benchmark.md").read_text()


def test_protocol_overrides_reach_the_trainer_and_retrain_when_changed(
    gue_root, tiny_encoder, tmp_path, monkeypatch
):
    """--learning-rate / --batch-size / --epochs replace the protocol's 3e-5 / 8 / 3 (tf/0): seen on the
    Trainer itself (scheduler base lr, state batch size and epochs) and in the step count, which is
    ceil(48 rows / batch) x epochs; a changed override retrains the finished seed, the same reuses it."""
    import math

    import hf_genomics.training.classification as classification

    seen = []

    class SpyTrainer(classification.TrainingCollatorTrainer):
        def train(self, *args, **kwargs):
            output = super().train(*args, **kwargs)
            state = self.state
            seen.append((self.lr_scheduler.base_lrs[0], state.train_batch_size, state.num_train_epochs))
            return output

    monkeypatch.setattr(classification, "TrainingCollatorTrainer", SpyTrainer)
    out = tmp_path / "out"
    options = BenchmarkOptions(
        model=str(tiny_encoder), output_dir=str(out), gue_root=str(gue_root), tasks=["tf/0"], seeds=[1],
        eval_steps=3, learning_rate=1e-3, batch_size=16, epochs=2,
    )  # fmt: skip
    summary = run_benchmark(options)
    assert seen == [(1e-3, 16, 2)]
    seed_result = json.loads((out / "tasks" / "tf_0" / "seed-1" / "result.json").read_text())
    assert (
        seed_result["record"]["train_steps"]
        == math.ceil(48 / 16) * 2
        == summary["tasks"][0]["train_steps"]["1"]
    )
    assert summary["tasks"][0]["training"]["learning_rate"] == 1e-3
    saved = json.loads((out / "gue_benchmark.json").read_text())
    assert saved["protocol_overrides"] == {
        "learning_rate": 1e-3,
        "batch_size": 16,
        "epochs": 2,
        "eval_steps": 3,
    }
    table = (out / "gue_benchmark.md").read_text()
    assert (
        "Protocol overridden on every task (learning rate 0.001, batch size 16, 2 epochs, evaluation every 3"
        in table
    )

    assert run_benchmark(options)["tasks"][0]["per_seed"] == summary["tasks"][0]["per_seed"]
    assert len(seen) == 1  # same overrides: the finished seed is reused
    run_benchmark(BenchmarkOptions(**{**options.__dict__, "learning_rate": 2e-3}))
    assert seen[1:] == [(2e-3, 16, 2)]  # changed: trained again, the earlier seed kept aside
    (replaced,) = (out / "tasks" / "tf_0" / "replaced").iterdir()
    assert json.loads((replaced / "seed-1" / "result.json").read_text()) == seed_result


def test_overrides_are_checked_before_any_work(gue_root, tmp_path, capsys):
    argv = ["benchmark", "gue", "--model", "x", "--gue-root", str(gue_root), "--output-dir", str(tmp_path)]
    for bad in (["--learning-rate", "0"], ["--batch-size", "0"], ["--epochs", "nan"]):
        assert cli_main([*argv, *bad]) == 2
        assert (
            capsys.readouterr()
            .err.strip()
            .splitlines()[-1]
            .startswith(f"hf-genomics benchmark gue: error: {bad[0]}")
        )
    assert not list(tmp_path.iterdir())


def test_benchmark_with_the_converted_dnabert2_fixture_and_lora(gue_root, tmp_path):
    from hf_genomics.convert.base import convert_checkpoint

    converted = tmp_path / "dnabert2"
    convert_checkpoint(DNABERT2_FIXTURE, converted)
    summary = run_benchmark(
        BenchmarkOptions(
            model=str(converted), output_dir=str(tmp_path / "out"), gue_root=str(gue_root),
            tasks=["tf/0"], seeds=[7], max_steps=2, eval_steps=1, label="DNABERT-2 (tiny fixture)",
            use_lora=True,  # peft has no default targets for this family: every linear layer but the head
        )
    )  # fmt: skip
    assert summary["tasks"][0]["task"] == "tf/0" and set(summary["tasks"][0]["per_seed"]) == {"7"}
    assert (
        "DNABERT-2 (tiny fixture) (mean ± sd, n seeds)" in (tmp_path / "out" / "gue_benchmark.md").read_text()
    )


def test_lora_option_trains_adapters(gue_root, tiny_encoder, tmp_path):
    summary = run_benchmark(
        BenchmarkOptions(
            model=str(tiny_encoder), output_dir=str(tmp_path / "lora"), gue_root=str(gue_root),
            tasks=["prom_core_tata"], seeds=[1], max_steps=2, eval_steps=1, use_lora=True,
        )
    )  # fmt: skip
    results = json.loads((tmp_path / "lora" / "tasks" / "prom_prom_core_tata" / "results.json").read_text())
    assert results["use_lora"] and summary["use_lora"]


def test_seed_budget_callback_restarts_its_clock_for_every_seed():
    from transformers import TrainerControl, TrainerState

    now = [0.0]
    callback = gue_benchmark.SeedBudgetCallback(10.0, clock=lambda: now[0])
    state = TrainerState(global_step=1, max_steps=100)
    for start in (0.0, 50.0):  # two seeds
        now[0] = start
        callback.on_train_begin(None, state, TrainerControl())
        now[0] = start + 5
        assert not callback.on_step_end(None, state, TrainerControl()).should_training_stop
        now[0] = start + 10
        control = callback.on_step_end(None, state, TrainerControl())
        assert control.should_training_stop and control.should_evaluate and control.should_save


def test_cli_user_errors_are_one_line(gue_root, tmp_path, capsys):
    code = cli_main(
        [
            "benchmark",
            "gue",
            "--model",
            "x",
            "--gue-root",
            str(gue_root),
            "--output-dir",
            str(tmp_path),
            "--tasks",
            "mouse/0",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mouse/0" in err[0]
    assert (
        cli_main(
            [
                "benchmark",
                "gue",
                "--model",
                "x",
                "--gue-root",
                str(tmp_path / "none"),
                "--output-dir",
                str(tmp_path),
            ]
        )
        == 2
    )


@pytest.mark.real_data
def test_benchmark_on_shared_gue_subsets(shared_data, tiny_encoder, tmp_path):
    summary = run_benchmark(
        BenchmarkOptions(
            model=str(tiny_encoder), output_dir=str(tmp_path), gue_root=str(shared_data / "gue"),
            tasks=["mouse/0", "prom_300_tata"], seeds=[1], max_steps=2, eval_steps=2,
            max_train_samples=40, max_eval_samples=20,
        )
    )  # fmt: skip
    assert [t["task"] for t in summary["tasks"]] == ["prom/prom_300_tata", "mouse/0"] or [
        t["task"] for t in summary["tasks"]
    ] == ["mouse/0", "prom/prom_300_tata"]
    table = (tmp_path / "gue_benchmark.md").read_text()
    assert "56.76" in table and "71.59" in table and "Subset of rows" in table


def test_a_single_seed_cell_shows_no_spread():
    """One seed has no sample sd: the table says ``mean (1)``, not ``± 0.00``."""
    from hf_genomics.training.gue_report import _mean_cell

    assert _mean_cell({"mean": 57.64, "sd": 0.0, "n": 1}) == "57.64 (1)"
    assert _mean_cell({"mean": 57.64, "sd": 1.234, "n": 3}) == "57.64 ± 1.23 (3)"


def test_earlier_seeds_are_never_moved_through_a_symlink(tmp_path):
    import json

    from hf_genomics.training.gue_benchmark import SETTINGS_FILE, replace_stale_seeds

    folder, elsewhere = tmp_path / "task", tmp_path / "elsewhere"
    (folder / "seed-1").mkdir(parents=True)
    elsewhere.mkdir()
    (folder / SETTINGS_FILE).write_text(json.dumps({"settings_fingerprint": "old"}))
    (folder / "replaced").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError, match="symbolic link"):
        replace_stale_seeds(folder, "new", {}, resume=True)
    assert (folder / "seed-1").is_dir() and not list(elsewhere.iterdir())


def test_two_data_parallel_processes_write_one_table_and_resume(gue_root, tiny_encoder, tmp_path):
    """``accelerate launch --multi_gpu --num_processes 2`` (gloo on CPU: the code path of several
    GPUs): both processes train every seed, the main one writes the table, which names the two
    processes; a rerun reuses the finished seeds."""
    out = tmp_path / "ddp"
    program = [
        "-m", "hf_genomics.cli", "benchmark", "gue", "--model", str(tiny_encoder), "--gue-root", str(gue_root),
        "--tasks", "prom/prom_core_tata", "--output-dir", str(out), "--seeds", "1",
        "--max-steps", "4", "--eval-steps", "2", "--threads", "1",
    ]  # fmt: skip
    first = launch_two_processes(program)
    assert first.returncode == 0, first.stderr[-4000:]
    saved = json.loads((out / "gue_benchmark.json").read_text())
    assert saved["processes"] == 2
    seed = json.loads((out / "tasks" / "prom_prom_core_tata" / "seed-1" / "result.json").read_text())
    assert seed["record"]["train_steps"] == 4 and -1 <= seed["record"]["test"]["mcc"] <= 1
    assert "Trained on 2 data-parallel processes" in (out / "gue_benchmark.md").read_text()
    again = launch_two_processes(program)
    assert again.returncode == 0, again.stderr[-4000:]
    assert "seed 1: finished earlier" in again.stderr and "train_runtime" not in again.stdout + again.stderr
