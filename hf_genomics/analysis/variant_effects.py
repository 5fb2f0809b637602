"""Zero-shot variant effects: score VCF records on a reference genome with any model.

The reference is a :class:`~hf_genomics.analysis.reference_genome.ReferenceGenome` (an indexed
FASTA, bgzip for ``.gz``; a stale index or a duplicate contig name is refused) or a
``{contig: sequence}`` dict; the variants come from a VCF/BCF (:func:`~hf_genomics.analysis.vcf.read_vcf`)
or as :class:`Variant` objects. Multi-allelic records are split into one row per ALT.

**Windows on equal footing.** Every variant -- SNV, MNV, insertion, deletion -- is scored on two
windows of the same length in nucleotides covering the same span: the REF window is bases
``[start, start + window_nt)`` of the reference, the ALT window the same bases ``[start, start +
window_nt)`` of the reference with the variant applied. Both start at the same base (so they
share their left context exactly) and the ALT window takes as many more (deletion) or fewer
(insertion) bases on its right as the variant removes or adds. ``start`` centres the longer
allele: ``start = pos - 1 - (window_nt - max(len(REF), len(ALT))) // 2``, so when the flanks
cannot be equal the extra base is on the right; ``longer_flank="left"`` puts it on the left
(``start = pos - 1 - ceil((window_nt - longest) / 2)``: for an SNV in an even window the variant is
base ``window_nt / 2`` (0-based), the window of the Evo 2 BRCA1 notebook). So a model that
predicts every base uniformly scores every variant exactly 0, whatever its length (tested for
each model family); scores of indels and SNVs are on the same scale.

**Score** (:data:`SCORE_DEFINITIONS`; positive means the model prefers ALT):

* ``log_likelihood_ratio`` (causal and n-gram LMs): ``log p(ALT window) - log p(REF window)``,
  nats; the start symbol given, the end symbol predicted. Tokenizers that split the two windows
  into different numbers of tokens (BPE) are not corrected for it: both numbers are
  log-probabilities of the same number of bases, which is what makes them comparable.
* ``masked_marginal`` (masked LMs, tokens that align one to one, e.g. SNVs): the substituted
  tokens masked at once in the REF window, ``sum log p(ALT token) - log p(REF token)``, nats.
* ``pll_difference`` (masked LMs otherwise: indels, BPE): pseudo-log-likelihood of the ALT
  window's differing tokens minus the REF window's (one token masked at a time), nats; for an
  indel the differing tokens run from the variant to the window end on both sides, the same
  number of bases.
* ``delta_logit`` / ``delta_probability`` (classifiers): class ``target``'s logit (probability),
  ALT window minus REF window.

**Fixed-length tokens** (GENERator's non-overlapping 6-mers): ``window_nt`` is rounded down to a
multiple of the token length (:func:`~hf_genomics.analysis.training_length.on_token_grid`), so no
window ends in a short ``<oov>`` piece; both windows share their start, hence one 6-mer grid: an SNV
changes exactly the one 6-mer holding it, and the windows have the same number of tokens.

``normalize="per_nt"`` divides each window's value by its length in nucleotides before the
difference (nats per nucleotide): an option for comparing windows of different lengths (only
clipped windows at a contig end differ), not the default. ``normalize="per_token"`` (causal and
n-gram LMs) divides it by the number of tokens the model predicted: the mean log-likelihood per
predicted token, ``evo2.scoring``'s ``reduce_method="mean"``. With Evo's byte tokenizer (no BOS,
no EOS: bases 2..L predicted) ``per_token`` and ``longer_flank="left"`` give exactly the Evo 2
BRCA1 notebook's delta score ``mean log p(ALT window) - mean log p(REF window)`` (tested against
the notebook's code path re-written from the model's logits); within windows of one length it is
the log-likelihood ratio divided by ``window_nt - 1``, so it ranks variants identically. ``strands="both"`` also scores the
reverse complements of both windows and reports the mean of the two strands.

Errors name the record (file, record number, ``chrom:pos REF>ALT``) and carry a short
``code`` (:class:`VariantError`): REF that disagrees with the reference (both shown), unknown
contig, symbolic, breakend or missing (``.``) ALT, a window past the contig end (``edge="shift"``
slides the window inside the contig, keeping its length when the contig is long enough;
``edge="clip"`` cuts each window at its own contig end), a reference slice that is not DNA (stale
index). ``errors="skip"`` logs the problem, leaves the row's score empty and writes the reason in
the ``status`` column (its code in ``status_code``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from hf_genomics.alphabet import normalize, reverse_complement
from hf_genomics.analysis.reference_genome import ReferenceGenome, ReferenceSliceError
from hf_genomics.analysis.training_length import model_window_nt, on_token_grid
from hf_genomics.analysis.vcf import Variant, read_vcf

logger = logging.getLogger(__name__)

_ALLELE = re.compile(r"^[ACGTNacgtn]+$")

SCORE_DEFINITIONS: dict[str, str] = {
    "log_likelihood_ratio": (
        "log p(ALT window) - log p(REF window) in nats; both windows window_nt bases of the same span "
        "(reference, and reference with the variant applied); > 0: the model prefers ALT"
    ),
    "masked_marginal": (
        "sum over the substituted tokens, masked at once in the REF window, of log p(ALT token) - "
        "log p(REF token), nats; > 0: the model prefers ALT"
    ),
    "pll_difference": (
        "pseudo-log-likelihood (one token masked at a time) of the ALT window's differing tokens minus "
        "the REF window's, nats, over windows of equal length; > 0: the model prefers ALT"
    ),
    "delta_logit": "classifier logit of the target class, ALT window minus REF window; > 0: ALT raises it",
    "delta_probability": (
        "classifier probability of the target class, ALT window minus REF window; > 0: ALT raises it"
    ),
}
PER_NT_DEFINITION = (
    "per_nt: each window's value divided by its length in nucleotides before the difference (nats/nt)"
)
PER_TOKEN_DEFINITION = (
    "per_token: each window's log-likelihood divided by its number of predicted tokens before the "
    "difference (mean nats per predicted token; evo2.scoring reduce_method='mean')"
)
NORMALIZATIONS = ("none", "per_nt", "per_token")
LONGER_FLANKS = ("right", "left")


class VariantError(ValueError):
    """A variant that cannot be scored, with the record it came from and a short reason ``code``."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def variant_windows(
    reference: ReferenceGenome,
    variant: Variant,
    window_nt: int,
    edge: str = "error",
    longer_flank: str = "right",
) -> tuple[str, str, int]:
    """``(REF window, ALT window, 0-based window start)`` for one variant, or a :class:`VariantError`.

    See the module docstring: the same span ``[start, start + window_nt)`` of the reference and of
    the reference with the variant applied; ``longer_flank`` takes the odd base of uneven flanks.
    """
    alt = variant.alt
    if alt in (".", ""):
        raise VariantError(f"{variant.describe()}: the record has no ALT allele", "no_alt")
    if alt.startswith("<") or "[" in alt or "]" in alt or alt == "*":
        raise VariantError(
            f"{variant.describe()}: symbolic or breakend ALT {alt!r} cannot be scored", "symbolic_alt"
        )
    if not _ALLELE.match(variant.ref) or not _ALLELE.match(alt):
        raise VariantError(f"{variant.describe()}: alleles must be A/C/G/T/N strings", "bad_allele")
    contig_length = reference.length(variant.chrom)
    if contig_length is None:
        known = reference.contigs()
        shown = ", ".join(known[:5]) + (" ..." if len(known) > 5 else "")
        raise VariantError(
            f"{variant.describe()}: contig {variant.chrom!r} is not in {reference.name} ({shown})",
            "unknown_contig",
        )
    ref_allele, alt_allele = variant.ref.upper(), normalize(alt.upper())
    begin = variant.pos - 1
    end = begin + len(ref_allele)
    if begin < 0 or end > contig_length:
        raise VariantError(
            f"{variant.describe()}: REF spans {begin + 1}-{end}, outside contig {variant.chrom!r} "
            f"of {contig_length} nt",
            "outside_contig",
        )
    try:
        found = reference.fetch(variant.chrom, begin, end)
    except ReferenceSliceError as error:
        raise VariantError(f"{variant.describe()}: {error}", "reference_unreadable") from None
    if found != ref_allele:
        hint = (
            f" (if many records disagree: is {reference.index} this FASTA's index?)"
            if reference.index
            else ""
        )
        raise VariantError(
            f"{variant.describe()}: REF {ref_allele!r} disagrees with the reference {found!r} at "
            f"{variant.chrom}:{begin + 1}-{end}{hint}",
            "ref_mismatch",
        )
    longest = max(len(ref_allele), len(alt_allele))
    if longest > window_nt:
        raise VariantError(
            f"{variant.describe()}: alleles of {longest} nt do not fit in a {window_nt} nt window",
            "alleles_too_long",
        )
    delta = len(alt_allele) - len(ref_allele)
    altered_length = contig_length + delta
    flanks = window_nt - longest
    start = begin - (flanks // 2 if longer_flank == "right" else flanks - flanks // 2)
    stop = start + window_nt
    limit = min(contig_length, altered_length)
    if start < 0 or stop > limit:
        if edge == "error":
            raise VariantError(
                f"{variant.describe()}: the {window_nt} nt window {start + 1}-{stop} runs past contig "
                f"{variant.chrom!r} (1-{contig_length}); use a smaller window_nt or edge='shift'/'clip'",
                "window_past_edge",
            )
        if edge == "shift":  # slide the window inside the contig, the variant no longer centred
            if start < 0:
                start, stop = 0, window_nt
            if stop > limit:
                start, stop = start - (stop - limit), limit
            if stop < begin + longest:  # an insertion at the contig end: no equal-length span exists
                raise VariantError(
                    f"{variant.describe()}: no {window_nt} nt span holds both alleles inside contig "
                    f"{variant.chrom!r}; use edge='clip'",
                    "window_past_edge",
                )
        start = max(start, 0)
    try:
        left = reference.fetch(variant.chrom, start, begin)
        ref_right = reference.fetch(variant.chrom, end, min(stop, contig_length))
        # ALT-window base x >= begin + len(ALT) is reference base x - delta
        alt_right = reference.fetch(variant.chrom, end, min(stop, altered_length) - delta)
    except ReferenceSliceError as error:
        raise VariantError(f"{variant.describe()}: {error}", "reference_unreadable") from None
    return left + ref_allele + ref_right, left + alt_allele + alt_right, start


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
    return [item if isinstance(item, Variant) else Variant(*item) for item in variants]


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
    normalize: str = "none",
    longer_flank: str = "right",
    batch_size: int = 32,
    progress: bool = True,
):
    """Score every variant (see the module docstring); returns a ``pandas.DataFrame``, one row per ALT.

    Columns: ``chrom pos id ref alt qual filter info`` (as in the VCF), ``score`` (positive: the
    model prefers ALT; its definition is ``SCORE_DEFINITIONS[method]``), ``method``,
    ``score_forward`` (and ``score_reverse`` with ``strands="both"``), ``ref_value alt_value
    ref_tokens alt_tokens`` (forward strand), ``window_start`` (1-based), ``window_nt`` and
    ``alt_window_nt`` (the windows' lengths, equal unless clipped at a contig end), ``status``
    (``ok`` or the reason a row was skipped), ``status_code`` and ``record`` (the VCF record number).
    Integer columns are pandas' nullable ``Int64`` (empty for skipped rows).
    """
    import pandas as pd

    if strands not in ("forward", "both"):
        raise ValueError(f"strands must be 'forward' or 'both', got {strands!r}")
    if edge not in ("error", "shift", "clip"):
        raise ValueError(f"edge must be 'error', 'shift' or 'clip', got {edge!r}")
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
    if longer_flank not in LONGER_FLANKS:
        raise ValueError(f"longer_flank must be one of {LONGER_FLANKS}, got {longer_flank!r}")
    window_nt = on_token_grid(tokenizer, window_nt or model_window_nt(model, tokenizer))
    if window_nt is None:
        raise ValueError(
            "the model records no window length (an n-gram or LSTM LM takes any length): give one in "
            "nucleotides, --window-nt on the command line (window_nt= in Python)"
        )
    if window_nt < 1:
        raise ValueError(f"window_nt must be >= 1, got {window_nt}")
    ref_genome = reference if isinstance(reference, ReferenceGenome) else ReferenceGenome(reference)
    variants = _as_variants(variants)
    rows, refs, alts, keep = [], [], [], []
    for index, variant in enumerate(variants):
        row = {
            "chrom": variant.chrom,
            "pos": variant.pos,
            "id": "." if variant.id is None else variant.id,
            "ref": variant.ref,
            "alt": variant.alt,
            "qual": variant.qual,
            "filter": variant.filter,
            "info": variant.info,
            "status": "ok",
            "status_code": "ok",
            "record": variant.record if variant.record is not None else index + 1,
        }
        try:
            ref_window, alt_window, start = variant_windows(
                ref_genome, variant, window_nt, edge, longer_flank
            )
        except VariantError as error:
            if errors == "raise":
                raise
            logger.warning("skipped: %s", error)
            row["status"], row["status_code"] = str(error), error.code
        else:
            row["window_start"], row["window_nt"] = start + 1, len(ref_window)
            row["alt_window_nt"] = len(alt_window)
            refs.append(ref_window)
            alts.append(alt_window)
            keep.append(index)
        rows.append(row)
    refs, alts, keep = _drop_windows_over_token_budget(
        model, tokenizer, variants, rows, refs, alts, keep, window_nt, errors
    )
    table = pd.DataFrame(rows)
    for column in ("score", "score_forward", "ref_value", "alt_value"):
        table[column] = np.nan
    for column in ("ref_tokens", "alt_tokens", "window_start", "window_nt", "alt_window_nt"):
        if column not in table:
            table[column] = np.nan
    table["method"] = None
    if refs:
        options = dict(target=target, masked_method=masked_method, window_nt=window_nt, batch_size=batch_size)
        indel = np.array([len(v.ref) != len(v.alt) for v in (variants[i] for i in keep)])
        forward = _score_pairs_by_kind(model, tokenizer, refs, alts, indel, progress, options)
        if normalize != "none" and forward.method and forward.method[0].startswith("delta_"):
            raise ValueError(f"normalize={normalize!r} applies to language models, not classifiers")
        if normalize == "per_token" and any(m != "log_likelihood_ratio" for m in forward.method):
            raise ValueError(
                "normalize='per_token' applies to causal and n-gram LMs (a whole window's log-likelihood); "
                "a masked LM scores only the differing tokens"
            )
        ref_nt = np.fromiter(map(len, refs), float, len(refs))
        alt_nt = np.fromiter(map(len, alts), float, len(alts))

        def strand_score(scores):
            if normalize == "per_nt":
                return scores.alt_value / alt_nt - scores.ref_value / ref_nt
            if normalize == "per_token":
                return scores.alt_value / np.maximum(scores.alt_tokens, 1) - scores.ref_value / np.maximum(
                    scores.ref_tokens, 1
                )
            return scores.score

        keep = np.asarray(keep)
        score = strand_score(forward)
        table.loc[keep, "score_forward"] = score
        table.loc[keep, "ref_value"] = forward.ref_value
        table.loc[keep, "alt_value"] = forward.alt_value
        table.loc[keep, "ref_tokens"] = forward.ref_tokens
        table.loc[keep, "alt_tokens"] = forward.alt_tokens
        table.loc[keep, "method"] = forward.method
        if strands == "both":
            reverse = _score_pairs_by_kind(
                model,
                tokenizer,
                [reverse_complement(s) for s in refs],
                [reverse_complement(s) for s in alts],
                indel,
                progress,
                options,
            )
            table.loc[keep, "score_reverse"] = strand_score(reverse)
            score = (score + strand_score(reverse)) / 2
        table.loc[keep, "score"] = score
    for column in ("pos", "record", "ref_tokens", "alt_tokens", "window_start", "window_nt", "alt_window_nt"):
        table[column] = table[column].astype("Int64")
    columns = ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info", "score", "method"]
    columns += ["score_forward"] + (["score_reverse"] if strands == "both" else [])
    columns += ["ref_value", "alt_value", "ref_tokens", "alt_tokens", "window_start", "window_nt"]
    columns += ["alt_window_nt", "status", "status_code", "record"]
    table = table[[c for c in columns if c in table.columns]]
    table.attrs["normalize"] = normalize
    return table


