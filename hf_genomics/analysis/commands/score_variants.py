"""``hf-genomics score-variants``: zero-shot effects of VCF variants on a reference genome."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_genomics.analysis.commands.common import add_model_arguments, load, prepare_output
from hf_genomics.help_format import RawDescriptionDefaultsHelpFormatter

DESCRIPTION = """Score every ALT allele of a VCF/BCF with a model, on a reference FASTA.

Windows: REF and ALT windows have the same length in nucleotides (--window-nt) and cover the same
span -- bases [start, start + window) of the reference and of the reference with the variant
applied; the ALT window takes more (deletion) or fewer (insertion) bases on its right. So SNVs,
MNVs and indels are scored on equal footing: a model predicting every base uniformly scores all 0.

Scores (column/INFO 'method' says which; positive = the model prefers ALT):
  log_likelihood_ratio  causal/n-gram LMs: log p(ALT window) - log p(REF window), nats
  masked_marginal       masked LMs, aligned tokens (SNVs): substituted tokens masked at once,
                        sum log p(ALT token) - log p(REF token), nats
  pll_difference        masked LMs otherwise (indels, BPE): pseudo-log-likelihood difference
                        over the differing tokens (one masked at a time), nats
  delta_logit           classifiers: target-class logit, ALT minus REF window
--normalize per_nt divides each window's value by its length (nats per nucleotide);
--normalize per_token (causal/n-gram LMs) by its number of predicted tokens (mean nats per
token, evo2.scoring's reduce_method='mean'). Uneven flanks get the odd base on the right, or on
the left with --longer-flank left. The Evo 2 BRCA1 notebook's score on an Evo model:
  --window-nt 8192 --normalize per_token --longer-flank left

Output by extension: .tsv (one row per ALT, QUAL/FILTER/INFO kept, plus <output>.json with the
definitions and counts); .vcf.gz (bgzipped + tabix index) / .bcf / .vcf (every input column kept,
INFO HFG_SCORE, HFG_METHOD, HFG_STATUS, HFG_MODEL added and declared in the header)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.description = DESCRIPTION
    parser.formatter_class = _Formatter
    parser.add_argument(
        "--reference", required=True, help="reference FASTA (indexed or indexable; bgzip for .gz)"
    )
    parser.add_argument(
        "--vcf", required=True, help="VCF/BCF, plain or bgzipped; multi-allelic records are split"
    )
    parser.add_argument(
        "--output",
        required=True,
        help="scores: .tsv (one row per ALT), or .vcf.gz/.bcf/.vcf (the input VCF with INFO scores added)",
    )
    parser.add_argument(
        "--strands", default="forward", choices=["forward", "both"], help="average both strands"
    )
    parser.add_argument(
        "--edge",
        default="error",
        choices=["error", "shift", "clip"],
        help="a window past the contig end: fail, slide it inside the contig, or cut it",
    )
    parser.add_argument(
        "--errors",
        default="raise",
        choices=["raise", "skip"],
        help="stop at a bad record, or skip it with a status",
    )
    parser.add_argument(
        "--target", type=int, default=None, help="class index for classifiers (default: last)"
    )
    parser.add_argument(
        "--masked-method",
        default="auto",
        choices=["auto", "masked_marginal", "pll"],
        help="masked LMs: masked marginal where tokens align, else PLL difference",
    )
    parser.add_argument(
        "--normalize",
        default="none",
        choices=["none", "per_nt", "per_token"],
        help="each window's value per nucleotide (per_nt) or per predicted token (per_token) before the "
        "difference",
    )
    parser.add_argument(
        "--longer-flank",
        default="right",
        choices=["right", "left"],
        help="side of the variant that gets the odd base when the window's flanks cannot be equal",
    )


class _Formatter(RawDescriptionDefaultsHelpFormatter):
    """Keeps the description's layout and shows defaults (once; none for unset options)."""


def _output_kind(path: str) -> str:
    name = Path(path).name
    if name.endswith((".vcf.gz", ".vcf.bgz", ".bcf", ".vcf")):
        return "vcf"
    if name.endswith((".tsv", ".txt", ".tab")):
        return "tsv"
    raise ValueError(f"--output {path}: name it .tsv, .vcf.gz, .bcf or .vcf")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.loading import model_kind
    from hf_genomics.analysis.reference_genome import ReferenceGenome
    from hf_genomics.analysis.variant_effects import describe_methods, score_variants
    from hf_genomics.analysis.vcf import open_variant_file, write_scored_vcf

    kind = _output_kind(args.output)
    output = Path(args.output)
    if output.is_symlink():
        raise ValueError(f"--output {output} is a symbolic link; not writing through it")
    if output.exists() and output.resolve() in (Path(args.vcf).resolve(), Path(args.reference).resolve()):
        raise ValueError(f"--output {output} is one of the inputs")
    with open_variant_file(args.vcf):  # bad inputs fail before the model is loaded
        pass
    reference = ReferenceGenome(args.reference)
    model, tokenizer = load(args)
    if args.target is not None and model_kind(model) != "classifier":
        raise ValueError(f"--target applies to classifiers; {args.model} is a {model_kind(model)} model")
    table = score_variants(
        model,
        tokenizer,
        reference,
        args.vcf,
        window_nt=args.window_nt,
        strands=args.strands,
        edge=args.edge,
        errors=args.errors,
        target=args.target,
        masked_method=args.masked_method,
        normalize=args.normalize,
        longer_flank=args.longer_flank,
        batch_size=args.batch_size,
        progress=not args.quiet,
    )
    scored = int(table["status_code"].eq("ok").sum())
    skipped = len(table) - scored
    definitions = describe_methods(table["method"].dropna(), args.normalize)
    prepare_output(args.output)
    if kind == "vcf":
        index = write_scored_vcf(args.vcf, table, output, model=str(args.model), definitions=definitions)
        where = f"{output}" + (f" (index {index.name})" if index != output else "")
    else:
        table.to_csv(output, sep="\t", index=False, na_rep="")
        summary = {
            "model": str(args.model),
            "reference": str(args.reference),
            "vcf": str(args.vcf),
            "window_nt": int(table["window_nt"].max()) if scored else args.window_nt,
            "strands": args.strands,
            "normalize": args.normalize,
            "longer_flank": args.longer_flank,
            "alleles": len(table),
            "scored": scored,
            "skipped": skipped,
            "skipped_by_reason": table.loc[table["status_code"] != "ok", "status_code"]
            .value_counts()
            .to_dict(),
            "score_definitions": definitions,
            "sign": "positive: the model prefers ALT",
        }
        Path(f"{output}.json").write_text(json.dumps(summary, indent=2) + "\n")
        where = f"{output} (definitions and counts in {output.name}.json)"
    reasons = table.loc[table["status_code"] != "ok", "status_code"].value_counts()
    detail = f" ({', '.join(f'{n} {code}' for code, n in reasons.items())})" if skipped else ""
    print(f"{len(table)} ALT alleles: {scored} scored, {skipped} skipped{detail} -> {where}")
    return 0
