"""Human gene sequences (arXiv 2307.10634) into ``datasets.Dataset``: the study's CSV, FASTA, GenBank.

The study's CSV wraps each sequence in ``<`` and ``>`` (start/end markers); they are removed here,
because every model of the harness adds its own start/end convention (n-gram pads, ``[BOS]``/``[EOS]``).
Sequences go through :func:`hf_genomics.alphabet.normalize`; a bad character raises an error that
names the file, the record (NCBI Gene ID or FASTA id) and the position.

The study's filters (≤ 1,000 nt, A/C/G/T only) and split (80/20 train/test, then 25% of the train
part as validation, seeded) are plain functions so that any source goes through the same steps.
"""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

from datasets import Dataset, DatasetDict

from hf_genomics.alphabet import InvalidSequenceError, normalize, normalize_record

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


def _open_text(path: Path):
    """Text handle for plain or gzip-compressed files (Biopython does not open gzip itself)."""
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path, newline="")


def read_genes_csv(path: str | Path) -> Dataset:
    """The study's gene CSV as a Dataset: metadata columns kept, ``sequence`` without markers."""
    path = Path(path)
    columns: dict[str, list] = {}
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "NucleotideSequence" not in reader.fieldnames:
            raise ValueError(f"{path}: expected a 'NucleotideSequence' column, found {reader.fieldnames}")
        metadata = [name for name in reader.fieldnames if name != "NucleotideSequence"]
        columns = {name: [] for name in [*metadata, "sequence"]}
        for line, row in enumerate(reader, start=2):
            record = row.get("NCBIGeneID") or f"line {line}"
            raw = strip_markers(row["NucleotideSequence"], record_id=record, source=str(path))
            columns["sequence"].append(normalize(raw, record_id=record, source=str(path)))
            for name in metadata:
                columns[name].append(row[name])
    if "NCBIGeneID" in columns:
        columns["NCBIGeneID"] = [int(value) for value in columns["NCBIGeneID"]]
    return Dataset.from_dict(columns)


def read_fasta(path: str | Path) -> Dataset:
    """NCBI FASTA (``.fa``/``.fasta``/``.fna``, optionally ``.gz``) via Biopython: id, description, sequence."""
    from Bio import SeqIO

    path = Path(path)
    ids, descriptions, sequences = [], [], []
    with _open_text(path) as handle:
        for record in SeqIO.parse(handle, "fasta"):
            ids.append(record.id)
            descriptions.append(record.description)
            sequences.append(normalize_record(str(record.seq), record_id=record.id, source=str(path)))
    return Dataset.from_dict({"id": ids, "description": descriptions, "sequence": sequences})


def read_genbank(path: str | Path) -> Dataset:
    """GenBank flat files (optionally ``.gz``) via Biopython: id, name, description, organism, sequence."""
    from Bio import SeqIO

    path = Path(path)
    columns: dict[str, list] = {key: [] for key in ("id", "name", "description", "organism", "sequence")}
    with _open_text(path) as handle:
        for record in SeqIO.parse(handle, "genbank"):
            columns["id"].append(record.id)
            columns["name"].append(record.name)
            columns["description"].append(record.description)
            columns["organism"].append(record.annotations.get("organism", ""))
            columns["sequence"].append(
                normalize_record(str(record.seq), record_id=record.id, source=str(path))
            )
    return Dataset.from_dict(columns)


def read_genes(path: str | Path) -> Dataset:
    """Any supported gene file, chosen by extension (``.csv``, FASTA, GenBank; ``.gz`` allowed)."""
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind == ".csv":
        return read_genes_csv(path)
    if kind in {".fa", ".fasta", ".fna", ".ffn", ".fas"}:
        return read_fasta(path)
    if kind in {".gb", ".gbk", ".genbank", ".gbff"}:
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
    columns: dict[str, list] = {"NCBIGeneID": [], "real": [], "mutated": []}
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or any(name not in reader.fieldnames for name in PAIR_COLUMNS):
            raise ValueError(f"{path}: expected columns {PAIR_COLUMNS}, found {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            record = row["NCBIGeneID"] or f"line {line}"
            for key, column in (("real", "RealNucleotideSequence"), ("mutated", "MutatedNucleotideSequence")):
                raw = strip_markers(row[column], record_id=record, source=str(path))
                columns[key].append(normalize(raw, record_id=record, source=str(path)))
            columns["NCBIGeneID"].append(int(row["NCBIGeneID"]))
    return Dataset.from_dict(columns)


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
