"""Malformed input, kills and concurrency for the training commands (issue 20, items 6-9, 11, 12):
``gue-recipe``, ``baseline``, ``study pretraining``, ``study motifs`` (and ``push`` of their folders).

Every bad input must end with exit status 2 and one line naming what is wrong (no traceback), and
write no output; a second run on a busy folder is refused before it writes anything; a run killed
at a chosen point (SIGKILL in a child process, at a patched step) leaves either the previous result
or a folder every reader calls unfinished, which the next run replaces; ``push --dry-run`` refuses
a mixed or unfinished folder. The default run takes tiny data and budgets; ``-m slow`` adds a random
campaign of many more label sets / k lists and a real gue-recipe run killed while publishing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hf_genomics import cli
from hf_genomics.data.label_set import check_label_set
from hf_genomics.data.toy import planted_motif_sequences, write_planted_motif_task
from hf_genomics.output_lock import OutputDirLock, OutputDirLocked
from hf_genomics.run_manifest import check_run_folder
from hf_genomics.staged_output import BOOKKEEPING, OWNER_NAME
from hf_genomics.training import gue_recipe

REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _library_state_restored():
    """The commands run in-process here set up logging and turn off library progress bars (as a CLI
    entry point does); put them back so tests that run after these in the same worker see defaults."""
    import logging

    import datasets
    from transformers.utils import logging as transformers_logging

    root = logging.getLogger()
    saved = (root.level, list(root.handlers), transformers_logging.get_verbosity())
    bars = (transformers_logging.is_progress_bar_enabled(), datasets.is_progress_bar_enabled())
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "urllib3", "filelock")}
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    transformers_logging.set_verbosity(saved[2])
    (transformers_logging.enable_progress_bar if bars[0] else transformers_logging.disable_progress_bar)()
    (datasets.enable_progress_bars if bars[1] else datasets.disable_progress_bars)()
    for name, level in noisy.items():
        logging.getLogger(name).setLevel(level)


def write_task(folder: Path, labels: dict[str, list[int]] | None = None, sizes=(48, 24, 24), seed=0) -> Path:
    """A planted-motif GUE folder; ``labels`` replaces a split's labels (cycled over its rows)."""
    write_planted_motif_task(folder, sizes=sizes, seed=seed)
    for split, name in (("train", "train.csv"), ("validation", "dev.csv"), ("test", "test.csv")):
        if labels and split in labels:
            sequences, _ = planted_motif_sequences(
                sizes[("train", "validation", "test").index(split)], seed=seed
            )
            cycle = labels[split]
            rows = "\n".join(f"{s},{cycle[i % len(cycle)]}" for i, s in enumerate(sequences))
            (folder / name).write_text(f"sequence,label\n{rows}\n")
    return folder


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(argv)
    return code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, command: str, *needles: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"hf-genomics {command}: error:"), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def outputs_in(folder: Path) -> list[str]:
    """What a run left in ``folder`` besides its lock and owner marker."""
    return sorted(p.name for p in folder.iterdir() if p.name not in BOOKKEEPING) if folder.exists() else []


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".hf_genomics.lock")
    }


# ---------------------------------------------------------------------------- label sets (item 7)
def reference_label_check(labels: dict[str, list[int]]) -> int | None:
    """Independent statement of the rule: train holds exactly 0..C-1 (C >= 2), others a subset."""
    train = sorted(set(labels["train"]))
    if len(train) < 2 or train != list(range(len(train))):
        return None
    if any(not set(values) <= set(train) for values in labels.values()):
        return None
    return len(train)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["train", "validation", "test"]),
        st.lists(st.integers(-1, 5), min_size=1, max_size=12),
        min_size=1,
    ).filter(lambda d: "train" in d)
)
def test_label_set_rule_matches_its_statement(labels):
    expected = reference_label_check(labels)
    if expected is None:
        with pytest.raises(ValueError, match="task-folder"):
            check_label_set(labels, "task-folder")
    else:
        assert check_label_set(labels, "task-folder") == expected


