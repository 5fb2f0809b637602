"""The malformed-input campaign for ``predict``, ``embed``, ``ism``, ``attribute`` and ``push`` (issue 20).

In the spirit of ``tests/test_tokenizer_fuzz.py``: hypothesis builds hostile inputs -- FASTA files
with lowercase, RNA ``U``, IUPAC codes, ``N`` runs, CRLF, a byte-order mark, blank lines, odd record
ids (``a/b`` beside ``a_b``, ``..``, absolute paths, 300 characters, Unicode), bad bases, empty
records, text before the first header, duplicate ids, binary junk; bad flags (``--window-nt 0``,
``--layer 99``, ``--target 7``, ``--n-steps 0``...); outputs in a folder's place, under a file, or
over a symbolic link; push folders whose index, ``auto_map`` or links point outside -- and runs each
through the real entry point, ``hf_genomics.cli.main``, in process. Every outcome must be:

* **success with correct output**: one row/file per record, in order, ids and lengths those of an
  independent reading of the file, finite values (probabilities summing to 1, ISM's reference base 0),
  no two records in one file; or
* **one error line and exit status 2** (argparse's usage line may precede it), never a traceback;

and in both cases no file outside the output was created or changed (symbolic links are replaced,
never written through). Inputs built to be valid must succeed and inputs built with a fault must
fail; the rest (options whose validity depends on the data) may do either, cleanly.

The default run is a few dozen command runs (about 30 s); ``-m slow`` runs the long campaign, with
the converted Nucleotide Transformer models and longer ``N``-rich sequences.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from analysis_models import tiny_encoder
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hf_genomics import cli
from hf_genomics.analysis import record_training_length
from hf_genomics.tokenization.kmer import KmerTokenizer

NT_FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "nucleotide_transformer"
VALID_BASES = "ACGTNacgtnUuRYKMSWBDHVrykmswbdhv"
BAD_BASES = "-.*0123456789>@XZ!"
IUPAC = str.maketrans("RYKMSWBDHV", "NNNNNNNNNN")
HOSTILE_IDS = [
    "a/b",
    "a_b",
    "A_B",
    "a:b",
    "..",
    ".",
    ".hidden",
    "../../escape",
    "/etc/passwd",
    "C:\\x",
    "x" * 300,
    "é",
    "名前",
    "a\u200bb",
    "-rf",
    "--output",
    "$(touch${IFS}pwned)",
    "`id`",
    "%s%n",
    "index",
]
SAFE_ID = st.text(alphabet="abcXYZ019_-./\\:|", min_size=1, max_size=12)


def campaign(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# ---------------------------------------------------------------------------- inputs


@dataclass
class FastaCase:
    """A FASTA file's bytes, the records an independent reading expects, and whether it is valid."""

    data: bytes
    records: list[tuple[str, str]]  # (id, normalised sequence), in file order
    valid: bool
    fault_at: int = 10**9  # index of the first record a fault affects (file-level: 0)
    suffix: str = ".fa"


def reference_normalise(text: str) -> str:
    return "".join(text.split()).upper().replace("U", "T").translate(IUPAC)


