"""``hf-genomics ism``: saturation mutagenesis of FASTA records: L x 4 arrays, logos and heatmaps."""

from __future__ import annotations

import argparse
from functools import partial

from hf_genomics.analysis.commands.common import (
    add_model_arguments,
    load,
    positive_int,
    prepare_output_dir,
    read_records,
    record_file_stems,
    renaming_note,
    write_record_index,
    write_replacing,
)
from hf_genomics.deprecated_option import add_deprecated_alias


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--fasta", required=True, help="input FASTA (.gz accepted)")
    parser.add_argument(
        "--output-dir",
        required=True,
        help="writes <id>.ism.npz (sequence, scores L x 4 ACGT) and <id>.ism.png",
    )
    parser.add_argument(
        "--target", type=int, default=None, help="class index for classifiers (default: last)"
    )
    parser.add_argument(
        "--quantity",
        default="logit",
        choices=["logit", "probability"],
        help="the classifier value whose change each mutation scores",
    )
    # --output names an output file in predict/embed/score-variants; here it was the quantity
    add_deprecated_alias(parser, "--output", "--quantity", dest="quantity", choices=["logit", "probability"])
    parser.add_argument("--max-records", type=positive_int, default=None, help="only the first N records")
    parser.add_argument("--no-plots", action="store_true", help="arrays only")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.mutagenesis import saturation_mutagenesis
    from hf_genomics.analysis.plots import save_map_figure

    folder = prepare_output_dir(args.output_dir, args)  # refused before any work
    model, tokenizer = load(args)
    ids, sequences = read_records(args.fasta, args.max_records)
    stems, renamed = record_file_stems(ids)
    for record_id, sequence, stem in zip(ids, sequences, stems):
        result = saturation_mutagenesis(
            model,
            tokenizer,
            sequence,
            target=args.target,
            output=args.quantity,
            window_nt=args.window_nt,
            batch_size=args.batch_size,
            progress=not args.quiet,
        )
        write_replacing(folder / f"{stem}.ism.npz", result.save)
        if not args.no_plots:
            write_replacing(
                folder / f"{stem}.ism.png",
                partial(save_map_figure, result.scores, sequence, mode="importance", title=record_id),
            )
    index = write_record_index(folder, ids, stems, ".ism")
    print(f"{len(ids)} ISM maps -> {folder}{renaming_note(renamed, index)}")
    return 0