BAD_LABELS = {
    "labels 1,2 (no class 0)": (
        {"train": [1, 2], "validation": [1, 2], "test": [1, 2]},
        "never occur in train",
    ),
    "class only in test": (
        {"train": [0, 1], "validation": [0, 1], "test": [0, 1, 2]},
        "never occur in train",
    ),
    "one class": ({"train": [0], "validation": [0], "test": [0]}, "at least two"),
    "labels 0,2": ({"train": [0, 2], "validation": [0, 2], "test": [0, 2]}, "never occur in train"),
}


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_gue_recipe_checks_labels_before_training(case, tmp_path, capsys, monkeypatch):
    labels, needle = BAD_LABELS[case]
    task = write_task(tmp_path / "task", labels)
    trained = []
    monkeypatch.setattr(gue_recipe, "fastest_threads", lambda *a, **k: trained.append(1) or (1, 1.0))
    out = tmp_path / "out"
    code, err = run_cli(["gue-recipe", str(task), "--output-dir", str(out), "--threads", "1"], capsys)
    assert_one_line_error(code, err, "gue-recipe", needle, str(task))
    assert not trained and outputs_in(out) == []


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_baseline_checks_labels(case, tmp_path, capsys):
    labels, needle = BAD_LABELS[case]
    task = write_task(tmp_path / "task", labels)
    code, err = run_cli(["baseline", str(task)], capsys)
    assert_one_line_error(code, err, "baseline", needle)


# ---------------------------------------------------------------------------- bad arguments / files
@pytest.mark.parametrize(
    "ks, needle",
    [
        ("0", "1..8"),
        ("13", "1..8"),
        ("-1", "1..8"),
        ("a", "comma-separated"),
        (",", "at least one"),
        ("3,3", "repeat"),
    ],
)
def test_baseline_bounds_k(ks, needle, tmp_path, capsys):
    task = write_task(tmp_path / "task")
    output = tmp_path / "result.json"
    code, err = run_cli(["baseline", str(task), "--ks", ks, "--output", str(output)], capsys)
    assert_one_line_error(code, err, "baseline", needle)
    assert not output.exists()


