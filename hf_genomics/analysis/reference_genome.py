"""An indexed reference genome: contig lengths and normalised slices, from a FASTA file or a dict.

A FASTA file is read through ``pysam.FastaFile`` (random access via its ``.fai`` index, built next
to the file when missing; a ``.gz`` reference must be bgzip-compressed). Two ways a reference
silently gives the wrong bases are refused up front, each with a one-line error naming the file:

* an index **older than its FASTA** (the FASTA was edited or replaced after indexing): the offsets
  in the ``.fai`` no longer point at the right bases -- delete the index and it is rebuilt;
* a **duplicate contig name**: ``faidx`` keeps the first copy and ignores the rest, so half of the
  user's records would be scored against the wrong sequence.

A slice that still contains a character no base can be (a line break, when the index is stale
in a way its modification time does not show) raises :class:`ReferenceSliceError` naming the index.
"""

from __future__ import annotations

import re
from pathlib import Path

from hf_genomics.alphabet import InvalidSequenceError, normalize
from hf_genomics.analysis.optional import require

_HEADER = re.compile(rb"(?:^|\n)>(\S*)")


class ReferenceSliceError(ValueError):
    """A slice of the reference that is not a DNA string (stale or foreign index)."""


def _fasta_names(path: Path) -> list[str]:
    """Record names in file order, read in 4 MiB blocks (gzip/bgzip streams decompressed)."""
    import gzip

    opener = gzip.open if _magic(path) == b"\x1f\x8b" else open
    names: list[str] = []
    tail = b""
    with opener(path, "rb") as handle:
        while block := handle.read(1 << 22):
            text = tail + block
            cut = text.rfind(b"\n")  # keep an unfinished last line for the next block
            whole, tail = (text[: cut + 1], text[cut + 1 :]) if cut >= 0 else (b"", text)
            names.extend(m.decode(errors="replace") for m in _HEADER.findall(whole))
        if tail:
            names.extend(m.decode(errors="replace") for m in _HEADER.findall(b"\n" + tail))
    return names


def _check_unique_names(path: Path) -> None:
    seen: set[str] = set()
    for name in _fasta_names(path):
        if name in seen:
            raise ValueError(
                f"{path}: contig name {name!r} appears more than once; an index keeps only the first "
                "copy, so rename or remove the duplicates"
            )
        seen.add(name)


def _index_of(path: Path) -> Path:
    return path.with_name(path.name + ".fai")


def _check_index_is_fresh(path: Path) -> None:
    index = _index_of(path)
    if index.is_file() and index.stat().st_mtime < path.stat().st_mtime:
        raise ValueError(
            f"{index}: the index is older than {path.name} (the FASTA changed after indexing), so its "
            f"offsets may point at the wrong bases; delete {index.name} (it is rebuilt) or run "
            f"samtools faidx {path.name}"
        )


def _check_index_matches(path: Path, index: Path) -> None:
    """Each contig's first line starts after a line break and its first line ends with one."""
    if _magic(path) == b"\x1f\x8b":
        return  # bgzip: offsets are virtual, checked by htslib through the .gzi
    with open(index) as entries, open(path, "rb") as fasta:
        for entry in entries:
            fields = entry.rstrip("\n").split("\t")
            if len(fields) < 5:
                raise ValueError(
                    f"{index}: malformed index line {entry.strip()!r}; delete it (it is rebuilt)"
                )
            name, length, offset, line_bases, line_bytes = fields[0], *map(int, fields[1:5])
            checks = [offset - 1]
            if length > line_bases:
                checks.append(offset + line_bytes - 1)
            for at in checks:
                fasta.seek(at)
                if fasta.read(1) != b"\n":
                    raise ValueError(
                        f"{index} does not match {path.name} (contig {name!r}: no line break at byte {at}); "
                        f"the index is stale or belongs to another file: delete {index.name} (it is rebuilt)"
                    )


class ReferenceGenome:
    """Contig lengths and normalised (upper-case, IUPAC->N) slices of a reference."""

    def __init__(self, reference: str | Path | dict[str, str]) -> None:
        self.name = "reference"
        self.index: Path | None = None
        if isinstance(reference, dict):
            self._sequences = {name: normalize(seq, record_id=name) for name, seq in reference.items()}
            self._fasta = None
            return
        pysam = require("pysam", "reading an indexed reference FASTA")
        path = Path(reference)
        if not path.is_file():
            raise FileNotFoundError(f"reference FASTA not found: {path}")
        self.name = str(path)
        if _magic(path) == b"\x1f\x8b" and not _is_bgzf(path):
            raise ValueError(
                f"{path}: cannot open as an indexed FASTA: it is gzip-compressed; a .gz reference must "
                "be bgzip-compressed (gunzip it, then bgzip it)"
            )
        _check_index_is_fresh(path)
        _check_unique_names(path)
        try:
            self._fasta = pysam.FastaFile(str(path))
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: cannot open as an indexed FASTA: {error}") from None
        self.index = _index_of(path)
        if self.index.is_file():
            _check_index_matches(path, self.index)
        self._sequences = None

    def length(self, chrom: str) -> int | None:
        if self._sequences is not None:
            seq = self._sequences.get(chrom)
            return None if seq is None else len(seq)
        return self._fasta.get_reference_length(chrom) if chrom in self._fasta.references else None

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Bases ``[start, end)`` (0-based) of ``chrom``, normalised."""
        if self._sequences is not None:
            return self._sequences[chrom][start:end]
        where = f"{chrom}:{start + 1}-{end}"
        try:
            return normalize(self._fasta.fetch(chrom, start, end), record_id=where, source=self.name)
        except InvalidSequenceError as error:
            raise ReferenceSliceError(
                f"{self.name}: {where} is not a DNA string ({error}); is the index {self.index} stale? "
                "delete it and it is rebuilt"
            ) from None

    def contigs(self) -> list[str]:
        return list(self._sequences) if self._sequences is not None else list(self._fasta.references)


def _magic(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(2)


def _is_bgzf(path: Path) -> bool:
    """BGZF blocks are gzip members with a ``BC`` extra subfield (SAM spec, section 4.1)."""
    with open(path, "rb") as handle:
        head = handle.read(18)
    return len(head) >= 18 and head[3] & 4 and head[12:14] == b"BC"


__all__ = ["ReferenceGenome", "ReferenceSliceError"]
