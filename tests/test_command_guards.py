"""Regression tests for issue 20, items 1, 2, 4, 5 and the analysis parts of 12: what the analysis
commands and ``push`` must refuse, and what they must never do silently.

Each test names the item it pins; each failed on the main of 2026-12-06 (a traceback, a file sent
from outside the folder, a folder's code executed, a window past the model's positions, or one
record's output overwritten by another's).
"""

from __future__ import annotations

import ast
import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from analysis_models import tiny_encoder

from hf_genomics import cli, hub
from hf_genomics.analysis import record_training_length
from hf_genomics.tokenization.kmer import KmerTokenizer

PACKAGE = Path(__file__).resolve().parents[1] / "hf_genomics"
NT_FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "nucleotide_transformer"


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """``(exit status, stderr)`` of the real entry point, in process (argparse errors included)."""
    try:
        status = cli.main([str(a) for a in argv])
    except SystemExit as stop:  # argparse usage errors
        status = stop.code
    return status, capsys.readouterr().err


def assert_one_line_error(status: int, err: str, *fragments: str) -> None:
    assert status == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    # one error line, last (argparse prints its usage line above it; log lines may precede it)
    assert lines and sum("error:" in line for line in lines) == 1 and "error:" in lines[-1], err
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]


@pytest.fixture(scope="module")
def classifier_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classifier") / "model"
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", num_labels=2, initializer_range=0.2)
    model.config.id2label = {0: "no", 1: "yes"}
    record_training_length(model, tokenizer, 30)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "in.fa"
    path.write_text(">r1\nACGTTGCATGCATTTATAAGG\n>r2\nTTGACAGGCTATAAAAGG\n")
    return path


# ---------------------------------------------------------------------------- item 1: push


def shard_folder(tmp_path: Path, weight_map: dict) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model-00001-of-00001.safetensors").write_bytes(b"weights")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    (folder / "README.md").write_text("card")
    return folder


@pytest.mark.parametrize(
    "declared",
    ["{secret}", "../secret.txt", "sub/../../secret.txt", "", "C:\\secret.txt", "a\\..\\..\\secret.txt"],
)
def test_push_refuses_a_weight_map_path_outside_the_folder(tmp_path, declared):
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    folder = shard_folder(
        tmp_path, {"w": "model-00001-of-00001.safetensors", "x": declared.format(secret=secret)}
    )
    api = TestApi()
    with pytest.raises(ValueError, match=r"weight_map\) declares .*push sends only files inside"):
        hub.push_folder(folder, "me/run", api=api)
    assert api.calls == []


def test_push_refuses_a_shard_behind_a_symlinked_subfolder(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "shard.safetensors").write_bytes(b"private")
    folder = shard_folder(tmp_path, {"w": "sub/shard.safetensors"})
    (folder / "sub").symlink_to(outside)
    with pytest.raises(ValueError, match="resolves outside the folder"):
        hub.plan_push(folder)


def test_push_refuses_an_absolute_auto_map_module(tmp_path, capsys):
    secret = tmp_path / "secret"
    (tmp_path / "secret.py").write_text("TOKEN = 'private'")
    folder = shard_folder(tmp_path, {"w": "model-00001-of-00001.safetensors"})
    (folder / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": f"{secret}.Model"}}))
    api = TestApi()
    with pytest.raises(ValueError, match=r"auto_map\) declares .*secret\.py"):
        hub.push_folder(folder, "me/run", api=api)
    assert api.calls == []
    status, err = run_cli(["push", folder, "--repo-id", "me/run", "--dry-run"], capsys)
    assert_one_line_error(status, err, "absolute paths are refused")


def test_push_refuses_an_absolute_dataset_card_path(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    (tmp_path / "private.parquet").write_bytes(b"PAR1")
    card = hub.render_dataset_card(
        [{"config": "cfg", "path": "cfg", "train": 1, "validation": 0, "test": 1}], "me/ds", "test"
    )
    text = str(card).replace("path: cfg/train.parquet", f"path: {tmp_path / 'private.parquet'}")
    (folder / "README.md").write_text(text)
    with pytest.raises(ValueError, match="dataset card .*declares"):
        hub.plan_push(folder, "dataset")


def test_push_still_sends_declared_shards_and_exported_code(tmp_path):
    folder = shard_folder(tmp_path, {"a": "model-00001-of-00001.safetensors"})
    (folder / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "modeling_x.XModel"}}))
    (folder / "modeling_x.py").write_text("# exported")
    assert hub.plan_push(folder).files == [
        "README.md",
        "config.json",
        "model-00001-of-00001.safetensors",
        "model.safetensors.index.json",
        "modeling_x.py",
    ]


