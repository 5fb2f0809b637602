"""DNA walks and walk distances against hand-computed cases and a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.evaluation.walk import dna_walk, dna_walks, walk_distance, walk_distances

STEP = {"G": (1, 0, 1), "C": (-1, 0, 1), "T": (0, 1, 1), "U": (0, 1, 1), "A": (0, -1, 1), "N": (0, 0, 1)}
dna = st.text(alphabet="ACGTN", min_size=1, max_size=200)


def reference_walk(seq: str) -> list[tuple[int, int, int]]:
    x = y = z = 0
    points = []
    for base in seq.upper():
        dx, dy, dz = STEP[base]
        x, y, z = x + dx, y + dy, z + dz
        points.append((x, y, z))
    return points


def test_walk_by_hand():
    # G -> (1,0,1); A -> (1,-1,2); T -> (1,0,3); C -> (0,0,4); N -> (0,0,5)
    expected = [[1, 0, 1], [1, -1, 2], [1, 0, 3], [0, 0, 4], [0, 0, 5]]
    np.testing.assert_array_equal(dna_walk("GATCN"), expected)
    assert dna_walk("GATCN").shape == (5, 3)


def test_walk_normalises_case_rna_and_iupac():
    np.testing.assert_array_equal(dna_walk("gaUcR"), dna_walk("GATCN"))
    with pytest.raises(InvalidSequenceError, match="position 2"):
        dna_walk("AC*T")


def test_empty_walk():
    assert dna_walk("").shape == (0, 3)


def test_distances_by_hand():
    # GG: (1,0,1),(2,0,2); CC: (-1,0,1),(-2,0,2) -> distances 2, 4
    assert walk_distance("GG", "CC") == 4.0
    assert walk_distance("GG", "CC", reduce="mean") == 3.0
    assert walk_distance("GG", "CC", reduce="end") == 4.0
    # GA: (1,0,1),(1,-1,2); TA: (0,1,1),(0,0,2) -> sqrt(2) at both positions
    assert walk_distances("GA", "TA") == pytest.approx(
        {"max": math.sqrt(2), "mean": math.sqrt(2), "end": math.sqrt(2)}
    )
    # GAC vs GTG: points (1,0),(1,-1),(0,-1) vs (1,0),(1,1),(2,1) -> 0, 2, sqrt(8)
    assert walk_distance("GAC", "GTG", reduce="mean") == pytest.approx((0 + 2 + math.sqrt(8)) / 3)
    assert walk_distance("GAC", "GTG") == pytest.approx(math.sqrt(8))


def test_length_mismatch_uses_common_prefix():
    assert walk_distance("GGGG", "CC") == 4.0
    assert walk_distance("GGGG", "CC", reduce="end") == 4.0
    with pytest.raises(ValueError, match="lengths differ"):
        walk_distance("GGGG", "CC", length_mismatch="error")
    with pytest.raises(ValueError, match="reduce"):
        walk_distance("G", "G", reduce="median")


def test_batched_walks_pad_with_nan_and_match_single():
    seqs = ["GATC", "GG", "T"]
    walks = dna_walks(seqs)
    assert walks.shape == (3, 4, 3)
    np.testing.assert_array_equal(walks[1, :2], dna_walk("GG"))
    assert np.isnan(walks[1, 2:]).all() and np.isnan(walks[2, 1:]).all()
    other = dna_walks(["GATC", "CCCC", "A"])
    for reduce in ("max", "mean", "end"):
        batch = walk_distance(walks, other, reduce)
        single = [walk_distance(a, b, reduce) for a, b in zip(seqs, ["GATC", "CCCC", "A"])]
        np.testing.assert_allclose(batch, single)


@settings(max_examples=60, deadline=None)
@given(dna)
def test_walk_matches_reference(seq):
    np.testing.assert_array_equal(dna_walk(seq), np.array(reference_walk(seq)).reshape(-1, 3))
    end = dna_walk(seq)[-1]
    assert tuple(end) == (seq.count("G") - seq.count("C"), seq.count("T") - seq.count("A"), len(seq))


@settings(max_examples=60, deadline=None)
@given(dna, dna)
def test_distance_properties(a, b):
    assert walk_distance(a, a) == 0.0
    assert walk_distance(a, b) == pytest.approx(walk_distance(b, a))
    n = min(len(a), len(b))
    ref = [math.dist(p, q) for p, q in zip(reference_walk(a)[:n], reference_walk(b)[:n])]
    assert walk_distance(a, b) == pytest.approx(max(ref))
    assert walk_distance(a, b, reduce="mean") == pytest.approx(sum(ref) / n)
    assert walk_distance(a, b, reduce="end") == pytest.approx(ref[-1])
    assert walk_distance(a, b, reduce="mean") <= walk_distance(a, b) + 1e-12


@settings(max_examples=30, deadline=None)
@given(dna)
def test_complement_mirrors_walk(seq):
    complement = seq.translate(str.maketrans("ACGT", "TGCA"))
    walk, mirrored = dna_walk(seq), dna_walk(complement)
    np.testing.assert_array_equal(mirrored[:, :2], -walk[:, :2])
    np.testing.assert_array_equal(mirrored[:, 2], walk[:, 2])


def test_walk_plot_draws_one_colour_per_group(tmp_path):
    """Content, not size: each group's walks appear in their own colour, and more groups -> more colours."""
    from hf_genomics.evaluation.walk_plots import plot_walks
    from tests.plot_content import assert_plot_has_content, distinct_colours

    rng = np.random.default_rng(0)
    sequences = [
        "".join(rng.choice(list("ACGT"), 400, p=p))
        for p in ([0.4, 0.1, 0.1, 0.4],) * 3 + ([0.1, 0.4, 0.4, 0.1],) * 3
    ]
    one = plot_walks(sequences, ["x"] * 6, tmp_path / "one.png")
    two = plot_walks(sequences, ["AT-rich"] * 3 + ["GC-rich"] * 3, tmp_path / "two.png")
    assert_plot_has_content(one)
    assert_plot_has_content(two, min_colours=2)
    assert len(distinct_colours(two)) > len(distinct_colours(one))
