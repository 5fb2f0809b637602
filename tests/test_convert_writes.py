"""Where ``convert`` writes: never over or into its input, never through links, all at once, locked;
and every malformed input it reads ends with one line and exit status 2."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

from convert_corpus import PORTS, copy_fixture, read_state  # noqa: E402

from hf_genomics.cli import main as cli_main  # noqa: E402
from hf_genomics.hub_ids import hub_id_or_none, is_hub_id  # noqa: E402
from hf_genomics.output_lock import OutputDirLock  # noqa: E402

TINY = PORTS / "dnabert2" / "tiny_cls"  # the smallest fixture with a model.safetensors


def convert(capsys, *args: str) -> tuple[int, list[str], str]:
    code = cli_main(["convert", *map(str, args)])
    captured = capsys.readouterr()
    # transformers' own save progress bar is not ours to judge
    err = [
        line
        for line in captured.err.splitlines()
        if line.strip() and not line.startswith("Writing model shards")
    ]
    return code, err, captured.out


@pytest.fixture
def src(tmp_path) -> Path:
    return copy_fixture(TINY, tmp_path / "src")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------
# OUT against SRC
# ------------------------------------------------------------------------------------------------
def test_out_equal_to_or_inside_src_is_refused(src, tmp_path, capsys):
    before = snapshot(src)
    os.symlink(src, tmp_path / "link-to-src")
    for out in (
        src,
        src / "converted",
        tmp_path / "link-to-src" / "converted",
        tmp_path / "src" / ".." / "src",
    ):
        code, err, _ = convert(capsys, src, out)
        assert code == 2 and len(err) == 1 and "source folder" in err[0], (out, err)
    assert snapshot(src) == before
    assert not (src / "converted").exists()


def test_src_inside_out_is_refused(tmp_path, capsys):
    src = copy_fixture(TINY, tmp_path / "work" / "src")
    code, err, _ = convert(capsys, src, tmp_path / "work", "--overwrite")
    assert code == 2 and "contains the source folder" in err[0]
    assert (src / "config.json").is_file()


def test_out_that_is_a_file_or_a_link_is_one_line(src, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code, err, _ = convert(capsys, src, tmp_path / "file")
    assert code == 2 and len(err) == 1 and "is a file" in err[0]
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out-link")
    code, err, _ = convert(capsys, src, tmp_path / "out-link")
    assert code == 2 and len(err) == 1 and "symbolic link" in err[0]
    assert list((tmp_path / "elsewhere").iterdir()) == []


# ------------------------------------------------------------------------------------------------
# OUT holding things
# ------------------------------------------------------------------------------------------------
def test_out_holding_a_model_needs_overwrite_which_clears_it(src, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.json").write_text('{"model_type": "caduceus"}')
    (out / "modeling_caduceus.py").write_text("# another family's code")
    (out / "sub").mkdir()
    (out / "sub" / "x.txt").write_text("stale")
    code, err, _ = convert(capsys, src, out)
    assert code == 2 and len(err) == 1 and "--overwrite" in err[0]
    assert (out / "modeling_caduceus.py").is_file()
    code, _, printed = convert(capsys, src, out, "--overwrite")
    assert code == 0 and "DNABERT-2" in printed
    assert not (out / "modeling_caduceus.py").exists() and not (out / "sub").exists()
    assert json.loads((out / "config.json").read_text())["model_type"] != "caduceus"


def test_links_in_out_are_replaced_never_written_through(src, tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "config.json").write_text("precious")
    (victim / "keep.txt").write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim / "config.json", out / "config.json")
    os.symlink(victim, out / "tokenizer.json")  # a link to a folder named like an output file
    code, _, _ = convert(capsys, src, out, "--overwrite")
    assert code == 0
    assert (victim / "config.json").read_text() == "precious" and (
        victim / "keep.txt"
    ).read_text() == "precious"
    assert not (out / "config.json").is_symlink() and not (out / "tokenizer.json").is_symlink()


def test_out_holding_other_files_is_never_cleared(src, tmp_path, capsys):
    out = tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        code, err, _ = convert(capsys, src, out, *extra)
        assert code == 2 and len(err) == 1 and "not a model" in err[0]
    assert (out / "notes.txt").read_text() == "mine"


def test_a_second_conversion_into_a_locked_out_fails_at_once(src, tmp_path, capsys):
    out = tmp_path / "out"
    with OutputDirLock(out):
        code, err, _ = convert(capsys, src, out)
    assert code == 2 and len(err) == 1 and "in use by another run" in err[0]
    assert not (out / "model.safetensors").exists()


def test_a_failed_conversion_leaves_no_output_and_no_staging(tmp_path, capsys):
    src = copy_fixture(TINY, tmp_path / "src")
    (src / "model.safetensors").write_bytes((src / "model.safetensors").read_bytes()[:200])
    code, err, _ = convert(capsys, src, tmp_path / "out")
    assert code == 2 and len(err) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_staging_is_next_to_out_and_removed(src, tmp_path, capsys):
    code, _, _ = convert(capsys, src, tmp_path / "out")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]
    assert (tmp_path / "out" / "model.safetensors").is_file()


# ------------------------------------------------------------------------------------------------
# malformed inputs: one line, exit 2 (issue #20 item 12)
# ------------------------------------------------------------------------------------------------
def _weights_bin(folder: Path) -> Path:
    state = read_state(folder)
    (folder / "model.safetensors").unlink()
    torch.save(state, folder / "pytorch_model.bin")
    return folder / "pytorch_model.bin"


MALFORMED = {
    "config-is-a-list": (lambda f: (f / "config.json").write_text("[1, 2]"), "JSON object"),
    "config-not-json": (lambda f: (f / "config.json").write_text("{model_type: bert"), "not valid JSON"),
    "empty-safetensors": (lambda f: (f / "model.safetensors").write_bytes(b""), "safetensors"),
    "truncated-safetensors": (
        lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:-100]),
        "safetensors",
    ),
    "truncated-bin": (
        lambda f: (bin_ := _weights_bin(f)).write_bytes(bin_.read_bytes()[: len(bin_.read_bytes()) // 2]),
        "not a readable PyTorch checkpoint",
    ),
    "empty-bin": (lambda f: _weights_bin(f).write_bytes(b""), "not a readable PyTorch checkpoint"),
    "bad-tokenizer-json": (lambda f: (f / "tokenizer.json").write_text('{"model": 1'), "tokenizer.json"),
    "bare-tensor": (
        lambda f: ((f / "model.safetensors").unlink(), torch.save(torch.zeros(3), f / "pytorch_model.bin")),
        "single tensor",
    ),
    "list-checkpoint": (
        lambda f: ((f / "model.safetensors").unlink(), torch.save([torch.zeros(3)], f / "pytorch_model.bin")),
        "not a state dict",
    ),
    "no-weights": (lambda f: (f / "model.safetensors").unlink(), "no weights found"),
    "no-config": (lambda f: (f / "config.json").unlink(), "no config.json"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_one_line_exit_2(case, src, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HF_GENOMICS_TRACEBACK", raising=False)
    damage, expected = MALFORMED[case]
    damage(src)
    code, err, _ = convert(capsys, src, tmp_path / "out")
    assert code == 2, err
    assert len(err) == 1 and expected in err[0], err
    assert "Traceback" not in err[0] and "weights_only" not in err[0]


def test_src_that_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "model.bin").write_bytes(b"x")
    code, err, _ = convert(capsys, tmp_path / "model.bin", tmp_path / "out")
    assert code == 2 and len(err) == 1 and "is a file" in err[0]


# ------------------------------------------------------------------------------------------------
# Hub ids: one rule, no download in tests
# ------------------------------------------------------------------------------------------------
def test_hub_id_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert is_hub_id("InstaDeepAI/nucleotide-transformer-2.5b-multi-species")
    assert is_hub_id("zhihan1996/DNABERT-2-117M")
    (tmp_path / "runs").mkdir()
    (tmp_path / "owner").mkdir()
    (tmp_path / "owner" / "model").mkdir()
    (tmp_path / "file.json").write_text("{}")
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    for path in (
        "owner/model",
        "runs/typo",
        "file.json",
        "dangling",
        "./a/b",
        "/a/b",
        "~/a",
        "a/b/c",
        "a\\b",
        "bare",
    ):
        assert not is_hub_id(path), path
    for bad in ("a--b/c", "a/b..c", "-a/b", "a/b.", "a/b.git", "a b/c"):
        assert not is_hub_id(bad), bad
    assert not is_hub_id(Path("zhihan1996/DNABERT-2-117M"))
    assert hub_id_or_none("zhihan1996/DNABERT-2-117M") == "zhihan1996/DNABERT-2-117M"
    assert hub_id_or_none("runs/typo") is None


def test_hub_id_with_dots_is_downloaded_and_said_so(tmp_path, capsys, monkeypatch):
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append(repo_id)
        return str(copy_fixture(TINY, tmp_path / "cache" / "snapshot"))

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    code, err, _ = convert(capsys, "InstaDeepAI/nucleotide-transformer-2.5b-multi-species", tmp_path / "out")
    assert calls == ["InstaDeepAI/nucleotide-transformer-2.5b-multi-species"]
    assert code == 0 and len(err) == 1 and "downloading it from the Hugging Face Hub" in err[0]


def test_paths_are_never_downloaded(tmp_path, capsys, monkeypatch):
    import huggingface_hub

    def refuse(*args, **kwargs):
        raise AssertionError("a path was looked up on the Hub")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", refuse)
    (tmp_path / "runs").mkdir()
    (tmp_path / "owner").mkdir()
    (tmp_path / "owner" / "name.bin").write_text("x")
    for source in ("runs/typo", "owner/name.bin", "./missing/model", "missing-folder"):
        code, err, _ = convert(capsys, source, tmp_path / "out")
        assert code == 2 and len(err) == 1, (source, err)
        assert "downloading" not in err[0]
    # an existing folder shaped like a Hub id is a path
    shutil.copytree(TINY, tmp_path / "zhihan1996" / "DNABERT-2-117M")
    code, err, _ = convert(capsys, "zhihan1996/DNABERT-2-117M", tmp_path / "out")
    assert code == 0 and err == []


def test_classification_card_base_model_uses_the_same_rule(tmp_path, monkeypatch):
    from hf_genomics.training.classification import ClassificationArguments, base_model_id

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    args = ClassificationArguments.__new__(ClassificationArguments)
    args.base_model = None
    for path, expected in (
        (
            "InstaDeepAI/nucleotide-transformer-2.5b-multi-species",
            "InstaDeepAI/nucleotide-transformer-2.5b-multi-species",
        ),
        ("runs/typo", None),
        ("./local", None),
    ):
        args.model_name_or_path = path
        assert base_model_id(args) == expected, path


def test_tokenizer_spec_uses_the_same_rule(tmp_path, monkeypatch):
    from hf_genomics.tokenization.spec import check_local_or_hub

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    check_local_or_hub("InstaDeepAI/nucleotide-transformer-2.5b-multi-species")  # no error: a Hub id
    with pytest.raises(FileNotFoundError):
        check_local_or_hub("runs/typo")
