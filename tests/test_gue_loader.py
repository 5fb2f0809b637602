"""GUE loader: registry, splits, ClassLabel, pair format, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.data.gue import GUE_TASKS, GueFormatError, get_task, load_gue, read_gue_csv


def write_task(folder: Path, rows: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in rows.items():
        (folder / name).write_text(text)
    return folder


GOOD = "sequence,label\nACGTacgtNN,1\nTTTTGGGGCC,0\n"


def test_registry_has_28_tasks_with_classes_and_lengths():
    assert len(GUE_TASKS) == 28
    groups = [task.group for task in GUE_TASKS.values()]
    assert {g: groups.count(g) for g in set(groups)} == {
        "EMP": 10,
        "prom": 6,
        "tf": 5,
        "mouse": 5,
        "splice": 1,
        "virus": 1,
    }
    assert get_task("prom_core_tata").length_nt == 70
    assert get_task("tf/0") is get_task("tf_0")
    assert get_task("covid").num_classes == 9
    assert get_task("splice").num_classes == 3
    with pytest.raises(KeyError, match="unknown GUE task"):
        get_task("prom_core_nope")


def test_load_by_path_normalises_and_maps_dev_to_validation(tmp_path):
    folder = write_task(tmp_path / "t", {"train.csv": GOOD, "dev.csv": GOOD, "test.csv": GOOD})
    data = load_gue(folder)
    assert list(data) == ["train", "validation", "test"]
    assert data["train"][0] == {"sequence": "ACGTACGTNN", "label": 1}
    assert data["train"].features["label"].num_classes == 2


def test_load_by_name_under_root_uses_registry_classes(tmp_path):
    write_task(tmp_path / "splice" / "reconstructed", {n: GOOD for n in ("train.csv", "dev.csv", "test.csv")})
    data = load_gue("splice", tmp_path)
    assert data["test"].features["label"].num_classes == 3


def test_pair_format(tmp_path):
    pair = "sequence1,sequence2,label\nACGT,GGCC,1\nAAAA,TTTT,0\n"
    folder = write_task(tmp_path / "p", {n: pair for n in ("train.csv", "dev.csv", "test.csv")})
    data = load_gue(folder)
    assert data["train"].column_names == ["sequence", "sequence_2", "label"]
    assert data["train"][0]["sequence_2"] == "GGCC"


@pytest.mark.parametrize(
    "bad, match",
    [
        ("seq,lab\nACGT,1\n", r"train.csv, line 1: bad header"),
        ("sequence,label\nACGT,1\nACGT,x\n", r"train.csv, line 3: label 'x' is not an integer"),
        ("sequence,label\nACGT,1\nACGT,1,2\n", r"train.csv, line 3: expected 2 fields"),
    ],
)
def test_format_errors_name_file_and_line(tmp_path, bad, match):
    folder = write_task(tmp_path / "t", {"train.csv": bad, "dev.csv": GOOD, "test.csv": GOOD})
    with pytest.raises(GueFormatError, match=match):
        load_gue(folder)


def test_invalid_base_names_file_line_and_position(tmp_path):
    folder = write_task(
        tmp_path / "t", {"train.csv": GOOD, "dev.csv": "sequence,label\nACXT,0\n", "test.csv": GOOD}
    )
    with pytest.raises(InvalidSequenceError, match=r"'X' at position 2 of record 'line 2' in .*dev.csv"):
        load_gue(folder)


def test_missing_split_and_out_of_range_label(tmp_path):
    folder = write_task(tmp_path / "t", {"train.csv": GOOD, "dev.csv": GOOD})
    with pytest.raises(FileNotFoundError, match="test.csv"):
        load_gue(folder)
    write_task(
        tmp_path / "prom" / "prom_core_tata",
        {n: "sequence,label\nACGT,2\n" for n in ("train.csv", "dev.csv", "test.csv")},
    )
    with pytest.raises(GueFormatError, match=r"line 2: label 2 outside 0..1"):
        load_gue("prom_core_tata", tmp_path)


@pytest.mark.real_data
@pytest.mark.parametrize(
    "task, sizes, length",
    [
        ("prom_core_tata", (4904, 613, 613), 70),
        ("prom_300_tata", (4904, 613, 613), 300),
        ("mouse/0", (6478, 810, 810), 101),
    ],
)
def test_real_gue_tasks(shared_data, task, sizes, length):
    data = load_gue(task, shared_data / "gue")
    assert tuple(data[s].num_rows for s in ("train", "validation", "test")) == sizes
    assert {len(s) for s in data["test"]["sequence"]} == {length}
    assert set(data["train"]["label"]) == {0, 1}


dna = st.text(alphabet="ACGTNacgtnUu", min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(dna, st.integers(0, 1)), min_size=1, max_size=20))
def test_csv_round_trip_is_normalised(tmp_path, rows):
    """Whatever DNA is written comes back upper-case with U->T, same order, same labels."""
    text = "sequence,label\n" + "".join(f"{s},{y}\n" for s, y in rows)
    path = tmp_path / "split.csv"
    path.write_text(text)
    columns = read_gue_csv(path, num_classes=2)
    assert columns["sequence"] == [s.upper().replace("U", "T") for s, _ in rows]
    assert columns["label"] == [y for _, y in rows]
