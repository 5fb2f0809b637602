"""Viral genomes: FASTA/metadata join, window and split invariants, the real shared files."""

from __future__ import annotations

import numpy as np
import pytest
from datasets import Dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.data.viruses import (
    iter_windows,
    load_shared_viruses,
    load_viral_genomes,
    split_windows,
    window_genomes,
    window_starts,
    windows_per_group,
)


def genomes_from(seqs: list[str], species: list[str] | None = None) -> Dataset:
    n = len(seqs)
    return Dataset.from_dict(
        {
            "accession": [f"ACC{i}" for i in range(n)],
            "species": species or ["virus"] * n,
            "length": [len(s) for s in seqs],
            "sequence": seqs,
        }
    )


def test_window_starts_by_hand():
    np.testing.assert_array_equal(window_starts(2048), [0])
    np.testing.assert_array_equal(window_starts(2049), [0, 1648])
    np.testing.assert_array_equal(window_starts(7500), [0, 1648, 3296, 4944, 6592])
    np.testing.assert_array_equal(window_starts(100), [0])
    with pytest.raises(ValueError, match="overlap"):
        window_starts(100, window=10, overlap=10)


@settings(max_examples=40, deadline=None)
@given(
    length=st.integers(1, 6000),
    window=st.integers(20, 400),
    overlap_fraction=st.floats(0, 0.9),
)
def test_windows_tile_the_genome(length, window, overlap_fraction):
    overlap = int(window * overlap_fraction)
    starts = window_starts(length, window, overlap)
    ends = np.minimum(starts + window, length)
    assert starts[0] == 0 and ends[-1] == length
    assert (np.diff(starts) == window - overlap).all()
    # consecutive windows overlap by exactly `overlap` (except a shorter last one), no gaps
    assert (starts[1:] <= ends[:-1]).all()
    assert len(starts) == 1 or ends[-2] < length


@settings(max_examples=25, deadline=None)
@given(
    seqs=st.lists(st.text(alphabet="ACGT", min_size=1, max_size=900), min_size=1, max_size=4),
    n_positions=st.lists(st.integers(0, 899), max_size=5),
)
def test_window_filters(seqs, n_positions):
    seqs = [
        "".join("N" if i in set(n_positions) else c for i, c in enumerate(s)) if k == 0 else s
        for k, s in enumerate(seqs)
    ]
    rows = list(iter_windows(genomes_from(seqs), window=300, overlap=50, min_length=120, max_non_acgt=0.01))
    for row in rows:
        genome = seqs[int(row["accession"][3:])]
        assert row["sequence"] == genome[row["start"] : row["end"]]
        assert 120 <= len(row["sequence"]) <= 300
        assert row["sequence"].count("N") <= 0.01 * len(row["sequence"])
        assert row["relative_position"] == row["start"] / len(genome)
        assert row["position_bin"] == int(10 * row["start"] / len(genome))
    # every window that passes the filters is kept
    expected = sum(
        1
        for s in seqs
        for start in window_starts(len(s), 300, 50)
        if len(s[start : start + 300]) >= 120
        and s[start : start + 300].count("N") <= 0.01 * len(s[start : start + 300])
    )
    assert len(rows) == expected


@settings(max_examples=20, deadline=None)
@given(
    bins=st.lists(st.integers(0, 9), min_size=1, max_size=200),
    species=st.lists(st.sampled_from(["a", "b", "c"]), min_size=200, max_size=200),
    seed=st.integers(0, 3),
)
def test_split_invariants(bins, species, seed):
    n = len(bins)
    windows = Dataset.from_dict({"id": list(range(n)), "position_bin": bins, "species": species[:n]})
    splits = split_windows(windows, ood_values=["c"], validation_size=0.1, test_size=0.2, seed=seed)
    ids = {name: set(split["id"]) for name, split in splits.items()}
    assert sum(len(v) for v in ids.values()) == n
    assert set().union(*ids.values()) == set(range(n))
    assert set(splits["ood"]["species"]) <= {"c"} and "c" not in set(splits["train"]["species"])
    in_dist = np.asarray([b for b, s in zip(bins, species) if s != "c"])
    for value in range(10):
        members = int((in_dist == value).sum())
        assert splits["validation"]["position_bin"].count(value) == round(members * 0.1)
        assert splits["test"]["position_bin"].count(value) == round(members * 0.2)


def test_join_on_accession_and_strain(tmp_path):
    (tmp_path / "a.fasta").write_text(">X1\nacgu\nRN\n>X2\nGGGG\n")
    (tmp_path / "a.tsv").write_text("accession\thost\tdate\nX1\tHomo sapiens\t2001\nX2\tMus\t2002\n")
    genomes = load_viral_genomes(tmp_path / "a.fasta", tmp_path / "a.tsv", species="toy")
    assert genomes["sequence"] == ["ACGTNN", "GGGG"]
    assert genomes["host"] == ["Homo sapiens", "Mus"] and genomes["species"] == ["toy", "toy"]
    (tmp_path / "b.fasta").write_text(">PAN/1/2015\nACGT\n")
    (tmp_path / "b.tsv").write_text("strain\tvirus\taccession\nPAN/1/2015\tzika\tKX1\n")
    zika = load_viral_genomes(tmp_path / "b.fasta", tmp_path / "b.tsv")
    assert zika["accession"] == ["KX1"] and zika["species"] == ["zika"]


def test_unmatched_record_is_an_error(tmp_path):
    (tmp_path / "a.fasta").write_text(">X1\nACGT\n>X9\nACGT\n")
    (tmp_path / "a.tsv").write_text("accession\thost\nX1\th\n")
    with pytest.raises(ValueError, match="X9"):
        load_viral_genomes(tmp_path / "a.fasta", tmp_path / "a.tsv")
    assert len(load_viral_genomes(tmp_path / "a.fasta", tmp_path / "a.tsv", missing="drop")) == 1


def test_bad_character_names_record(tmp_path):
    (tmp_path / "a.fasta").write_text(">X1\nACGT\n>X2\nAC*T\n")
    (tmp_path / "a.tsv").write_text("accession\nX1\nX2\n")
    with pytest.raises(ValueError, match=r"'\*' at position 2 of record 'X2'"):
        load_viral_genomes(tmp_path / "a.fasta", tmp_path / "a.tsv")


@pytest.mark.real_data
def test_shared_viruses(shared_data):
    genomes = load_shared_viruses(shared_data)
    assert len(genomes) == 374 + 34
    noro = genomes.filter(lambda row: row["species"] == "Norovirus")
    assert noro["host"].count("human") == 349 and noro["host"].count("mouse") == 19
    assert min(noro["length"]) >= 7000
    windows = window_genomes(genomes)
    assert max(len(s) for s in windows["sequence"]) == 2048
    assert min(len(s) for s in windows["sequence"]) >= 1000
    splits = split_windows(windows, ood_values=["Zika virus"])
    assert set(splits["ood"]["species"]) == {"Zika virus"}
    assert sum(windows_per_group(splits["train"], "species").values()) == len(splits["train"])
