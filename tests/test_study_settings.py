"""The coding-schemes runner never mixes cells of different settings (issue 10 item 9) and never
shares its folder with a second runner (item 10). Cells are faked (no training) to stay fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from hf_genomics.output_lock import OutputDirLocked, lock_output_dir
from hf_genomics.studies import coding_schemes as study

REPO = Path(__file__).resolve().parents[1]
TASK = "prom/prom_core_tata"
GRID = replace(
    study.PRESETS["tiny"],
    tokenizers=("kmer:3",),
    positions=("rope", "alibi"),
    depths=(1,),
    tasks=(TASK,),
    seeds=(1, 2),
)  # 4 cells


def fake_cell(cell, preset, out_dir, gue_root, seconds: float = 0.0) -> dict:
    """What run_classification leaves in a cell folder (its fields the tables read); the test MCC
    encodes the learning rate, so a mixed table would show it."""
    time.sleep(seconds)
    mcc = preset.training["learning_rate"]
    record = {"seed": cell.seed, "test": {"mcc": mcc, "accuracy": 0.5}, "best_dev_mcc": mcc,
              "train_steps": 1, "train_seconds": 0.0}  # fmt: skip
    result = {"task": cell.task, "tokenizer": cell.tokenizer, "position_embedding_type": cell.position,
              "model_config": {"num_hidden_layers": cell.depth}, "per_seed": [record], "vocab_size": 4,
              "max_length_tokens": 8, "num_parameters": 1, "train_examples": 1, "test_mcc": mcc}  # fmt: skip
    folder = out_dir / "cells" / cell.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(result))
    return result


def held_fake_cell(cell, preset, out_dir, gue_root) -> dict:
    """A cell that waits until the test lets it go (``<out_dir>.release``): the runner is mid-study."""
    deadline = time.time() + 120
    while not out_dir.with_suffix(".release").exists() and time.time() < deadline:
        time.sleep(0.05)
    return fake_cell(cell, preset, out_dir, gue_root)


def run(preset, out: Path, runner=fake_cell, name: str = "test") -> dict:
    return study.run_study(preset, out, None, preset_name=name, cell_runner=runner, plots=False)


def test_other_settings_on_the_same_folder_are_refused(tmp_path):
    out = tmp_path / "study"
    assert run(GRID, out)["trained"] == 4
    other_lr = replace(GRID, training={**GRID.training, "learning_rate": 1e-4})
    with pytest.raises(
        study.StudySettingsConflict, match=r"4 cell\(s\) of this grid were finished with other"
    ):
        run(other_lr, out)  # before the fix: all 4 skipped as "done", the tables mixed
    with pytest.raises(study.StudySettingsConflict, match="max_train_samples"):
        run(replace(GRID, max_train_samples=64), out)
    assert json.loads((out / "study.json").read_text())["grid"]["training"] == GRID.training  # untouched


def test_tables_count_only_this_grids_cells_and_extending_a_grid_keeps_them(tmp_path):
    out = tmp_path / "study"
    run(GRID, out)
    other_axis = replace(GRID, tokenizers=("kmer:4",))  # same settings, other cells
    outcome = run(other_axis, out)
    assert (outcome["done"], outcome["cells"], outcome["trained"]) == (4, 4, 4)  # not "8 of 4 cells"
    assert "4 of 4 cells finished" in (out / "results.md").read_text()
    more_seeds = replace(GRID, seeds=(1, 2, 3))
    outcome = run(more_seeds, out)
    assert (outcome["skipped"], outcome["trained"], outcome["done"]) == (4, 2, 6)


def test_cells_from_before_settings_were_recorded_follow_their_study_json(tmp_path):
    out = tmp_path / "study"
    run(GRID, out)
    for path in (out / "cells").glob(f"*/{study.CELL_SETTINGS}"):
        path.unlink()  # the layout of a run made before cell.json existed
    assert all(study.cell_is_done(out, cell, GRID) for cell in study.grid(GRID))
    other_lr = replace(GRID, training={**GRID.training, "learning_rate": 1e-4})
    assert not any(study.cell_is_done(out, cell, other_lr) for cell in study.grid(other_lr))
    with pytest.raises(study.StudySettingsConflict):
        run(other_lr, out)
    outcome = run(GRID, out)  # same settings: adopted, nothing retrained, now recorded
    assert (outcome["skipped"], outcome["trained"]) == (4, 0)
    assert len(list((out / "cells").glob(f"*/{study.CELL_SETTINGS}"))) == 4


def test_cell_key_covers_the_defining_settings():
    cell = study.grid(GRID)[0]
    key = study.cell_key(cell, GRID)
    assert study.cell_key(cell, replace(GRID, seeds=(1, 2, 3), tokenizers=("kmer:3", "kmer:6"))) == key
    for changed in (
        replace(GRID, model={**GRID.model, "hidden_size": 32}),
        replace(GRID, training={**GRID.training, "num_train_epochs": 2}),
        replace(GRID, max_eval_samples=10),
    ):
        assert study.cell_key(cell, changed) != key
    assert study.cell_key(replace(cell, seed=2), GRID) != key


def runner_process(out: Path) -> subprocess.Popen:
    code = (
        "import sys, logging\n"
        "from pathlib import Path\n"
        "from tests.test_study_settings import GRID, run, held_fake_cell\n"
        "from hf_genomics.output_lock import OutputDirLocked\n"
        "try:\n"
        f"    print(run(GRID, Path({str(out)!r}), held_fake_cell)['trained'])\n"
        "except OutputDirLocked as error:\n"
        "    print('LOCKED', error); sys.exit(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_runners_on_one_folder(tmp_path):
    """Two runner processes at once: one trains every cell once, the other stops at once naming
    the holder (before the fix both trained everything and deleted each other's cells)."""
    out = tmp_path / "study"
    first = runner_process(out)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / ".hf_genomics.lock.json").exists():
        time.sleep(0.05)
    second = runner_process(out)
    second_out, _ = second.communicate(timeout=120)
    out.with_suffix(".release").touch()
    first_out, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err[-2000:]
    assert first_out.split() == ["4"]
    assert second.returncode == 3
    assert f"output folder {out} is in use" in second_out and f"pid {first.pid}" in second_out
    assert run(GRID, out)["trained"] == 0  # the lock is free again, and nothing is missing


def test_a_held_lock_names_the_folder_and_holder_and_dies_with_it(tmp_path):
    out = tmp_path / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from hf_genomics.output_lock import lock_output_dir\n"
         f"lock = lock_output_dir({str(out)!r}).acquire(); print('held', flush=True); time.sleep(60)"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputDirLocked, match=rf"{out} is in use .*pid {holder.pid} on host"):
            lock_output_dir(out).acquire()
        with pytest.raises(OutputDirLocked):
            run(GRID, out)
        assert not (out / "cells").exists()  # refused before touching anything
    finally:
        holder.kill()  # SIGKILL: the kernel drops the lock
        holder.wait()
    with lock_output_dir(out):
        pass
    assert not (out / ".hf_genomics.lock.json").exists()
