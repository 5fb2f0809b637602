"""Viral genomes -> windows -> position-stratified splits with held-out species ("Attention is not enough").

Pipeline (each step a function that tests call directly):

1. :func:`load_viral_genomes`: a FASTA and a metadata TSV joined on accession (or on strain name
   when the FASTA headers are strain names, as in nextstrain's Zika files) into a ``Dataset`` with
   ``accession, species, lineage, host, host_species, date, country, length, sequence``.
   Sequences are normalised (case, ``U``, IUPAC -> ``N``); FASTA records without metadata and
   metadata rows without sequence are reported (``missing="error"`` raises on the former, a warning
   is logged for the latter); an accession repeated with conflicting metadata raises.
2. :func:`window_genomes`: windows of 2,048 nt overlapping by 400 (stride 1,648); windows with
   more than 0.1% non-ACGT bases or shorter than 1,000 nt are dropped. Each window keeps its
   genome's metadata plus ``start``, ``end`` and ``relative_position = start / genome length``.
3. :func:`split_windows`: windows of held-out species (``ood``) go to an out-of-distribution split;
   the rest are split into train/validation/test *stratified on relative position* (0.1 bins), so
   every part of a genome is represented in every split, as in the study. Note: as in the study,
   windows of one genome may fall in different splits (and overlap by 400 nt); the ``ood`` split is
   the leakage-free evaluation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict

from hf_genomics.alphabet import encode
from hf_genomics.data import sequences
from hf_genomics.data.io import SequenceFileError, read_fasta, read_table

logger = logging.getLogger(__name__)

WINDOW = 2048
OVERLAP = 400
MIN_WINDOW = 1000
MAX_NON_ACGT = 0.001
POSITION_BINS = 10

# The collections under ``<shared data>/viruses``: folder -> (FASTA, metadata TSV, species name).
SHARED_COLLECTIONS: dict[str, tuple[str, str, str]] = {
    "norovirus_hosts": ("subsampled_350.fasta", "subsampled_350_metadata.tsv", "Norovirus"),
    "zika": ("sequences.fasta", "metadata.tsv", "Zika virus"),
}

GENOME_COLUMNS = ["accession", "species", "lineage", "host", "host_species", "date", "country", "length"]


def read_fasta_dict(path: str | Path) -> dict[str, str]:
    """``{record id: normalised sequence}`` (:func:`hf_genomics.data.io.read_fasta`; duplicate ids raise)."""
    records = read_fasta(path)
    return dict(zip(records["id"], records["sequence"]))


def read_metadata(path: str | Path) -> list[dict[str, str]]:
    """Rows of a tab-separated metadata file (nextstrain style); malformed rows raise naming the line."""
    columns, lines = read_table(path, delimiter="\t")
    names = list(columns)
    return [{name: columns[name][i] for name in names} for i in range(len(lines))]


def _join_column(rows: list[dict[str, str]], ids: Iterable[str], path: Path) -> str:
    """The metadata column whose values name the FASTA records (accession, versioned accession, strain)."""
    ids = set(ids)
    best, best_hits = "", 0
    for column in ("accession", "accession_version", "strain", "name"):
        if rows and column in rows[0]:
            hits = len(ids & {row[column] for row in rows})
            if hits > best_hits:
                best, best_hits = column, hits
    if not best:
        raise ValueError(f"no metadata column of {path} matches the FASTA record ids")
    return best


def _rows_by_id(rows: list[dict[str, str]], key: str, path: Path) -> dict[str, dict[str, str]]:
    """Metadata rows by their join key; a key repeated with different content raises (naming both
    lines), an exact duplicate row is kept once and logged."""
    by_id: dict[str, dict[str, str]] = {}
    line_of: dict[str, int] = {}
    duplicates = 0
    for line, row in enumerate(rows, start=2):
        name = row[key]
        if name in by_id:
            if by_id[name] != row:
                differing = sorted(column for column in row if row[column] != by_id[name].get(column))
                raise SequenceFileError(
                    path,
                    f"line {line}",
                    f"{key} {name!r} repeats line {line_of[name]} with different {', '.join(differing)}",
                )
            duplicates += 1
            continue
        by_id[name], line_of[name] = row, line
    if duplicates:
        logger.warning("%s: %d exact duplicate rows ignored", path, duplicates)
    return by_id


def _genogroup(row: dict[str, str]) -> str:
    """Norovirus genogroup (GI, GII, ...) from nextstrain's VP1/RdRp typing; '' when untyped."""
    for column in ("VP1_group", "RdRp_group"):
        value = row.get(column, "")
        if value:
            return value.removesuffix(".P")
    return ""


