"""Evo 2 (Brixi et al., 2025; StripedHyena 2) as a native transformers model, on any device.

The released code (``vortex``) needs CUDA, and Transformer Engine/FP8 for most sizes. This file computes
the same function with PyTorch only: attention through transformers' ``ALL_ATTENTION_FUNCTIONS``
(SDPA/eager, flash when installed), the long implicit filters by an FFT convolution over 2L points in
float32, the short and medium explicit filters (3, 7 and 128 taps) by direct depthwise convolution in
float32. Parity with vortex (logits, every block's output, cached decoding) is tested on tiny seeded
checkpoints in tests/test_port_evo2.py (fixtures made by running vortex once).

Decoding keeps a recurrent state per layer (:class:`Evo2Cache`): the last taps of every FIR input,
the ``state_size`` modal states of every long filter (updated ``s <- p s + x``), and attention keys and
values; a step costs O(1) in the context length for Hyena layers. A forward with a cache also accepts
chunks longer than one token (the long filter then adds the decayed past state to the FFT result).

One difference from vortex: a prompt shorter than a FIR filter (fewer than 6 bases before decoding
with the 7-tap filters) decodes with the taps misaligned in vortex (``step_fir`` takes the first
taps of the filter instead of the last); here the state is zero-padded to full length, so cached
decoding equals recomputation for every prompt length.

``attention_mask`` zeros (padding, either side) are applied as vortex's ``padding_mask``: the padded
positions are zeroed before every convolution and masked out of attention, and rotary positions
count real tokens only, so a padded row gives the outputs of the same row unpadded.

LoRA targets (peft): ``in_proj``, ``out_proj`` (Hyena mixers), ``q_proj``, ``k_proj``, ``v_proj``, ``o_proj``
(attention), ``gate_proj``, ``up_proj``, ``down_proj`` (MLPs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import initialization as init
from transformers.generation import GenerationMixin
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import ModelOutput, SequenceClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.utils.generic import can_return_tuple

from hf_genomics.models.layers.attention import eager_attention_forward
from hf_genomics.models.layers.pooling import last_token, masked_mean
from hf_genomics.models.layers.rotary import rotate_half
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_evo2 import Evo2Config

AUTO_MAP = {
    "AutoConfig": "configuration_evo2.Evo2Config",
    "AutoModel": "modeling_evo2.Evo2Model",
    "AutoModelForCausalLM": "modeling_evo2.Evo2ForCausalLM",
    "AutoModelForSequenceClassification": "modeling_evo2.Evo2ForSequenceClassification",
}
# positions of the long filter's decayed-state sums computed at once (memory: channels x state x chunk floats)
_STATE_CHUNK = 512


# ----------------------------------------------------------------------------------------------
# Recurrent state
# ----------------------------------------------------------------------------------------------


class Evo2Cache:
    """Per-layer decoding state: ``fir`` (last taps of the short-filter input), ``inner_fir`` (of the
    medium/short inner filter input), ``iir`` (long filters' modal states, float32), ``key``/``value``."""

    is_compileable = False

    def __init__(self) -> None:
        self.layers: dict[int, dict[str, torch.Tensor]] = {}
        self.seen_tokens = 0

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return self.seen_tokens

    def layer(self, index: int) -> dict[str, torch.Tensor]:
        return self.layers.setdefault(index, {})

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        """Beam search: keep the rows of the chosen beams."""
        for state in self.layers.values():
            for name, tensor in state.items():
                state[name] = tensor.index_select(0, beam_idx.to(tensor.device))


@dataclass
class Evo2ModelOutput(ModelOutput):
    last_hidden_state: torch.Tensor | None = None
    past_key_values: Evo2Cache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None


@dataclass
class Evo2CausalLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    past_key_values: Evo2Cache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None


# ----------------------------------------------------------------------------------------------
# Convolutions
# ----------------------------------------------------------------------------------------------


def causal_fir(
    u: torch.Tensor, weight: torch.Tensor, state: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Depthwise causal FIR ``y[t] = sum_k w[k] u[t - K + 1 + k]`` (the last tap on the current input),
    for u (B, C, L) and weight (C, 1, K), in float32. ``state`` holds the K - 1 inputs before u (zeros
    when None). Returns y (B, C, L) and the new state."""
    taps = weight.shape[-1]
    u = u.float()
    padded = F.pad(u, (taps - 1, 0)) if state is None else torch.cat([state.float(), u], dim=-1)
    y = F.conv1d(padded, weight.float(), groups=u.shape[1])
    return y, padded[..., padded.shape[-1] - (taps - 1) :]


def decay_powers(log_poles: torch.Tensor, length: int, block: int = 64) -> torch.Tensor:
    """``exp(log_poles[d] * t)`` for t < length, (D, L): ``exp(lp * (B i)) * exp(lp * j)`` for t = B i + j,
    so only L / B + B exponentials per channel instead of L (the exponential dominated prefill)."""
    steps = -(-length // block)
    fine = torch.arange(block, device=log_poles.device, dtype=torch.float32)
    coarse = torch.arange(steps, device=log_poles.device, dtype=torch.float32) * block
    powers = torch.exp(log_poles[:, None, None] * coarse[:, None]) * torch.exp(
        log_poles[:, None, None] * fine
    )
    return powers.reshape(log_poles.shape[0], -1)[:, :length]


def fft_causal_conv(u: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """``y[t] = sum_{j<=t} h[t-j] u[j]`` for u (B, D, L), h (D, L), by FFT over 2L points, float32."""
    length = u.shape[-1]
    n = 2 * length
    spectrum = torch.fft.rfft(u.float(), n=n) * torch.fft.rfft(h.float(), n=n)
    return torch.fft.irfft(spectrum, n=n)[..., :length]


class Evo2RMSNorm(nn.Module):
    """vortex's RMSNorm: ``x / (||x|| / sqrt(d) + eps) * weight`` (eps added to the RMS, not under the root)."""

    def __init__(self, hidden_size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rms = x.norm(2, dim=-1, keepdim=True) * x.shape[-1] ** -0.5
        return self.weight * (x / (rms + self.eps))


class Evo2MLP(nn.Module):
    """``down_proj(act(gate_proj x) * up_proj x)``; with evo2-style activations only layer 0 has ``act``."""

    def __init__(self, config: Evo2Config, layer_idx: int):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.inner_mlp_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.inner_mlp_size, bias=False)
        self.down_proj = nn.Linear(config.inner_mlp_size, config.hidden_size, bias=False)
        if layer_idx > 0 and config.evo2_style_activations:
            self.act = nn.Identity()
        else:
            self.act = nn.GELU() if config.mlp_activation == "gelu" else nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


# ----------------------------------------------------------------------------------------------
# Hyena mixers
# ----------------------------------------------------------------------------------------------


class Evo2HyenaFilter(nn.Module):
    """The inner filter of one Hyena mixer. Explicit taps ``h`` (hcs/hcm: ``groups`` filters, each shared
    by ``hidden / groups`` contiguous channels; hcm adds a gated skip ``D``), or a modal long filter
    ``h[d, t] = Re sum_s r[d, s] p[d, s]^t`` plus skip ``D``: real decays stored as ``log_poles``/``residues``
    (Evo 2's hcl) or complex ``poles``/``residues`` stored as (re, im) pairs (Evo 1's hyena layers).
    Kept in float32 in bf16 models, as the originals do."""

    def __init__(self, config: Evo2Config, kind: str):
        super().__init__()
        self.kind = kind
        hidden = config.hidden_size
        self.modal = kind in ("hcl", "hyena")
        if kind == "hcl":
            self.log_poles = nn.Parameter(torch.empty(hidden, config.state_size, 1))
            self.residues = nn.Parameter(torch.empty(hidden, config.state_size))
            self.D = nn.Parameter(torch.empty(hidden))
            return
        if kind == "hyena":
            self.poles = nn.Parameter(torch.empty(hidden, config.state_size, 1, 2))
            self.residues = nn.Parameter(torch.empty(hidden, config.state_size, 1, 2))
            self.D = nn.Parameter(torch.empty(hidden))
            return
        groups = config.hcm_filter_groups if kind == "hcm" else config.hcs_filter_groups
        length = config.hcm_filter_length if kind == "hcm" else config.hcs_filter_length
        self.h = nn.Parameter(torch.empty(groups, 1, length))
        # vortex: filters of 128+ taps are true convolutions (FFT) with a gated skip D; shorter ones are
        # cross-correlations (conv1d) without D
        self.convolution = length >= 128
        self.D = nn.Parameter(torch.empty(hidden)) if self.convolution else None

    def taps(self, channels: int) -> torch.Tensor:
        """(channels, 1, K) FIR taps, the last one applied to the current input."""
        h = self.h.float().repeat_interleave(channels // self.h.shape[0], dim=0)
        return h.flip(-1) if self.convolution else h

    def modes(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(log p, r)``, each (D, S): real float32 (hcl) or complex64 (hyena)."""
        if self.kind == "hcl":
            return self.log_poles.float()[..., 0], self.residues.float()
        poles = torch.view_as_complex(self.poles.float()[:, :, 0].contiguous())
        residues = torch.view_as_complex(self.residues.float()[:, :, 0].contiguous())
        return poles.log(), residues

    def long_filter(self, length: int) -> torch.Tensor:
        """``h[d, t] = Re sum_s r[d, s] exp(log p[d, s] t)`` for t < length, float32 (D, L)."""
        log_poles, residues = self.modes()
        h = torch.zeros(log_poles.shape[0], length, device=log_poles.device, dtype=torch.float32)
        for mode in range(log_poles.shape[1]):  # one (D, L) term at a time: never (D, S, L) in memory
            h += torch.real(residues[:, mode, None] * decay_powers(log_poles[:, mode], length))
        return h

    def forward(self, x1v: torch.Tensor, state: dict[str, torch.Tensor] | None) -> torch.Tensor:
        """``h * x1v (+ D x1v)`` over (B, D, L) float32, reading and updating ``state`` when given."""
        if not self.modal:
            y, inner = causal_fir(
                x1v, self.taps(x1v.shape[1]), None if state is None else state.get("inner_fir")
            )
            if state is not None:
                state["inner_fir"] = inner
            return y + self.D.float()[:, None] * x1v if self.D is not None else y
        length = x1v.shape[-1]
        skip = self.D.float()[:, None] * x1v
        log_poles, residues = self.modes()
        previous = None if state is None else state.get("iir")
        if length == 1 and previous is not None:  # the recurrence: s <- p s + x
            current = torch.exp(log_poles) * previous + x1v[..., 0, None]
            state["iir"] = current
            return torch.real((residues * current).sum(-1))[..., None] + skip
        y = fft_causal_conv(x1v, self.long_filter(length)) + skip
        if previous is not None:  # the past's contribution: sum_s r_s p_s^(t+1) s_s
            steps = torch.arange(1, length + 1, device=x1v.device, dtype=torch.float32)
            for mode in range(log_poles.shape[1]):
                weight = (residues[:, mode] * previous[:, :, mode])[..., None]  # (B, D, 1)
                y = y + torch.real(weight * torch.exp(log_poles[:, mode, None] * steps))
        if state is not None:
            state["iir"] = self._final_state(x1v, log_poles, previous)
        return y

    @staticmethod
    def _final_state(
        x1v: torch.Tensor, log_poles: torch.Tensor, previous: torch.Tensor | None
    ) -> torch.Tensor:
        """``s[b, d, s] = p^L previous + sum_t x1v[b, d, t] p^(L-1-t)``, in chunks of positions."""
        length = x1v.shape[-1]
        x1v = x1v.to(log_poles.dtype)
        state = torch.zeros(*x1v.shape[:2], log_poles.shape[-1], device=x1v.device, dtype=log_poles.dtype)
        if previous is not None:
            state = previous * torch.exp(log_poles * length)
        for start in range(0, length, _STATE_CHUNK):
            stop = min(start + _STATE_CHUNK, length)
            lags = torch.arange(
                length - 1 - start, length - 1 - stop, -1, device=x1v.device, dtype=torch.float32
            )
            state = state + torch.einsum(
                "bdl,dsl->bds", x1v[..., start:stop], torch.exp(log_poles[..., None] * lags)
            )
        return state


class Evo2HyenaMixer(nn.Module):
    """Projection to 3 x hidden, short causal FIR, regrouping into (x2, x1, v), ``x2 * filter(x1 v)``,
    output projection. ``keep`` zeroes padded positions where vortex's ``padding_mask`` does."""

    def __init__(self, config: Evo2Config, kind: str):
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.in_proj = nn.Linear(hidden, 3 * hidden, bias=config.hyena_in_proj_bias)
        self.short_filter = nn.Conv1d(
            3 * hidden,
            3 * hidden,
            config.short_filter_length,
            groups=3 * hidden,
            bias=config.short_filter_bias,
        )
        self.filter = Evo2HyenaFilter(config, kind)
        self.out_proj = nn.Linear(hidden, hidden, bias=config.hyena_out_proj_bias)

    def _split(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        config, hidden = self.config, self.config.hidden_size
        if config.interleave:
            z = torch.cat([z[:, 0::3], z[:, 1::3], z[:, 2::3]], dim=1)
        if config.column_split_hyena:
            heads, head_dim = config.num_attention_heads, config.head_dim
            grouped = z.reshape(z.shape[0], heads, 3 * head_dim, z.shape[-1])
            x2, x1, v = (grouped[:, :, i * head_dim : (i + 1) * head_dim].reshape(z.shape[0], hidden, -1)
                         for i in range(3))  # fmt: skip
        else:
            x2, x1, v = z.split(hidden, dim=1)
        return (x1, x2, v) if config.hyena_flip_x1x2 else (x2, x1, v)

    def forward(
        self, x: torch.Tensor, keep: torch.Tensor | None, state: dict[str, torch.Tensor] | None
    ) -> torch.Tensor:
        z = self.in_proj(x)
        if keep is not None:
            z = z * keep[..., None]
        z, fir = causal_fir(
            z.transpose(1, 2), self.short_filter.weight, None if state is None else state.get("fir")
        )
        if state is not None:
            state["fir"] = fir
        if self.short_filter.bias is not None:
            z = z + self.short_filter.bias.float()[:, None]
        if keep is not None:
            z = z * keep[:, None]
        x2, x1, v = self._split(z)
        x1v = x1 * v
        y = self.filter(x1v, state)
        if keep is not None and not self.filter.modal:
            y = y * keep[:, None]
        y = (x2 * y).transpose(1, 2).to(x.dtype)
        return self.out_proj(y)


# ----------------------------------------------------------------------------------------------
# Attention
# ----------------------------------------------------------------------------------------------


class Evo2RotaryEmbedding(nn.Module):
    """GPT-NeoX-style rotary cos/sin over the whole head, positions divided by the interpolation factor."""

    def __init__(self, config: Evo2Config):
        super().__init__()
        self.config = config
        self.register_buffer("inv_freq", self.compute_inv_freq(config), persistent=False)

    @staticmethod
    def compute_inv_freq(config: Evo2Config) -> torch.Tensor:
        dim = config.head_dim
        return 1.0 / (config.rotary_emb_base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))

    def forward(self, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        positions = position_ids.float()
        if self.config.use_interpolated_rotary_pos_emb:
            positions = positions / self.config.rotary_emb_scaling_factor
        freqs = positions[..., None] * self.inv_freq.float()
        angles = torch.cat([freqs, freqs], dim=-1)
        return angles.cos(), angles.sin()


class Evo2Attention(nn.Module):
    """Causal multi-head attention (GQA with ``proj_groups``), rotary queries/keys, any attention kernel."""

    def __init__(self, config: Evo2Config, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.num_kv_heads = config.num_key_value_heads
        self.head_dim = config.head_dim
        self.scaling = self.head_dim**-0.5
        self.is_causal = True
        hidden, kv = config.hidden_size, self.num_kv_heads * self.head_dim
        self.q_proj = nn.Linear(hidden, hidden, bias=config.qkv_proj_bias)
        self.k_proj = nn.Linear(hidden, kv, bias=config.qkv_proj_bias)
        self.v_proj = nn.Linear(hidden, kv, bias=config.qkv_proj_bias)
        self.o_proj = nn.Linear(hidden, hidden, bias=config.mha_out_proj_bias)

    def forward(
        self,
        x: torch.Tensor,
        attention_mask: torch.Tensor | None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        state: dict[str, torch.Tensor] | None,
        **kwargs,
    ) -> torch.Tensor:
        batch, length = x.shape[:2]
        q = self.q_proj(x).view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = (t[:, None] for t in position_embeddings)
        q = (q.float() * cos + rotate_half(q.float()) * sin).to(x.dtype)
        k = (k.float() * cos + rotate_half(k.float()) * sin).to(x.dtype)
        if state is not None:
            if "key" in state:
                k = torch.cat([state["key"], k], dim=2)
                v = torch.cat([state["value"], v], dim=2)
            state["key"], state["value"] = k, v
        if self.num_kv_heads != self.num_heads:
            groups = self.num_heads // self.num_kv_heads
            k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        attention: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        y, _ = attention(self, q, k, v, attention_mask, dropout=0.0, scaling=self.scaling, **kwargs)
        return self.o_proj(y.reshape(batch, length, -1).contiguous())


# ----------------------------------------------------------------------------------------------
# Blocks and models
# ----------------------------------------------------------------------------------------------


class Evo2Block(GradientCheckpointingLayer):
    """``x + mixer(norm(x))`` then ``+ mlp(norm(.))``, with vortex's padding multiplications."""

    def __init__(self, config: Evo2Config, layer_idx: int):
        super().__init__()
        self.kind = config.block_types[layer_idx]
        self.pre_norm = Evo2RMSNorm(config.hidden_size, config.eps)
        self.post_norm = Evo2RMSNorm(config.hidden_size, config.eps)
        self.mixer = (
            Evo2Attention(config, layer_idx)
            if self.kind == "attention"
            else Evo2HyenaMixer(config, self.kind)
        )
        self.mlp = Evo2MLP(config, layer_idx)

    def forward(self, x, keep, attention_mask, position_embeddings, state, **kwargs) -> torch.Tensor:
        if self.kind == "attention":
            if keep is not None:
                x = x * keep[..., None]
            x = x + self.mixer(self.pre_norm(x), attention_mask, position_embeddings, state, **kwargs)
        else:
            x = x + self.mixer(self.pre_norm(x), keep, state)
        if keep is not None:
            x = x * keep[..., None]
        return x + self.mlp(self.post_norm(x))


class Evo2PreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = Evo2Config
    config: Evo2Config
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["Evo2Block"]
    _keep_in_fp32_modules_strict = ["mixer.filter"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_attention_backend = True
    _is_stateful = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) linear/embedding weights, zero biases, unit norms; decaying
        modal filters (poles in [e^-1, e^-0.001)), small explicit taps; rotary frequencies recomputed
        (``from_pretrained`` builds on the meta device, so non-persistent buffers are refilled here)."""
        super()._init_weights(module)
        std = self.config.initializer_range
        if isinstance(module, Evo2RMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, nn.Conv1d):
            init.normal_(module.weight, mean=0.0, std=0.2)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, Evo2HyenaFilter):
            if module.kind == "hcl":
                init.uniform_(module.log_poles, -1.0, -1e-3)
                init.normal_(module.residues, mean=0.0, std=std)
            elif module.kind == "hyena":  # poles inside the unit disc near the positive real axis
                radius = torch.empty_like(module.poles[..., 0]).uniform_(0.5, 0.99)
                angle = torch.empty_like(radius).uniform_(-0.1, 0.1)
                init.copy_(module.poles, torch.stack([radius * angle.cos(), radius * angle.sin()], -1))
                init.normal_(module.residues, mean=0.0, std=std)
            else:
                init.normal_(module.h, mean=0.0, std=std)
            if module.D is not None:
                init.ones_(module.D)
        elif isinstance(module, Evo2RotaryEmbedding):
            init.copy_(module.inv_freq, module.compute_inv_freq(module.config))


def _attention_bias(
    mask: torch.Tensor | None,
    past: int,
    length: int,
    dtype: torch.dtype,
    device: torch.device,
    needs_mask: bool,
) -> torch.Tensor | None:
    """Additive (B, 1, L, past + L) causal + padding mask, or None when plain causal attention suffices."""
    if not needs_mask:
        return None
    total = past + length
    keys = torch.arange(total, device=device)
    queries = torch.arange(past, total, device=device)
    allowed = (keys[None, :] <= queries[:, None])[None, None]
    if mask is not None:
        allowed = allowed & mask[:, None, None, :].bool()
    bias = torch.zeros(allowed.shape, dtype=dtype, device=device)
    return bias.masked_fill(~allowed, torch.finfo(dtype).min)


class Evo2Model(Evo2PreTrainedModel):
    """Byte embeddings -> blocks -> final RMSNorm."""

    def __init__(self, config: Evo2Config):
        super().__init__(config)
        self.embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList([Evo2Block(config, i) for i in range(config.num_layers)])
        self.norm = Evo2RMSNorm(config.hidden_size, config.eps) if config.final_norm else nn.Identity()
        self.rotary = Evo2RotaryEmbedding(config)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings = value

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: Evo2Cache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> Evo2ModelOutput:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        x = self.embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        batch, length = x.shape[:2]
        use_cache = use_cache if use_cache is not None else (past_key_values is not None)
        if use_cache and past_key_values is None:
            past_key_values = Evo2Cache()
        past = past_key_values.seen_tokens if past_key_values is not None else 0
        if output_hidden_states is None:
            output_hidden_states = self.config.output_hidden_states

        full_mask = None  # (B, past + L) over every token the keys cover
        if attention_mask is not None and not bool(attention_mask.all()):
            full_mask = attention_mask
            if full_mask.shape[1] == length and past:
                full_mask = F.pad(full_mask, (past, 0), value=1)
        keep = None if full_mask is None else full_mask[:, -length:].to(x.dtype)
        if position_ids is None:
            if full_mask is None:
                position_ids = torch.arange(past, past + length, device=x.device)[None].expand(batch, -1)
            else:
                position_ids = (full_mask.long().cumsum(-1) - 1).clamp(min=0)[:, -length:]
        position_embeddings = self.rotary(position_ids)
        needs_mask = (
            full_mask is not None or (past > 0 and length > 1) or self.config._attn_implementation == "eager"
        )
        bias = _attention_bias(full_mask, past, length, x.dtype, x.device, needs_mask)

        if keep is not None:
            x = x * keep[..., None]
        all_hidden = []
        for index, layer in enumerate(self.layers):
            if output_hidden_states:
                all_hidden.append(x)
            state = past_key_values.layer(index) if past_key_values is not None else None
            x = layer(x, keep, bias, position_embeddings, state, **kwargs)
        x = self.norm(x)
        if output_hidden_states:
            all_hidden.append(x)
        if past_key_values is not None:
            past_key_values.seen_tokens = past + length
        return Evo2ModelOutput(
            last_hidden_state=x,
            past_key_values=past_key_values if use_cache else None,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
        )


class Evo2ForCausalLM(Evo2PreTrainedModel, GenerationMixin):
    """Next-byte prediction; ``generate()`` decodes with the recurrent state (:class:`Evo2Cache`)."""

    _tied_weights_keys = {"lm_head.weight": "model.embeddings.weight"}

    def __init__(self, config: Evo2Config):
        super().__init__(config)
        self.model = Evo2Model(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head = new_embeddings

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        """The state is an :class:`Evo2Cache` the model creates itself, not a key/value cache."""
        return False

    def prepare_inputs_for_generation(
        self,
        input_ids: torch.LongTensor,
        past_key_values: Evo2Cache | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int | None = None,
        **kwargs,
    ) -> dict:
        """Only the tokens the state has not seen yet (the whole prompt first, then one per step)."""
        seen = past_key_values.seen_tokens if isinstance(past_key_values, Evo2Cache) else 0
        inputs = {"attention_mask": attention_mask, "use_cache": use_cache if use_cache is not None else True}
        if seen == 0 and inputs_embeds is not None:
            inputs["inputs_embeds"] = inputs_embeds
        else:
            inputs["input_ids"] = input_ids[:, seen:]
        if seen:
            inputs["past_key_values"] = past_key_values
        if logits_to_keep is not None:
            inputs["logits_to_keep"] = logits_to_keep
        return inputs

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: Evo2Cache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_hidden_states: bool | None = None,
        logits_to_keep: int = 0,
        **kwargs,
    ) -> Evo2CausalLMOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            output_hidden_states=output_hidden_states,
        )
        hidden_states = outputs.last_hidden_state
        if logits_to_keep:
            hidden_states = hidden_states[:, -logits_to_keep:]
        logits = self.lm_head(hidden_states)
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
        return Evo2CausalLMOutput(
            loss=loss,
            logits=logits,
            past_key_values=outputs.past_key_values,
            hidden_states=outputs.hidden_states,
        )


class Evo2ForSequenceClassification(Evo2PreTrainedModel):
    """Classification/regression from the last real token's (``classifier_pooling="last"``, the causal
    choice) or the mean (``"mean"``) final hidden state, through one linear ``score`` layer."""

    def __init__(self, config: Evo2Config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = Evo2Model(config)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embeddings = value

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            output_hidden_states=output_hidden_states,
            use_cache=False,
        )
        hidden = outputs.last_hidden_state
        if self.config.classifier_pooling == "mean":
            pooled = masked_mean(hidden, attention_mask)
        else:
            pooled = last_token(hidden, attention_mask)
        logits = self.score(pooled)
        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states)


__all__ = [
    "Evo2Cache",
    "Evo2ForCausalLM",
    "Evo2ForSequenceClassification",
    "Evo2Model",
    "Evo2PreTrainedModel",
    "causal_fir",
    "fft_causal_conv",
]
