"""Input sequences of the analysis commands -- FASTA records or BED regions of a reference -- and the
run record their outputs carry (model, window, pooling/layer, strands)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input: --fasta, or --regions with --reference")
    group.add_argument("--fasta", default=None, help="input FASTA (.gz accepted)")
    group.add_argument(
        "--regions",
        default=None,
        help="BED regions (0-based, half-open) cut from --reference; minus-strand regions reverse-complemented",
    )
    group.add_argument(
        "--reference", default=None, help="indexed (or indexable) reference FASTA for --regions"
    )


def read_inputs(args: argparse.Namespace, max_records: int | None = None):
    """``(ids, sequences, regions)``; ``regions`` is ``None`` for FASTA input."""
    from hf_genomics.analysis.commands.common import read_records

    if (args.fasta is None) == (args.regions is None):
        raise ValueError("give either --fasta or --regions (with --reference)")
    if args.fasta is not None:
        if args.reference is not None:
            raise ValueError("--reference goes with --regions, not --fasta")
        ids, sequences = read_records(args.fasta, max_records)
        return ids, sequences, None
    if args.reference is None:
        raise ValueError("--regions needs --reference (the FASTA the regions are cut from)")
    from hf_genomics.analysis.regions import read_bed, region_sequences

    regions = read_bed(args.regions)[:max_records]
    sequences = region_sequences(args.reference, regions, source=str(args.regions))
    return [region.id for region in regions], sequences, regions


def run_record(args: argparse.Namespace, model, tokenizer, **settings) -> dict:
    """What produced an output: model folder and kind, window in nucleotides, inputs, settings."""
    from hf_genomics.analysis.loading import model_kind
    from hf_genomics.analysis.training_length import model_window_nt

    window = args.window_nt or model_window_nt(model, tokenizer)
    return {
        "model": str(args.model),
        "model_kind": model_kind(model),
        "window_nt": window,
        "input": {"fasta": args.fasta, "regions": args.regions, "reference": args.reference},
        **settings,
    }


def write_run_record(path: str | Path, record: dict) -> Path:
    """Write the record as JSON, atomically (never through a symbolic link)."""
    from hf_genomics.analysis.commands.common import write_replacing

    text = json.dumps(record, indent=2, default=str) + "\n"
    return write_replacing(Path(path), lambda tmp: tmp.write_text(text))


__all__ = ["add_input_arguments", "read_inputs", "run_record", "write_run_record"]
