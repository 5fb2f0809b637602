"""ALiBi (Press et al., 2022) for bidirectional encoders, built in query chunks.

A full bias is ``batch × heads × L × L`` floats: 80 GB at 100k tokens. Attention kernels that take
an additive bias (SDPA, eager) accept one query chunk at a time, so the bias is only ever built for
``rows`` queries against all keys, with ``rows`` chosen from shapes (no host sync) so one chunk stays
under :data:`ALIBI_CHUNK_BYTES`: memory linear in L.
"""

from __future__ import annotations

import math

import torch

# Largest bias chunk (bytes) built at once; one query row always fits whatever its size.
ALIBI_CHUNK_BYTES = 256 * 2**20


def alibi_slopes(num_heads: int) -> torch.Tensor:
    """Per-head ALiBi slopes (Press et al., 2022): a geometric series starting at ``2^(-8/n)``.

    For a head count that is not a power of two, the closest lower power of two gets the usual series
    and the remaining heads take every other slope of the series for twice that power (as BLOOM does).
    """
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = 2.0 ** (-8.0 / closest_power_of_2)
    slopes = base ** torch.arange(1, closest_power_of_2 + 1, dtype=torch.float32)
    if closest_power_of_2 != num_heads:
        extra_base = 2.0 ** (-4.0 / closest_power_of_2)
        n_extra = num_heads - closest_power_of_2
        extra = extra_base ** torch.arange(1, 1 + 2 * n_extra, 2, dtype=torch.float32)
        slopes = torch.cat([slopes, extra])
    return slopes


def symmetric_alibi_bias(
    slopes: torch.Tensor,
    query_positions: torch.Tensor,
    key_positions: torch.Tensor,
    key_padding_mask: torch.Tensor | None,
    dtype: torch.dtype,
) -> torch.Tensor:
    """``-slope_h * |p_q - p_k|`` of shape (batch or 1, heads, queries, keys); padded keys (mask 0)
    get the dtype's minimum so softmax gives them no weight."""
    distance = (query_positions[:, None, :, None] - key_positions[:, None, None, :]).abs()
    bias = (-slopes[None, :, None, None] * distance).to(dtype)
    if key_padding_mask is not None:
        bias = bias.masked_fill(~key_padding_mask[:, None, None, :].bool(), torch.finfo(dtype).min)
    return bias


def query_rows_per_chunk(batch: int, heads: int, num_queries: int, num_keys: int, dtype: torch.dtype) -> int:
    """How many query rows of bias fit in :data:`ALIBI_CHUNK_BYTES` (at least one, at most all)."""
    row_bytes = batch * heads * num_keys * torch.finfo(dtype).bits // 8
    return max(1, min(num_queries, ALIBI_CHUNK_BYTES // max(row_bytes, 1)))


__all__ = ["ALIBI_CHUNK_BYTES", "alibi_slopes", "query_rows_per_chunk", "symmetric_alibi_bias"]
