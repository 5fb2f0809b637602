"""Human gene sequences (arXiv 2307.10634) into ``datasets.Dataset``: the study's CSV, FASTA, GenBank.

The study's CSV wraps each sequence in ``<`` and ``>`` (start/end markers); they are removed here,
because every model of the harness adds its own start/end convention (n-gram pads, ``[BOS]``/``[EOS]``).
Sequences go through :func:`hf_genomics.alphabet.normalize`; a bad character raises an error that
names the file, the record (NCBI Gene ID or FASTA id) and the position. Files are read by
:mod:`hf_genomics.data.io` (FASTA and GenBank readers are re-exported here).

The study's filters (≤ 1,000 nt, A/C/G/T only) and split (80/20 train/test, then 25% of the train
part as validation, seeded) are plain functions so that any source goes through the same steps.
"""

from __future__ import annotations

import re
from pathlib import Path

from datasets import Dataset, DatasetDict

from hf_genomics.alphabet import InvalidSequenceError, normalize
from hf_genomics.data.io import (
    FASTA_SUFFIXES,
    GENBANK_SUFFIXES,
    SequenceFileError,
    read_fasta,
    read_genbank,
    read_table,
)

STUDY_COLUMNS = [
    "NCBIGeneID",
    "Symbol",
    "Description",
    "GeneType",
    "GeneGroupIdentifier",
    "GeneGroupMethod",
    "NucleotideSequence",
]
PAIR_COLUMNS = ["NCBIGeneID", "RealNucleotideSequence", "MutatedNucleotideSequence"]
MAX_GENE_LENGTH = 1000
_ACGT_ONLY = re.compile(r"[ACGT]*")


def strip_markers(seq: str, *, record_id: str | None = None, source: str | None = None) -> str:
    """Remove the study's ``<`` ``>`` markers; a sequence without both is an error, not a guess."""
    if len(seq) < 2 or seq[0] != "<" or seq[-1] != ">":
        raise InvalidSequenceError(
            seq[:1] or "''", 0, record_id, source, reason="expected a sequence wrapped in '<' '>', found"
        )
    return seq[1:-1]


def add_markers(seq: str) -> str:
    """The study's file form of a sequence: ``<SEQ>``."""
    return f"<{seq}>"


def _gene_id(value: str, path: Path, line: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise SequenceFileError(path, f"line {line}", f"NCBIGeneID {value!r} is not an integer") from None


def _marked_sequence(raw: str, record: str, path: Path) -> str:
    return normalize(
        strip_markers(raw, record_id=record, source=str(path)), record_id=record, source=str(path)
    )


def read_genes_csv(path: str | Path) -> Dataset:
    """The study's gene CSV as a Dataset: metadata columns kept, ``sequence`` without markers."""
    path = Path(path)
    columns, lines = read_table(path, required=["NucleotideSequence"])
    if not lines:
        raise SequenceFileError(path, None, "header only: no genes")
    raw = columns.pop("NucleotideSequence")
    ids = columns.get("NCBIGeneID")
    records = [ids[i] if ids and ids[i] else f"line {line}" for i, line in enumerate(lines)]
    columns["sequence"] = [_marked_sequence(seq, record, path) for seq, record in zip(raw, records)]
    if "NCBIGeneID" in columns:
        columns["NCBIGeneID"] = [_gene_id(value, path, line) for value, line in zip(ids, lines)]
    return Dataset.from_dict(columns)


def read_genes(path: str | Path) -> Dataset:
    """Any supported gene file, chosen by extension (``.csv``, FASTA, GenBank; ``.gz`` allowed)."""
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind == ".csv":
        return read_genes_csv(path)
    if kind in FASTA_SUFFIXES:
        return read_fasta(path)
    if kind in GENBANK_SUFFIXES:
        return read_genbank(path)
    raise ValueError(f"{path}: unknown gene file type {kind!r} (csv, fasta, genbank; .gz allowed)")


def filter_genes(
    dataset: Dataset, max_length: int | None = MAX_GENE_LENGTH, acgt_only: bool = True
) -> Dataset:
    """The study's filters: at most ``max_length`` nt and, by default, only A/C/G/T."""

    def keep(batch: dict[str, list]) -> list[bool]:
        return [
            (max_length is None or len(seq) <= max_length)
            and (not acgt_only or _ACGT_ONLY.fullmatch(seq) is not None)
            for seq in batch["sequence"]
        ]

    return dataset.filter(keep, batched=True)


def split_genes(
    dataset: Dataset, seed: int = 42, test_size: float = 0.2, validation_size: float = 0.25
) -> DatasetDict:
    """The study's split: 80/20 train/test, then ``validation_size`` of train as validation."""
    first = dataset.train_test_split(test_size=test_size, seed=seed)
    second = first["train"].train_test_split(test_size=validation_size, seed=seed)
    return DatasetDict(train=second["train"], validation=second["test"], test=first["test"])


def read_mutation_pairs(path: str | Path) -> Dataset:
    """The study's real-vs-mutated CSV: columns ``NCBIGeneID``, ``real``, ``mutated`` (no markers)."""
    path = Path(path)
    columns, lines = read_table(path, required=PAIR_COLUMNS)
    if not lines:
        raise SequenceFileError(path, None, "header only: no pairs")
    result: dict[str, list] = {"NCBIGeneID": [], "real": [], "mutated": []}
    for i, line in enumerate(lines):  # one iteration per pair; each sequence is normalised vectorised
        record = columns["NCBIGeneID"][i] or f"line {line}"
        result["real"].append(_marked_sequence(columns["RealNucleotideSequence"][i], record, path))
        result["mutated"].append(_marked_sequence(columns["MutatedNucleotideSequence"][i], record, path))
        result["NCBIGeneID"].append(_gene_id(columns["NCBIGeneID"][i], path, line))
    return Dataset.from_dict(result)


__all__ = [
    "MAX_GENE_LENGTH",
    "add_markers",
    "filter_genes",
    "read_fasta",
    "read_genbank",
    "read_genes",
    "read_genes_csv",
    "read_mutation_pairs",
    "split_genes",
    "strip_markers",
]
