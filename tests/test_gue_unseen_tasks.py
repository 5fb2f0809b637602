"""``benchmark gue`` and ``gue-recipe`` on GUE tasks the shared data folder does not hold: a
multi-class task shaped like ``splice/reconstructed`` (400 bp, 3 classes, MCC) and one shaped like
``virus/covid`` (9 classes, macro F1), in the benchmark's own folder layout, end to end through the CLI."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import numpy as np
import pytest
from analysis_models import save_tiny_mlm_encoder

from hf_genomics.cli import main as cli_main
from hf_genomics.data.gue import GUE_TASKS, load_gue
from hf_genomics.evaluation import kmer_baseline
from hf_genomics.training.gue_protocol import PROTOCOLS, published

COVID_LENGTH = 1000


def write_class_motif_task(folder: Path, length: int, classes: int, sizes: tuple[int, int, int], seed: int):
    """``train/dev/test.csv`` (header ``sequence,label``): random DNA with one 8-mer per class planted
    every 50 bp, so a bag of k-mers separates the classes and every class is in every split."""
    rng = np.random.default_rng(seed)
    motifs = rng.integers(0, 4, (classes, 8))
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in zip(("train", "dev", "test"), sizes):
        labels = rng.permutation(np.arange(size) % classes)
        codes = rng.integers(0, 4, (size, length))
        for start in range(0, length - 8, 50):
            codes[:, start : start + 8] = motifs[labels]
        sequences = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
        rows = [f"{row.tobytes().decode()},{label}" for row, label in zip(sequences, labels)]
        (folder / f"{name}.csv").write_text("sequence,label\n" + "\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def unseen_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gue_unseen")
    write_class_motif_task(root / "splice" / "reconstructed", 400, 3, (36, 18, 18), seed=0)
    write_class_motif_task(root / "virus" / "covid", COVID_LENGTH, 9, (54, 27, 27), seed=1)
    return root


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    return save_tiny_mlm_encoder(tmp_path_factory.mktemp("tiny_encoder"))


@pytest.fixture
def short_baseline_grid(monkeypatch):
    """Three values of C instead of nine: the grid search itself is tested in test_kmer_baseline."""
    monkeypatch.setattr(
        kmer_baseline,
        "fit_kmer_baseline",
        functools.partial(kmer_baseline.fit_kmer_baseline, cs=(0.1, 1.0, 10.0)),
    )


def test_registry_knows_every_task_shape():
    shapes = {
        path: (task.length_nt, task.num_classes, PROTOCOLS[path].metric) for path, task in GUE_TASKS.items()
    }
    for path, shape in shapes.items():
        group = path.split("/")[0]
        expected = {
            "EMP": (500, 2, "mcc"),
            "tf": (101, 2, "mcc"),
            "mouse": (101, 2, "mcc"),
            "splice": (400, 3, "mcc"),
            "virus": (1000, 9, "f1"),
        }.get(group) or ((70 if "core" in path else 300), 2, "mcc")
        assert shape == expected, path
    assert {path for path in GUE_TASKS if PROTOCOLS[path].max_steps == 1000} == {
        f"mouse/{i}" for i in range(5)
    }


def test_benchmark_gue_on_multiclass_and_f1_tasks(unseen_root, tiny_encoder, tmp_path, short_baseline_grid):
    out = tmp_path / "bench"
    argv = ["benchmark", "gue", "--model", str(tiny_encoder), "--gue-root", str(unseen_root)]
    argv += [
        "--output-dir",
        str(out),
        "--seeds",
        "1",
        "--max-steps",
        "2",
        "--eval-steps",
        "1",
        "--threads",
        "1",
    ]
    assert cli_main(argv) == 0
    summary = json.loads((out / "gue_benchmark.json").read_text())
    rows = {row["task"]: row for row in summary["rows"]}
    assert list(rows) == ["splice/reconstructed", "virus/covid"]
    assert (rows["splice/reconstructed"]["metric"], rows["virus/covid"]["metric"]) == ("mcc", "f1")
    for task in summary["tasks"]:
        folder = out / "tasks" / task["task"].replace("/", "_")
        seed = json.loads((folder / "seed-1" / "result.json").read_text())["record"]
        assert task["per_seed"]["1"] == seed["test"][task["metric"]]
        run = json.loads((folder / "results.json").read_text())
        assert run["num_labels"] == GUE_TASKS[task["task"]].num_classes
        baseline = json.loads((folder / "kmer_baseline.json").read_text())
        assert task["kmer_baseline"]["test"] == baseline["test"][task["metric"]]
        assert baseline["test"][task["metric"]] > 0.8  # the multi-class baseline reads the planted motifs
        assert rows[task["task"]]["kmer_baseline"] == pytest.approx(100 * baseline["test"][task["metric"]])
    table = (out / "gue_benchmark.md").read_text()
    assert "**Splice site prediction (human)**" in table and "**Covid variant classification (F1)**" in table
    for task in ("splice/reconstructed", "virus/covid"):
        line = next(line for line in table.splitlines() if line.startswith(f"| {task} |"))
        assert f"{rows[task]['kmer_baseline']:.2f}" in line
        reference = published(task, "DNABERT-2")
        assert (f"{reference:.2f}" if reference is not None else "–") in line
    with (out / "gue_benchmark.csv").open() as handle:
        assert [(r["task"], r["metric"]) for r in csv.DictReader(handle)] == [
            ("splice/reconstructed", "mcc"),
            ("virus/covid", "f1"),
        ]


@pytest.fixture(scope="module")
def short_covid_root(tmp_path_factory) -> Path:
    """Covid's 9 classes at 200 bp: the recipe's step-time probe of the CNN on 1 kb costs ~20 s."""
    root = tmp_path_factory.mktemp("gue_short_covid")
    write_class_motif_task(root / "virus" / "covid", 200, 9, (54, 27, 27), seed=2)
    return root


@pytest.mark.parametrize(
    "task, root",
    [
        ("splice/reconstructed", "unseen_root"),
        ("virus/covid", "short_covid_root"),
        pytest.param("virus/covid", "unseen_root", marks=pytest.mark.slow, id="virus/covid-1kb"),
    ],
)
def test_gue_recipe_on_multiclass_tasks(task, root, request, tmp_path, short_baseline_grid, capsys):
    root = request.getfixturevalue(root)
    out = tmp_path / "recipe"
    argv = ["gue-recipe", str(root / task), "--output-dir", str(out), "--budget-minutes", "0.1"]
    assert cli_main([*argv, "--threads", "1"]) == 0
    results = json.loads((out / "results.json").read_text())
    classes = GUE_TASKS[task].num_classes
    assert results["num_labels"] == classes and results["neural_model"] == "cnn"
    config = json.loads((out / "config.json").read_text())
    assert len(config["id2label"]) == classes
    assert results["kmer_baseline"]["test"]["f1"] > 0.8 and results["kmer_baseline_test_mcc"] > 0.8
    assert results["selected_model"] in ("kmer_baseline", "cnn", "blend")
    assert set(results["selected_test"]) >= {"mcc", "f1", "accuracy"}
    data = load_gue(root / task)
    assert results["train_examples"] == data["train"].num_rows
    out_text = capsys.readouterr().out
    assert "selected on dev" in out_text
    # Covid is reported as macro F1 by GUE: the recipe says so and records it
    assert results["task_metric"] == ("f1" if task == "virus/covid" else "mcc")
    if task == "virus/covid":
        line = next(text for text in out_text.splitlines() if "macro F1" in text)
        assert f"selected {100 * results['selected_test']['f1']:.2f}" in line


def test_a_missing_task_folder_is_named_as_a_folder(tmp_path, capsys):
    """A path that is not there says so in one line (not 'unknown GUE task' and the list of 28)."""
    missing = tmp_path / "GUE" / "EMP" / "H3"
    assert cli_main(["gue-recipe", str(missing), "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such GUE task folder" in err[0] and str(missing) in err[0]
    assert not (tmp_path / "out").exists()  # checked before the output folder is claimed: no lock left