def load_viral_genomes(
    fasta: str | Path,
    metadata: str | Path,
    species: str | None = None,
    *,
    missing: str = "error",
) -> Dataset:
    """Join a FASTA and its metadata TSV into one row per genome (see module docstring).

    ``species`` names the virus when the metadata has no ``virus`` column. ``missing="error"``
    raises on FASTA records without metadata (naming them); ``"drop"`` drops them.
    """
    fasta, metadata = Path(fasta), Path(metadata)
    sequences = read_fasta_dict(fasta)
    rows = read_metadata(metadata)
    key = _join_column(rows, sequences, metadata)
    by_id = _rows_by_id(rows, key, metadata)
    unmatched = [name for name in sequences if name not in by_id]
    if unmatched and missing == "error":
        raise ValueError(f"{len(unmatched)} records of {fasta} have no row in {metadata}: {unmatched[:5]}")
    if unmatched:
        logger.warning(
            "dropped %d records of %s without a row in %s: %s", len(unmatched), fasta, metadata, unmatched[:5]
        )
    without_sequence = [name for name in by_id if name not in sequences]
    if without_sequence:
        logger.warning(
            "%d rows of %s have no record in %s (skipped): %s",
            len(without_sequence),
            metadata,
            fasta,
            without_sequence[:5],
        )
    columns: dict[str, list] = {name: [] for name in [*GENOME_COLUMNS, "sequence"]}
    for name, seq in sequences.items():
        row = by_id.get(name)
        if row is None:
            continue
        virus = species or row.get("virus", "") or fasta.parent.name
        group = _genogroup(row)
        columns["accession"].append(row.get("accession") or name)
        columns["species"].append(virus)
        columns["lineage"].append(f"{virus} {group}" if group else virus)
        columns["host"].append(
            row.get("host_type") or row.get("host") or ("human" if "zika" in virus.lower() else "")
        )
        columns["host_species"].append(row.get("host", ""))
        columns["date"].append(row.get("date", ""))
        columns["country"].append(row.get("country", ""))
        columns["length"].append(len(seq))
        columns["sequence"].append(seq)
    return Dataset.from_dict(columns)


def load_shared_viruses(data_dir: str | Path, collections: Sequence[str] | None = None) -> Dataset:
    """All (or the named) collections under ``<data_dir>/viruses`` concatenated."""
    from datasets import concatenate_datasets

    root = Path(data_dir) / "viruses"
    parts = []
    for name in collections or SHARED_COLLECTIONS:
        fasta, metadata, species = SHARED_COLLECTIONS[name]
        parts.append(load_viral_genomes(root / name / fasta, root / name / metadata, species))
    return concatenate_datasets(parts)


def window_starts(length: int, window: int = WINDOW, overlap: int = OVERLAP) -> np.ndarray:
    """:func:`hf_genomics.data.sequences.window_starts` with the study's window and overlap."""
    return sequences.window_starts(length, window, overlap)


def iter_windows(
    genomes: Dataset,
    window: int = WINDOW,
    overlap: int = OVERLAP,
    min_length: int = MIN_WINDOW,
    max_non_acgt: float = MAX_NON_ACGT,
) -> Iterator[dict]:
    """Windows as dicts (one genome at a time; the N count per window is one vectorised cumsum)."""
    metadata_columns = [c for c in genomes.column_names if c not in ("sequence", "length")]
    for genome in genomes:
        seq = genome["sequence"]
        n_cumulative = np.concatenate([[0], np.cumsum(encode(seq) == 4)])
        for index, start in enumerate(window_starts(len(seq), window, overlap)):
            end = min(int(start) + window, len(seq))
            size = end - int(start)
            if size < min_length or (n_cumulative[end] - n_cumulative[start]) > max_non_acgt * size:
                continue
            relative = int(start) / len(seq)
            yield {
                **{c: genome[c] for c in metadata_columns},
                "genome_length": len(seq),
                "window_index": index,
                "start": int(start),
                "end": end,
                "relative_position": relative,
                "position_bin": min(int(relative * POSITION_BINS), POSITION_BINS - 1),
                "sequence": seq[int(start) : end],
            }


def window_genomes(genomes: Dataset, **kwargs) -> Dataset:
    """:func:`iter_windows` collected into a ``Dataset``."""
    rows = list(iter_windows(genomes, **kwargs))
    if not rows:
        raise ValueError("no window passed the length / non-ACGT filters")
    return Dataset.from_list(rows)


def split_windows(
    windows: Dataset,
    *,
    ood_column: str = "species",
    ood_values: Sequence[str] = (),
    validation_size: float = 0.1,
    test_size: float = 0.1,
    seed: int = 0,
) -> DatasetDict:
    """Train/validation/test stratified on ``position_bin``, plus ``ood`` (rows whose ``ood_column``
    is in ``ood_values``). Each bin contributes ``round(n * size)`` rows to validation and test.
    """
    rng = np.random.default_rng(seed)
    held_out = np.isin(np.asarray(windows[ood_column]), list(ood_values))
    bins = np.asarray(windows["position_bin"])
    parts: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
    for value in np.unique(bins[~held_out]):
        members = rng.permutation(np.flatnonzero((bins == value) & ~held_out))
        n_val, n_test = round(len(members) * validation_size), round(len(members) * test_size)
        parts["validation"] += members[:n_val].tolist()
        parts["test"] += members[n_val : n_val + n_test].tolist()
        parts["train"] += members[n_val + n_test :].tolist()
    splits = {name: windows.select(sorted(indices)) for name, indices in parts.items()}
    splits["ood"] = windows.select(np.flatnonzero(held_out).tolist())
    return DatasetDict(splits)


def windows_per_group(dataset: Dataset, column: str = "lineage") -> dict[str, int]:
    """How many windows each group (species, lineage) has, e.g. in the training split."""
    values, counts = np.unique(np.asarray(dataset[column]), return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts)}
