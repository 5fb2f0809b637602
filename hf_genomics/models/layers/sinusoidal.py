"""Fixed sinusoidal position encodings (Vaswani et al., 2017)."""

from __future__ import annotations

import math

import torch


def sinusoidal_inv_freq(dim: int) -> torch.Tensor:
    """``10000^(-2i/d)`` for ``i < ceil(d/2)``: the frequencies of the encoding."""
    return torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10_000.0) / dim))


def sinusoidal_positions(position_ids: torch.Tensor, inv_freq: torch.Tensor, dim: int) -> torch.Tensor:
    """``pe[p, 2i] = sin(p / 10000^(2i/d))``, ``pe[p, 2i+1] = cos(...)`` for any positions, shape
    ``(*position_ids.shape, dim)``, float32. Computed from the formula, so no table bounds the length
    and no host sync is needed to check one."""
    angles = position_ids.to(torch.float32)[..., None] * inv_freq.to(device=position_ids.device)
    table = torch.empty(*position_ids.shape, dim, dtype=torch.float32, device=position_ids.device)
    table[..., 0::2] = torch.sin(angles)
    table[..., 1::2] = torch.cos(angles[..., : dim // 2])
    return table


def sinusoidal_table(num_positions: int, dim: int) -> torch.Tensor:
    """The encodings of positions ``0 .. num_positions - 1``, shape ``(num_positions, dim)``."""
    return sinusoidal_positions(torch.arange(num_positions), sinusoidal_inv_freq(dim), dim)


__all__ = ["sinusoidal_inv_freq", "sinusoidal_positions", "sinusoidal_table"]