def test_baseline_output_that_is_a_folder_fails_before_fitting(tmp_path, capsys):
    task = write_task(tmp_path / "task")
    code, err = run_cli(["baseline", str(task), "--output", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "baseline", "is a folder")


def _malformed_task(kind: str, folder: Path) -> Path:
    task = write_task(folder / "task")
    if kind == "missing folder":
        return folder / "nowhere"
    if kind == "header only":
        (task / "train.csv").write_text("sequence,label\n")
    elif kind == "bad header":
        (task / "dev.csv").write_text("seq,lab\nACGT,0\n")
    elif kind == "label not an integer":
        (task / "test.csv").write_text("sequence,label\nACGTACGT,yes\n")
    elif kind == "negative label":
        (task / "train.csv").write_text("sequence,label\nACGTACGT,-1\nACGTAAAA,0\n")
    elif kind == "empty sequence":
        (task / "train.csv").write_text("sequence,label\n,0\nACGT,1\n")
    elif kind == "invalid base":
        (task / "train.csv").write_text("sequence,label\nACGT!GT,0\nACGT,1\n")
    elif kind == "missing split":
        (task / "test.csv").unlink()
    elif kind == "pair task":
        for name in ("train.csv", "dev.csv", "test.csv"):
            (task / name).write_text("sequence1,sequence2,label\nACGTACGT,TTTTACGA,0\nACGTTTTT,GGGGACGA,1\n")
    return task


MALFORMED = [
    "missing folder", "header only", "bad header", "label not an integer", "negative label",
    "empty sequence", "invalid base", "missing split", "pair task",
]  # fmt: skip


@pytest.mark.parametrize("kind", MALFORMED)
def test_gue_recipe_malformed_task_folder(kind, tmp_path, capsys):
    task = _malformed_task(kind, tmp_path)
    out = tmp_path / "out"
    code, err = run_cli(["gue-recipe", str(task), "--output-dir", str(out), "--threads", "1"], capsys)
    assert_one_line_error(code, err, "gue-recipe")
    assert outputs_in(out) == []


@pytest.mark.parametrize("kind", [k for k in MALFORMED if k != "pair task"])
def test_baseline_malformed_task_folder(kind, tmp_path, capsys):
    task = _malformed_task(kind, tmp_path)
    code, err = run_cli(["baseline", str(task)], capsys)
    assert_one_line_error(code, err, "baseline")


@pytest.mark.parametrize(
    "options, needle",
    [
        (["--budget-minutes", "0"], "budget-minutes"),
        (["--budget-minutes", "-3"], "budget-minutes"),
        (["--budget-minutes", "nan"], "budget-minutes"),
        (["--max-epochs", "0"], "max-epochs"),
        (["--self-pretraining-epochs", "-1"], "self-pretraining-epochs"),
        (["--self-pretraining-epochs", "inf"], "self-pretraining-epochs"),
        (["--threads", "0"], "threads"),
    ],
)
def test_gue_recipe_bad_options(options, needle, tmp_path, capsys):
    task = write_task(tmp_path / "task")
    out = tmp_path / "out"
    code, err = run_cli(["gue-recipe", str(task), "--output-dir", str(out), *options], capsys)
    assert_one_line_error(code, err, "gue-recipe", needle)
    assert not out.exists()


def test_gue_recipe_output_that_is_a_file_or_someone_elses_folder(tmp_path, capsys):
    task = write_task(tmp_path / "task")
    as_file = tmp_path / "file"
    as_file.write_text("mine")
    code, err = run_cli(["gue-recipe", str(task), "--output-dir", str(as_file)], capsys)
    assert_one_line_error(code, err, "gue-recipe", "not a folder")
    assert as_file.read_text() == "mine"
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    code, err = run_cli(["gue-recipe", str(task), "--output-dir", str(theirs)], capsys)
    assert_one_line_error(code, err, "gue-recipe", "not empty", "notes.txt")
    assert (theirs / "notes.txt").read_text() == "keep me" and outputs_in(theirs) == ["notes.txt"]


# ---------------------------------------------------------------------------- one real run (items 6, 11)
STALE_RESULTS = {
    "recipe": {"tokenizer": "kmer:4"},
    "blend": {},
    "task": "other/task",
    "transformer_seeds": [1, 2, 3],
}


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory) -> Path:
    """A real gue-recipe run (tiny budget) over a folder an earlier recipe run of another task left:
    its results, its baseline and its extra seeds 2 and 3."""
    root = tmp_path_factory.mktemp("recipe")
    task = write_planted_motif_task(root / "prom" / "planted", sizes=(64, 32, 32))
    out = root / "out"
    (out / "extra_seeds" / "seed-3").mkdir(parents=True)
    (out / "extra_seeds" / "seed-3" / "model.safetensors").write_bytes(b"old run's seed")
    (out / "kmer_baseline.safetensors").write_bytes(b"old run's baseline")
    (out / "results.json").write_text(json.dumps(STALE_RESULTS))
    gue_recipe.run_recipe(task, out, budget_minutes=0.05, threads=1, max_epochs=1)
    return out


def test_rerun_replaces_the_previous_run_whole(recipe_run):
    results = json.loads((recipe_run / "results.json").read_text())
    assert results["task"] == "planted"
    assert not (recipe_run / "extra_seeds").exists()  # 1 seed this time: nothing of the old 2 and 3
    assert (recipe_run / "kmer_baseline.safetensors").read_bytes() != b"old run's baseline"
    assert not (recipe_run / ".staging").exists()
    manifest = check_run_folder(recipe_run)  # the folder holds exactly the run of its results.json
    assert {"kmer_baseline.safetensors", "model.safetensors", "config.json"} <= set(manifest)