@st.composite
def sequences(draw, max_len: int) -> str:
    """DNA in any accepted spelling, with N runs, split over lines of any width."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["bases", "bases", "n_run", "lower"]))
        length = draw(st.integers(1, max(1, max_len // 3)))
        if kind == "n_run":
            parts.append(draw(st.sampled_from("Nn")) * length)
        else:
            text = draw(
                st.text(
                    alphabet=VALID_BASES if kind == "bases" else "acgtun", min_size=length, max_size=length
                )
            )
            parts.append(text)
    return "".join(parts)[:max_len] or "A"


@st.composite
def fasta_cases(draw, max_len: int = 40, max_records: int = 4, faults: bool = True) -> FastaCase:
    """Without ``faults``: odd but valid (ids, case, N runs, IUPAC, U, CRLF, BOM, spaces, blank lines)."""
    n = draw(st.integers(1, max_records))
    ids = draw(
        st.lists(st.one_of(st.sampled_from(HOSTILE_IDS), SAFE_ID), min_size=n, max_size=n, unique=True)
    )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    records, lines, valid, fault_at = [], [], True, 10**9
    for index, record_id in enumerate(ids):
        sequence = draw(sequences(max_len))
        fault = (
            draw(st.sampled_from([None] * 4 + ["bad_base", "empty", "duplicate", "no_id"]))
            if faults
            else None
        )
        header = f">{record_id}" + draw(st.sampled_from(["", " a description", "\tx=1"]))
        if fault == "bad_base":
            at = draw(st.integers(0, len(sequence)))
            sequence = sequence[:at] + draw(st.sampled_from(BAD_BASES)) + sequence[at:]
        elif fault == "empty":
            sequence = ""
        elif fault == "duplicate" and index > 0:
            header = f">{ids[0]}"
        elif fault == "no_id":
            header = ">"
        elif fault == "duplicate":
            fault = None
        if fault is not None:
            valid, fault_at = False, min(fault_at, index)
        width = draw(st.integers(3, 80))
        body = [sequence[i : i + width] for i in range(0, len(sequence), width)]
        if body and draw(st.booleans()):
            body[0] = " ".join(body[0][i : i + 2] for i in range(0, len(body[0]), 2))  # inner spaces
        lines += [header, *body] + ([""] if draw(st.integers(0, 5)) == 0 else [])
        records.append((record_id, reference_normalise(sequence)))
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    data = text.encode("utf-8")
    damage = draw(
        st.sampled_from(
            [None, "bom", "gzip"]
            + (["text_before", "junk", "latin1", "empty_file", "csv", "fake_gz"] if faults else [])
        )
    )
    if damage == "bom":
        data = "\ufeff".encode() + data
    elif damage == "text_before":
        data, valid, fault_at = b"ACGT" + newline.encode() + data, False, 0
    elif damage == "junk":
        data, valid, fault_at = data + b"\x00\xff\xfe binary", False, min(fault_at, len(records) - 1)
    elif damage == "latin1":
        data, valid, fault_at = b">caf\xe9" + newline.encode() + b"ACGT" + newline.encode() + data, False, 0
    elif damage == "empty_file":
        data, valid, fault_at = b"", False, 0
    elif damage == "csv":  # a table given as --fasta
        rows = "".join(f"{record_id},{sequence}\n" for record_id, sequence in records)
        data, valid, fault_at = ("id,sequence\n" + rows).encode(), False, 0
    if damage in ("gzip", "fake_gz"):
        if damage == "gzip":
            data = gzip.compress(data, mtime=0)
        else:
            valid, fault_at = False, 0  # plain text named .gz
        return FastaCase(data, records, valid, fault_at, ".fa.gz")
    return FastaCase(data, records, valid, fault_at)


@dataclass
class Flags:
    argv: list[str] = field(default_factory=list)
    valid: bool | None = True  # None: depends on the data (either clean outcome is fine)
    max_records: int | None = None
    hostile: bool = True  # may draw invalid values

    def add(self, option: str, value, validity: bool | None = True) -> None:
        self.argv += [option] if value is True else [option, str(value)]
        if validity is False:
            self.valid = False
        elif validity is None and self.valid is not False:
            self.valid = None


def draw_flag(draw, flags: Flags, option: str, good, bad) -> None:
    """Leave ``option`` out, or give it a value from ``good`` (valid) or ``bad`` (invalid, when allowed)."""
    choice = draw(st.sampled_from(["absent", "good", "bad"] if flags.hostile else ["absent", "good"]))
    if choice == "good":
        flags.add(option, draw(good))
    elif choice == "bad":
        flags.add(option, draw(bad), False)


@st.composite
def command_flags(draw, command: str, num_layers: int, num_labels: int, hostile: bool = True) -> Flags:
    flags = Flags(hostile=hostile)
    draw_flag(draw, flags, "--window-nt", st.integers(6, 80), st.sampled_from(["0", "-3", "ten", "1e3", ""]))
    draw_flag(draw, flags, "--batch-size", st.integers(1, 8), st.sampled_from(["0", "-1", "x"]))
    if command in ("predict", "embed"):
        if draw(st.booleans()):
            stride = draw(st.integers(1, 90))
            window = dict(zip(flags.argv[::2], flags.argv[1::2])).get("--window-nt")
            given = window is not None and window.lstrip("-").isdigit() and int(window) >= 1
            fits = None if not given else 1 <= stride <= int(window)  # no window: the model's decides
            flags.add("--stride-nt", stride, fits)
        if hostile and draw(st.integers(0, 3)) == 0:
            flags.add("--stride-nt", draw(st.sampled_from(["0", "-2"])), False)
    if command == "predict" and draw(st.booleans()):
        flags.add("--rc-average", True)
    if command == "embed":
        draw_flag(
            draw,
            flags,
            "--pooling",
            st.sampled_from(["mean", "cls", "last", "per_nucleotide"]),
            st.just("max"),
        )
        draw_flag(
            draw,
            flags,
            "--layer",
            st.integers(-(num_layers + 1), num_layers),
            st.sampled_from([num_layers + 1, 99, -(num_layers + 2), -99]),
        )
    if command in ("ism", "attribute"):
        draw_flag(
            draw, flags, "--target", st.integers(0, num_labels - 1), st.sampled_from([num_labels, 7, -1, -7])
        )
        if draw(st.booleans()):
            count = draw(st.integers(1, 3))
            flags.add("--max-records", count)
            flags.max_records = count
        elif hostile and draw(st.integers(0, 3)) == 0:
            flags.add("--max-records", 0, False)
        if draw(st.integers(0, 3)):
            flags.add("--no-plots", True)
    if command == "ism" and draw(st.booleans()):
        flags.add(
            draw(st.sampled_from(["--quantity", "--output"])), draw(st.sampled_from(["logit", "probability"]))
        )
    if command == "attribute":
        flags.add("--n-steps", draw(st.integers(1, 3)))
        if hostile and draw(st.integers(0, 3)) == 0:
            flags.add("--n-steps", draw(st.sampled_from(["0", "-4"])), False)
        draw_flag(
            draw, flags, "--baseline", st.sampled_from(["mean", "zeros", "pad", "mask"]), st.just("ZZZ")
        )
    if hostile and draw(st.integers(0, 4)) == 0:
        flags.add("--kind", draw(st.sampled_from(["masked", "causal", "base"])), None)
    return flags


# ---------------------------------------------------------------------------- the oracle


def snapshot(root: Path, skip: Path) -> dict[str, tuple]:
    """Every path under ``root`` outside ``skip``: (kind, content hash / link target)."""
    state = {}
    for path in sorted(root.rglob("*")):
        run_record = skip.with_name(skip.name + ".json")  # predict's <output>.json beside its TSV
        if path in (skip, run_record) or skip in path.parents or (path in skip.parents and path.is_dir()):
            continue  # the output (and its run record), and the folders made on the way to it
        if path.is_symlink():
            state[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            state[str(path)] = ("file", hashlib.sha1(path.read_bytes()).hexdigest())
        else:
            state[str(path)] = ("dir",)
    return state


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = cli.main([str(a) for a in argv])
    except SystemExit as stop:  # argparse's own usage errors
        status = stop.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def record_outcome(command: str, status, err: str) -> None:
    """A hypothesis event per outcome; with ``HF_GENOMICS_FUZZ_LOG=<file>`` also one TSV line there."""
    last = err.strip().splitlines()[-1] if status and err.strip() else ""
    event(f"{command}: exit {status}")
    log = os.environ.get("HF_GENOMICS_FUZZ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{command}\t{status}\t{last.split(': error: ')[-1][:120]}\n")


def assert_clean_error(status, err: str) -> None:
    assert status == 2, f"exit {status}: {err[-2000:]}"
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert lines and "error:" in lines[-1] and sum("error:" in line for line in lines) == 1, err


def check_outputs(command: str, output: Path, expected: list[tuple[str, str]], flags: Flags) -> None:
    """The output is one entry per expected record, in order, with the right ids and lengths."""
    ids = [record_id for record_id, _ in expected]
    lengths = [len(sequence) for _, sequence in expected]
    if command == "predict":
        table = pd.read_csv(output, sep="\t", keep_default_na=False, dtype={"id": str})
        assert table["id"].tolist() == ids and table["length_nt"].tolist() == lengths
        probabilities = table.filter(like="prob_").to_numpy(dtype=float)
        assert np.isfinite(probabilities).all() and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
        assert (table["n_windows"] >= 1).all()
    elif command == "embed":
        table = pd.read_parquet(output)
        assert table["id"].tolist() == ids and table["length_nt"].tolist() == lengths
        for length, vectors in zip(lengths, table["embedding"]):
            array = np.stack(vectors) if "per_nucleotide" in flags.argv else np.asarray(vectors)
            assert np.isfinite(array).all()
            if "per_nucleotide" in flags.argv:
                assert len(array) == length
    else:
        suffix = ".ism" if command == "ism" else ".ig"
        assert not (output / f"index{suffix}.tsv").is_symlink()  # replaced, never written through
        index = pd.read_csv(output / f"index{suffix}.tsv", sep="\t", keep_default_na=False, dtype=str)
        assert index["id"].tolist() == ids
        assert index["file"].str.lower().nunique() == len(ids)  # no record overwrote another
        assert len(list(output.glob(f"*{suffix}.npz"))) == len(ids)
        assert not list(output.glob(".*.tmp*")), "a temporary file was left behind"
        for (_, sequence), file in zip(expected, index["file"]):
            assert "/" not in file and not file.startswith(".")
            saved = np.load(output / file)
            assert str(saved["sequence"]) == sequence
            scores = saved["scores"]
            assert scores.shape == (len(sequence), 4) and np.isfinite(scores).all()
            if command == "ism":
                codes = np.array(["ACGT".find(base) for base in sequence])
                canonical = codes >= 0
                assert np.all(scores[np.flatnonzero(canonical), codes[canonical]] == 0)


def run_case(
    command: str, model: Path, case: FastaCase, flags: Flags, out_kind: str, workspace: Path, capsys
):
    fasta = workspace / f"input{case.suffix}"
    fasta.write_bytes(case.data)
    victim = workspace / "victim.txt"
    victim.write_text("must stay")
    per_record = command in ("ism", "attribute")
    if out_kind == "plain":
        output = workspace / ("out" if per_record else "out.tsv")
    elif out_kind == "nested":
        output = workspace / "new" / "deeper" / ("out" if per_record else "out.tsv")
    elif out_kind == "under_file":
        output = victim / "out"
    elif out_kind == "existing_dir":
        output = workspace / "existing"
        output.mkdir()
    else:  # a symbolic link already where the output goes
        output = workspace / ("out" if per_record else "out.tsv")
        if per_record:
            output.mkdir()
            index = "index.ism.tsv" if command == "ism" else "index.ig.tsv"
            (output / index).symlink_to(victim)  # always written: must replace the link
        else:
            output.symlink_to(victim)
    option = "--output-dir" if per_record else "--output"
    argv = [command, "--model", model, "--fasta", fasta, option, output, "--quiet", *flags.argv]
    before = snapshot(workspace, output)
    status, _, err = run_cli(argv, capsys)
    record_outcome(command, status, err)
    after = snapshot(workspace, output)
    assert after == before, f"files outside the output changed: {set(after.items()) ^ set(before.items())}"
    assert victim.read_text() == "must stay"
    expect = flags.valid
    if out_kind == "under_file" or (out_kind == "existing_dir" and not per_record):
        expect = False
    if not case.valid:
        limited = flags.max_records is not None and case.fault_at >= flags.max_records
        expect = None if limited or expect is None else False
    if status == 0:
        assert expect is not False, f"accepted an input built to fail: {argv}"
        records = case.records[: flags.max_records] if flags.max_records else case.records
        check_outputs(command, output, records, flags)
    else:
        assert_clean_error(status, err)
        assert expect is not True, f"refused a valid input: {err.strip().splitlines()[-1]}"


# ---------------------------------------------------------------------------- models


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny k-mer classifier with a 30-nt window (so windows, N runs and token budgets all happen)."""
    root = tmp_path_factory.mktemp("fuzz-models")
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    record_training_length(model, tokenizer, 30)
    model.save_pretrained(root / "kmer3")
    tokenizer.save_pretrained(root / "kmer3")
    return {"kmer3": (root / "kmer3", model.config.num_hidden_layers, model.config.num_labels)}


