"""Argument dataclasses shared by ``scripts/run_mlm.py``, ``run_clm.py`` and ``run_classification.py``.

One convention, with transformers-examples names and meanings:

* ``--tokenizer_name``: what tokenizer to load or build — a spec (``kmer:6``, ``kmer:6:1``, ``char``,
  ``bpe:4096`` learned on the training split, ``dnallm``) or a folder with a saved tokenizer (ours or
  any fast tokenizer); ``--tokenizer`` is accepted as an alias;
* ``--model_name_or_path``: a saved model folder to start from (ours or any transformers model of
  the right head type);
* ``--train_file`` / ``--validation_file`` / ``--test_file`` and ``--sequence_column`` (plus
  ``--label_column`` for classification): any format of :mod:`hf_genomics.data.io`;
* ``--max_train_samples`` keeps the first N training examples (windows for the language models,
  rows for classification); ``--max_eval_samples`` keeps the first N validation/test *records*
  everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hf_genomics.data.io import SEQUENCE_COLUMN

TOKENIZER_HELP = (
    "tokenizer to build or load: kmer:K | kmer:K:S (S<K overlapping) | char | bpe:V (learned on the "
    "training split) | dnallm | a folder with a saved tokenizer"
)
DATA_FILE_HELP = (
    "FASTA(.gz), GenBank, CSV/TSV (the genes study's CSV too), Parquet, .txt or a save_to_disk folder"
)


def tokenizer_name_field(default: str | None) -> Any:
    """The shared ``--tokenizer_name`` option (alias ``--tokenizer``)."""
    return field(default=default, metadata={"help": TOKENIZER_HELP, "aliases": ["--tokenizer"]})


MAX_TRAIN_MINUTES_HELP = (
    "stop training this many minutes after it starts (each seed, each resume), evaluating and "
    "saving the step it stops at"
)


@dataclass
class SequenceDataArguments:
    """Where the sequences come from, and how many to use (language-model scripts)."""

    train_file: str = field(metadata={"help": DATA_FILE_HELP})
    validation_file: str | None = field(default=None, metadata={"help": "same formats; default: split train"})
    test_file: str | None = field(default=None, metadata={"help": "same formats; scored once after training"})
    sequence_column: str = field(default=SEQUENCE_COLUMN, metadata={"help": "column holding sequences"})
    validation_split_percentage: float = field(default=5.0, metadata={"help": "records held out if no file"})
    max_length_nt: int = field(default=1000, metadata={"help": "window length in nucleotides"})
    max_train_samples: int | None = field(
        default=None, metadata={"help": "keep the first N training windows"}
    )
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "keep the first N validation (and test) records"}
    )
    max_train_minutes: float | None = field(default=None, metadata={"help": MAX_TRAIN_MINUTES_HELP})


def first_records(data, limit: int | None):
    """The first ``limit`` rows of a dataset (all when ``limit`` is None or larger)."""
    if limit is None or data is None:
        return data
    return data.select(range(min(limit, len(data))))


__all__ = [
    "MAX_TRAIN_MINUTES_HELP",
    "SequenceDataArguments",
    "TOKENIZER_HELP",
    "first_records",
    "tokenizer_name_field",
]
