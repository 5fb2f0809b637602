"""Read FASTA records for the analysis commands (plain or ``.gz``), normalised by the package policy.

The one place this layer reads FASTA, kept small so it can switch to ``hf_genomics.data.io`` when
that reader lands. Records are normalised with :func:`hf_genomics.alphabet.normalize_record`
(upper case, ``U``->``T``, IUPAC->``N``); anything else, and empty records, raise an error naming
the file and the record.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from hf_genomics.alphabet import normalize_record


def read_fasta(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(record id, normalised sequence)`` for each record of a FASTA file."""
    from Bio import SeqIO

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"FASTA file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    found = False
    with opener(path, "rt") as handle:
        for record in SeqIO.parse(handle, "fasta"):
            found = True
            sequence = normalize_record(str(record.seq), record_id=record.id, source=str(path))
            if not sequence:
                raise ValueError(f"empty record {record.id!r} in {path}")
            yield record.id, sequence
    if not found:
        raise ValueError(f"no FASTA records in {path} (is it a FASTA file?)")


__all__ = ["read_fasta"]
