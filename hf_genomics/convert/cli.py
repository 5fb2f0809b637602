"""``hf-genomics convert SRC OUT``: a community checkpoint (Hub id or original-layout folder) -> native folder."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "src",
        help="a local folder in the original layout, or a Hub id such as zhihan1996/DNABERT-2-117M "
        "(downloaded, needs network; an existing path is always taken as a path)",
    )
    parser.add_argument(
        "out", help="new or empty folder to write the native model, tokenizer and model card into"
    )
    parser.add_argument(
        "--original-id",
        default=None,
        help="Hub id a local SRC folder came from, recorded as base_model in the model card",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="OUT already holds a model: clear it and write the conversion in its place",
    )


def run(args: argparse.Namespace) -> int:
    from hf_genomics.convert.base import convert_checkpoint
    from hf_genomics.convert.card import summarize_names

    # a ConversionError is a ValueError: hf_genomics.cli prints it as one line, exit status 2
    # (the traceback with HF_GENOMICS_TRACEBACK=1)
    converted = convert_checkpoint(args.src, args.out, original_id=args.original_id, overwrite=args.overwrite)
    model = type(converted.model).__name__
    print(
        f"{args.src} -> {args.out}: {converted.family} as {model} (load with AutoModel* after `import hf_genomics`)"
    )
    if converted.dropped:
        print(f"not carried over ({len(converted.dropped)} tensors of the original checkpoint):")
        for line in summarize_names(converted.dropped):
            print(f"  {line}")
    return 0
