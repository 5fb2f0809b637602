"""The model's window in nucleotides: recorded at training time, read back at analysis time.

Training scripts call :func:`record_training_length` before saving, which writes
``max_length_nt`` into the model config and the matching token budget into the tokenizer's
``model_max_length`` (both saved with the folder). :func:`model_window_nt` reads it back, in this
order:

1. ``config.max_length_nt`` (the length the model was trained on);
2. otherwise the token capacity (:func:`model_token_budget`: the smaller of
   ``tokenizer.model_max_length`` and the config's position table) converted to the longest
   N-free nucleotide length that fits (a warning says so);
3. otherwise ``None``: the model has no length limit (LSTM, n-gram) and sequences go in whole.

Longer inputs are then cut into overlapping windows (:mod:`hf_genomics.analysis.windows`), never
truncated silently. The nucleotide window is exact only for N-free sequences: a k-mer tokenizer
turns every ``N`` (and the bases around it) into single-base tokens, so the windows are then checked
by their *actual* token count against :func:`model_token_budget` and cut further where needed.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)

_POSITION_FIELDS = ("max_position_embeddings", "n_positions", "max_seq_len", "max_sequence_length")
_NO_LIMIT = 10**9  # above it, model_max_length means "none" (transformers' default is ~1e30)
# configs already warned about (once per model, not per call)
_WARNED: set[int] = set()


def tokens_for_nt(tokenizer, length_nt: int) -> int:
    """Most tokens (specials included) a sequence of ``length_nt`` bases can take."""
    if hasattr(tokenizer, "max_tokens_for"):
        return int(tokenizer.max_tokens_for(length_nt))
    # any DNA tokenizer emits at most one token per base
    return int(length_nt) + tokenizer.num_special_tokens_to_add(pair=False)


def nt_for_tokens(tokenizer, max_tokens: int) -> int:
    """Longest nucleotide length whose tokenization (specials included) fits in ``max_tokens``."""
    low, high = 0, int(max_tokens) * 16 + 16  # no DNA token spans more than 16 bases in practice
    while low < high:  # tokens_for_nt is monotone in the length
        middle = (low + high + 1) // 2
        if tokens_for_nt(tokenizer, middle) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return low


def record_training_length(model_or_config, tokenizer, max_length_nt: int) -> None:
    """Write the training length (nucleotides) into the config and the tokenizer before saving."""
    config = getattr(model_or_config, "config", model_or_config)
    config.max_length_nt = int(max_length_nt)
    if tokenizer is not None:
        tokenizer.model_max_length = tokens_for_nt(tokenizer, int(max_length_nt))


def model_token_budget(model, tokenizer) -> int | None:
    """Most tokens (specials included) one forward pass may take, or ``None`` for no limit.

    The smaller of ``tokenizer.model_max_length`` (the training budget :func:`record_training_length`
    wrote) and the config's position table (``max_position_embeddings``/``n_positions``...), less the
    padding offset of RoBERTa/ESM-style positions (NT v1: a 66-row table holds 64 tokens).
    """
    from hf_genomics.data.sequences import position_offset

    config = getattr(model, "config", None)
    capacities = []
    if tokenizer is not None and 0 < getattr(tokenizer, "model_max_length", _NO_LIMIT) < _NO_LIMIT:
        capacities.append(int(tokenizer.model_max_length))
    for field in _POSITION_FIELDS:
        value = getattr(config, field, None) if config is not None else None
        if isinstance(value, int) and value > 0:
            capacities.append(value - position_offset(config))
            break
    return min(capacities) if capacities else None


def model_window_nt(model, tokenizer) -> int | None:
    """The window (nucleotides) the model should see at once; see the module docstring."""
    config = getattr(model, "config", None)
    recorded = getattr(config, "max_length_nt", None) if config is not None else None
    if recorded:
        return int(recorded)
    budget = model_token_budget(model, tokenizer) if tokenizer is not None else None
    if budget is None:
        return None
    window = nt_for_tokens(tokenizer, budget)
    if id(config) in _WARNED:
        return window
    _WARNED.add(id(config))
    logger.warning(
        "no training length recorded in the model config (max_length_nt); using the token capacity "
        "%d -> %d nt windows",
        budget,
        window,
    )
    return window


def on_token_grid(tokenizer, window_nt: int | None) -> int | None:
    """``window_nt`` rounded down to whole tokens of a fixed-length-token tokenizer.

    A tokenizer whose tokens all cover the same number of bases (GENERator's non-overlapping 6-mers)
    says so with ``window_grid_nt``; a window that is not a multiple of it would end in a short piece
    the original turns into ``<oov>``. Both windows of a variant get the rounded length, so they stay
    the same span on the same 6-mer grid (anchored at the shared window start). Logged when it changes.
    """
    grid = getattr(tokenizer, "window_grid_nt", None)
    if window_nt is None or not grid or window_nt % grid == 0:
        return window_nt
    if window_nt < grid:
        raise ValueError(
            f"window_nt={window_nt}: {type(tokenizer).__name__} reads whole {grid}-base tokens; give at least {grid}"
        )
    rounded = window_nt - window_nt % grid
    logger.warning(
        "window of %d nt rounded down to %d nt: %s reads whole %d-base tokens",
        window_nt,
        rounded,
        type(tokenizer).__name__,
        grid,
    )
    return rounded


def resolve_window_nt(model, tokenizer, window_nt: int | None) -> int | None:
    """``window_nt`` checked (a whole number >= 1), or the model's own window when it is ``None``.

    ``0`` is an error, never "the default": a caller who typed 0 meant something else.
    """
    if window_nt is None:
        return model_window_nt(model, tokenizer)
    if isinstance(window_nt, bool) or not isinstance(window_nt, (int, np.integer)) or window_nt < 1:
        raise ValueError(f"window_nt must be a whole number of nucleotides >= 1, got {window_nt!r}")
    return int(window_nt)


__all__ = [
    "model_token_budget",
    "model_window_nt",
    "nt_for_tokens",
    "on_token_grid",
    "record_training_length",
    "resolve_window_nt",
    "tokens_for_nt",
]
