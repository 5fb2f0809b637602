"""``hf-genomics ism``: saturation mutagenesis of FASTA records: L x 4 arrays, logos and heatmaps."""

from __future__ import annotations

import argparse
from functools import partial

from hf_genomics.analysis.commands.common import (
    add_model_arguments,
    load,
    positive_int,
    prepare_output_dir,
    record_file_stems,
    renaming_note,
    write_record_index,
    write_replacing,
)
from hf_genomics.deprecated_option import add_deprecated_alias


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    from hf_genomics.analysis.commands.inputs import add_input_arguments

    add_input_arguments(parser)
    parser.add_argument(
        "--strands",
        default="forward",
        choices=["forward", "both"],
        help="both: average with the reverse complement's map, turned back onto the forward strand",
    )
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
    from functools import partial as bind

    from tqdm.auto import tqdm

    from hf_genomics.analysis.commands.inputs import read_inputs, run_record, write_run_record
    from hf_genomics.analysis.mutagenesis import saturation_mutagenesis
    from hf_genomics.analysis.plots import save_map_figure
    from hf_genomics.analysis.strands import strand_averaged

    folder = prepare_output_dir(args.output_dir, args)  # refused before any work
    ids, sequences, _ = read_inputs(args, args.max_records)
    model, tokenizer = load(args)
    stems, renamed = record_file_stems(ids)
    records = tqdm(
        zip(ids, sequences, stems),
        total=len(ids),
        desc="ISM",
        unit="record",
        disable=args.quiet or len(ids) < 2,
    )
    for record_id, sequence, stem in records:
        result = strand_averaged(
            bind(saturation_mutagenesis, model, tokenizer),
            sequence,
            strands=args.strands,
            target=args.target,
            output=args.quantity,
            window_nt=args.window_nt,
            batch_size=args.batch_size,
            progress=not args.quiet and len(ids) == 1,
        )
        write_replacing(folder / f"{stem}.ism.npz", result.save)
        if not args.no_plots:
            write_replacing(
                folder / f"{stem}.ism.png",
                partial(save_map_figure, result.scores, sequence, mode="importance", title=record_id),
            )
    write_run_record(
        folder / "run.json",
        run_record(args, model, tokenizer, target=args.target, quantity=args.quantity, strands=args.strands),
    )
    index = write_record_index(folder, ids, stems, ".ism")
    print(f"{len(ids)} ISM maps -> {folder}{renaming_note(renamed, index)}")
    return 0
