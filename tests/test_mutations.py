"""Invariants of the study's mutation operators (hypothesis) and the pairs CSV round trip."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.data.genes import read_mutation_pairs
from hf_genomics.data.mutations import apply_mutation, make_mutation_pairs, mutate, write_mutation_pairs

genes = st.text(alphabet="ACGT", min_size=1, max_size=200)
seeds = st.integers(0, 2**32 - 1)


def hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


@given(genes, seeds)
def test_insert_adds_one_base(seq, seed):
    out = apply_mutation(seq, "insert", np.random.default_rng(seed))
    assert len(out) == len(seq) + 1
    # removing some single base gives the original back
    assert any(out[:i] + out[i + 1 :] == seq for i in range(len(out)))


@given(genes, seeds)
def test_delete_removes_one_base(seq, seed):
    out = apply_mutation(seq, "delete", np.random.default_rng(seed))
    assert len(out) == len(seq) - 1
    assert any(seq[:i] + seq[i + 1 :] == out for i in range(len(seq)))


@given(genes, seeds)
def test_substitute_changes_exactly_one_base(seq, seed):
    out = apply_mutation(seq, "substitute", np.random.default_rng(seed))
    assert len(out) == len(seq) and hamming(seq, out) == 1
    assert set(out) <= set("ACGT")


@given(genes.filter(lambda s: len(set(s)) > 1), seeds)
def test_swap_exchanges_two_unequal_neighbours(seq, seed):
    out = apply_mutation(seq, "swap", np.random.default_rng(seed))
    assert Counter(out) == Counter(seq) and hamming(seq, out) == 2
    i = next(i for i in range(len(seq)) if seq[i] != out[i])
    assert (out[i], out[i + 1]) == (seq[i + 1], seq[i]) and seq[i] != seq[i + 1]


@given(genes, seeds, st.integers(1, 10), st.booleans())
@settings(max_examples=60)
def test_mutate_applies_k_operations_within_bounds(seq, seed, max_mutations, swap):
    out, ops = mutate(seq, seed, max_mutations=max_mutations, swap=swap)
    assert 1 <= len(ops) <= max_mutations
    assert swap or "swap" not in ops
    change = ops.count("insert") - ops.count("delete")
    assert len(out) == len(seq) + change
    assert set(out) <= set("ACGT")
    assert mutate(seq, seed, max_mutations=max_mutations, swap=swap) == (out, ops)  # seeded


@pytest.mark.parametrize("swap", [False, True])
def test_k_is_uniform_and_operations_balanced(swap):
    """Default: the study's pair files' three operations; swap=True adds the fourth."""
    rng = np.random.default_rng(0)
    counts, operations = Counter(), Counter()
    for _ in range(4000):
        _, ops = mutate("ACGTACGTAC" * 5, rng, max_mutations=5, swap=swap)
        counts[len(ops)] += 1
        operations.update(ops)
    assert set(counts) == {1, 2, 3, 4, 5}
    assert all(abs(c / 4000 - 0.2) < 0.03 for c in counts.values())
    assert set(operations) == ({"insert", "delete", "substitute"} | ({"swap"} if swap else set()))
    total = sum(operations.values())
    assert all(abs(c / total - 1 / len(operations)) < 0.02 for c in operations.values())


def test_impossible_swap_is_redrawn():
    first_operations = {mutate("AAAA", seed, n_mutations=1, swap=True)[1][0] for seed in range(60)}
    assert first_operations == {"insert", "delete", "substitute"}
    with pytest.raises(ValueError, match="no adjacent unequal"):
        apply_mutation("AAAA", "swap", np.random.default_rng(0))


def test_pairs_round_trip_in_study_format(tmp_path):
    genes_list = ["ACGTACGTTT", "GGGCCCAAAT", "ATATATCGCG"]
    pairs = make_mutation_pairs(genes_list, [11, 22, 33], n_pairs=20, max_mutations=5, seed=3)
    assert pairs == make_mutation_pairs(genes_list, [11, 22, 33], n_pairs=20, max_mutations=5, seed=3)
    path = write_mutation_pairs(tmp_path / "pairs.csv", pairs["NCBIGeneID"], pairs["real"], pairs["mutated"])
    lines = path.read_text().splitlines()
    assert lines[0] == "NCBIGeneID,RealNucleotideSequence,MutatedNucleotideSequence"
    gene_id, real, mutated = lines[1].split(",")
    assert real.startswith("<") and real.endswith(">") and mutated.startswith("<")
    back = read_mutation_pairs(path)
    assert back["real"] == pairs["real"] and back["mutated"] == pairs["mutated"]
    assert back["NCBIGeneID"] == pairs["NCBIGeneID"]
