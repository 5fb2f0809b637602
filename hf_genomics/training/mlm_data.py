"""Pretraining data for masked LMs: sequences from FASTA / CSV / text / a saved dataset, cut into
windows whose length is given in nucleotides, then tokenized with the run's tokenizer.

Splitting into train/validation happens per record *before* windowing, so windows of one genome
never sit on both sides of the split.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict, load_dataset, load_from_disk
from datasets.exceptions import DatasetGenerationError
from transformers import PreTrainedTokenizerBase

from hf_genomics.alphabet import InvalidSequenceError, normalize_record

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".ffn", ".fas")
SEQUENCE_COLUMN = "sequence"


def _fasta_records(path: Path) -> Iterator[dict[str, str]]:
    from Bio import SeqIO

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        for record in SeqIO.parse(handle, "fasta"):
            yield {
                "id": record.id,
                SEQUENCE_COLUMN: normalize_record(str(record.seq), record_id=record.id, source=str(path)),
            }


def load_sequences(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset | DatasetDict:
    """Read sequences into a dataset with a normalised ``sequence`` column.

    FASTA (optionally .gz), CSV/TSV (column ``column``), Parquet, plain text (one sequence per
    line) or a folder written by ``save_to_disk``. Bad characters raise
    :class:`hf_genomics.alphabet.InvalidSequenceError` naming the file, record and position.
    """
    path = Path(path)
    if path.is_dir():
        data = load_from_disk(str(path))
        if column != SEQUENCE_COLUMN:
            data = data.rename_column(column, SEQUENCE_COLUMN)
        return data
    if not path.exists():
        raise FileNotFoundError(f"no such sequence file: {path}")
    name = path.name[: -len(".gz")] if path.suffix == ".gz" else path.name
    if name.endswith(FASTA_SUFFIXES):
        try:
            return Dataset.from_generator(_fasta_records, gen_kwargs={"path": path}, keep_in_memory=True)
        except DatasetGenerationError as error:  # surface the record/position error, not the wrapper
            if isinstance(error.__cause__, InvalidSequenceError):
                raise error.__cause__ from None
            raise
    if name.endswith((".csv", ".tsv")):
        data = load_dataset(
            "csv", data_files=str(path), split="train", delimiter="\t" if ".tsv" in name else ","
        )
    elif name.endswith(".parquet"):
        data = load_dataset("parquet", data_files=str(path), split="train")
    elif name.endswith(".txt"):
        data = load_dataset("text", data_files=str(path), split="train").rename_column("text", column)
    else:
        raise ValueError(
            f"{path}: unknown sequence file type (FASTA, CSV/TSV, Parquet, .txt or a saved dataset)"
        )
    if column not in data.column_names:
        raise ValueError(f"{path}: no column {column!r} (columns: {data.column_names})")
    if column != SEQUENCE_COLUMN:
        data = data.rename_column(column, SEQUENCE_COLUMN)

    def normalise(batch, indices):
        return {
            SEQUENCE_COLUMN: [
                normalize_record(seq, record_id=f"row {i + 2}", source=str(path))
                for seq, i in zip(batch[SEQUENCE_COLUMN], indices)
            ]
        }

    return data.map(normalise, batched=True, with_indices=True)


def split_records(data: Dataset, validation_fraction: float, seed: int) -> DatasetDict:
    """Random per-record train/validation split (at least one validation record)."""
    n_validation = max(1, round(len(data) * validation_fraction))
    if n_validation >= len(data):
        raise ValueError(f"need at least 2 records to split off a validation set, got {len(data)}")
    parts = data.train_test_split(test_size=n_validation, seed=seed, shuffle=True)
    return DatasetDict(train=parts["train"], validation=parts["test"])


def cut_windows(sequences: list[str], window_nt: int, min_window_nt: int) -> list[str]:
    """Non-overlapping windows of ``window_nt`` bases; a shorter tail is kept if ≥ ``min_window_nt``."""
    windows = []
    for seq in sequences:  # one iteration per window; slicing is done in C
        for start in range(0, len(seq), window_nt):
            piece = seq[start : start + window_nt]
            if len(piece) >= min_window_nt:
                windows.append(piece)
    return windows


def tokenize_windows(
    data: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    window_nt: int,
    min_window_nt: int = 16,
    num_proc: int | None = None,
    add_eos_token: bool = False,
) -> Dataset:
    """Windows -> ``input_ids`` truncated to ``tokenizer.max_tokens_for(window_nt)`` tokens.

    ``add_eos_token``: end every window with the tokenizer's EOS (causal training; our causal
    tokenizers add only BOS by default, as transformers' do)."""
    max_tokens = max_tokens_for(tokenizer, window_nt, add_eos_token)
    eos = {"add_eos_token": True} if add_eos_token else {}

    def encode(batch):
        windows = cut_windows(batch[SEQUENCE_COLUMN], window_nt, min_window_nt)
        ids = tokenizer(windows, truncation=True, max_length=max_tokens, **eos)["input_ids"]
        return {"input_ids": ids}

    return data.map(encode, batched=True, remove_columns=data.column_names, num_proc=num_proc)


def max_tokens_for(tokenizer: PreTrainedTokenizerBase, length_nt: int, add_eos_token: bool = False) -> int:
    """The tokenizer's nucleotide -> token budget (our tokenizers); a saved foreign one gets one token per base."""
    if hasattr(tokenizer, "max_tokens_for"):
        if add_eos_token:
            return int(tokenizer.max_tokens_for(length_nt, add_eos_token=True))
        return int(tokenizer.max_tokens_for(length_nt))
    return length_nt + tokenizer.num_special_tokens_to_add(pair=False)


def nucleotides_per_token(tokenizer: PreTrainedTokenizerBase) -> np.ndarray:
    """Bases each token id stands for, for bits per nucleotide: its string length, 0 for specials.

    For overlapping k-mers a token adds only ``stride`` new bases, so k-mers count ``stride``.
    """
    vocab = tokenizer.get_vocab()
    counts = np.zeros(len(tokenizer), dtype=np.int64)
    special = set(tokenizer.all_special_ids)
    k, stride = getattr(tokenizer, "k", None), getattr(tokenizer, "stride", None)
    for token, index in vocab.items():  # once per vocabulary entry, not per base
        if index in special or index >= len(counts):
            continue
        bases = token.lstrip("Ġ▁#")
        if bases and set(bases.upper()) <= set("ACGTN"):
            counts[index] = len(bases)
            if k is not None and stride is not None and stride < k and len(bases) == k > 1:
                counts[index] = stride
    return counts
