"""Sequences -> windows -> token ids, and per-record splits; window lengths are given in nucleotides.

One window cutter for the package (:func:`window_starts`, :func:`cut_windows`): the masked-LM and
causal-LM scripts, the viral loaders and the studies all cut through it. Splitting into
train/validation happens per record *before* windowing, so windows of one genome never sit on both
sides of the split.

Token budgets are exact: a window whose tokens exceed the budget (k-mers restart after every ``N``,
so a window with ``N`` can need more tokens than an N-free one) is cut again, in nucleotides, until
every piece fits. No base is ever dropped by truncation.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset, DatasetDict
from transformers import PreTrainedTokenizerBase

from hf_genomics.data.io import SEQUENCE_COLUMN

logger = logging.getLogger(__name__)


def split_records(data: Dataset, validation_fraction: float, seed: int) -> DatasetDict:
    """Random per-record train/validation split (at least one validation record)."""
    n_validation = max(1, round(len(data) * validation_fraction))
    if n_validation >= len(data):
        raise ValueError(f"need at least 2 records to split off a validation set, got {len(data)}")
    parts = data.train_test_split(test_size=n_validation, seed=seed, shuffle=True)
    return DatasetDict(train=parts["train"], validation=parts["test"])


def window_starts(length: int, window: int, overlap: int = 0) -> np.ndarray:
    """Start positions of the windows covering a sequence: ``0, stride, 2*stride, ...``.

    ``stride = window - overlap``. The last window is the first one that reaches the end; it may
    be shorter than ``window``.
    """
    stride = window - overlap
    if stride <= 0:
        raise ValueError(f"overlap ({overlap}) must be smaller than the window ({window})")
    if length <= 0:
        return np.zeros(0, dtype=np.int64)
    n = 1 + max(0, -(-(length - window) // stride))
    return np.arange(n, dtype=np.int64) * stride


def cut_windows(
    sequences: Sequence[str], window_nt: int, min_window_nt: int, overlap_nt: int = 0
) -> list[str]:
    """Windows of ``window_nt`` bases (``overlap_nt`` shared between neighbours); a shorter last
    window is kept if it has at least ``min_window_nt`` bases."""
    windows = []
    for seq in sequences:  # one iteration per window; slicing is done in C
        for start in window_starts(len(seq), window_nt, overlap_nt):
            piece = seq[int(start) : int(start) + window_nt]
            if len(piece) >= min_window_nt:
                windows.append(piece)
    return windows


def max_tokens_for(tokenizer: PreTrainedTokenizerBase, length_nt: int, add_eos_token: bool = False) -> int:
    """Token budget for ``length_nt`` nucleotides (plus the end token when ``add_eos_token``).

    Our tokenizers know theirs (``max_tokens_for``). Any other tokenizer gets the conservative
    one token per base plus its special tokens, which no DNA tokenizer exceeds.
    """
    if hasattr(tokenizer, "max_tokens_for"):
        if add_eos_token and getattr(tokenizer, "_is_causal", False):
            return int(tokenizer.max_tokens_for(length_nt, add_eos_token=True))
        return int(tokenizer.max_tokens_for(length_nt))
    return int(length_nt) + tokenizer.num_special_tokens_to_add(pair=False) + int(add_eos_token)


# model types whose position ids start after the padding index (RoBERTa-style)
_OFFSET_POSITIONS = {"esm", "roberta", "xlm-roberta", "camembert", "longformer"}


def position_offset(config: Any) -> int:
    """Rows of the position table before the first token's (RoBERTa/ESM: padding index + 1)."""
    if getattr(config, "model_type", None) not in _OFFSET_POSITIONS:
        return 0
    return (getattr(config, "pad_token_id", 0) or 0) + 1


def model_token_limit(config: Any, tokenizer: PreTrainedTokenizerBase | None = None) -> int | None:
    """The longest input (in tokens) a saved model accepts: its position table (minus the
    RoBERTa/ESM offset) and the tokenizer's ``model_max_length`` when that is a real number.
    ``None`` when neither says (ALiBi/relative models)."""
    limits = []
    positions = getattr(config, "max_position_embeddings", None)
    if positions and getattr(config, "position_embedding_type", "absolute") in (
        "absolute",
        "sinusoidal",
        None,
    ):
        limits.append(int(positions) - position_offset(config))
    length = getattr(tokenizer, "model_max_length", None)
    if length and length < 1_000_000:
        limits.append(int(length))
    return min(limits) if limits else None


@contextlib.contextmanager
def past_length_guard(tokenizer: PreTrainedTokenizerBase):
    """Let a tokenizer encode inputs longer than its ``model_max_length``, to *measure* them: the
    caller decides how to cut what is too long (and reports it)."""
    limit = tokenizer.model_max_length
    tokenizer.model_max_length = int(1e30)
    try:
        yield tokenizer
    finally:
        tokenizer.model_max_length = limit


def fit_windows(
    windows: list[str], tokenizer: PreTrainedTokenizerBase, max_tokens: int, add_eos_token: bool = False
) -> tuple[list[list[int]], int]:
    """Token ids of every window, a window over ``max_tokens`` cut in halves (in nucleotides)
    until each piece fits. Returns ``(ids, number of windows that had to be cut)``."""
    from hf_genomics.tokenization.base import end_token_request

    eos = end_token_request(tokenizer) if add_eos_token else {}
    with past_length_guard(tokenizer):
        ids = tokenizer(windows, add_special_tokens=True, **eos)["input_ids"] if windows else []
    fitted: list[list[int]] = []
    n_cut = 0
    for window, row in zip(windows, ids):  # one iteration per window
        if len(row) <= max_tokens:
            fitted.append(row)
            continue
        n_cut += 1
        if len(window) <= 1:
            raise ValueError(f"one base takes {len(row)} tokens, more than the budget of {max_tokens}")
        half = len(window) // 2
        pieces, _ = fit_windows([window[:half], window[half:]], tokenizer, max_tokens, add_eos_token)
        fitted.extend(pieces)
    return fitted, n_cut


def tokenize_windows(
    data: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    window_nt: int,
    min_window_nt: int = 16,
    num_proc: int | None = None,
    add_eos_token: bool = False,
) -> Dataset:
    """Windows of ``window_nt`` bases -> ``input_ids`` of at most ``max_tokens_for(window_nt)`` tokens.

    Windows over the budget are cut further (:func:`fit_windows`) and the count is logged: no base
    is dropped. ``add_eos_token`` ends every window with the tokenizer's EOS (causal training: our
    causal tokenizers add only BOS by default, as transformers' do).
    """
    max_tokens = max_tokens_for(tokenizer, window_nt, add_eos_token)
    cut_counts: list[int] = []

    def encode(batch):
        windows = cut_windows(batch[SEQUENCE_COLUMN], window_nt, min_window_nt)
        ids, n_cut = fit_windows(windows, tokenizer, max_tokens, add_eos_token)
        cut_counts.append(n_cut)
        return {"input_ids": ids}

    result = data.map(
        encode,
        batched=True,
        remove_columns=data.column_names,
        num_proc=num_proc,
        desc=f"tokenizing {window_nt}-nt windows",
    )
    if sum(cut_counts):
        logger.info(
            "%d windows of %d nt needed more than %d tokens (N restarts k-mers) and were cut in two "
            "or more pieces; no base was dropped",
            sum(cut_counts),
            window_nt,
            max_tokens,
        )
    return result


__all__ = [
    "cut_windows",
    "fit_windows",
    "max_tokens_for",
    "model_token_limit",
    "split_records",
    "tokenize_windows",
    "window_starts",
]
