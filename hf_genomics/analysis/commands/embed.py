"""``hf-genomics embed``: embeddings of every FASTA record, written as Parquet."""

from __future__ import annotations

import argparse

from hf_genomics.analysis.commands.common import (
    add_model_arguments,
    load,
    positive_int,
    prepare_output,
    read_records,
    write_replacing,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.set_defaults(batch_size=8)
    parser.add_argument("--fasta", required=True, help="input FASTA (.gz accepted)")
    parser.add_argument(
        "--output",
        required=True,
        help="Parquet: id, length_nt, embedding (a vector; per_nucleotide: one vector per base)",
    )
    parser.add_argument(
        "--pooling",
        default="mean",
        choices=["mean", "cls", "last", "per_nucleotide"],
        help="how to pool tokens",
    )
    parser.add_argument("--layer", type=int, default=None, help="hidden layer index (default: final output)")
    parser.add_argument(
        "--stride-nt", type=positive_int, default=None, help="window step (default: half a window)"
    )


def run(args: argparse.Namespace) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hf_genomics.analysis.embed import embed

    output = prepare_output(args.output, args)  # refused before any work
    model, tokenizer = load(args)
    ids, sequences = read_records(args.fasta)
    vectors = embed(
        model,
        tokenizer,
        sequences,
        pooling=args.pooling,
        layer=args.layer,
        window_nt=args.window_nt,
        stride_nt=args.stride_nt,
        batch_size=args.batch_size,
        progress=not args.quiet,
    )
    if args.pooling == "per_nucleotide":
        column = pa.array([v.tolist() for v in vectors], type=pa.list_(pa.list_(pa.float32())))
    else:
        column = pa.array(list(vectors), type=pa.list_(pa.float32()))
    table = pa.table({"id": ids, "length_nt": [len(s) for s in sequences], "embedding": column})
    write_replacing(output, lambda path: pq.write_table(table, path))
    print(f"{len(ids)} embeddings ({args.pooling}) -> {args.output}")
    return 0