class TestApi:
    __test__ = False

    def __init__(self):
        self.calls = []

    def create_repo(self, *args, **kwargs):
        self.calls.append("create_repo")

    def create_commit(self, *args, **kwargs):
        self.calls.append("create_commit")


# ---------------------------------------------------------------------------- item 2: remote code


def evil_folder(tmp_path: Path, model_type: str = "evilnet") -> tuple[Path, Path]:
    folder = tmp_path / "evil"
    folder.mkdir()
    marker = tmp_path / "EXECUTED"
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": model_type,
                "architectures": ["EvilForSequenceClassification"],
                "auto_map": {
                    "AutoConfig": "evil.EvilConfig",
                    "AutoModelForSequenceClassification": "evil.EvilForSequenceClassification",
                },
            }
        )
    )
    (folder / "evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    return folder, marker


@pytest.mark.parametrize("model_type", ["evilnet", "bert"])
def test_a_folder_s_own_code_never_runs_even_if_stdin_says_yes(
    tmp_path, fasta, capsys, monkeypatch, model_type
):
    folder, marker = evil_folder(tmp_path, model_type)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\ny\ny\n"))  # echo y | hf-genomics predict ...
    output = tmp_path / "out.tsv"
    status, err = run_cli(["predict", "--model", folder, "--fasta", fasta, "--output", output], capsys)
    assert_one_line_error(status, err, "never runs a folder's code", "convert")
    assert not marker.exists() and not output.exists()


def test_echo_y_piped_into_the_console_command_runs_no_folder_code(tmp_path, fasta):
    """The issue's exact case, end to end: ``echo y | hf-genomics predict --model <folder> ...``."""
    import subprocess

    folder, marker = evil_folder(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    env.pop("HF_GENOMICS_TRACEBACK", None)
    argv = ["predict", "--model", folder, "--fasta", fasta, "--output", tmp_path / "o.tsv"]
    done = subprocess.run(
        [sys.executable, "-m", "hf_genomics.cli", *map(str, argv)],
        input="y\ny\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert_one_line_error(done.returncode, done.stderr, "never runs a folder's code")
    assert not marker.exists()


def test_an_original_remote_code_checkpoint_is_sent_to_convert(capsys, fasta, tmp_path):
    original = Path(__file__).parent / "fixtures" / "ports" / "dnabert2" / "tiny_mlm"
    argv = ["embed", "--model", original, "--fasta", fasta, "--output", tmp_path / "e.parquet"]
    status, err = run_cli(argv, capsys)
    assert_one_line_error(status, err, "DNABERT-2", f"hf-genomics convert {original}")


def test_a_native_type_s_auto_map_is_ignored_never_run(classifier_folder, fasta, tmp_path, capsys):
    """An auto_map on one of our model types: our class loads the folder, the folder's code never runs."""
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(classifier_folder, folder)
    marker = tmp_path / "EXECUTED"
    (folder / "evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {key: f"evil.{key}" for key in ("AutoConfig", "AutoModelForSequenceClassification")}
    (folder / "config.json").write_text(json.dumps(config))
    argv = ["predict", "--model", folder, "--fasta", fasta, "--output", tmp_path / "p.tsv", "--quiet"]
    status, err = run_cli(argv, capsys)
    assert status == 0, err
    assert not marker.exists()
    original = Path(__file__).parent / "fixtures" / "ports" / "hyenadna" / "hf"  # issue 19: read natively
    argv = ["embed", "--model", original, "--fasta", fasta, "--output", tmp_path / "e.parquet", "--quiet"]
    status, err = run_cli(argv, capsys)
    assert status == 0, err


def test_every_auto_from_pretrained_refuses_remote_code():
    """Source check: each ``Auto*.from_pretrained`` outside models/ and convert/ passes
    ``trust_remote_code=False`` (or ``**NO_REMOTE_CODE``), so transformers never prompts."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in ("models", "convert"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "from_pretrained":
                continue
            receiver = node.func.value
            auto = (isinstance(receiver, ast.Name) and receiver.id.startswith("Auto")) or (
                isinstance(receiver, ast.Call) and getattr(receiver.func, "id", "") == "getattr"
            )
            if not auto:
                continue
            safe = any(
                (
                    k.arg == "trust_remote_code"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                )
                or (k.arg is None and getattr(k.value, "id", "") == "NO_REMOTE_CODE")
                for k in node.keywords
            )
            if not safe:
                missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert missing == []


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: None, "model folder not found"),
        (lambda d: d.mkdir(), "has no config.json"),
        (lambda d: d.write_text("x"), "is a file"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("[1, 2]")), "must hold a JSON object"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("{oops")), "not valid JSON"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text('{"model_type": "nonesuch"}')), "cannot load"),
    ],
)
def test_a_missing_or_broken_model_folder_is_one_line(tmp_path, fasta, capsys, make, fragment):
    folder = tmp_path / "model"
    make(folder)
    status, err = run_cli(
        ["predict", "--model", folder, "--fasta", fasta, "--output", tmp_path / "o.tsv"], capsys
    )
    assert_one_line_error(status, err, fragment)


def test_truncated_weights_are_one_line(classifier_folder, tmp_path, fasta, capsys):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(classifier_folder, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    status, err = run_cli(
        ["predict", "--model", folder, "--fasta", fasta, "--output", tmp_path / "o.tsv"], capsys
    )
    assert_one_line_error(status, err, "cannot load")


# ---------------------------------------------------------------------------- item 4: windows in tokens


@pytest.fixture(scope="module")
def converted_nt(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    out = tmp_path_factory.mktemp("nt")
    for name in ("nt_v1_tiny", "nt_v2_tiny", "nt_v2_tiny_sequence_classification"):
        convert_checkpoint(NT_FIXTURES / name, out / name)
    return out


def n_rich(length: int, seed: int) -> str:
    """DNA with an N every few bases: a k-mer tokenizer gives it about one token per base."""
    rng = np.random.default_rng(seed)
    bases = rng.choice(list("ACGTN"), size=length, p=[0.2, 0.2, 0.2, 0.2, 0.2])
    return "".join(bases)


class LongestInput:
    """Records the longest ``input_ids`` a model is called with."""

    def __init__(self, model):
        self.longest = 0
        model.register_forward_pre_hook(self, with_kwargs=True)

    def __call__(self, module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        self.longest = max(self.longest, int(ids.shape[1]))


@pytest.mark.parametrize("name", ["nt_v1_tiny", "nt_v2_tiny"])
@pytest.mark.parametrize("pooling", ["mean", "per_nucleotide"])
def test_nt_embeddings_next_to_n_stay_within_the_positions(converted_nt, name, pooling):
    from hf_genomics.analysis.embed import embed
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.training_length import model_token_budget

    model, tokenizer = load_model_and_tokenizer(converted_nt / name, kind="base")
    budget = model_token_budget(model, tokenizer)
    assert budget == {"nt_v1_tiny": 64, "nt_v2_tiny": 130}[name]  # ESM's padding offset taken off
    sequences = [n_rich(700, seed=1), "ACGTAC" * 40, n_rich(50, seed=2)]
    spy = LongestInput(model)
    vectors = embed(model, tokenizer, sequences, pooling=pooling, progress=False)
    assert 0 < spy.longest <= budget
    if pooling == "per_nucleotide":
        assert [len(v) for v in vectors] == [len(s) for s in sequences]
        assert all(np.isfinite(v).all() for v in vectors)
    else:
        assert vectors.shape == (3, model.config.hidden_size) and np.isfinite(vectors).all()


def test_nt_pooled_embedding_of_a_window_that_fits_is_the_plain_forward(converted_nt):
    """A sequence short enough for one window: the mean over content tokens of one plain forward."""
    from hf_genomics.analysis.embed import embed
    from hf_genomics.analysis.loading import load_model_and_tokenizer

    model, tokenizer = load_model_and_tokenizer(converted_nt / "nt_v2_tiny", kind="base")
    sequence = n_rich(100, seed=3)
    pooled = embed(model, tokenizer, [sequence], progress=False)[0]
    with torch.no_grad():
        encoded = tokenizer(sequence, return_tensors="pt", return_special_tokens_mask=True)
        special = encoded.pop("special_tokens_mask")[0].bool()
        hidden = model(**encoded).last_hidden_state[0][~special].mean(0).numpy()
    np.testing.assert_allclose(pooled, hidden, rtol=1e-4, atol=1e-5)


def test_nt_predict_and_cli_next_to_n(converted_nt, tmp_path, capsys):
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict

    folder = converted_nt / "nt_v2_tiny_sequence_classification"
    model, tokenizer = load_model_and_tokenizer(folder)
    spy = LongestInput(model)
    sequences = [n_rich(900, seed=4), "ACGTTG" * 100]
    result = predict(model, tokenizer, sequences, progress=False)
    assert spy.longest <= 130 and np.allclose(result.probabilities.sum(axis=1), 1)
    fasta = tmp_path / "n.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(sequences)))
    status, err = run_cli(
        ["predict", "--model", folder, "--fasta", fasta, "--output", tmp_path / "p.tsv", "--quiet"], capsys
    )
    assert status == 0, err
    table = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    np.testing.assert_allclose(table.filter(like="prob_").to_numpy(), result.probabilities, atol=1e-6)


def test_nt_v1_embed_cli_next_to_an_assembly_gap(converted_nt, tmp_path, capsys):
    """The issue's crash: NT v1 (learned positions) raised IndexError next to an N run."""
    fasta = tmp_path / "gap.fa"
    fasta.write_text(">gap\n" + "ACGTAC" * 30 + "N" * 100 + "TTGACA" * 30 + "\n")
    output = tmp_path / "e.parquet"
    status, err = run_cli(
        [
            "embed",
            "--model",
            converted_nt / "nt_v1_tiny",
            "--fasta",
            fasta,
            "--output",
            output,
            "--quiet",
            "--pooling",
            "per_nucleotide",
        ],
        capsys,
    )
    assert status == 0, err
    assert len(pd.read_parquet(output)["embedding"][0]) == 460


def test_ism_on_a_sequence_whose_tokens_overflow_is_one_line(converted_nt, tmp_path, capsys):
    fasta = tmp_path / "n.fa"
    fasta.write_text(">nn\n" + n_rich(300, seed=5) + "\n")  # 300 nt fit NT v2's window, not its 130 positions
    argv = [
        "ism",
        "--model",
        converted_nt / "nt_v2_tiny",
        "--fasta",
        fasta,
        "--output-dir",
        tmp_path / "ism",
        "--quiet",
    ]
    status, err = run_cli(argv, capsys)
    assert_one_line_error(status, err, "tokens, more than the model's 130 positions")


def test_fitted_windows_cover_every_base_within_the_budget():
    from hf_genomics.analysis.windows import tile, token_counts

    tokenizer = KmerTokenizer(k=6)
    rng = np.random.default_rng(0)
    for _ in range(20):
        length = int(rng.integers(1, 600))
        sequence = "".join(rng.choice(list("ACGTN"), size=length, p=[0.24, 0.24, 0.24, 0.24, 0.04]))
        budget = int(rng.integers(4, 40))
        texts, owners, starts = tile([sequence], 6 * (budget - 2), tokenizer=tokenizer, max_tokens=budget)
        assert (token_counts(tokenizer, texts) <= budget).all()
        covered = np.zeros(length, dtype=bool)
        for text, start in zip(texts, starts.tolist()):
            assert sequence[start : start + len(text)] == text
            covered[start : start + len(text)] = True
        assert covered.all() and (owners == 0).all()


# ---------------------------------------------------------------------------- item 5: file names


@pytest.mark.parametrize("command", ["ism", "attribute"])
def test_record_ids_that_sanitise_alike_never_overwrite(classifier_folder, tmp_path, capsys, command):
    records = {"a/b": "ACGTTGCATG", "a_b": "TTTTGGGGCC", "A_B": "GACTGACTGA", "a:b": "CCCCAAAATT"}
    fasta = tmp_path / "ids.fa"
    fasta.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    out = tmp_path / "maps"
    argv = [
        command,
        "--model",
        classifier_folder,
        "--fasta",
        fasta,
        "--output-dir",
        out,
        "--no-plots",
        "--quiet",
    ]
    if command == "attribute":
        argv += ["--n-steps", "4"]
    status, err = run_cli(argv, capsys)
    assert status == 0, err
    suffix = ".ism" if command == "ism" else ".ig"
    index = pd.read_csv(out / f"index{suffix}.tsv", sep="\t", keep_default_na=False)
    assert index["id"].tolist() == list(records)
    assert index["file"].str.lower().nunique() == 4
    assert index.loc[index["id"] == "a_b", "file"].item() == f"a_b{suffix}.npz"  # a safe id keeps its name
    for record_id, file in zip(index["id"], index["file"]):
        assert str(np.load(out / file)["sequence"]) == records[record_id]
    assert len(list(out.glob("*.npz"))) == 4


def test_outputs_replace_a_symlink_instead_of_writing_through_it(classifier_folder, tmp_path, capsys, fasta):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "maps"
    out.mkdir()
    (out / "r1.ism.npz").symlink_to(victim)
    argv = [
        "ism",
        "--model",
        classifier_folder,
        "--fasta",
        fasta,
        "--output-dir",
        out,
        "--no-plots",
        "--quiet",
    ]
    status, err = run_cli(argv, capsys)
    assert status == 0, err
    assert victim.read_text() == "keep me" and not (out / "r1.ism.npz").is_symlink()


# ---------------------------------------------------------------------------- item 12: flags


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["embed", "--layer", "99"], "layer 99 does not exist"),
        (["embed", "--layer", "-99"], "layer -99 does not exist"),
        (["ism", "--target", "7"], "target 7 is not a class of this model: it has 2 (0=no, 1=yes)"),
        (["attribute", "--target", "7"], "target 7 is not a class"),
        (["ism", "--target", "-1"], "target -1 is not a class"),
        (["attribute", "--n-steps", "0"], "--n-steps: must be >= 1"),
        (["predict", "--window-nt", "0"], "--window-nt: must be >= 1"),
        (["embed", "--window-nt", "-5"], "--window-nt: must be >= 1"),
        (["predict", "--batch-size", "0"], "--batch-size: must be >= 1"),
        (["embed", "--stride-nt", "0"], "--stride-nt: must be >= 1"),
        (["ism", "--max-records", "0"], "--max-records: must be >= 1"),
        (["predict", "--window-nt", "ten"], "--window-nt: expected a whole number"),
        (["embed", "--window-nt", "40", "--stride-nt", "50"], "stride_nt must be between 1 and window_nt=40"),
    ],
)
def test_bad_flags_are_one_line(classifier_folder, fasta, tmp_path, capsys, argv, fragment):
    command = argv[0]
    output = (
        ["--output-dir", tmp_path / "out"]
        if command in ("ism", "attribute")
        else ["--output", tmp_path / "o"]
    )
    status, err = run_cli([*argv, "--model", classifier_folder, "--fasta", fasta, *output, "--quiet"], capsys)
    assert_one_line_error(status, err, fragment)
    assert not (tmp_path / "o").exists()


def test_window_nt_zero_is_an_error_in_the_library_too(classifier_folder):
    from hf_genomics.analysis.embed import embed
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict

    model, tokenizer = load_model_and_tokenizer(classifier_folder)
    for call in (predict, embed):
        with pytest.raises(ValueError, match="window_nt must be a whole number of nucleotides >= 1, got 0"):
            call(model, tokenizer, ["ACGT"], window_nt=0, progress=False)


def test_output_in_place_of_a_folder_is_one_line(classifier_folder, fasta, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = [
        "ism",
        "--model",
        classifier_folder,
        "--fasta",
        fasta,
        "--output-dir",
        blocker / "maps",
        "--quiet",
    ]
    assert_one_line_error(*run_cli(argv, capsys), "is a file, not a folder")
    argv = ["predict", "--model", classifier_folder, "--fasta", fasta, "--output", tmp_path, "--quiet"]
    assert_one_line_error(*run_cli(argv, capsys), "is a folder")


def test_an_output_never_replaces_an_input(classifier_folder, fasta, tmp_path, capsys):
    before = fasta.read_bytes()
    argv = ["predict", "--model", classifier_folder, "--fasta", fasta, "--output", fasta, "--quiet"]
    assert_one_line_error(*run_cli(argv, capsys), "is the input --fasta")
    assert fasta.read_bytes() == before
    weights = classifier_folder / "model.safetensors"
    argv = ["embed", "--model", classifier_folder, "--fasta", fasta, "--output", weights, "--quiet"]
    assert_one_line_error(*run_cli(argv, capsys), "inside the model folder")
    argv = [
        "ism",
        "--model",
        classifier_folder,
        "--fasta",
        fasta,
        "--output-dir",
        classifier_folder,
        "--quiet",
    ]
    assert_one_line_error(*run_cli(argv, capsys), "inside the model folder")


def test_a_head_the_folder_does_not_have_is_one_short_line(classifier_folder, fasta, tmp_path, capsys):
    argv = ["embed", "--model", classifier_folder, "--fasta", fasta, "--output", tmp_path / "e.parquet"]
    status, err = run_cli([*argv, "--kind", "causal", "--quiet"], capsys)
    assert_one_line_error(
        status, err, "a dna_encoder model has no AutoModelForCausalLM class (--kind causal)"
    )
    assert len(err.strip().splitlines()[-1]) < 400


def test_a_hub_id_as_model_is_sent_to_convert_never_downloaded(fasta, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [
        "predict",
        "--model",
        "InstaDeepAI/nucleotide-transformer-v2-50m",
        "--fasta",
        fasta,
        "--output",
        "o.tsv",
    ]
    assert_one_line_error(*run_cli(argv, capsys), "looks like a Hub id", "hf-genomics convert InstaDeepAI/")


def test_score_variants_skips_only_the_variant_whose_window_overflows_next_to_an_n_gap(
    converted_nt, tmp_path
):
    """Issue 20 item 10 with item 4: under errors='skip' one variant beside an assembly gap (its window
    needs more tokens than NT v1 has positions) is skipped with a status; the others are scored."""
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.variant_effects import Variant, score_variants

    model, tokenizer = load_model_and_tokenizer(converted_nt / "nt_v1_tiny")
    clean = "ACGTACGGTCAT" * 40
    contig = clean + n_rich(240, seed=3) + clean
    reference = tmp_path / "ref.fa"
    reference.write_text(">chr1\n" + contig + "\n")
    sites = [100, 600, 1000]  # clean, inside the N-rich stretch, clean
    variants = [
        Variant("chr1", pos, contig[pos - 1], "A" if contig[pos - 1] != "A" else "C") for pos in sites
    ]
    table = score_variants(model, tokenizer, reference, variants, window_nt=150, errors="skip")
    assert list(table["status_code"]) == ["ok", "window_too_long", "ok"]
    assert table["score"].notna().tolist() == [True, False, True]
    with pytest.raises(ValueError, match="more than the model's 64 positions"):
        score_variants(model, tokenizer, reference, variants, window_nt=150, errors="raise")