@pytest.fixture(scope="module")
def nt_models(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    root = tmp_path_factory.mktemp("fuzz-nt")
    found = {}
    for name in ("nt_v1_tiny", "nt_v2_tiny_sequence_classification"):
        convert_checkpoint(NT_FIXTURES / name, root / name)
        config = json.loads((root / name / "config.json").read_text())
        found[name] = (
            root / name,
            config["num_hidden_layers"],
            len(config.get("id2label") or {0: 0, 1: 1}),
        )
    return found


OUT_KINDS = st.sampled_from(["plain"] * 4 + ["nested", "symlink", "symlink", "under_file", "existing_dir"])


def analysis_campaign(command, models, data, tmp_path, capsys, monkeypatch, max_len, max_records):
    monkeypatch.delenv("HF_GENOMICS_TRACEBACK", raising=False)
    usable = [name for name in sorted(models) if command in ("embed", "ism") or not name.startswith("nt_v1")]
    name = data.draw(st.sampled_from(usable), label="model")  # NT v1 is a masked LM: embed and ism only
    folder, layers, labels = models[name]
    one_in_three = st.sampled_from([False, False, True])  # about half the cases are valid end to end
    hostile_file, hostile_flags = (
        data.draw(one_in_three, label="bad file"),
        data.draw(one_in_three, label="bad flags"),
    )
    case = data.draw(
        fasta_cases(max_len=max_len, max_records=max_records, faults=hostile_file), label="fasta"
    )
    flags = data.draw(command_flags(command, layers, labels, hostile_flags), label="flags")
    if name.startswith("nt_v1") and command == "ism":
        flags.valid = None  # a masked LM scores a sequence whole: refused when its tokens overflow
    out_kind = data.draw(OUT_KINDS, label="output")
    workspace = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        run_case(command, folder, case, flags, out_kind, workspace, capsys)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


QUICK = {"predict": 10, "embed": 10, "ism": 4, "attribute": 4}


@pytest.mark.parametrize("command", list(QUICK))
def test_analysis_commands_fail_cleanly_or_succeed_correctly(command, models, tmp_path, capsys, monkeypatch):
    @campaign(QUICK[command])
    @given(data=st.data())
    def check(data):
        max_len = 40 if command in ("predict", "embed") else 12
        analysis_campaign(command, models, data, tmp_path, capsys, monkeypatch, max_len, 3)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("command", list(QUICK))
def test_analysis_campaign_long(command, models, nt_models, tmp_path, capsys, monkeypatch):
    everything = {**models, **nt_models}

    @campaign({"predict": 150, "embed": 150, "ism": 40, "attribute": 40}[command])
    @given(data=st.data())
    def check(data):
        max_len = 700 if command in ("predict", "embed") else 30
        analysis_campaign(command, everything, data, tmp_path, capsys, monkeypatch, max_len, 5)

    check()


# ---------------------------------------------------------------------------- push

SECRET = b"SECRET-MUST-NOT-BE-SENT"


@dataclass
class PushCase:
    weight_map: object
    auto_map: object
    index_text: str | None
    valid: bool | None


@st.composite
def push_cases(draw, workspace_hint: str = "") -> PushCase:
    """Entries are placeholders that :func:`build_push_folder` turns into paths."""
    good = ["shard-1.safetensors", "inner/shard-2.safetensors", "missing.safetensors"]
    bad = [
        "{secret}",
        "../secret.safetensors",
        "inner/../../secret.safetensors",
        "outside_link/shard.safetensors",
        "",
        "C:\\secret",
        "inner\\..\\..\\secret",
        "/",
        ".hidden.safetensors",
        "linked.safetensors",
        5,
        None,
        ["x"],
    ]
    hostile = draw(st.booleans())
    entries = draw(st.lists(st.sampled_from(good + bad if hostile else good), min_size=1, max_size=4))
    weight_map = {f"w{i}": entry for i, entry in enumerate(entries)}
    valid: bool | None = all(entry in good for entry in entries)
    good_code = ["modeling_x.XModel", "user/repo--modeling_y.Y", None]
    bad_code = ["{secret_module}.Model", "../up.Model", "noclass", 7, "sub/../../up.Model"]
    code = draw(st.lists(st.sampled_from(good_code + bad_code if hostile else good_code), max_size=3))
    auto_map = {f"Auto{i}": ([None, entry] if i % 2 else entry) for i, entry in enumerate(code)}
    if any(entry in bad_code for entry in code):
        valid = False
    index_form = draw(
        st.sampled_from(["json"] * 4 + ["truncated", "list", "weight_map_list"] if hostile else ["json"])
    )
    index_text = {"json": None, "truncated": '{"weight_map": {"a": "sh', "list": "[1, 2]"}.get(index_form)
    if index_form == "weight_map_list":
        index_text = json.dumps({"weight_map": ["shard-1.safetensors"]})
    if index_text is not None:
        valid = False
    return PushCase(weight_map, auto_map, index_text, valid)


def build_push_folder(case: PushCase, workspace: Path) -> Path:
    secret = workspace / "secret.safetensors"
    secret.write_bytes(SECRET)
    (workspace / "secret_module.py").write_bytes(SECRET)
    outside = workspace / "outside"
    outside.mkdir()
    (outside / "shard.safetensors").write_bytes(SECRET)
    folder = workspace / "run"
    (folder / "inner").mkdir(parents=True)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# run\n")
    (folder / "shard-1.safetensors").write_bytes(b"weights-1")
    (folder / "inner" / "shard-2.safetensors").write_bytes(b"weights-2")
    (folder / ".hidden.safetensors").write_bytes(b"dot")
    (folder / "linked.safetensors").symlink_to(secret)
    (folder / "outside_link").symlink_to(outside)
    (folder / "modeling_x.py").write_text("# exported code")

    def place(entry):
        if isinstance(entry, str):
            return entry.replace("{secret}", str(secret)).replace(
                "{secret_module}", str(workspace / "secret_module")
            )
        return entry

    weight_map = {key: place(value) for key, value in case.weight_map.items()}
    auto_map = {
        key: [place(v) for v in value] if isinstance(value, list) else place(value)
        for key, value in case.auto_map.items()
    }
    (folder / "config.json").write_text(json.dumps({"auto_map": auto_map} if auto_map else {}))
    index = case.index_text if case.index_text is not None else json.dumps({"weight_map": weight_map})
    (folder / "model.safetensors.index.json").write_text(index)
    return folder


class RecordingApi:
    def __init__(self):
        self.sent: dict[str, bytes] = {}

    def create_repo(self, *args, **kwargs):
        pass

    def create_commit(self, repo_id, operations, **kwargs):
        self.sent = {op.path_in_repo: op.path_or_fileobj for op in operations}


def push_campaign(data, tmp_path, capsys, monkeypatch):
    from hf_genomics import hub

    monkeypatch.delenv("HF_GENOMICS_TRACEBACK", raising=False)
    case = data.draw(push_cases(), label="push folder")
    workspace = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        folder = build_push_folder(case, workspace)
        before = snapshot(workspace, workspace / "nothing")
        status, out, err = run_cli(["push", folder, "--repo-id", "me/run", "--dry-run"], capsys)
        record_outcome("push", status, err)
        assert snapshot(workspace, workspace / "nothing") == before, "a dry run wrote something"
        if status != 0:
            assert_clean_error(status, err)
            assert case.valid is not True, f"refused a valid folder: {err.strip().splitlines()[-1]}"
            return
        assert case.valid is not False, f"accepted a folder built to fail: {case}"
        listed = [line.strip() for line in out.split("left out")[0].splitlines()[1:] if line.startswith("  ")]
        root = folder.resolve()
        for name in listed:
            path = folder / name
            assert not path.is_symlink() and path.resolve().is_relative_to(root) and path.is_file(), name
        api = RecordingApi()
        monkeypatch.setattr(hub, "ensure_hub_reachable", lambda: None)  # the api is a recorder
        if not any(name.endswith(".safetensors") for name in listed):
            with pytest.raises(FileNotFoundError, match="no \\*.safetensors weights"):
                hub.push_folder(folder, "me/run", api=api)
            return
        hub.push_folder(folder, "me/run", api=api)
        assert sorted(api.sent) == sorted(listed)
        assert all(SECRET not in content for content in api.sent.values())
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def test_push_never_sends_a_file_from_outside_the_folder(tmp_path, capsys, monkeypatch):
    @campaign(40)
    @given(data=st.data())
    def check(data):
        push_campaign(data, tmp_path, capsys, monkeypatch)

    check()


@pytest.mark.slow
def test_push_campaign_long(tmp_path, capsys, monkeypatch):
    @campaign(600)
    @given(data=st.data())
    def check(data):
        push_campaign(data, tmp_path, capsys, monkeypatch)

    check()
