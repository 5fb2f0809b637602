"""``hf-genomics score-variants``: zero-shot effects of VCF variants on a reference genome."""

from __future__ import annotations

import argparse

from hf_genomics.analysis.commands.common import add_model_arguments, load, prepare_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument(
        "--reference", required=True, help="reference FASTA (indexed or indexable; bgzip for .gz)"
    )
    parser.add_argument(
        "--vcf", required=True, help="VCF/BCF, plain or bgzipped; multi-allelic records are split"
    )
    parser.add_argument("--output", required=True, help="TSV, one row per ALT allele")
    parser.add_argument(
        "--strands", default="forward", choices=["forward", "both"], help="average both strands"
    )
    parser.add_argument(
        "--edge",
        default="error",
        choices=["error", "clip"],
        help="a window past the contig end: fail or cut it",
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


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.variant_effects import score_variants

    model, tokenizer = load(args)
    table = score_variants(
        model,
        tokenizer,
        args.reference,
        args.vcf,
        window_nt=args.window_nt,
        strands=args.strands,
        edge=args.edge,
        errors=args.errors,
        target=args.target,
        masked_method=args.masked_method,
        batch_size=args.batch_size,
        progress=not args.quiet,
    )
    table.to_csv(prepare_output(args.output), sep="\t", index=False)
    print(f"{len(table)} variant scores -> {args.output}")
    return 0
