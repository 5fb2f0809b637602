"""The coding-schemes study runner: grid, resume after a real SIGKILL, tables, plots, CLI wiring."""

from __future__ import annotations

import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from hf_genomics.cli import build_parser
from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.studies import coding_schemes as study
from tests.plot_content import assert_plot_has_content

TASK = "prom/prom_core_tata"
# 1 task x 2 tokenizers x 1 position x 1 depth x 2 seeds = 4 cells of about a second each
SMALL = replace(
    study.PRESETS["tiny"],
    tokenizers=("kmer:3", "bpe:64"),
    positions=("rope",),
    depths=(1,),
    tasks=(TASK,),
    seeds=(1, 2),
    max_train_samples=64,
    max_eval_samples=32,
)


@pytest.fixture(scope="module")
def gue_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gue")
    write_planted_motif_task(root / TASK, sizes=(64, 32, 32))
    return root


def test_presets_cover_the_paper_grid():
    paper = study.PRESETS["paper"]
    assert paper.tokenizers == ("kmer:1", "kmer:3", "kmer:4", "kmer:5", "kmer:6", "bpe:4096")
    assert paper.positions == ("sinusoidal", "alibi", "rope") and paper.depths == (3, 6, 12, 24)
    assert len(study.grid(paper)) == 6 * 3 * 4 * 4 * 3
    cpu = study.PRESETS["cpu"]
    assert set(cpu.tasks) == set(study.SHARED_TASKS) and cpu.tokenizers == paper.tokenizers
    cells = study.grid(cpu)
    assert len({c.name for c in cells}) == len(cells) == 6 * 3 * 3 * 4 * 2
    assert [c.seed for c in cells[:2]] == [1, 2]  # seeds innermost: every group gets its sd early


def test_cli_is_wired_and_bpe_ablation(tmp_path):
    args = build_parser().parse_args(
        ["study", "coding-schemes", "--preset", "cpu", "--output-dir", str(tmp_path), "--bpe-ablation"]
    )
    preset = study.select_preset(args)
    assert preset.tokenizers == tuple(f"bpe:{v}" for v in (512, 1024, 2048, 4096, 8192, 16384, 32768))
    args = build_parser().parse_args(
        ["study", "coding-schemes", "--bpe-ablation", "512", "1024", "--seeds", "7"]
    )
    preset = study.select_preset(args)
    assert preset.tokenizers == ("bpe:512", "bpe:1024") and preset.seeds == (7,)


def test_resume_after_sigkill(gue_root, tmp_path):
    """Kill -9 the runner while a cell is training; the rerun trains only what is missing."""
    out = tmp_path / "study"
    cells = study.grid(SMALL)
    code = (
        "import sys, torch; torch.set_num_threads(1)\n"
        "from pathlib import Path\n"
        "from tests.test_coding_schemes import SMALL\n"
        "from hf_genomics.studies import coding_schemes as s\n"
        f"s.run_study(SMALL, Path({str(out)!r}), Path({str(gue_root)!r}), plots=False)\n"
    )
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, env={**os.environ, "PYTHONPATH": str(root)}
    )
    try:
        deadline = time.time() + 600  # generous: a loaded 2-core machine is slow to start a cell
        while time.time() < deadline and not study.cell_is_done(out, cells[0], SMALL):
            time.sleep(0.2)
        assert study.cell_is_done(out, cells[0], SMALL), "first cell never finished"
        while time.time() < deadline and not (out / "cells" / cells[1].name).exists():
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # mid-cell (the second cell has started)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    done_before = [c for c in cells if study.cell_is_done(out, c, SMALL)]
    assert 1 <= len(done_before) < len(cells)
    kept = {c.name: (out / "cells" / c.name / "results.json").read_text() for c in done_before}

    trained: list[str] = []

    def recording_runner(cell, *args):
        trained.append(cell.name)
        return study.run_cell(cell, *args)

    outcome = study.run_study(SMALL, out, gue_root, preset_name="test", cell_runner=recording_runner)
    assert trained == [c.name for c in cells if c.name not in kept]
    assert outcome["skipped"] == len(kept) and outcome["done"] == len(cells)
    for name, text in kept.items():  # finished cells are untouched
        assert (out / "cells" / name / "results.json").read_text() == text

    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == len(cells)
    summary = {
        (r["tokenizer"]): (float(r["test_mcc_mean"]), float(r["test_mcc_sd"]), int(r["n_seeds"]))
        for r in csv.DictReader((out / "summary.csv").open())
    }
    for tokenizer in SMALL.tokenizers:
        values = [float(r["test_mcc"]) for r in rows if r["tokenizer"] == tokenizer]
        assert summary[tokenizer] == pytest.approx((statistics.mean(values), statistics.stdev(values), 2))
    report = (out / "results.md").read_text()
    assert "4 of 4 cells finished" in report and "| bpe:64 |" in report and "74.17" in report
    baseline = json.loads((out.parent / "baselines" / "kmer_lr_prom_prom_core_tata.json").read_text())
    assert f"{100 * baseline['test_mcc']:.2f} (dev {100 * baseline['validation']['mcc']:.2f})" in report
    for image in ("heatmap_L1.png", "depth_curve.png"):
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert_plot_has_content(out / image)
    bpe_dirs = list((out / "tokenizers").iterdir())
    assert [d.name for d in bpe_dirs] == ["prom_prom_core_tata-bpe64-n64"]  # learned once, shared by cells
    assert json.loads((out / "study.json").read_text())["preset"] == "test"


