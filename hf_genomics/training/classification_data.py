"""``run_classification``'s data path: the user's labelled files, each split tokenized once, the token
budget (longest example of every split, or ``--max_length_nt``) and what it truncates, reported."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from datasets import DatasetDict

from hf_genomics.data.collators import (
    RC_PREFIX,
    add_reverse_complement,
)
from hf_genomics.data.labelled import LabelSpec, encode_labels, infer_label_spec, read_labelled
from hf_genomics.data.sequences import max_tokens_for
from hf_genomics.training.classification_arguments import SEQUENCE_COLUMNS, ClassificationArguments

logger = logging.getLogger(__name__)


def encode_splits(data, tokenizer) -> dict[str, Any]:
    """Every split's token ids, untruncated (measured past the tokenizer's length guard), keeping the
    sequence columns: each split is tokenized once, the budget is read off these ids, and
    :func:`truncate_splits` re-tokenizes only the rows over it."""
    from hf_genomics.data.sequences import past_length_guard

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        return dict(tokenizer(batch["sequence"], batch.get("sequence_2")))

    with past_length_guard(tokenizer):
        return {
            split: dataset.map(encode, batched=True, desc=f"tokenize {split}")
            for split, dataset in data.items()
        }


def token_lengths(data, tokenizer, encoded: dict[str, Any] | None = None) -> dict[str, list[int]]:
    """Untruncated token count of every example, per split (from ``encoded`` when given)."""
    encoded = encoded if encoded is not None else encode_splits(data, tokenizer)
    return {split: [len(row) for row in dataset["input_ids"]] for split, dataset in encoded.items()}


def token_budget(
    data,
    tokenizer,
    max_length_nt: int | None,
    model_limit: int | None,
    encoded: dict[str, Any] | None = None,
) -> tuple[int, int, dict[str, dict[str, int]]]:
    """``(max_length_nt, max_tokens, truncation per split)``.

    Without ``max_length_nt`` the budget is the longest example of every split in tokens (exact,
    whatever ``N`` does to k-mers); with it, the nucleotide budget of that length. Either is capped
    at ``model_limit``. Examples over the budget are counted (``sequences``, ``tokens_cut``).
    ``encoded`` (:func:`encode_splits`) saves tokenizing the splits again.
    """
    lengths = token_lengths(data, tokenizer, encoded)
    longest_nt = max(len(seq) for dataset in data.values() for seq in dataset["sequence"])
    is_pair = any("sequence_2" in dataset.column_names for dataset in data.values())
    if max_length_nt is None:
        max_length_nt = longest_nt
        max_tokens = max(max(split, default=0) for split in lengths.values())
        max_tokens = max(max_tokens, max_tokens_for(tokenizer, max_length_nt) * (2 if is_pair else 1))
    else:
        max_tokens = max_tokens_for(tokenizer, max_length_nt) * (2 if is_pair else 1)
    if model_limit is not None and max_tokens > model_limit:
        logger.warning("token budget %d capped at the model's limit of %d tokens", max_tokens, model_limit)
        max_tokens = model_limit
    truncation = {}
    for split, values in lengths.items():
        over = np.asarray(values, dtype=np.int64) - max_tokens
        over = over[over > 0]
        truncation[split] = {"sequences": int(over.size), "tokens_cut": int(over.sum())}
        if over.size:
            logger.warning(
                "%s: %d of %d sequences are longer than %d tokens and are truncated (%d tokens cut)",
                split,
                over.size,
                len(values),
                max_tokens,
                over.sum(),
            )
    return max_length_nt, max_tokens, truncation


def truncate_splits(encoded: dict[str, Any], tokenizer, max_tokens: int) -> dict[str, Any]:
    """:func:`encode_splits`' ids cut to ``max_tokens``, sequence columns dropped: only the rows over
    the budget are tokenized again, with the tokenizer's own truncation (special tokens kept, pairs
    cut longest-first), so the result equals ``tokenizer(..., truncation=True, max_length=max_tokens)``."""

    def cut(batch: dict[str, list]) -> dict[str, Any]:
        over = [i for i, ids in enumerate(batch["input_ids"]) if len(ids) > max_tokens]
        if over:
            pair = batch.get("sequence_2")
            again = tokenizer(
                [batch["sequence"][i] for i in over],
                [pair[i] for i in over] if pair is not None else None,
                truncation=True,
                max_length=max_tokens,
            )
            for name, values in again.items():
                column = list(batch[name])
                for row, value in zip(over, values):
                    column[row] = value
                batch[name] = column
        return {name: values for name, values in batch.items() if name not in SEQUENCE_COLUMNS}

    result = {}
    for split, dataset in encoded.items():
        columns = [c for c in SEQUENCE_COLUMNS if c in dataset.column_names]
        result[split] = dataset.map(cut, batched=True, remove_columns=columns, desc=f"truncate {split}")
    return result


def tokenize_splits(
    data, tokenizer, max_tokens: int, with_reverse: bool, encoded: dict[str, Any] | None = None
):
    """Token ids per split; with ``with_reverse`` the training split also gets ``rc_*`` fields.

    ``encoded`` (:func:`encode_splits` of ``data``) is cut to the budget instead of tokenizing again."""

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        pair = batch.get("sequence_2")
        return dict(tokenizer(batch["sequence"], pair, truncation=True, max_length=max_tokens))

    truncated = truncate_splits(encoded, tokenizer, max_tokens) if encoded is not None else {}
    result = {}
    for split, dataset in data.items():
        columns = [c for c in SEQUENCE_COLUMNS if c in dataset.column_names]
        tokens = truncated.get(split)
        if tokens is None:
            tokens = dataset.map(encode, batched=True, remove_columns=columns, desc=f"tokenize {split}")
        if with_reverse and split == "train":
            reverse = add_reverse_complement(dataset).map(
                encode, batched=True, remove_columns=[*columns, "label"], desc="tokenize reverse strand"
            )
            for name in reverse.column_names:
                tokens = tokens.add_column(RC_PREFIX + name, reverse[name])
        result[split] = tokens
    return result


def load_user_data(args: ClassificationArguments, seed: int) -> tuple[DatasetDict, LabelSpec]:
    """``--train_file`` (+ validation/test files, else seeded splits of it) with encoded labels."""
    read = dict(
        sequence_column=args.sequence_column,
        label_column=args.label_column,
        second_sequence_column=args.second_sequence_column,
    )
    train = read_labelled(args.train_file, **read)
    validation = read_labelled(args.validation_file, **read) if args.validation_file else None
    test = read_labelled(args.test_file, **read) if args.test_file else None
    fraction = args.validation_split_percentage / 100
    for name in ("validation", "test"):
        if (validation if name == "validation" else test) is None:
            n_out = max(1, round(len(train) * fraction))
            if n_out >= len(train):
                raise ValueError(f"{args.train_file}: too few rows ({len(train)}) to split off a {name} set")
            parts = train.train_test_split(test_size=n_out, seed=seed, shuffle=True)
            train = parts["train"]
            logger.info("no --%s_file: %d rows of --train_file held out as %s", name, n_out, name)
            if name == "validation":
                validation = parts["test"]
            else:
                test = parts["test"]
    labels = infer_label_spec(train["label"], args.problem_type, args.label_separator)
    data = DatasetDict(
        {
            name: encode_labels(split, labels, source=str(path or args.train_file))
            for name, split, path in (
                ("train", train, args.train_file),
                ("validation", validation, args.validation_file),
                ("test", test, args.test_file),
            )
        }
    )
    limits = {
        "train": args.max_train_samples,
        "validation": args.max_eval_samples,
        "test": args.max_eval_samples,
    }
    for name, limit in limits.items():
        if limit is not None:
            data[name] = data[name].select(range(min(limit, len(data[name]))))
    return data, labels
