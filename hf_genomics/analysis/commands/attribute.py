"""``hf-genomics attribute``: integrated-gradients attributions of FASTA records, per nucleotide."""

from __future__ import annotations

import argparse
from functools import partial

from hf_genomics.analysis.commands.common import (
    add_record_map_arguments,
    positive_int,
    write_record_maps,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_record_map_arguments(
        parser, "writes <id>.ig.npz (sequence, scores L x 4 ACGT, per_base) and <id>.ig.png"
    )
    parser.add_argument("--baseline", default="mean", help="mean, zeros, pad, mask or a token string")
    parser.add_argument("--n-steps", type=positive_int, default=50, help="integration steps")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.attributions import integrated_gradients
    from hf_genomics.analysis.strands import strand_averaged

    def compute(model, tokenizer, sequence: str, single_record: bool):
        return strand_averaged(
            partial(integrated_gradients, model, tokenizer),
            sequence,
            strands=args.strands,
            target=args.target,
            baseline=args.baseline,
            n_steps=args.n_steps,
            internal_batch_size=args.batch_size,
            window_nt=args.window_nt,
        )

    extras = dict(target=args.target, baseline=args.baseline, n_steps=args.n_steps, strands=args.strands)
    return write_record_maps(
        args, compute, ".ig", "attribution", figure={}, run_extras=extras, desc="attributions"
    )
