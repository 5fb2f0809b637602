"""``scripts/run_classification.py`` / ``run_mlm.py`` / ``run_clm.py`` report user errors as the
``hf-genomics`` CLI does (:mod:`hf_genomics.user_errors`): one line, exit status 2, a traceback only
under ``HF_GENOMICS_TRACEBACK=1``; bugs still raise. Before, a refused ``--cnn_position_bins 0``
printed huggingface_hub's validation traceback and exited 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training import classification, clm, mlm
from hf_genomics.user_errors import exit_status, run_as_script

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ["--max_steps=1", "--report_to=none", "--save_model=false"]


@pytest.fixture
def task(tmp_path):
    return write_planted_motif_task(tmp_path / "task", sizes=(8, 4, 4))


def script_exit(monkeypatch, script: str, main, argv: list[str]) -> int:
    """What ``python scripts/<script> argv`` exits with, in-process (the shim's own call)."""
    monkeypatch.setattr(sys, "argv", [str(ROOT / "scripts" / script), *argv])
    with pytest.raises(SystemExit) as stopped:
        run_as_script(main)
    return stopped.value.code


def test_refused_cnn_option_is_one_line_and_exit_2_as_a_process(task, tmp_path):
    argv = ["--task_dir", str(task), "--output_dir", str(tmp_path / "out"), "--architecture", "cnn"]
    argv += ["--cnn_position_bins", "0", "--tokenizer_name", "kmer:1", *TRAINING]
    environment = {key: value for key, value in os.environ.items() if key != "HF_GENOMICS_TRACEBACK"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run_classification.py"), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2, result.stderr[-3000:]
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == "run_classification.py: error: position_bins must be >= 1, got 0"
    assert "Traceback" not in result.stderr


def test_traceback_variable_shows_the_traceback(task, tmp_path, monkeypatch):
    argv = ["--task_dir", str(task), "--output_dir", str(tmp_path / "out"), "--architecture", "cnn"]
    argv += ["--cnn_kmer_sizes", "9", "--tokenizer_name", "kmer:1", *TRAINING]
    monkeypatch.setenv("HF_GENOMICS_TRACEBACK", "1")
    with pytest.raises(Exception, match="kmer_sizes must be within 1..8, got \\[9\\]"):
        script_exit(monkeypatch, "run_classification.py", classification.main, argv)


def test_refused_kmer_size_and_missing_files_in_every_script(task, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HF_GENOMICS_TRACEBACK", raising=False)
    out = ["--output_dir", str(tmp_path / "out"), "--max_steps=1", "--report_to=none"]
    argv = ["--task_dir", str(task), "--architecture=cnn", "--cnn_kmer_sizes=9", "--tokenizer_name=kmer:1"]
    assert script_exit(monkeypatch, "run_classification.py", classification.main, [*argv, *out]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "run_classification.py: error: kmer_sizes must be within 1..8, got [9]"
    )
    missing = tmp_path / "missing.fa"
    for script, main, model in (
        ("run_classification.py", classification.main, ["--tokenizer_name=kmer:1"]),
        ("run_mlm.py", mlm.main, ["--tokenizer=kmer:3", "--preset=tiny"]),
        ("run_clm.py", clm.main, ["--model_type=lstm", "--preset=tiny"]),
    ):
        assert script_exit(monkeypatch, script, main, [f"--train_file={missing}", *model, *out]) == 2
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert line.startswith(f"{script}: error: ") and str(missing) in line, line


def test_bugs_still_raise_and_results_pass_through():
    def bug():
        raise RuntimeError("a bug, not bad input")

    with pytest.raises(RuntimeError, match="a bug"):
        exit_status("run_clm.py", bug)
    assert exit_status("run_clm.py", lambda: {"seeds": [1]}) == 0
    assert exit_status("hf-genomics demo", lambda: 3) == 3
