"""Generated stand-in data for demos and tests: small, seeded, with a known answer.

* :func:`planted_motif_sequences` / :func:`write_planted_motif_task`: a GUE-layout binary task whose
  positives carry a planted TATA-box-like motif;
* :func:`generated_genes` / :func:`write_study_csv`: gene-like sequences (order-3 Markov chain with
  planted motifs) in the genes study's CSV layout;
* :func:`generated_genomes`: viral-like genomes (founders of different composition and mutated
  copies) in the layout of :func:`hf_genomics.data.viruses.load_viral_genomes`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from datasets import Dataset

from hf_genomics.alphabet import CODE_TO_BASE
from hf_genomics.data.genes import STUDY_COLUMNS, add_markers

PLANTED_MOTIF = "TATAAAAGG"


def planted_motif_sequences(
    n: int, length: int = 70, motif: str = PLANTED_MOTIF, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """Random ACGT sequences; label 1 rows carry ``motif`` at a random offset (vectorised)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    labels = rng.integers(0, 2, size=n)
    motif_codes = np.frombuffer(motif.encode(), dtype=np.uint8)
    motif_codes = np.searchsorted(CODE_TO_BASE[:4], motif_codes).astype(np.uint8)  # ACGT -> 0..3
    positives = np.flatnonzero(labels == 1)
    offsets = rng.integers(0, length - len(motif) + 1, size=positives.size)
    columns = offsets[:, None] + np.arange(len(motif))[None, :]
    codes[positives[:, None], columns] = motif_codes[None, :]
    letters = CODE_TO_BASE[codes]
    sequences = [row.tobytes().decode("ascii") for row in letters]
    return sequences, labels


def write_planted_motif_task(
    folder: Path, sizes: tuple[int, int, int] = (600, 200, 200), seed: int = 0
) -> Path:
    """Write ``train/dev/test.csv`` (GUE layout) of a planted-motif task into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for offset, (name, size) in enumerate(zip(("train.csv", "dev.csv", "test.csv"), sizes)):
        sequences, labels = planted_motif_sequences(size, seed=seed + offset)
        rows = "\n".join(f"{s},{int(y)}" for s, y in zip(sequences, labels))
        (folder / name).write_text(f"sequence,label\n{rows}\n")
    return folder


def generated_genes(count: int, seed: int) -> list[str]:
    """Gene-like DNA: an order-3 Markov chain with random (Dirichlet) transitions plus planted motifs.

    The chain is sampled for all genes at once (a loop over positions, vectorised over genes).
    """
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(np.random.default_rng(12345).dirichlet(np.full(4, 0.6), size=64), axis=1)
    motifs = ["TATAAA", "GCCGCC", "ATGGCG", "CAAT"]
    longest = 1000
    codes = np.zeros((count, longest), dtype=np.int64)
    codes[:, :3] = rng.integers(0, 4, (count, 3))
    draws = rng.random((count, longest))
    for i in range(3, longest):
        context = codes[:, i - 3] * 16 + codes[:, i - 2] * 4 + codes[:, i - 1]
        codes[:, i] = np.minimum((draws[:, i, None] > cumulative[context]).sum(axis=1), 3)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    genes = []
    for row, length in zip(letters, rng.integers(80, longest - 6, count)):
        gene = row[:length].tobytes().decode("ascii")
        position = int(rng.integers(0, length))
        genes.append(gene[:position] + motifs[int(rng.integers(4))] + gene[position:])
    return genes


def write_study_csv(path: Path, sequences: list[str], first_id: int) -> None:
    """Write sequences as the genes study's CSV (``STUDY_COLUMNS``, sequences wrapped ``<...>``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STUDY_COLUMNS)
        for index, seq in enumerate(sequences):
            writer.writerow(
                [first_id + index, f"G{index}", "demo gene", "PROTEIN_CODING", "", "", add_markers(seq)]
            )


def generated_genomes(n_species: int = 3, per_species: int = 8, length: int = 3000):
    """Stand-in genomes: founders of different base composition, copied with 1% substitutions."""
    rng = np.random.default_rng(0)
    rows = {"accession": [], "species": [], "lineage": [], "host": [], "length": [], "sequence": []}
    for s in range(n_species):
        weights = rng.dirichlet(np.full(4, 4.0))
        founder = rng.choice(4, size=length, p=weights)
        for c in range(per_species):
            copy = founder.copy()
            hit = rng.random(length) < 0.01
            copy[hit] = rng.integers(0, 4, size=int(hit.sum()))
            seq = CODE_TO_BASE[copy].tobytes().decode()
            rows["accession"].append(f"G{s}_{c}")
            rows["species"].append(f"generated species {s}")
            rows["lineage"].append(f"generated species {s}")
            rows["host"].append(["host A", "host B"][c % 2])
            rows["length"].append(length)
            rows["sequence"].append(seq)
    return Dataset.from_dict(rows)


__all__ = [
    "PLANTED_MOTIF",
    "generated_genes",
    "generated_genomes",
    "planted_motif_sequences",
    "write_planted_motif_task",
    "write_study_csv",
]
