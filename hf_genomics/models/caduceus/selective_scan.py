"""Mamba's selective scan in plain PyTorch for CPU (no CUDA/Triton kernels).

The recurrence ``h_t = exp(delta_t A) h_{t-1} + delta_t B_t u_t``, ``y_t = C_t . h_t + D u_t`` costs
``channels * state`` multiply-adds per step, so on CPU the loop over time is bound by per-step
dispatch, not arithmetic. This version keeps the loop but makes each step one fused ``addcmul`` on
time-major contiguous slices, scans several independent scans at once (a leading group dimension:
Caduceus' forward and reversed directions, and both strands via the batch), and reads all outputs
with one batched matmul per block of ``block`` steps (which also bounds memory).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor,
    z: torch.Tensor,
    delta_bias: torch.Tensor,
    block: int = 256,
    keep: torch.Tensor | None = None,
    initial_state: torch.Tensor | None = None,
    return_state: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``mamba_ssm.selective_scan_fn`` semantics (``delta_softplus=True``) for ``groups`` scans at once.

    u, delta, z: (batch, groups, channels, length); A: (groups, channels, state);
    B, C: (batch, groups, state, length); D, delta_bias: (groups, channels).
    keep: optional (batch, groups, length), 0 at padding: there the step size is 0, so the state passes
    through unchanged (``exp(0 A) h + 0``) and padding never enters the recurrence.
    initial_state / return_state: the (batch, groups, channels, state) state to start from and to
    return with the output, so a long sequence can be scanned piece by piece (the recurrence carried).
    Returns (batch, groups, channels, length), computed in fp32, in u's dtype. Memory: the inputs plus
    (block, batch, groups, channels, state) per block; no (length x channels x state) tensor.
    """
    dtype = u.dtype
    u, z, A, B, C = u.float(), z.float(), A.float(), B.float(), C.float()
    delta = F.softplus(delta.float() + delta_bias.float()[..., None])
    if keep is not None:
        delta = delta * keep.to(delta.dtype).unsqueeze(2)
    batch, groups, channels, length = u.shape
    differentiable = torch.is_grad_enabled() and any(t.requires_grad for t in (u, delta, A, B, C))
    state = (
        u.new_zeros(batch, groups, channels, A.shape[-1]) if initial_state is None else initial_state.float()
    )
    pieces = []
    for start in range(0, length, block):
        window = slice(start, start + block)
        # time-major and contiguous, so that every step reads one contiguous slice
        step_delta = delta[..., window].permute(3, 0, 1, 2).contiguous()  # (t, b, g, d)
        step_u = u[..., window].permute(3, 0, 1, 2).contiguous()
        step_B = B[..., window].permute(3, 0, 1, 2).contiguous()  # (t, b, g, n)
        decay = torch.exp(step_delta.unsqueeze(-1) * A)  # (t, b, g, d, n)
        drive = (step_delta * step_u).unsqueeze(-1) * step_B.unsqueeze(-2)  # (t, b, g, d, n)
        if differentiable:
            states = []
            for t in range(decay.shape[0]):
                state = torch.addcmul(drive[t], decay[t], state)
                states.append(state)
            states = torch.stack(states)
        else:
            states = torch.empty_like(decay)
            for t in range(decay.shape[0]):
                state = torch.addcmul(drive[t], decay[t], state, out=states[t])
        readout = C[..., window].permute(3, 0, 1, 2).contiguous().unsqueeze(-1)  # (t, b, g, n, 1)
        y = torch.matmul(states, readout).squeeze(-1)  # (t, b, g, d)
        pieces.append(y.permute(1, 2, 3, 0))
        state = state.clone() if not differentiable else state
    y = torch.cat(pieces, dim=-1) if len(pieces) > 1 else pieces[0]
    y = y + u * D.float()[..., None]
    y = (y * F.silu(z)).to(dtype)
    return (y, state) if return_state else y


def selective_scan_sequential(u, delta, A, B, C, D, z, delta_bias) -> torch.Tensor:
    """The plain step-by-step recurrence for one group (reference for tests; slow)."""
    delta = F.softplus(delta.float() + delta_bias.float()[:, None])
    state = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    ys = []
    for t in range(u.shape[-1]):
        drive = (delta[:, :, t] * u[:, :, t])[..., None] * B[:, None, :, t]
        state = torch.exp(delta[:, :, t, None] * A) * state + drive
        ys.append(torch.einsum("bdn,bn->bd", state, C[:, :, t]))
    y = torch.stack(ys, dim=-1) + u * D[:, None]
    return y * F.silu(z)


__all__ = ["selective_scan", "selective_scan_sequential"]
