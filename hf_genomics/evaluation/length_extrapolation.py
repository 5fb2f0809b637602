"""Length extrapolation: masked-LM loss of an encoder at 1x, 2x, 4x ... the length it was trained on.

ALiBi and RoPE were proposed partly for this; the coding-schemes study compares position types,
so we measure it the same way for all three: the same sequences, cut into full windows of
``factor * train_length_nt`` bases, with reproducible masks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedTokenizerBase

from hf_genomics.data.collators import DnaMlmCollator, default_span
from hf_genomics.data.sequences import cut_windows, fit_windows, max_tokens_for
from hf_genomics.evaluation.masked_lm import masked_lm_totals, summarize
from hf_genomics.evaluation.units import nucleotides_per_token


def mlm_loss_by_length(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    sequences: Sequence[str],
    train_length_nt: int,
    factors: Sequence[int] = (1, 2, 4),
    mlm_probability: float = 0.15,
    batch_size: int = 8,
    seed: int = 0,
) -> list[dict[str, float]]:
    """One row per factor: window length, number of windows, loss, perplexity, bits per nucleotide."""
    collator = DnaMlmCollator(tokenizer, mlm_probability, span=default_span(tokenizer), seed=seed)
    bases = nucleotides_per_token(tokenizer)
    rows = []
    for factor in factors:
        length_nt = int(factor * train_length_nt)
        windows = cut_windows(list(sequences), length_nt, min_window_nt=length_nt)
        if not windows:
            raise ValueError(f"no sequence is {length_nt} nt long ({factor}x {train_length_nt} nt)")
        ids, _ = fit_windows(windows, tokenizer, max_tokens_for(tokenizer, length_nt))
        batches = (
            collator([{"input_ids": row} for row in ids[start : start + batch_size]])
            for start in range(0, len(ids), batch_size)
        )
        totals = summarize(masked_lm_totals(model, batches, bases))
        rows.append({"factor": factor, "length_nt": length_nt, "n_windows": len(windows), **totals})
    return rows
