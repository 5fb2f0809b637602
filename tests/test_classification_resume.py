"""run_classification after a kill (issue 10 item 8): finished seeds are kept and reused, an
unfinished seed continues from its newest complete checkpoint, other settings are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import HfArgumentParser

from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training import classification
from hf_genomics.training.classification import ClassificationArguments, StudyTrainingArguments

TINY = ["--preset", "tiny", "--num_train_epochs", "1", "--learning_rate", "3e-3",
        "--per_device_train_batch_size", "16", "--use_cpu", "true", "--disable_tqdm", "true"]  # fmt: skip


class Killed(Exception):
    """Stands in for SIGKILL: nothing after the raise point runs."""


@pytest.fixture(scope="module")
def task_dir(tmp_path_factory) -> Path:
    return write_planted_motif_task(tmp_path_factory.mktemp("gue") / "toy", sizes=(96, 32, 32))


def parse(argv: list[str]):
    parser = HfArgumentParser((ClassificationArguments, StudyTrainingArguments))
    return parser.parse_args_into_dataclasses(args=argv)


def run(task_dir: Path, out: Path, *extra: str) -> dict:
    argv = ["--task_dir", str(task_dir), "--tokenizer", "kmer:3", "--output_dir", str(out), *TINY, *extra]
    return classification.run_classification(*parse(argv))


class SeedRecorder(list):
    """Seeds that train_one_seed is called for; seeds in ``kill`` die before training."""

    kill: set[int]


@pytest.fixture
def trained_seeds(monkeypatch) -> SeedRecorder:
    calls = SeedRecorder()
    calls.kill = set()
    real = classification.train_one_seed

    def recording(*args, **kwargs):
        seed = args[6]
        calls.append(seed)
        if seed in calls.kill:
            raise Killed(f"seed {seed}")
        return real(*args, **kwargs)

    monkeypatch.setattr(classification, "train_one_seed", recording)
    return calls


def test_finished_seeds_survive_a_kill_and_are_reused(task_dir, tmp_path, trained_seeds):
    out = tmp_path / "run"
    trained_seeds.kill.add(2)
    with pytest.raises(Killed):
        run(task_dir, out, "--seeds", "1", "2", "3")
    first = json.loads((out / "seed-1" / "result.json").read_text())
    assert (out / "seed-1" / "model" / "model.safetensors").is_file()  # best so far, kept for the end
    assert not list((out / "seed-1").glob("checkpoint-*")) and not (out / "results.json").exists()

    trained_seeds.kill.clear()
    trained_seeds.clear()
    results = run(task_dir, out, "--seeds", "1", "2", "3", "--resume_from_checkpoint", "last")
    assert trained_seeds == [2, 3]  # before the fix: every seed again (the option was ignored)
    assert results["per_seed"][0] == first["record"]
    assert [record["seed"] for record in results["per_seed"]] == [1, 2, 3]
    saved = json.loads((out / "results.json").read_text())
    assert (
        saved["per_seed"] == results["per_seed"]
        and saved["num_parameters"] == first["model"]["num_parameters"]
    )
    assert (out / "model.safetensors").is_file() and not list(out.glob("seed-*/model"))

    trained_seeds.clear()  # everything finished: a resume trains nothing and reloads the saved best model
    again = run(task_dir, out, "--seeds", "1", "2", "3", "--resume_from_checkpoint", "last")
    assert trained_seeds == [] and again["per_seed"] == results["per_seed"]
    assert again["saved_seed"] == results["saved_seed"]

    with pytest.raises(ValueError, match=r"seed-1/result.json was made with other settings.*--no-resume"):
        run(task_dir, out, "--seeds", "1", "--learning_rate", "1e-3", "--resume_from_checkpoint", "last")
    trained_seeds.clear()
    run(task_dir, out, "--seeds", "1", "2")  # no resume: trained afresh, as Trainer does
    assert trained_seeds == [1, 2]


def test_resume_path_is_refused(task_dir, tmp_path):
    with pytest.raises(ValueError, match="resumes per seed"):
        run(
            task_dir,
            tmp_path / "x",
            "--seeds",
            "1",
            "--resume_from_checkpoint",
            str(tmp_path / "checkpoint-2"),
        )


def test_unfinished_seed_continues_from_its_checkpoint(task_dir, tmp_path, monkeypatch):
    """A kill after checkpoint-2 of a seed: the resume continues from it and ends where an
    uninterrupted run ends."""
    steps = ["--max_steps", "4", "--eval_strategy", "steps", "--eval_steps", "2", "--save_strategy", "steps",
             "--save_steps", "2", "--save_only_model", "false", "--save_total_limit", "2", "--seeds", "1"]  # fmt: skip
    reference = run(task_dir, tmp_path / "reference", *steps, "--save_model", "false")

    real_step = classification.Trainer.training_step

    def dies_after_checkpoint_2(self, *args, **kwargs):
        if self.state.global_step >= 2:
            raise Killed("step 3")
        return real_step(self, *args, **kwargs)

    out = tmp_path / "killed"
    monkeypatch.setattr(classification.Trainer, "training_step", dies_after_checkpoint_2)
    with pytest.raises(Killed):
        run(task_dir, out, *steps, "--save_model", "false")
    monkeypatch.setattr(classification.Trainer, "training_step", real_step)
    assert (out / "seed-1" / "checkpoint-2" / "optimizer.pt").is_file()
    (out / "seed-1" / "checkpoint-4").mkdir()  # and a save of step 4 that never got far
    (out / "seed-1" / "checkpoint-4" / "model.safetensors").write_bytes(b"")

    resumed = run(task_dir, out, *steps, "--save_model", "false", "--resume_from_checkpoint", "last")
    record = resumed["per_seed"][0]
    assert record["resumed_from"] == "checkpoint-2" and record["train_steps"] == 4
    assert record["test"] == pytest.approx(reference["per_seed"][0]["test"])
    assert record["best_dev_mcc"] == pytest.approx(reference["per_seed"][0]["best_dev_mcc"])