def _drop_windows_over_token_budget(model, tokenizer, variants, rows, refs, alts, keep, window_nt, errors):
    """REF/ALT windows that need more tokens than the model has positions (a k-mer tokenizer makes
    every base near an ``N`` run its own token) are a per-variant problem: refused under
    ``errors="raise"``, skipped with status ``window_too_long`` under ``"skip"``."""
    from hf_genomics.analysis.training_length import model_token_budget
    from hf_genomics.analysis.windows import token_counts

    budget = model_token_budget(model, tokenizer) if tokenizer is not None else None
    if budget is None or not refs:
        return refs, alts, keep
    unique = list(dict.fromkeys([*refs, *alts]))
    count_of = dict(zip(unique, token_counts(tokenizer, unique).tolist()))
    fitted_refs, fitted_alts, fitted_keep = [], [], []
    for ref_window, alt_window, index in zip(refs, alts, keep):
        tokens = max(count_of[ref_window], count_of[alt_window])
        if tokens <= budget:
            fitted_refs.append(ref_window)
            fitted_alts.append(alt_window)
            fitted_keep.append(index)
            continue
        error = VariantError(
            f"{variants[index].describe()}: its {window_nt} nt window takes {tokens} tokens, more than the "
            f"model's {budget} positions ({type(tokenizer).__name__} makes bases near N runs single-base "
            "tokens); give a smaller window (--window-nt)",
            "window_too_long",
        )
        if errors == "raise":
            raise error
        logger.warning("skipped: %s", error)
        rows[index]["status"], rows[index]["status_code"] = str(error), error.code
        for column in ("window_start", "window_nt", "alt_window_nt"):
            rows[index].pop(column, None)
    return fitted_refs, fitted_alts, fitted_keep


