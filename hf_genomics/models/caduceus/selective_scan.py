"""Mamba's selective scan in plain PyTorch, vectorised by chunks (CPU-friendly, no kernels).

The recurrence ``h_t = exp(delta_t A) h_{t-1} + delta_t B_t u_t``, ``y_t = C_t . h_t + D u_t`` is
run as a two-level scan: inside chunks of ``chunk`` positions the recurrence is stepped for all
chunks at once (``chunk`` Python steps), then the chunks' end states are chained (one step per
chunk) and each position adds its chunk's start state decayed by ``exp(cumsum(delta A))``, a
factor <= 1, so nothing overflows. About ``2 sqrt(L)`` Python steps instead of ``L``; ``block``
bounds the memory of the (batch, channels, positions, state) temporaries.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _scan_block(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    state: torch.Tensor,
    chunk: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    batch, channels, length = u.shape
    n_state = A.shape[1]
    n_chunks = -(-length // chunk)
    pad = n_chunks * chunk - length
    if pad:  # delta = 0 on padding: decay 1 and no input, so the state passes through unchanged
        u, delta, B, C = (F.pad(t, (0, pad)) for t in (u, delta, B, C))
    shape = (batch, channels, n_chunks, chunk, n_state)
    log_decay = (delta.unsqueeze(-1) * A[:, None, :]).view(shape)  # (b, d, c, t, n), <= 0
    inputs = ((delta * u).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(1)).view(shape)
    C = C.transpose(1, 2).reshape(batch, n_chunks, chunk, n_state)  # (b, c, t, n)
    decay = log_decay.exp()

    # 1. every chunk from a zero state, all chunks in parallel
    local = torch.zeros(batch, channels, n_chunks, n_state, dtype=u.dtype, device=u.device)
    outputs = []
    for t in range(chunk):
        local = decay[:, :, :, t] * local + inputs[:, :, :, t]
        outputs.append(torch.einsum("bdcn,bcn->bdc", local, C[:, :, t]))
    y = torch.stack(outputs, dim=-1)  # (b, d, c, t)

    # 2. chain the chunks: the state entering chunk k
    chunk_decay = log_decay.sum(dim=3).exp()  # (b, d, c, n)
    starts = []
    for k in range(n_chunks):
        starts.append(state)
        state = chunk_decay[:, :, k] * state + local[:, :, k]
    start = torch.stack(starts, dim=2)  # (b, d, c, n)

    # 3. each position adds its chunk's start state, decayed up to it
    carried = log_decay.cumsum(dim=3).exp() * start.unsqueeze(3)  # (b, d, c, t, n)
    y = y + torch.einsum("bdctn,bctn->bdct", carried, C)
    return y.reshape(batch, channels, n_chunks * chunk)[..., :length], state


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor,
    z: torch.Tensor,
    delta_bias: torch.Tensor,
    chunk: int = 32,
    block: int = 2048,
) -> torch.Tensor:
    """``mamba_ssm.selective_scan_fn`` semantics with ``delta_softplus=True``, in fp32.

    u, delta, z: (batch, channels, length); A: (channels, state); B, C: (batch, state, length);
    D, delta_bias: (channels,). Returns (batch, channels, length) in u's dtype.
    """
    dtype = u.dtype
    u, z = u.float(), z.float()
    delta = F.softplus(delta.float() + delta_bias.float()[:, None])
    A, B, C = A.float(), B.float(), C.float()
    state = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    pieces = []
    for start in range(0, u.shape[-1], block):
        window = slice(start, start + block)
        y, state = _scan_block(
            u[..., window], delta[..., window], A, B[..., window], C[..., window], state, chunk
        )
        pieces.append(y)
    y = torch.cat(pieces, dim=-1) if len(pieces) > 1 else pieces[0]
    y = y + u * D.float()[:, None]
    return (y * F.silu(z)).to(dtype)


def selective_scan_sequential(u, delta, A, B, C, D, z, delta_bias) -> torch.Tensor:
    """The plain step-by-step recurrence (reference for tests; slow)."""
    delta = F.softplus(delta.float() + delta_bias.float()[:, None])
    state = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    ys = []
    for t in range(u.shape[-1]):
        state = (
            torch.exp(delta[:, :, t, None] * A) * state
            + (delta[:, :, t] * u[:, :, t])[..., None] * B[:, None, :, t]
        )
        ys.append(torch.einsum("bdn,bn->bd", state, C[:, :, t]))
    y = torch.stack(ys, dim=-1) + u * D[:, None]
    return y * F.silu(z)


__all__ = ["selective_scan", "selective_scan_sequential"]
