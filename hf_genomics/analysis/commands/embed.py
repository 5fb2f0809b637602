"""``hf-genomics embed``: embeddings of every FASTA record, written as Parquet."""

from __future__ import annotations

import argparse
import json

from hf_genomics.analysis.commands.common import (
    add_model_arguments,
    load,
    positive_int,
    prepare_output,
    write_replacing,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.set_defaults(batch_size=8)
    from hf_genomics.analysis.commands.inputs import add_input_arguments

    add_input_arguments(parser)
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
        "--module",
        default=None,
        help="instead of --layer: the output of this submodule, named as in model.named_modules() "
        "(e.g. a converted Evo 2's model.layers.28.mlp.down_proj = vortex's blocks.28.mlp.l3)",
    )
    parser.add_argument(
        "--stride-nt", type=positive_int, default=None, help="window step (default: half a window)"
    )


def run(args: argparse.Namespace) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hf_genomics.analysis.commands.inputs import read_inputs, run_record
    from hf_genomics.analysis.embed import embed

    if args.layer is not None and args.module is not None:
        raise ValueError("give --layer or --module, not both")
    output = prepare_output(args.output, args)  # refused before any work
    ids, sequences, regions = read_inputs(args)
    model, tokenizer = load(args)
    # one dict for the computation and its run record, so the record names what was done
    settings = dict(pooling=args.pooling, layer=args.layer, module=args.module, stride_nt=args.stride_nt)
    vectors = embed(
        model,
        tokenizer,
        sequences,
        **settings,
        window_nt=args.window_nt,
        batch_size=args.batch_size,
        progress=not args.quiet,
    )
    if args.pooling == "per_nucleotide":
        column = pa.array([v.tolist() for v in vectors], type=pa.list_(pa.list_(pa.float32())))
    else:
        column = pa.array(list(vectors), type=pa.list_(pa.float32()))
    columns = {"id": ids, "length_nt": [len(s) for s in sequences], "embedding": column}
    if regions is not None:
        columns |= {
            "chrom": [r.chrom for r in regions],
            "start": [r.start for r in regions],
            "end": [r.end for r in regions],
            "strand": [r.strand for r in regions],
        }
    record = run_record(args, model, tokenizer, **settings)
    table = pa.table(columns).replace_schema_metadata({"hf_genomics": json.dumps(record, default=str)})
    write_replacing(output, lambda path: pq.write_table(table, path))
    print(f"{len(ids)} embeddings ({args.pooling}) -> {args.output}")
    return 0
