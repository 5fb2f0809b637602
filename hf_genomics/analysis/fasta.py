"""FASTA records for the analysis commands, streamed through the package's one reader.

:func:`hf_genomics.data.io.iter_fasta` does the reading (plain or ``.gz``; strict, every problem
names the file and the line); records are normalised with
:func:`hf_genomics.alphabet.normalize_record` (upper case, ``U``->``T``, IUPAC->``N``), anything else
raises an error naming the file, the record and the position.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hf_genomics.alphabet import normalize_record


def read_fasta(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(record id, normalised sequence)`` for each record of a FASTA file, one at a time."""
    from hf_genomics.data.io import iter_fasta

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"FASTA file not found: {path}")
    found = False
    for record in iter_fasta(path):
        found = True
        source = f"{path} (line {record.line})"
        yield record.id, normalize_record(record.sequence, record_id=record.id, source=source)
    if not found:
        raise ValueError(f"no FASTA records in {path} (is it a FASTA file?)")


__all__ = ["read_fasta"]
