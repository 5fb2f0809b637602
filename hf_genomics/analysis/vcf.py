"""VCF/BCF in and out for variant effects: records as :class:`Variant` rows, scores back as INFO fields.

Reading goes through ``pysam.VariantFile`` (plain VCF, bgzipped VCF or BCF); a plain-gzip VCF,
which htslib cannot read, gets a one-line error with the bgzip command. Each ALT allele of a
record becomes one :class:`Variant` carrying the record's number, QUAL, FILTER and INFO, so
tables keep what the VCF said; a record whose ALT is ``.`` becomes one row with ALT ``.`` (scored
as "no ALT", skippable).

Writing (:func:`write_scored_vcf`) copies every input record unchanged -- QUAL, FILTER, INFO and
the sample columns -- and adds INFO fields declared in the header: the score per ALT allele
(``Number=A``), the score's definition, the model and a status per ALT. ``.vcf.gz`` output is
bgzipped and tabix-indexed, ``.bcf`` is BCF with a CSI index, ``.vcf`` plain text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hf_genomics.analysis.optional import require

SCORE_FIELD, METHOD_FIELD, STATUS_FIELD, MODEL_FIELD = "HFG_SCORE", "HFG_METHOD", "HFG_STATUS", "HFG_MODEL"


@dataclass(frozen=True)
class Variant:
    """One ALT allele at ``pos`` (1-based, VCF convention) of ``chrom``."""

    chrom: str
    pos: int
    ref: str
    alt: str
    id: str | None = None
    source: str | None = None  # e.g. "calls.vcf.gz record 12" for error messages
    record: int | None = None  # 1-based record number in the VCF
    qual: str = "."
    filter: str = "."
    info: str = "."

    def describe(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.chrom}:{self.pos} {self.ref}>{self.alt}{where}"


def _is_plain_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(18)
    is_gzip = head[:2] == b"\x1f\x8b"
    is_bgzf = len(head) >= 18 and bool(head[3] & 4) and head[12:14] == b"BC"
    return is_gzip and not is_bgzf


def open_variant_file(path: str | Path):
    """``pysam.VariantFile`` for reading, or a one-line error naming the file."""
    pysam = require("pysam", "reading VCF files")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"VCF file not found: {path}")
    if _is_plain_gzip(path):
        raise ValueError(
            f"{path}: gzip-compressed, but VCF needs bgzip (block) compression: "
            f"gunzip -c {path.name} | bgzip > fixed.vcf.gz"
        )
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError, NotImplementedError) as error:
        raise ValueError(f"{path}: not a readable VCF/BCF file ({error})") from None


def _qual(record) -> str:
    return "." if record.qual is None else f"{record.qual:g}"


def _filter(record) -> str:
    names = list(record.filter.keys())
    return ";".join(names) if names else "."


def _info(record) -> str:
    text = str(record).rstrip("\n").split("\t")
    return text[7] if len(text) > 7 else "."


def read_vcf(path: str | Path) -> Iterator[Variant]:
    """Yield one :class:`Variant` per ALT allele of every record (multi-allelic records split)."""
    path = Path(path)
    with open_variant_file(path) as vcf:
        records = iter(vcf)
        number = 0
        while True:
            number += 1
            try:
                record = next(records)
            except StopIteration:
                return
            except (OSError, ValueError) as error:
                raise ValueError(f"{path}: record {number} cannot be parsed ({error})") from None
            common = dict(
                id=record.id if record.id is not None else ".",
                source=f"{path.name} record {number}",
                record=number,
                qual=_qual(record),
                filter=_filter(record),
                info=_info(record),
            )
            for alt in record.alts or (".",):
                yield Variant(record.chrom, int(record.pos), record.ref, alt, **common)


def _value(score) -> float | None:
    return None if score is None or (isinstance(score, float) and math.isnan(score)) else float(score)


def write_scored_vcf(
    source: str | Path,
    table,
    output: str | Path,
    *,
    model: str,
    definitions: dict[str, str],
) -> Path:
    """Copy ``source`` to ``output`` with the scores of ``table`` (rows of :func:`score_variants`) as INFO.

    ``table`` needs the columns ``record`` (1-based record number), ``score``, ``method`` and
    ``status``, one row per ALT allele in file order. Returns the index path (or the output for
    plain ``.vcf``).
    """
    pysam = require("pysam", "writing VCF files")
    output = Path(output)
    name = output.name
    mode = "wb" if name.endswith(".bcf") else "wz" if name.endswith((".vcf.gz", ".vcf.bgz")) else "w"
    if mode == "w" and not name.endswith(".vcf"):
        raise ValueError(f"{output}: VCF output must end in .vcf.gz, .vcf.bgz, .bcf or .vcf")
    by_record: dict[int, list] = {}
    for row in table[["record", "score", "method", "status_code"]].itertuples(index=False):
        by_record.setdefault(int(row.record), []).append(row)
    model_value = "".join(c if c.isalnum() or c in "-_./:" else "_" for c in model) or "model"
    with open_variant_file(source) as vcf:
        header = vcf.header.copy()
        described = "; ".join(f"{method}: {text}" for method, text in definitions.items())
        header.add_meta(
            "INFO",
            items=[
                ("ID", SCORE_FIELD),
                ("Number", "A"),
                ("Type", "Float"),
                (
                    "Description",
                    f"hf-genomics variant effect score per ALT, > 0: model prefers ALT ({described})",
                ),
            ],
        )
        header.add_meta(
            "INFO",
            items=[
                ("ID", METHOD_FIELD),
                ("Number", "."),
                ("Type", "String"),
                ("Description", "definition of HFG_SCORE per ALT (see the HFG_SCORE description)"),
            ],
        )
        header.add_meta(
            "INFO",
            items=[
                ("ID", STATUS_FIELD),
                ("Number", "."),
                ("Type", "String"),
                ("Description", "per ALT: ok, or why the allele was not scored"),
            ],
        )
        header.add_meta(
            "INFO",
            items=[
                ("ID", MODEL_FIELD),
                ("Number", "1"),
                ("Type", "String"),
                ("Description", "model that produced HFG_SCORE"),
            ],
        )
        with pysam.VariantFile(str(output), mode, header=header) as out:
            for number, record in enumerate(vcf, start=1):
                record.translate(out.header)
                rows = by_record.get(number, [])
                if record.alts and len(rows) == len(record.alts):
                    record.info[SCORE_FIELD] = tuple(_value(r.score) for r in rows)
                if rows:
                    record.info[METHOD_FIELD] = tuple(str(r.method or ".") for r in rows)
                    record.info[STATUS_FIELD] = tuple(str(r.status_code) for r in rows)
                record.info[MODEL_FIELD] = model_value
                out.write(record)
    if mode == "w":
        return output
    try:
        pysam.tabix_index(str(output), preset="vcf", force=True, csi=mode == "wb")
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{output}: written, but not indexed ({error}); sort it (bcftools sort) to index it"
        ) from None
    return Path(f"{output}.csi" if mode == "wb" else f"{output}.tbi")


__all__ = ["Variant", "open_variant_file", "read_vcf", "write_scored_vcf"]
