"""The eager attention kernel (registered kernels come from transformers' ALL_ATTENTION_FUNCTIONS)
and the guard that refuses score matrices no memory could hold."""

from __future__ import annotations

import os

import torch
from torch import nn


def device_memory_bytes(device: torch.device) -> int:
    """Total memory of ``device`` (GPU: its global memory; CPU: physical RAM), from the host."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_scores_fit(shape: tuple[int, ...], device: torch.device, what: str) -> None:
    """Raise before allocating a float32 score tensor of ``shape`` larger than the device's memory
    (an eager kernel at 100k tokens wants heads × L × L floats: hundreds of GB)."""
    needed = 4
    for size in shape:
        needed *= int(size)
    available = device_memory_bytes(device)
    if needed > available:
        raise ValueError(
            f"{what}: {tuple(shape)} attention scores need {needed / 2**30:.1f} GiB but {device.type} memory is "
            f"{available / 2**30:.1f} GiB; use attn_implementation='sdpa' (no score matrix is kept), "
            "do not ask for attention maps, or shorten the input"
        )


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
