"""Arguments and helpers shared by the analysis commands."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def add_model_arguments(parser: argparse.ArgumentParser, kinds: tuple[str, ...] = ("auto",)) -> None:
    # the help formatter is the CLI's (every default shown once, None defaults left out)
    parser.add_argument("--model", required=True, help="folder of a saved model (with its tokenizer)")
    parser.add_argument(
        "--kind",
        default="auto",
        choices=["auto", "classifier", "masked", "causal", "base"],
        help="which head to load; auto reads config.architectures",
    )
    parser.add_argument(
        "--window-nt",
        type=int,
        default=None,
        help="window in nucleotides; unset: the training length recorded with the model",
    )
    parser.add_argument("--batch-size", type=int, default=32, help="sequences (windows) per forward pass")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress or loading bars and no log lines below errors (ours and transformers')",
    )


def load(args):
    from hf_genomics.analysis.loading import load_model_and_tokenizer

    quiet = getattr(args, "quiet", False)  # the CLI silences the libraries (hf_genomics.quiet)
    level = logging.ERROR if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    return load_model_and_tokenizer(args.model, kind=args.kind)


def read_records(path: str, max_records: int | None = None) -> tuple[list[str], list[str]]:
    from hf_genomics.analysis.fasta import read_fasta

    ids, sequences = [], []
    for record_id, sequence in read_fasta(path):
        ids.append(record_id)
        sequences.append(sequence)
        if max_records is not None and len(ids) >= max_records:
            break
    return ids, sequences


def prepare_output(path: str) -> Path:
    output = Path(path)
    output.parent.mkdir(parents=True, exist_ok=True)
    return output


def safe_name(record_id: str) -> str:
    """A file-name-safe version of a record id."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in record_id)[:100] or "record"