def _dry_run(folder: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["push", str(folder), "--repo-id", "me/recipe", "--dry-run"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_push_keeps_the_recipe_card_and_reports_the_selected_model(recipe_run, capsys):
    from hf_genomics.hub import _pending_card, plan_push

    results = json.loads((recipe_run / "results.json").read_text())
    card = _pending_card(recipe_run, "me/recipe")  # the card a push writes (re-rendered)
    assert "## gue-recipe: budget and baseline" in str(card)
    assert f"**{results['selected_model']}**" in str(card)
    mcc = [m for m in card.data.eval_results if m.metric_type == "mcc"]
    assert len(mcc) == 1 and mcc[0].metric_value == round(results["selected_test_mcc"], 4)
    assert results["selected_model"] in mcc[0].metric_name
    sent = plan_push(recipe_run, "model", card_text=str(card)).files
    assert "kmer_baseline.safetensors" in sent and "model.safetensors" in sent
    code, out, err = _dry_run(recipe_run, capsys)
    assert code == 0, err
    assert "kmer_baseline.safetensors" in out


@pytest.mark.parametrize("damage", ["stale extra seed", "baseline of another run", "results removed"])
def test_push_refuses_a_mixed_or_unfinished_recipe_folder(damage, recipe_run, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(recipe_run, folder)
    if damage == "stale extra seed":
        (folder / "extra_seeds" / "seed-3").mkdir(parents=True)
        shutil.copy(folder / "model.safetensors", folder / "extra_seeds" / "seed-3" / "model.safetensors")
    elif damage == "baseline of another run":
        (folder / "kmer_baseline.safetensors").write_bytes(b"another run's baseline")
    else:
        (folder / "results.json").unlink()
    code, out, err = _dry_run(folder, capsys)
    assert_one_line_error(code, err, "push", "mixed" if damage != "results removed" else "unfinished")


def test_second_run_is_refused_before_writing_anything(recipe_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(recipe_run, folder)
    before = tree_digest(folder)
    task = write_planted_motif_task(tmp_path / "task", sizes=(32, 16, 16))
    with OutputDirLock(folder), pytest.raises(OutputDirLocked, match="in use by another run"):  # a live run
        gue_recipe.run_recipe(task, folder, budget_minutes=0.05, threads=1, max_epochs=1)
    assert tree_digest(folder) == before


# ---------------------------------------------------------------------------- kill while publishing (item 6)
KILLED_CHILD = """
import json, os, signal, sys
from pathlib import Path
from hf_genomics.staged_output import StagedOutput
from hf_genomics.training import gue_recipe

moves = []
real_move = StagedOutput._move_in
def move_then_die(entry, target):
    real_move(entry, target)
    moves.append(entry.name)
    if len(moves) == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
StagedOutput._move_in = staticmethod(move_then_die)
if sys.argv[4] == "fake":  # the staged files of a run, without the training (the publish is real)
    def fake_run(task_dir, output_dir, *args, **kwargs):
        (output_dir / "kmer_baseline.safetensors").write_bytes(b"new baseline")
        (output_dir / "model.safetensors").write_bytes(b"new model")
        (output_dir / "config.json").write_text("{}")
        results = {"recipe": {}, "blend": {}, "task": "new"}
        (output_dir / "results.json").write_text(json.dumps(results))
        return results
    gue_recipe._run_recipe = fake_run
gue_recipe.run_recipe(sys.argv[1], sys.argv[2], budget_minutes=0.05, threads=1, max_epochs=1)
"""


def kill_while_publishing(task: Path, out: Path, after_moves: int, mode: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED_CHILD), str(task), str(out), str(after_moves), mode],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]


def test_kill_while_publishing_leaves_an_unfinished_folder_the_next_run_replaces(
    recipe_run, tmp_path, capsys
):
    folder = tmp_path / "copy"
    shutil.copytree(recipe_run, folder)
    task = write_planted_motif_task(tmp_path / "task", sizes=(32, 16, 16))
    kill_while_publishing(task, folder, after_moves=2, mode="fake")
    assert not (folder / "results.json").exists()  # removed first, published last
    with pytest.raises(ValueError, match="unfinished"):
        check_run_folder(folder)
    code, out, err = _dry_run(folder, capsys)
    assert_one_line_error(code, err, "push", "unfinished")
    # the next run owns the folder (its marker) and replaces everything the killed one left
    assert json.loads((folder / OWNER_NAME).read_text())["command"] == "gue-recipe"
    gue_recipe.run_recipe(task, folder, budget_minutes=0.05, threads=1, max_epochs=1)
    check_run_folder(folder)
    assert (folder / "kmer_baseline.safetensors").read_bytes() != b"new baseline"


@pytest.mark.slow
def test_real_recipe_killed_while_publishing(tmp_path, capsys):
    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(64, 32, 32))
    out = tmp_path / "out"
    gue_recipe.run_recipe(task, out, budget_minutes=0.05, threads=1, max_epochs=1)
    previous = tree_digest(out)
    kill_while_publishing(task, out, after_moves=3, mode="real")
    with pytest.raises(ValueError, match="unfinished"):
        check_run_folder(out)
    assert tree_digest(out) != previous
    gue_recipe.run_recipe(task, out, budget_minutes=0.05, threads=1, max_epochs=1)
    check_run_folder(out)


# ---------------------------------------------------------------------------- random campaign (baseline)
label_sets = st.lists(st.integers(0, 3), min_size=1, max_size=6)


def _campaign(examples: int):
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        train=label_sets,
        validation=label_sets,
        test=label_sets,
        ks=st.lists(st.integers(-1, 10), min_size=0, max_size=4),
    )
    def campaign(tmp_path_factory, capsys, train, validation, test, ks):
        folder = write_task(
            tmp_path_factory.mktemp("fuzz"),
            {"train": train, "validation": validation, "test": test},
            (24, 12, 12),
        )
        argv = ["baseline", str(folder), "--ks=" + ",".join(map(str, ks))]
        code, err = run_cli(argv, capsys)
        valid_k = bool(ks) and len(set(ks)) == len(ks) and all(1 <= k <= 8 for k in ks)
        used = {"train": sorted(set(train)), "validation": validation, "test": test}
        valid = valid_k and reference_label_check(used) is not None and max(ks) <= 6
        if valid:
            assert code == 0, err
        elif not valid_k or reference_label_check(used) is None:
            assert_one_line_error(code, err, "baseline")

    return campaign


