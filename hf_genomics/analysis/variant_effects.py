"""Zero-shot variant effects: score VCF records on a reference genome with any model.

The reference is read through ``pysam.FastaFile`` (an indexed FASTA; the ``.fai`` index is built
when missing; ``.gz`` must be bgzip-compressed) or given as a ``{contig: sequence}`` dict; the
variants come from ``pysam.VariantFile`` (VCF or BCF, plain or bgzipped) or as :class:`Variant`
objects. Multi-allelic records are split into one row per ALT. SNVs, MNVs and indels are scored the
same way: around the REF allele a window of ``window_nt`` bases is cut from the reference, and the
alternative window is the same window with REF replaced by ALT -- identical flanks, of
``(window_nt - max(len(REF), len(ALT))) / 2`` bases each side, so the longer of the two windows is
exactly ``window_nt``. The score is :func:`hf_genomics.analysis.pair_scores.score_pairs`' (log-
likelihood ratio for causal/n-gram LMs, masked marginal or PLL difference for masked LMs, delta
logit for classifiers); positive means the model prefers ALT. ``strands="both"`` also scores the
reverse complements of both windows and reports the mean of the two strands.

Errors name the record (file, line of the record's position, ``chrom:pos REF>ALT``): REF that
disagrees with the reference (both shown), unknown contig, symbolic or breakend ALT, a window past
the contig end (``edge="shift"`` slides the window inside the contig, keeping its length when the
contig is long enough; ``edge="clip"`` cuts it at the contig end). ``errors="skip"`` logs
the problem, leaves the row's score empty and writes the reason in the ``status`` column.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hf_genomics.alphabet import normalize, reverse_complement
from hf_genomics.analysis.optional import require
from hf_genomics.analysis.training_length import model_window_nt

logger = logging.getLogger(__name__)

_ALLELE = re.compile(r"^[ACGTNacgtn]+$")


class VariantError(ValueError):
    """A variant that cannot be scored, with the record it came from."""


@dataclass(frozen=True)
class Variant:
    """One ALT allele at ``pos`` (1-based, VCF convention) of ``chrom``."""

    chrom: str
    pos: int
    ref: str
    alt: str
    id: str | None = None
    source: str | None = None  # e.g. "calls.vcf.gz record 12" for error messages

    def describe(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.chrom}:{self.pos} {self.ref}>{self.alt}{where}"


def read_vcf(path: str | Path) -> Iterator[Variant]:
    """Yield one :class:`Variant` per ALT allele of every record (multi-allelic records split)."""
    pysam = require("pysam", "reading VCF files")

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"VCF file not found: {path}")
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable VCF/BCF file ({error})") from None
    with vcf:
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
            source = f"{path.name} record {number}"
            for alt in record.alts or ():
                yield Variant(record.chrom, int(record.pos), record.ref, alt, record.id, source)
            if not record.alts:
                raise VariantError(f"{record.chrom}:{record.pos} ({source}): record has no ALT allele")


class _Reference:
    """Contig lengths and slices from a pysam FASTA or an in-memory dict."""

    def __init__(self, reference) -> None:
        self.name = "reference"
        if isinstance(reference, dict):
            self._sequences = {name: normalize(seq, record_id=name) for name, seq in reference.items()}
            self._fasta = None
        else:
            pysam = require("pysam", "reading an indexed reference FASTA")
            path = Path(reference)
            if not path.is_file():
                raise FileNotFoundError(f"reference FASTA not found: {path}")
            self.name = path.name
            try:
                self._fasta = pysam.FastaFile(str(path))
            except (OSError, ValueError) as error:
                hint = (
                    " (a .gz reference must be bgzip-compressed: bgzip -d, then bgzip)"
                    if path.suffix == ".gz"
                    else ""
                )
                raise ValueError(f"{path}: cannot open as an indexed FASTA{hint}: {error}") from None
            self._sequences = None

    def length(self, chrom: str) -> int | None:
        if self._sequences is not None:
            seq = self._sequences.get(chrom)
            return None if seq is None else len(seq)
        return self._fasta.get_reference_length(chrom) if chrom in self._fasta.references else None

    def fetch(self, chrom: str, start: int, end: int) -> str:
        if self._sequences is not None:
            return self._sequences[chrom][start:end]
        return normalize(self._fasta.fetch(chrom, start, end), record_id=f"{chrom}:{start + 1}-{end}")

    def contigs(self) -> list[str]:
        return list(self._sequences) if self._sequences is not None else list(self._fasta.references)


def variant_windows(
    reference: _Reference, variant: Variant, window_nt: int, edge: str = "error"
) -> tuple[str, str, int]:
    """``(ref window, alt window, 0-based window start)`` for one variant, or a :class:`VariantError`."""
    alt = variant.alt
    if alt.startswith("<") or "[" in alt or "]" in alt or alt in ("*", "."):
        raise VariantError(f"{variant.describe()}: symbolic or breakend ALT {alt!r} cannot be scored")
    if not _ALLELE.match(variant.ref) or not _ALLELE.match(alt):
        raise VariantError(f"{variant.describe()}: alleles must be A/C/G/T/N strings")
    contig_length = reference.length(variant.chrom)
    if contig_length is None:
        known = reference.contigs()
        shown = ", ".join(known[:5]) + (" ..." if len(known) > 5 else "")
        raise VariantError(
            f"{variant.describe()}: contig {variant.chrom!r} is not in {reference.name} ({shown})"
        )
    ref_allele, alt_allele = variant.ref.upper(), alt.upper()
    begin = variant.pos - 1
    end = begin + len(ref_allele)
    if begin < 0 or end > contig_length:
        raise VariantError(
            f"{variant.describe()}: REF spans {begin + 1}-{end}, outside contig {variant.chrom!r} "
            f"of {contig_length} nt"
        )
    found = reference.fetch(variant.chrom, begin, end)
    if found != ref_allele:
        raise VariantError(
            f"{variant.describe()}: REF {ref_allele!r} disagrees with the reference {found!r} at "
            f"{variant.chrom}:{begin + 1}-{end}"
        )
    flank = window_nt - max(len(ref_allele), len(alt_allele))
    if flank < 0:
        raise VariantError(
            f"{variant.describe()}: alleles of {max(len(ref_allele), len(alt_allele))} nt do not fit in "
            f"a {window_nt} nt window"
        )
    left = flank // 2
    start, stop = begin - left, end + (flank - left)
    if start < 0 or stop > contig_length:
        if edge == "error":
            raise VariantError(
                f"{variant.describe()}: the {window_nt} nt window {start + 1}-{stop} runs past contig "
                f"{variant.chrom!r} (1-{contig_length}); use a smaller window_nt or edge='shift'/'clip'"
            )
        if edge == "shift":  # slide the window inside the contig, flanks no longer centred
            offset = -start if start < 0 else contig_length - stop
            start, stop = start + offset, stop + offset
        start, stop = max(start, 0), min(stop, contig_length)
    left_flank = reference.fetch(variant.chrom, start, begin)
    right_flank = reference.fetch(variant.chrom, end, stop)
    return left_flank + ref_allele + right_flank, left_flank + normalize(alt_allele) + right_flank, start


def difference_as_variant(chrom: str, reference: str, altered: str) -> Variant:
    """The one VCF-style variant turning ``reference`` into ``altered`` (shared ends trimmed).

    An allele left empty by the trimming (a pure insertion or deletion) is anchored on the base
    before it, or after it at the contig start, as VCF requires.
    """
    if reference == altered:
        raise ValueError(f"{chrom}: the two sequences are identical")
    shortest = min(len(reference), len(altered))
    left = np.frombuffer(reference[:shortest].encode(), np.uint8) != np.frombuffer(
        altered[:shortest].encode(), np.uint8
    )
    prefix = int(np.argmax(left)) if left.any() else shortest
    right = np.frombuffer(reference[::-1][:shortest].encode(), np.uint8) != np.frombuffer(
        altered[::-1][:shortest].encode(), np.uint8
    )
    suffix = min(int(np.argmax(right)) if right.any() else shortest, shortest - prefix)
    begin, ref_end, alt_end = prefix, len(reference) - suffix, len(altered) - suffix
    if begin in (ref_end, alt_end):  # an empty allele: anchor it
        if begin > 0:
            begin -= 1
        else:
            ref_end, alt_end = ref_end + 1, alt_end + 1
    return Variant(chrom, begin + 1, reference[begin:ref_end], altered[begin:alt_end], source=chrom)


def _as_variants(variants) -> list[Variant]:
    if isinstance(variants, (str, Path)):
        return list(read_vcf(variants))
    result = []
    for item in variants:
        result.append(item if isinstance(item, Variant) else Variant(*item))
    return result


def score_variants(
    model,
    tokenizer,
    reference: str | Path | dict[str, str],
    variants: str | Path | Iterable[Variant | tuple],
    window_nt: int | None = None,
    *,
    strands: str = "forward",
    edge: str = "error",
    errors: str = "raise",
    target: int | None = None,
    masked_method: str = "auto",
    batch_size: int = 32,
    progress: bool = True,
):
    """Score every variant (see the module docstring); returns a ``pandas.DataFrame``, one row per ALT.

    Columns: ``chrom pos id ref alt score`` (positive: the model prefers ALT), ``method``,
    ``ref_value alt_value ref_tokens alt_tokens`` (forward strand), ``score_forward``
    (and ``score_reverse`` with ``strands="both"``), ``window_start`` (1-based), ``window_nt``
    (the reference window's length) and ``status`` (``ok`` or the reason a row was skipped).
    """
    import pandas as pd

    from hf_genomics.analysis.pair_scores import score_pairs

    if strands not in ("forward", "both"):
        raise ValueError(f"strands must be 'forward' or 'both', got {strands!r}")
    if edge not in ("error", "shift", "clip"):
        raise ValueError(f"edge must be 'error', 'shift' or 'clip', got {edge!r}")
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")
    window_nt = window_nt or model_window_nt(model, tokenizer)
    if window_nt is None:
        raise ValueError(
            "the model records no window length (an n-gram or LSTM LM takes any length): give one in "
            "nucleotides, --window-nt on the command line (window_nt= in Python)"
        )
    ref_genome = _Reference(reference)
    variants = _as_variants(variants)
    rows, refs, alts, keep = [], [], [], []
    for index, variant in enumerate(variants):
        row = {
            "chrom": variant.chrom,
            "pos": variant.pos,
            "id": variant.id,
            "ref": variant.ref,
            "alt": variant.alt,
            "status": "ok",
        }
        try:
            ref_window, alt_window, start = variant_windows(ref_genome, variant, window_nt, edge)
        except VariantError as error:
            if errors == "raise":
                raise
            logger.warning("skipped: %s", error)
            row["status"] = str(error)
        else:
            row["window_start"], row["window_nt"] = start + 1, len(ref_window)
            refs.append(ref_window)
            alts.append(alt_window)
            keep.append(index)
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("score", "score_forward", "ref_value", "alt_value"):
        table[column] = np.nan
    table["method"] = None
    if not refs:
        return table
    options = dict(target=target, masked_method=masked_method, window_nt=window_nt, batch_size=batch_size)
    forward = score_pairs(model, tokenizer, refs, alts, progress=progress, **options)
    keep = np.asarray(keep)
    table.loc[keep, "score_forward"] = forward.score
    table.loc[keep, "ref_value"] = forward.ref_value
    table.loc[keep, "alt_value"] = forward.alt_value
    table.loc[keep, "ref_tokens"] = forward.ref_tokens
    table.loc[keep, "alt_tokens"] = forward.alt_tokens
    table.loc[keep, "method"] = forward.method
    score = forward.score
    if strands == "both":
        reverse = score_pairs(
            model,
            tokenizer,
            [reverse_complement(s) for s in refs],
            [reverse_complement(s) for s in alts],
            progress=progress,
            **options,
        )
        table.loc[keep, "score_reverse"] = reverse.score
        score = (forward.score + reverse.score) / 2
    table.loc[keep, "score"] = score
    columns = ["chrom", "pos", "id", "ref", "alt", "score", "method", "score_forward"]
    columns += ["score_reverse"] if strands == "both" else []
    columns += ["ref_value", "alt_value", "ref_tokens", "alt_tokens", "window_start", "window_nt", "status"]
    return table[[c for c in columns if c in table.columns]]


__all__ = [
    "Variant",
    "VariantError",
    "difference_as_variant",
    "read_vcf",
    "score_variants",
    "variant_windows",
]
