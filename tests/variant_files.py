"""Small variant inputs shared by the analysis tests: a one-SNV VCF, a locus FASTA whose record name
carries its genome offset (as benchmark vep reads it), and benchmark-vep assay rows for every SNV at
chosen sites of a locus."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

VCF_HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def other_base(base: str) -> str:
    """A base other than ``base`` (A, or C where ``base`` is A): the ALT of a simple SNV."""
    return "A" if base != "A" else "C"


def write_snv_vcf(path: Path, chrom: str, position: int, ref: str, variant_id: str = ".") -> str:
    """Write a VCF holding one SNV, ``ref`` at 1-based ``position`` of ``chrom``; return its ALT."""
    alt = other_base(ref)
    path.write_text(VCF_HEADER + f"{chrom}\t{position}\t{variant_id}\t{ref}\t{alt}\t.\t.\t.\n")
    return alt


def write_locus_fasta(path: Path, locus: str, offset: int) -> Path:
    """The locus as one record named ``chrT_<offset>_<offset + length - 1>``."""
    path.write_text(f">chrT_{offset}_{offset + len(locus) - 1}\n{locus}\n")
    return path


def snv_assay_rows(locus: str, indices: Iterable[int], offset: int) -> list[dict]:
    """``pos_hg38`` (offset + index), ``ref`` and ``alt`` of every SNV at the 0-based ``indices`` of
    ``locus``, sites in the order given, ALT in ACGT order; callers add the assay's other columns."""
    return [
        dict(pos_hg38=offset + int(index), ref=locus[index], alt=alt)
        for index in indices
        for alt in "ACGT"
        if alt != locus[index]
    ]