def _score_pairs_by_kind(model, tokenizer, refs, alts, indel: np.ndarray, progress: bool, options: dict):
    """:func:`score_pairs`, with indels of a masked LM always on the PLL difference.

    With equal-length windows an indel's differing tokens line up one to one (the whole right part
    of the window), so the masked marginal would apply; but it would score the shifted bases with
    all of them masked at once, from the left context alone. The PLL difference keeps the context.
    """
    from hf_genomics.analysis.loading import model_kind
    from hf_genomics.analysis.pair_scores import PairScores, score_pairs

    if model_kind(model) != "masked" or options["masked_method"] != "auto" or not indel.any():
        return score_pairs(model, tokenizer, refs, alts, progress=progress, **options)
    n = len(refs)
    merged = PairScores(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, np.int64), np.zeros(n, np.int64))
    methods = [""] * n
    for chosen, method in ((~indel, "auto"), (indel, "pll")):
        where = np.flatnonzero(chosen)
        if not len(where):
            continue
        part = score_pairs(
            model,
            tokenizer,
            [refs[i] for i in where],
            [alts[i] for i in where],
            progress=progress,
            **{**options, "masked_method": method},
        )
        for name in ("score", "ref_value", "alt_value", "ref_tokens", "alt_tokens"):
            getattr(merged, name)[where] = getattr(part, name)
        for i, m in zip(where, part.method):
            methods[i] = m
    merged.method = methods
    return merged


def describe_methods(methods: Iterable[str], normalize: str = "none") -> dict[str, str]:
    """``{method: definition}`` for the methods that occur (and the per-nucleotide note)."""
    found = {m: SCORE_DEFINITIONS[m] for m in dict.fromkeys(methods) if m in SCORE_DEFINITIONS}
    if normalize == "per_nt":
        found["normalize"] = PER_NT_DEFINITION
    elif normalize == "per_token":
        found["normalize"] = PER_TOKEN_DEFINITION
    return found


__all__ = [
    "LONGER_FLANKS",
    "NORMALIZATIONS",
    "SCORE_DEFINITIONS",
    "Variant",
    "VariantError",
    "describe_methods",
    "difference_as_variant",
    "read_vcf",
    "score_variants",
    "variant_windows",
]