def test_baseline_random_campaign(tmp_path_factory, capsys):
    _campaign(12)(tmp_path_factory, capsys)


@pytest.mark.slow
def test_baseline_random_campaign_long(tmp_path_factory, capsys):
    _campaign(150)(tmp_path_factory, capsys)


# ---------------------------------------------------------------------------- study motifs (item 9)
def fake_jaspar(release: str = "JASPAR2024"):
    """Four matrices (TBP's id among them) instead of JASPAR's 879: the study's plumbing, in seconds."""
    from hf_genomics.analysis.jaspar import JasparMotif

    def ppm(consensus: str):
        rows = np.full((4, len(consensus)), 0.05)
        for j, base in enumerate(consensus):
            rows["ACGT".index(base), j] = 0.85
        return rows

    return tuple(
        JasparMotif(matrix_id, name, ppm(consensus))
        for matrix_id, name, consensus in (
            ("MA0108.3", "TBP", "TATAAAAG"),
            ("MA0001.1", "AAA", "GGGCCC"),
            ("MA0002.1", "BBB", "ACGTTG"),
            ("MA0003.1", "CCC", "CAGCTG"),
        )
    )


MOTIFS_CHILD = """
import os, signal, sys
import hf_genomics.analysis.jaspar as jaspar
from hf_genomics import cli
from hf_genomics.staged_output import StagedOutput
from tests.test_training_command_fuzz import fake_jaspar

jaspar.load_jaspar = fake_jaspar
moves = []
real_move = StagedOutput._move_in
def move_then_die(entry, target):
    real_move(entry, target)
    moves.append(entry.name)
    if len(moves) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
StagedOutput._move_in = staticmethod(move_then_die)
cli.main(sys.argv[1:])
"""


