"""Synthetic mutations for the real-vs-mutated task of the human-genes study (arXiv 2307.10634).

A gene is mutated by k ~ U{1..MAX} operations, each drawn uniformly from: insert a random base,
delete a base, substitute a base with a *different* one — the study's own pair files (HEAD
``ccc8133``) hold exactly these three, so that is the default — and, with ``swap=True``, swap two
adjacent *unequal* bases. This follows the study's ``syntheticMutationDataset`` code; pairs are
sampled with replacement from the test genes and saved in its CSV format (``<`` ``>`` markers).
All randomness comes from one ``numpy.random.Generator``, so a seed fixes the whole data set.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hf_genomics.data.genes import PAIR_COLUMNS, add_markers

BASES = "ACGT"
OPERATIONS = ("insert", "delete", "swap", "substitute")


def apply_mutation(seq: str, operation: str, rng: np.random.Generator) -> str:
    """One operation at a uniformly drawn position (string slicing; no loop over bases)."""
    if operation == "insert":
        position = int(rng.integers(0, len(seq) + 1))
        return seq[:position] + BASES[int(rng.integers(4))] + seq[position:]
    if operation == "delete":
        if not seq:
            raise ValueError("cannot delete from an empty sequence")
        position = int(rng.integers(0, len(seq)))
        return seq[:position] + seq[position + 1 :]
    if operation == "substitute":
        if not seq:
            raise ValueError("cannot substitute in an empty sequence")
        position = int(rng.integers(0, len(seq)))
        others = BASES.replace(seq[position], "")
        return seq[:position] + others[int(rng.integers(len(others)))] + seq[position + 1 :]
    if operation == "swap":
        codes = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
        candidates = np.flatnonzero(codes[1:] != codes[:-1])  # adjacent pairs of unequal bases
        if not len(candidates):
            raise ValueError("no adjacent unequal bases to swap")
        position = int(candidates[int(rng.integers(len(candidates)))])
        return seq[:position] + seq[position + 1] + seq[position] + seq[position + 2 :]
    raise ValueError(f"unknown mutation {operation!r}; choose from {OPERATIONS}")


def _possible(seq: str, operation: str) -> bool:
    if operation == "insert":
        return True
    if operation == "swap":
        return len(set(seq)) > 1
    return len(seq) > 0


def mutate(
    seq: str,
    rng: np.random.Generator | int | None = None,
    *,
    max_mutations: int = 5,
    n_mutations: int | None = None,
    swap: bool = False,
) -> tuple[str, list[str]]:
    """Apply k ~ U{1..max_mutations} random operations (or exactly ``n_mutations``).

    Returns the mutated sequence and the operations applied, in order. An operation impossible on
    the current sequence (a swap in ``AAAA``, a deletion of nothing) is redrawn among the others.
    """
    rng = np.random.default_rng(rng)
    if n_mutations is None:
        if max_mutations < 1:
            raise ValueError(f"max_mutations must be >= 1, got {max_mutations}")
        n_mutations = int(rng.integers(1, max_mutations + 1))
    allowed = OPERATIONS if swap else tuple(op for op in OPERATIONS if op != "swap")
    applied = []
    for _ in range(n_mutations):
        possible = [op for op in allowed if _possible(seq, op)]
        operation = possible[int(rng.integers(len(possible)))]
        seq = apply_mutation(seq, operation, rng)
        applied.append(operation)
    return seq, applied


def make_mutation_pairs(
    sequences: Sequence[str],
    ids: Sequence[int] | None = None,
    *,
    n_pairs: int = 1000,
    max_mutations: int = 5,
    seed: int = 0,
    swap: bool = False,
) -> dict[str, list]:
    """The study's pairs: ``n_pairs`` genes drawn with replacement, each mutated once.

    Returns columns ``NCBIGeneID``, ``real``, ``mutated`` (sequences without markers).
    """
    if not len(sequences):
        raise ValueError("need at least one sequence to mutate")
    ids = list(range(len(sequences))) if ids is None else list(ids)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(sequences), size=n_pairs)
    pairs: dict[str, list] = {"NCBIGeneID": [], "real": [], "mutated": []}
    for index in picks:
        real = sequences[int(index)]
        mutated, _ = mutate(real, rng, max_mutations=max_mutations, swap=swap)
        pairs["NCBIGeneID"].append(ids[int(index)])
        pairs["real"].append(real)
        pairs["mutated"].append(mutated)
    return pairs


def write_mutation_pairs(
    path: str | Path, ids: Sequence, real: Sequence[str], mutated: Sequence[str]
) -> Path:
    """Write pairs in the study's CSV format (``NCBIGeneID,RealNucleotideSequence,MutatedNucleotideSequence``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIR_COLUMNS)
        for gene_id, real_seq, mutated_seq in zip(ids, real, mutated, strict=True):
            writer.writerow([gene_id, add_markers(real_seq), add_markers(mutated_seq)])
    return path


__all__ = ["OPERATIONS", "apply_mutation", "make_mutation_pairs", "mutate", "write_mutation_pairs"]
