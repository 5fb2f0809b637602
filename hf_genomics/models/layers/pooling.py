"""Pooling a sequence's hidden states into one vector, with padding kept out (any padding side):
the classification heads and embeddings of every family pool through these."""

from __future__ import annotations

import torch


def masked_mean(hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over the length dimension (1) of the positions ``attention_mask`` marks (all when None)."""
    if attention_mask is None:
        return hidden_states.mean(dim=1)
    weights = attention_mask.to(hidden_states.dtype).unsqueeze(-1)
    return (hidden_states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def last_token(hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """The last position ``attention_mask`` marks (right or left padding), or the last position."""
    if attention_mask is None:
        return hidden_states[:, -1]
    positions = torch.arange(hidden_states.shape[1], device=hidden_states.device)
    index = (attention_mask.bool() * (positions + 1)).argmax(-1)
    return hidden_states[torch.arange(hidden_states.shape[0], device=hidden_states.device), index]


__all__ = ["last_token", "masked_mean"]
