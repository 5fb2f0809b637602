"""``hf-genomics ism``: saturation mutagenesis of FASTA records: L x 4 arrays, logos and heatmaps."""

from __future__ import annotations

import argparse
from functools import partial

from hf_genomics.analysis.commands.common import add_record_map_arguments, write_record_maps
from hf_genomics.deprecated_option import add_deprecated_alias


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_record_map_arguments(parser, "writes <id>.ism.npz (sequence, scores L x 4 ACGT) and <id>.ism.png")
    parser.add_argument(
        "--quantity",
        default="logit",
        choices=["logit", "probability"],
        help="the classifier value whose change each mutation scores",
    )
    # --output names an output file in predict/embed/score-variants; here it was the quantity
    add_deprecated_alias(parser, "--output", "--quantity", dest="quantity", choices=["logit", "probability"])


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.mutagenesis import saturation_mutagenesis
    from hf_genomics.analysis.strands import strand_averaged

    def compute(model, tokenizer, sequence: str, single_record: bool):
        return strand_averaged(
            partial(saturation_mutagenesis, model, tokenizer),
            sequence,
            strands=args.strands,
            target=args.target,
            output=args.quantity,
            window_nt=args.window_nt,
            batch_size=args.batch_size,
            progress=not args.quiet and single_record,
        )

    extras = dict(target=args.target, quantity=args.quantity, strands=args.strands)
    return write_record_maps(args, compute, ".ism", "ISM", figure={"mode": "importance"}, run_extras=extras)