@pytest.fixture
def motif_task(tmp_path, monkeypatch) -> tuple[Path, list[str]]:
    """A GUE root with one planted-motif task, and the fast study options on it (fake JASPAR)."""
    monkeypatch.setattr("hf_genomics.analysis.jaspar.load_jaspar", fake_jaspar)
    root = tmp_path / "gue"
    write_task(root / "prom" / "planted", sizes=(64, 24, 24))
    options = ["--gue", str(root), "--tasks", "prom/planted", "--vocab-sizes", "48", "--controls", "2",
               "--permutations", "20", "--modisco-sequences", "4", "--min-token-length", "4"]  # fmt: skip
    return root, options


def test_motifs_default_output_is_a_new_folder_not_the_committed_results():
    from hf_genomics.cli import build_parser

    args = build_parser(("study", "motifs"), lazy=True).parse_args(["study", "motifs"])
    assert args.output_dir == Path("runs/motifs")


def test_motifs_rerun_replaces_everything_of_the_previous_run(motif_task, tmp_path, capsys, caplog):
    import logging

    root, options = motif_task
    out = tmp_path / "out"
    (out / "ablation").mkdir(parents=True)
    (out / "ablation" / "summary.json").write_text("{}")  # another run's results, kept
    with caplog.at_level(logging.INFO):
        code, err = run_cli(
            ["study", "motifs", *options, "--modisco-task", "prom/planted", "--output-dir", str(out)], capsys
        )
    assert code == 0, err
    assert (out / "seqlet_enrichment.csv").is_file()
    assert [p.name for p in (out / "logos").glob("ism_example_*")] == ["ism_example_prom_planted.png"]
    said = caplog.text
    for step in ("fitting the k-mer baseline", "exact ISM", "training BPE", "scoring"):
        assert step in said, step  # progress during the long silent steps

    code, err = run_cli(["study", "motifs", *options, "--modisco-task", "", "--output-dir", str(out)], capsys)
    assert code == 0, err
    assert not (out / "seqlet_enrichment.csv").exists() and not list((out / "logos").glob("ism_example_*"))
    summary = json.loads((out / "summary.json").read_text())
    assert "attribution" not in summary["tasks"]["prom/planted"]
    assert (out / "ablation" / "summary.json").read_text() == "{}"


@pytest.mark.parametrize(
    "options, needle",
    [
        (["--controls", "0"], "--controls"),
        (["--permutations", "0"], "--permutations"),
        (["--threshold", "0"], "--threshold"),
        (["--vocab-sizes", "2"], "--vocab-sizes"),
    ],
)
def test_motifs_refuses_settings_without_defined_statistics(options, needle, motif_task, tmp_path, capsys):
    root, base = motif_task
    out = tmp_path / "out"
    code, err = run_cli(["study", "motifs", *base, *options, "--output-dir", str(out)], capsys)
    assert_one_line_error(code, err, "study motifs", needle)
    assert outputs_in(out) == []


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_motifs_checks_labels(case, motif_task, tmp_path, capsys):
    labels, needle = BAD_LABELS[case]
    root, options = motif_task
    write_task(root / "prom" / "planted", labels, sizes=(64, 24, 24))
    out = tmp_path / "out"
    code, err = run_cli(["study", "motifs", *options, "--output-dir", str(out)], capsys)
    assert_one_line_error(code, err, "study motifs", needle)
    assert outputs_in(out) == []


