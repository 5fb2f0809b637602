"""``hf-genomics ngram fit``: count an n-gram LM from sequence files and save it (no Python needed).

Any file :func:`hf_genomics.data.io.load_sequences` reads (FASTA/GenBank, optionally gzipped,
CSV/TSV with ``--sequence-column``, Parquet, text, a ``save_to_disk`` folder) — several files are
pooled. The saved folder (``ngram_config.json`` + ``ngram_counts.npz``, no pickle) loads with
``NGramLM.from_pretrained`` and works as ``--model`` of ``hf-genomics score-variants`` / ``ism``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_genomics.models.ngram import CONFIG_NAME, COUNTS_NAME, MAX_ORDER

SUMMARY_NAME = "ngram_fit.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="training sequence files (pooled)")
    parser.add_argument(
        "--output-dir", "--output_dir", type=Path, required=True, help="folder to save the LM in"
    )
    parser.add_argument("--order", "-n", type=int, default=6, help=f"n, the n-gram order (1..{MAX_ORDER})")
    parser.add_argument(
        "--smoothing",
        default="laplace",
        help="laplace (add-1), mle (unseen events get probability 0) or add-K, e.g. add-0.1",
    )
    parser.add_argument(
        "--sequence-column", "--sequence_column", default="sequence", help="column of CSV/TSV/Parquet input"
    )
    parser.add_argument(
        "--test-file", "--test_file", type=Path, default=None, help="report perplexity on these sequences"
    )


def read_training_sequences(files: list[Path], column: str) -> list[str]:
    """Every record of every file, normalised by the one reader; a saved DatasetDict gives its train split."""
    from datasets import DatasetDict

    from hf_genomics.data.io import load_sequences

    sequences: list[str] = []
    for path in files:
        data = load_sequences(path, column)
        if isinstance(data, DatasetDict):
            if "train" not in data:
                raise ValueError(f"{path}: a saved dataset without a 'train' split ({', '.join(data)})")
            data = data["train"]
        sequences.extend(data["sequence"])
    return sequences


def refuse_links(folder: Path) -> None:
    """Never write through a symbolic link: the folder and the files we write must not be links."""
    for path in (folder, folder / CONFIG_NAME, folder / COUNTS_NAME, folder / SUMMARY_NAME):
        if path.is_symlink():
            raise ValueError(f"{path} is a symbolic link: refusing to write through it")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.models.ngram import NGramLM

    model = NGramLM(args.order, args.smoothing)  # checks the order and the smoothing first
    sequences = read_training_sequences(args.files, args.sequence_column)
    model.fit(sequences)
    refuse_links(args.output_dir)
    model.save_pretrained(args.output_dir)
    summary = {
        "n": model.n,
        "smoothing": model.smoothing,
        "training_sequences": len(sequences),
        "training_nucleotides": sum(map(len, sequences)),
        "distinct_ngrams": int(len(model.ngram_codes)),
        "files": [str(path) for path in args.files],
    }
    if args.test_file is not None:
        test = read_training_sequences([args.test_file], args.sequence_column)
        summary["test_file"] = str(args.test_file)
        summary["test_perplexity"] = model.perplexity(test)
    (args.output_dir / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n")
    line = (
        f"{model.n}-gram ({model.smoothing}) fitted on {summary['training_sequences']:,} sequences "
        f"({summary['training_nucleotides']:,} nt), {summary['distinct_ngrams']:,} distinct n-grams"
    )
    if args.test_file is not None:
        line += f"; test perplexity {summary['test_perplexity']:.4f} per predicted symbol"
    print(f"{line} -> {args.output_dir}")
    return 0


__all__ = ["add_arguments", "read_training_sequences", "run"]
