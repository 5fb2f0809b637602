"""``hf-genomics convert SRC OUT``: a community checkpoint (Hub id or original-layout folder) -> native folder."""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "src", help="Hub id (e.g. zhihan1996/DNABERT-2-117M; needs network) or a local folder"
    )
    parser.add_argument("out", help="folder to write the native model, tokenizer and model card into")
    parser.add_argument(
        "--original-id",
        default=None,
        help="Hub id a local SRC folder came from, recorded as base_model in the model card",
    )


def run(args: argparse.Namespace) -> int:
    from hf_genomics.convert.base import ConversionError, convert_checkpoint

    try:
        converted = convert_checkpoint(args.src, args.out, original_id=args.original_id)
    except ConversionError as error:
        print(f"hf-genomics convert: {error}", file=sys.stderr)
        return 2
    model = type(converted.model).__name__
    print(
        f"{args.src} -> {args.out}: {converted.family} as {model} (load with AutoModel* after `import hf_genomics`)"
    )
    return 0
