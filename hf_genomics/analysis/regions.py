"""Regions of a reference genome as input sequences: a BED file cut from an indexed FASTA.

BED is 0-based, half-open (``chrom start end [name [score [strand]]]``); ``browser``/``track``
lines and ``#`` comments are skipped. A region on the minus strand (``-`` in column 6) is
reverse-complemented, so the sequence reads 5'->3' on its own strand, as a gene or a promoter
does. A region's id is its name (column 4) when given, else ``chrom:start+1-end(strand)`` in
1-based inclusive coordinates. Every problem -- a malformed line, a region past the contig end,
an unknown contig -- is a one-line error naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_genomics.alphabet import reverse_complement


@dataclass(frozen=True)
class Region:
    chrom: str
    start: int  # 0-based
    end: int  # exclusive
    name: str | None = None
    strand: str = "+"
    line: int = 0

    @property
    def id(self) -> str:
        return self.name or f"{self.chrom}:{self.start + 1}-{self.end}({self.strand})"


def read_bed(path: str | Path) -> list[Region]:
    """The regions of a BED file (at least 3 columns; strand ``+``, ``-`` or ``.`` = ``+``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"BED file not found: {path}")
    regions = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.startswith(("#", "browser", "track")):
                continue
            fields = text.split("\t") if "\t" in text else text.split()
            where = f"{path}: line {number}"
            if len(fields) < 3:
                raise ValueError(f"{where}: a BED line needs chrom, start and end, got {text[:60]!r}")
            try:
                start, end = int(fields[1]), int(fields[2])
            except ValueError:
                raise ValueError(
                    f"{where}: start and end must be integers, got {fields[1]!r} {fields[2]!r}"
                ) from None
            if start < 0 or end <= start:
                raise ValueError(f"{where}: need 0 <= start < end, got {start} {end}")
            strand = fields[5] if len(fields) > 5 else "+"
            if strand not in ("+", "-", "."):
                raise ValueError(f"{where}: strand must be +, - or ., got {strand!r}")
            name = fields[3] if len(fields) > 3 and fields[3] not in ("", ".") else None
            regions.append(Region(fields[0], start, end, name, "-" if strand == "-" else "+", number))
    if not regions:
        raise ValueError(f"{path}: no regions")
    return regions


def region_sequences(reference, regions: list[Region], source: str = "BED") -> list[str]:
    """Each region's sequence from ``reference`` (a path or a :class:`ReferenceGenome`), minus strand
    reverse-complemented."""
    from hf_genomics.analysis.reference_genome import ReferenceGenome

    genome = reference if isinstance(reference, ReferenceGenome) else ReferenceGenome(reference)
    sequences = []
    for region in regions:
        length = genome.length(region.chrom)
        where = f"{source}: line {region.line}"
        if length is None:
            raise ValueError(f"{where}: contig {region.chrom!r} is not in {genome.name}")
        if region.end > length:
            raise ValueError(f"{where}: region {region.id} ends past contig {region.chrom!r} ({length} nt)")
        sequence = genome.fetch(region.chrom, region.start, region.end)
        sequences.append(reverse_complement(sequence) if region.strand == "-" else sequence)
    return sequences


__all__ = ["Region", "read_bed", "region_sequences"]