def test_markdown_marks_missing_cells():
    def row(tokenizer, position, seed, test, dev):
        return {"task": TASK, "tokenizer": tokenizer, "position": position, "depth": 2, "seed": seed,
                "test_mcc": test, "best_dev_mcc": dev}  # fmt: skip

    rows = [
        row("kmer:3", "rope", 1, 0.5, 0.3),
        row("kmer:3", "rope", 2, 0.7, 0.3),
        row("kmer:6", "alibi", 1, 0.4, 0.6),
    ]
    baselines = {TASK: {"test_mcc": 0.4846, "validation": {"mcc": 0.5238}}}
    report = study.markdown_report(
        rows, "cpu", total_cells=10, expected_tasks=(TASK, "tf/0"), baselines=baselines
    )
    assert "3 of 10 cells finished" in report
    assert "| kmer:3 | — | 60.0 ± 14.1 (2) |" in report
    # selected by validation MCC (kmer:6), not by test MCC (kmer:3, shown as the optimistic column);
    # the k-mer baseline (test, dev in brackets) and DNABERT-2 beside it
    assert (
        "| kmer:6, alibi, L2 | 40.00 ± 0.00 (n=1) | 60.00 (kmer:3, rope, L2) | 48.46 (dev 52.38) | 74.17 |"
        in report
    )
    assert "| tf/0 | not run yet | — | — | — | 71.99 |" in report  # no baseline for tf/0: a dash
    assert (
        "Beside these cells: k-mer baseline (3–6-mer LR) 48.46 (dev 52.38); pretrained DNABERT-2 74.17."
        in report
    )


def test_baselines_are_read_or_computed(gue_root, tmp_path):
    """A missing baseline JSON is fitted on the task and written; a present one is read, not refitted."""
    from hf_genomics.evaluation.kmer_baseline import kmer_baseline_on_gue

    found = study.load_baselines([TASK, "tf/0"], tmp_path, gue_root)  # tf/0 is absent from this root
    assert list(found) == [TASK]
    expected = kmer_baseline_on_gue(TASK, gue_root)
    assert found[TASK]["test_mcc"] == pytest.approx(expected.test["mcc"])
    path = study.baseline_path(tmp_path, TASK)
    assert json.loads(path.read_text())["task"] == TASK
    path.write_text(json.dumps({"test_mcc": 0.123, "validation": {"mcc": 0.2}}))
    assert study.load_baselines([TASK], tmp_path, gue_root)[TASK]["test_mcc"] == 0.123
    assert study.load_baselines([TASK], None, gue_root) == {}


def test_planted_motif_generator():
    from hf_genomics.data.toy import PLANTED_MOTIF, planted_motif_sequences

    sequences, labels = planted_motif_sequences(300, length=50, seed=3)
    assert {len(s) for s in sequences} == {50} and set("".join(sequences)) == set("ACGT")
    assert all(PLANTED_MOTIF in s for s, y in zip(sequences, labels) if y == 1)
    assert 0.3 < labels.mean() < 0.7