def test_motifs_busy_folder_is_refused_before_any_write(motif_task, tmp_path, capsys):
    root, options = motif_task
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"an": "earlier run"}')
    with OutputDirLock(out):  # a live run
        code, err = run_cli(["study", "motifs", *options, "--output-dir", str(out)], capsys)
    assert_one_line_error(code, err, "study motifs", "in use by another run")
    assert outputs_in(out) == ["summary.json"] and not (out / OWNER_NAME).exists()


@pytest.mark.slow
def test_motifs_killed_while_publishing_is_unfinished_then_replaced(motif_task, tmp_path, capsys):
    root, options = motif_task
    out = tmp_path / "out"
    argv = ["study", "motifs", *options, "--modisco-task", "", "--output-dir", str(out)]
    assert run_cli(argv, capsys)[0] == 0
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(MOTIFS_CHILD), *argv],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert not (out / "summary.json").exists()
    with pytest.raises(ValueError, match="unfinished"):
        check_run_folder(out, "summary.json")
    assert run_cli(argv, capsys)[0] == 0
    check_run_folder(out, "summary.json")


# ---------------------------------------------------------------------------- study pretraining (item 8)
PRETRAIN_CHILD = """
import os, signal, sys
from dataclasses import replace
from pathlib import Path
from hf_genomics.studies import coding_schemes, pretraining
from tests.test_training_command_fuzz import pretraining_config

real_write = pretraining.write_json_atomic
def die_before_cell_json(path, *args, **kwargs):
    if Path(path).name == "cell.json":  # results.json is written: the kill falls between the two
        os.kill(os.getpid(), signal.SIGKILL)
    return real_write(path, *args, **kwargs)
pretraining.write_json_atomic = die_before_cell_json
pretraining.run_study(pretraining_config(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def pretraining_config(tmp_path: Path, data_dir: Path, **changes):
    from dataclasses import replace

    from hf_genomics.studies import coding_schemes
    from hf_genomics.studies.pretraining import PretrainingStudyConfig

    coding_schemes.PRESETS["tiny-fuzz"] = replace(
        coding_schemes.PRESETS["tiny"], max_train_samples=32, max_eval_samples=16
    )
    config = PretrainingStudyConfig(
        output_dir=tmp_path / "results",
        work_dir=tmp_path / "work",
        data_dir=data_dir,
        tokenizers=["kmer:3"],
        positions=["rope"],
        tasks=["prom/prom_core_tata"],
        seeds=[1],
        fine_tune_preset="tiny-fuzz",
        depth=1,
        pretrain_steps=2,
        pretrain_batch_size=4,
        window_nt=64,
    )
    return replace(config, **changes)


@pytest.fixture
def pretraining_data(tmp_path) -> Path:
    root = tmp_path / "shared"
    for task, seed in (("prom/prom_core_tata", 0), ("tf/0", 5)):
        write_planted_motif_task(root / "gue" / task, sizes=(32, 16, 16), seed=seed)
    return root


def test_pretraining_corpus_is_keyed_on_its_tasks(pretraining_data, tmp_path):
    from hf_genomics.studies import pretraining
    from hf_genomics.studies.coding_schemes import StudySettingsConflict

    config = pretraining_config(tmp_path, pretraining_data)
    gue = pretraining_data / "gue"
    corpus = pretraining.build_corpus(config, ["prom/prom_core_tata"], gue, pretraining_data)
    text = corpus.read_text()
    assert pretraining.build_corpus(config, ["prom/prom_core_tata"], gue, pretraining_data) == corpus
    with pytest.raises(StudySettingsConflict, match="tf/0"):  # a tf/0 study never pretrains on promoters
        pretraining.build_corpus(config, ["tf/0"], gue, pretraining_data)
    assert corpus.read_text() == text
    # a corpus written before its inputs were recorded is judged by its sources
    manifest = json.loads((config.work_dir / "corpus.json").read_text())
    del manifest["inputs"]
    (config.work_dir / "corpus.json").write_text(json.dumps(manifest))
    assert pretraining.build_corpus(config, ["prom/prom_core_tata"], gue, pretraining_data) == corpus
    with pytest.raises(StudySettingsConflict, match="was built from"):
        pretraining.build_corpus(config, ["prom/prom_core_tata", "tf/0"], gue, pretraining_data)


def test_pretraining_cell_with_results_but_no_cell_json_is_trained_again(tmp_path, monkeypatch):
    """The state a kill between the two writes leaves, checked directly (the real kill: ``-m slow``)."""
    from hf_genomics.studies import coding_schemes, pretraining
    from hf_genomics.studies.coding_schemes import Cell

    pretrained = tmp_path / "work" / "models" / "kmer3__rope"
    pretrained.mkdir(parents=True)
    mlm = {"model_args": {"tokenizer_name": "kmer:3"}, "train": {"global_step": 2}, "max_length_nt": 64}
    (pretrained / "mlm_results.json").write_text(json.dumps(mlm))
    config = pretraining_config(tmp_path, tmp_path / "shared")
    cell = Cell("prom/prom_core_tata", "kmer:3", "rope", 1, 1)
    folder = config.output_dir / "cells" / "scratch" / cell.name
    folder.mkdir(parents=True)
    (folder / "results.json").write_text('{"from": "the killed run"}')
    trained = []

    def fake_run_cell(cell, preset, out_dir, gue_root, cell_dir=None, **kwargs):
        trained.append(cell_dir)
        (cell_dir / "results.json").parent.mkdir(parents=True, exist_ok=True)
        (cell_dir / "results.json").write_text('{"from": "this run"}')
        return {"from": "this run"}

    monkeypatch.setattr(coding_schemes, "run_cell", fake_run_cell)
    preset = coding_schemes.PRESETS["tiny-fuzz"]
    assert pretraining.fine_tune(cell, "scratch", pretrained, preset, config, tmp_path) == {
        "from": "this run"
    }
    assert trained == [folder] and (folder / "cell.json").is_file()
    # and now it is finished: the next run reuses it
    assert pretraining.fine_tune(cell, "scratch", pretrained, preset, config, tmp_path) == {
        "from": "this run"
    }
    assert len(trained) == 1


@pytest.mark.slow
def test_pretraining_cell_killed_before_cell_json_is_unfinished(pretraining_data, tmp_path):
    from hf_genomics.studies import pretraining

    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRETRAIN_CHILD), str(tmp_path), str(pretraining_data)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    cells = list((tmp_path / "results" / "cells").glob("*/*"))
    assert len(cells) == 1 and (cells[0] / "results.json").is_file() and not (cells[0] / "cell.json").exists()
    results = pretraining.run_study(pretraining_config(tmp_path, pretraining_data))  # no "delete it"
    assert len(results["rows"]) == 2
    assert all((cell / "cell.json").is_file() for cell in (tmp_path / "results" / "cells").glob("*/*"))


@pytest.mark.parametrize(
    "change, needle",
    [({"tasks": ["nope/none"]}, "nope/none"), ({"fine_tune_preset": "no-such-preset"}, "no-such-preset")],
)
def test_pretraining_bad_options_fail_in_one_line(change, needle, pretraining_data, tmp_path, capsys):
    config = pretraining_config(tmp_path, pretraining_data)
    argv = ["study", "pretraining", "--output_dir", str(tmp_path / "r"), "--work_dir", str(tmp_path / "w"),
            "--data_dir", str(pretraining_data), "--tokenizers", "kmer:3", "--positions", "rope", "--depth", "1",
            "--pretrain_steps", "2", "--pretrain_batch_size", "4", "--window_nt", "64", "--seeds", "1"]  # fmt: skip
    argv += ["--tasks", *change.get("tasks", config.tasks)]
    argv += ["--fine_tune_preset", change.get("fine_tune_preset", "tiny-fuzz")]
    code, err = run_cli(argv, capsys)
    assert_one_line_error(code, err, "study pretraining", needle)
