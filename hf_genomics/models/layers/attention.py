"""The eager attention kernel (registered kernels come from transformers' ALL_ATTENTION_FUNCTIONS)."""

from __future__ import annotations

import torch
from torch import nn


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T * scaling + mask) v, with a float additive mask (padding and/or ALiBi)."""
    att = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            att = att.masked_fill(~attention_mask, torch.finfo(att.dtype).min)
        else:
            att = att + attention_mask
    att = nn.functional.softmax(att, dim=-1, dtype=torch.float32).to(query.dtype)
    att = nn.functional.dropout(att, p=dropout, training=module.training)
    y = torch.matmul(att, value).transpose(1, 2).contiguous()
    return y, att


__all__ = ["eager_attention_forward"]
