"""``hf-genomics predict``: class probabilities of a sequence classifier for every FASTA record."""

from __future__ import annotations

import argparse

from hf_genomics.analysis.commands.common import (
    add_model_arguments,
    load,
    positive_int,
    prepare_output,
    write_replacing,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    from hf_genomics.analysis.commands.inputs import add_input_arguments

    add_input_arguments(parser)
    parser.add_argument(
        "--output", required=True, help="TSV: id, length_nt, n_windows, prob_<label>..., predicted"
    )
    parser.add_argument(
        "--stride-nt", type=positive_int, default=None, help="window step (default: half a window)"
    )
    parser.add_argument("--rc-average", action="store_true", help="average the probabilities of both strands")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from hf_genomics.analysis.commands.inputs import read_inputs, run_record, write_run_record
    from hf_genomics.analysis.loading import label_names
    from hf_genomics.analysis.predict import predict

    output = prepare_output(args.output, args)  # refused before any work
    ids, sequences, regions = read_inputs(args)
    model, tokenizer = load(args)
    result = predict(
        model,
        tokenizer,
        sequences,
        window_nt=args.window_nt,
        stride_nt=args.stride_nt,
        rc_average=args.rc_average,
        batch_size=args.batch_size,
        progress=not args.quiet,
    )
    labels = label_names(model)
    table = pd.DataFrame({"id": ids, "length_nt": [len(s) for s in sequences], "n_windows": result.n_windows})
    for column, label in enumerate(labels):
        table[f"prob_{label}"] = result.probabilities[:, column]
    table["predicted"] = [labels[i] for i in result.probabilities.argmax(axis=1)]
    if regions is not None:
        for column in ("chrom", "start", "end", "strand"):
            table[column] = [getattr(r, column) for r in regions]
    record = run_record(args, model, tokenizer, stride_nt=args.stride_nt, rc_average=args.rc_average)
    write_replacing(output, lambda path: table.to_csv(path, sep="\t", index=False))
    write_run_record(f"{args.output}.json", record)
    print(f"{len(table)} predictions -> {args.output}")
    return 0
