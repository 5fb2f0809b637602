"""Caduceus (kuleshov-group/caduceus-{ph,ps}_*), native and CPU-capable: bidirectional Mamba blocks
(a forward and a reversed Mamba sharing in/out projections), optionally reverse-complement
equivariant through parameter sharing across strands (RCPS, the ``-ps`` models).

The original needs mamba-ssm's CUDA/Triton kernels; here the short convolution is ``F.conv1d``
and the selective scan is a chunked pure-PyTorch scan (``selective_scan.py``).

Padding: the original has no mask and lets its left padding flow through the recurrence (the same
sequence alone and in a padded batch differ). Here an ``attention_mask`` with zeros keeps padding
out: padded inputs are zeroed before the short convolutions and the scan's step size is 0 there (the
state passes through unchanged), in both directions and both strands, and pooling skips padding;
so a sequence gives the same outputs alone and in a padded batch, on either padding side. Without a
mask (or an all-ones one) the computation is the original's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import initialization as init
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    BaseModelOutputWithNoAttention,
    MaskedLMOutput,
    SequenceClassifierOutput,
)
from transformers.modeling_utils import PreTrainedModel
from transformers.utils.generic import can_return_tuple

from hf_genomics.models.caduceus.selective_scan import selective_scan
from hf_genomics.models.layers.pooling import masked_mean
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_caduceus import CaduceusConfig
from .original_layout import IGNORED_ORIGINAL_KEYS, original_key_mapping

AUTO_MAP = {
    "AutoConfig": "configuration_caduceus.CaduceusConfig",
    "AutoModel": "modeling_caduceus.CaduceusModel",
    "AutoModelForMaskedLM": "modeling_caduceus.CaduceusForMaskedLM",
    "AutoModelForSequenceClassification": "modeling_caduceus.CaduceusForSequenceClassification",
}


def flip_strand(x: torch.Tensor) -> torch.Tensor:
    """Reverse complement of a hidden-state half: flip positions and channels."""
    return torch.flip(x, dims=[-2, -1])


def reverse_complement_ids(input_ids: torch.Tensor, complement_map: torch.Tensor) -> torch.Tensor:
    """Token ids of the reverse-complement strand."""
    return complement_map[input_ids.flip(-1)]


def keep_mask(attention_mask: torch.Tensor | None) -> torch.Tensor | None:
    """The padding mask, or None when nothing is padded (the original's exact computation)."""
    if attention_mask is None or bool(attention_mask.all()):
        return None
    return attention_mask


class CaduceusRMSNorm(nn.Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` in fp32 (mamba-ssm's ``rms_norm_ref``)."""

    def __init__(self, hidden_size: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        return (x * torch.rsqrt(x.square().mean(-1, keepdim=True) + self.eps) * self.weight.float()).to(dtype)


class CaduceusSSM(nn.Module):
    """One direction's selective state space parameters: short causal conv, the (dt, B, C)
    projections, ``A_log`` and ``D`` (mamba-ssm's names)."""

    def __init__(self, config: CaduceusConfig):
        super().__init__()
        d_inner, n_state, dt_rank = config.intermediate_size, config.state_size, config.dt_rank
        self.dt_rank, self.n_state = dt_rank, n_state
        self.conv1d = nn.Conv1d(
            d_inner,
            d_inner,
            kernel_size=config.conv_kernel,
            groups=d_inner,
            padding=config.conv_kernel - 1,
            bias=config.use_conv_bias,
        )
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * n_state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d_inner, bias=True)
        self.A_log = nn.Parameter(
            torch.log(torch.arange(1, n_state + 1, dtype=torch.float32)).repeat(d_inner, 1)
        )
        self.D = nn.Parameter(torch.ones(d_inner))

    def scan_inputs(
        self, xz: torch.Tensor, keep: torch.Tensor | None = None, conv_history: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, ...]:
        """(batch, 2 * d_inner, length) projections -> the scan's u, delta, B, C, z (Mamba's slow path).

        ``keep`` (batch, length): padding is zeroed before the causal convolution, as its own zero padding.
        ``conv_history``: the (batch, d_inner, kernel - 1) convolution inputs just before this piece of a
        longer sequence (zeros at its start), in place of the convolution's zero padding.
        """
        length = xz.shape[-1]
        x, z = xz.chunk(2, dim=1)
        if keep is not None:
            x = x * keep.to(x.dtype).unsqueeze(1)
        if conv_history is None:
            x = F.silu(self.conv1d(x)[..., :length])
        else:
            weight, bias = self.conv1d.weight, self.conv1d.bias
            x = F.silu(F.conv1d(torch.cat([conv_history, x], dim=-1), weight, bias, groups=x.shape[1]))
        dt, B, C = torch.split(
            self.x_proj(x.transpose(1, 2)), [self.dt_rank, self.n_state, self.n_state], dim=-1
        )
        delta = (dt @ self.dt_proj.weight.t()).transpose(1, 2)  # its bias is added inside the scan
        return x, delta, B.transpose(1, 2), C.transpose(1, 2), z


class CaduceusMixer(nn.Module):
    """BiMamba: a Mamba over the sequence and one over the reversed sequence, flipped back and added.

    With ``bidirectional_weight_tie`` (all released models) both directions share ``in_proj`` and
    ``out_proj``; each has its own convolution and state-space parameters. Both directions are
    scanned together (one group each).
    """

    def __init__(self, config: CaduceusConfig):
        super().__init__()
        d_inner = config.intermediate_size
        self.strategy = config.bidirectional_strategy
        self.in_proj = nn.Linear(config.hidden_size, 2 * d_inner, bias=config.use_bias)
        self.out_proj = nn.Linear(d_inner, config.hidden_size, bias=config.use_bias)
        self.fwd = CaduceusSSM(config)
        self.rev = CaduceusSSM(config) if config.bidirectional else None
        untied = config.bidirectional and not config.bidirectional_weight_tie
        self.rev_in_proj = (
            nn.Linear(config.hidden_size, 2 * d_inner, bias=config.use_bias) if untied else None
        )
        self.rev_out_proj = nn.Linear(d_inner, config.hidden_size, bias=config.use_bias) if untied else None
        self.chunk_size = config.mixer_chunk_size

    def forward(self, hidden_states: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """``keep`` (batch, length): 1 for tokens, 0 for padding (kept out of both scans), or None."""
        if self.chunk_size and hidden_states.shape[1] > self.chunk_size:
            return self.forward_in_chunks(hidden_states, keep, self.chunk_size)
        xz = self.in_proj(hidden_states).transpose(1, 2)  # (batch, 2 * d_inner, length)
        directions = [(self.fwd, xz, keep)]
        if self.rev is not None:  # a per-position projection commutes with reversing the sequence
            rev_xz = (
                xz.flip(-1)
                if self.rev_in_proj is None
                else self.rev_in_proj(hidden_states.flip(1)).transpose(1, 2)
            )
            directions.append((self.rev, rev_xz, None if keep is None else keep.flip(-1)))
        inputs = [ssm.scan_inputs(projected, kept) for ssm, projected, kept in directions]
        u, delta, B, C, z = (torch.stack(parts, dim=1) for parts in zip(*inputs))
        ssms = [ssm for ssm, _, _ in directions]
        keeps = None if keep is None else torch.stack([kept for _, _, kept in directions], dim=1)
        y = selective_scan(
            u,
            delta,
            -torch.exp(torch.stack([ssm.A_log.float() for ssm in ssms])),
            B,
            C,
            torch.stack([ssm.D for ssm in ssms]),
            z,
            delta_bias=torch.stack([ssm.dt_proj.bias for ssm in ssms]),
            keep=keeps,
        )
        out = self.out_proj(y[:, 0].transpose(1, 2))
        if self.rev is None:
            return out
        out_proj = self.out_proj if self.rev_out_proj is None else self.rev_out_proj
        out_rev = out_proj(y[:, 1].transpose(1, 2)).flip(1)
        return out + out_rev if self.strategy == "add" else out * out_rev

    def forward_in_chunks(
        self, hidden_states: torch.Tensor, keep: torch.Tensor | None, chunk_size: int
    ) -> torch.Tensor:
        """The same outputs as ``forward`` with memory O(chunk_size) per layer instead of O(length).

        Both directions walk their sequence (the reversed one for ``rev``) ``chunk_size`` positions
        at a time, carrying the scan state and the convolution's last ``kernel - 1`` inputs from one
        piece to the next; only the (batch, length, hidden) outputs are kept whole. Nothing of size
        length x d_inner (x state) is ever held.
        """
        batch, length, _ = hidden_states.shape
        ssms = [self.fwd] + ([self.rev] if self.rev is not None else [])
        in_projs = [self.in_proj] + ([self.rev_in_proj or self.in_proj] if self.rev is not None else [])
        out_projs = [self.out_proj] + ([self.rev_out_proj or self.out_proj] if self.rev is not None else [])
        sequences = [hidden_states] + ([hidden_states.flip(1)] if self.rev is not None else [])
        keeps = None if keep is None else [keep] + ([keep.flip(-1)] if self.rev is not None else [])
        A = -torch.exp(torch.stack([ssm.A_log.float() for ssm in ssms]))
        D = torch.stack([ssm.D for ssm in ssms])
        delta_bias = torch.stack([ssm.dt_proj.bias for ssm in ssms])
        d_inner, kernel = self.out_proj.in_features, self.fwd.conv1d.kernel_size[0]
        histories = [hidden_states.new_zeros(batch, d_inner, kernel - 1) for _ in ssms]
        state = None
        outputs = [hidden_states.new_empty(batch, length, self.out_proj.out_features) for _ in ssms]
        for start in range(0, length, chunk_size):
            piece = slice(start, start + chunk_size)
            inputs = []
            for index, ssm in enumerate(ssms):
                xz = in_projs[index](sequences[index][:, piece]).transpose(1, 2)
                kept = None if keeps is None else keeps[index][:, piece]
                inputs.append(ssm.scan_inputs(xz, kept, conv_history=histories[index]))
                x_masked = (
                    xz[:, :d_inner] if kept is None else xz[:, :d_inner] * kept.to(xz.dtype).unsqueeze(1)
                )
                histories[index] = torch.cat([histories[index], x_masked], dim=-1)[..., -(kernel - 1) :]
            u, delta, B, C, z = (torch.stack(parts, dim=1) for parts in zip(*inputs))
            kept = None if keeps is None else torch.stack([k[:, piece] for k in keeps], dim=1)
            y, state = selective_scan(
                u,
                delta,
                A,
                B,
                C,
                D,
                z,
                delta_bias=delta_bias,
                keep=kept,
                initial_state=state,
                return_state=True,
            )
            for index in range(len(ssms)):
                outputs[index][:, piece] = out_projs[index](y[:, index].transpose(1, 2))
        if self.rev is None:
            return outputs[0]
        out_rev = outputs[1].flip(1)
        return outputs[0] + out_rev if self.strategy == "add" else outputs[0] * out_rev


def _norm(config: CaduceusConfig) -> nn.Module:
    if config.rms_norm:
        return CaduceusRMSNorm(config.hidden_size, eps=config.layer_norm_epsilon)
    return nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)


class CaduceusBlock(GradientCheckpointingLayer):
    """Mamba's "add -> norm -> mixer" block, returning ``(hidden_states, residual)``.

    With ``rcps`` the hidden states are two strand halves ``[forward | reverse complement]``: the
    norm and mixer run on the forward half and on the flipped second half with the same weights.
    """

    def __init__(self, config: CaduceusConfig, layer_idx: int):
        super().__init__()
        self.rcps = config.rcps
        self.swap_halves = config.rcps and config.fused_add_norm
        self.residual_in_fp32 = config.residual_in_fp32
        self.norm = _norm(config)
        self.mixer = CaduceusMixer(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        residual: torch.Tensor | None = None,
        keep: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.rcps:
            hidden_states, residual = rcps_add_norm(hidden_states, residual, self.norm, self.swap_halves)
        else:
            residual = hidden_states + residual if residual is not None else hidden_states
            hidden_states = self.norm(residual.to(self.norm.weight.dtype))
        if self.residual_in_fp32:
            residual = residual.float()
        if self.rcps:  # both strands through the shared mixer as one batch
            half = hidden_states.shape[-1] // 2
            strands = torch.cat([hidden_states[..., :half], flip_strand(hidden_states[..., half:])], dim=0)
            strand_keep = None if keep is None else torch.cat([keep, keep.flip(-1)], dim=0)
            fwd, rc = self.mixer(strands, strand_keep).chunk(2, dim=0)
            return torch.cat([fwd, flip_strand(rc)], dim=-1), residual
        return self.mixer(hidden_states, keep), residual


def rcps_add_norm(
    hidden_states: torch.Tensor, residual: torch.Tensor | None, norm: nn.Module, swap_halves: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Add the residual and normalise each strand half with shared weights (RC-equivariant).

    ``swap_halves`` reproduces the original's fused-kernel path, which reads the second half as the
    forward strand (the swap commutes with reverse complement, so equivariance holds either way).
    """
    half = hidden_states.shape[-1] // 2
    first, second = (
        (slice(half, None), slice(None, half)) if swap_halves else (slice(None, half), slice(half, None))
    )
    summed_fwd = hidden_states[..., first]
    summed_rc = flip_strand(hidden_states[..., second])
    if residual is not None:
        summed_fwd = summed_fwd + residual[..., first]
        summed_rc = summed_rc + flip_strand(residual[..., second])
    out = torch.cat([norm(summed_fwd), flip_strand(norm(summed_rc))], dim=-1)
    return out, torch.cat([summed_fwd, flip_strand(summed_rc)], dim=-1)


class CaduceusEmbeddings(nn.Module):
    """Token embeddings; with ``rcps`` the reverse-complement strand's embeddings, flipped, are
    appended as the second half (2 * hidden_size channels)."""

    def __init__(self, config: CaduceusConfig):
        super().__init__()
        self.rcps = config.rcps
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.complement_map = nn.Buffer(
            torch.tensor(config.complement_map, dtype=torch.long), persistent=False
        )

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x = self.word_embeddings(input_ids)
        if not self.rcps:
            return x
        rc = self.word_embeddings(reverse_complement_ids(input_ids, self.complement_map))
        return torch.cat([x, flip_strand(rc)], dim=-1)


class CaduceusPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = CaduceusConfig
    config: CaduceusConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["CaduceusBlock"]
    _keys_to_ignore_on_load_unexpected = IGNORED_ORIGINAL_KEYS

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs):
        """transformers' ``from_pretrained``, also reading the original kuleshov-group weight names.

        The original's names are renamed at load time (``original_layout.original_key_mapping``:
        they never collide with ours, so native folders load unchanged); the renaming is then
        forgotten, so ``save_pretrained`` writes native names next to the native config.
        """
        if "key_mapping" in kwargs:
            return super().from_pretrained(pretrained_model_name_or_path, *model_args, **kwargs)
        config = kwargs.get("config")
        tied = (
            getattr(config, "bidirectional_weight_tie", True) if isinstance(config, CaduceusConfig) else True
        )
        mapping = original_key_mapping(tied_projections=tied)
        loaded = super().from_pretrained(
            pretrained_model_name_or_path, *model_args, key_mapping=mapping, **kwargs
        )
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        conversions = getattr(model, "_weight_conversions", None) or []
        model._weight_conversions = [
            conversion
            for conversion in conversions
            if not set(conversion._original_source_patterns) & set(mapping)
        ]
        return loaded

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """mamba-ssm's initialisation: normal embeddings, zero linear biases, dt bias so that
        softplus(dt_bias) is log-uniform in [time_step_min, time_step_max], S4D-real ``A_log``,
        ``D = 1``, out_proj rescaled by 1/sqrt(layers); the complement map buffer refilled."""
        config = self.config
        if isinstance(module, nn.Embedding):
            init.normal_(module.weight, std=config.initializer_range)
        elif isinstance(module, nn.Linear) and module.bias is not None:
            init.zeros_(module.bias)
        elif isinstance(module, (CaduceusRMSNorm, nn.LayerNorm)):
            init.ones_(module.weight)
            if getattr(module, "bias", None) is not None:
                init.zeros_(module.bias)
        if isinstance(module, CaduceusEmbeddings):
            init.copy_(module.complement_map, torch.tensor(config.complement_map, dtype=torch.long))
        elif isinstance(module, CaduceusSSM):
            std = module.dt_rank**-0.5 * config.time_step_scale
            init.uniform_(module.dt_proj.weight, -std, std)
            low, high = math.log(config.time_step_min), math.log(config.time_step_max)
            dt = torch.exp(torch.rand(module.dt_proj.bias.shape) * (high - low) + low)
            dt = dt.clamp(min=config.time_step_floor)
            init.copy_(module.dt_proj.bias, dt + torch.log(-torch.expm1(-dt)))
            n_state = module.A_log.shape[1]
            a_log = torch.log(torch.arange(1, n_state + 1, dtype=torch.float32)).repeat(
                module.A_log.shape[0], 1
            )
            init.copy_(module.A_log, a_log)
            init.ones_(module.D)
        elif isinstance(module, CaduceusMixer) and config.rescale_prenorm_residual:
            for out_proj in (module.out_proj, module.rev_out_proj):
                if out_proj is not None:
                    init.kaiming_uniform_(out_proj.weight, a=math.sqrt(5))
                    out_proj.weight.div_(math.sqrt(config.num_hidden_layers))


class CaduceusModel(CaduceusPreTrainedModel):
    """Embeddings -> BiMamba blocks -> final add & norm. ``last_hidden_state`` has ``hidden_size``
    channels, or ``2 * hidden_size`` (forward | reverse-complement strand) with ``rcps``."""

    def __init__(self, config: CaduceusConfig):
        super().__init__(config)
        self.embeddings = CaduceusEmbeddings(config)
        self.layers = nn.ModuleList([CaduceusBlock(config, i) for i in range(config.num_hidden_layers)])
        self.final_norm = _norm(config)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithNoAttention:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        hidden_states = self.embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        keep = keep_mask(attention_mask)
        all_hidden_states = []
        residual = None
        for layer in self.layers:
            if output_hidden_states:
                all_hidden_states.append(hidden_states)
            hidden_states, residual = layer(hidden_states, residual, keep)
        if self.config.rcps:
            hidden_states, _ = rcps_add_norm(hidden_states, residual, self.final_norm)
        else:
            residual = hidden_states + residual if residual is not None else hidden_states
            hidden_states = self.final_norm(residual.to(self.final_norm.weight.dtype))
        if output_hidden_states:
            all_hidden_states.append(hidden_states)
        return BaseModelOutputWithNoAttention(
            last_hidden_state=hidden_states,
            hidden_states=tuple(all_hidden_states) if output_hidden_states else None,
        )


class CaduceusLMHead(nn.Module):
    """Linear to the vocabulary (no bias, tied to the embeddings). With ``rcps`` the reverse-complement
    half scores the complemented tokens with the same weights: ``logits = x_f W^T + flip_c(x_rc) W[comp]^T``,
    which makes the logits RC-equivariant."""

    def __init__(self, config: CaduceusConfig):
        super().__init__()
        self.rcps = config.rcps
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.complement_map = nn.Buffer(
            torch.tensor(config.complement_map, dtype=torch.long), persistent=False
        )

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        if not self.rcps:
            return self.decoder(hidden_states)
        half = hidden_states.shape[-1] // 2
        weight = self.decoder.weight
        return F.linear(hidden_states[..., :half], weight) + F.linear(
            hidden_states[..., half:].flip(-1), weight[self.complement_map]
        )


class CaduceusForMaskedLM(CaduceusPreTrainedModel):
    """Masked-LM head over the character vocabulary (``labels`` = -100 ignored)."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: CaduceusConfig):
        super().__init__(config)
        self.model = CaduceusModel(config)
        self.lm_head = CaduceusLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head.decoder = new_embeddings

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, CaduceusLMHead):
            init.copy_(module.complement_map, torch.tensor(self.config.complement_map, dtype=torch.long))

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            output_hidden_states=output_hidden_states,
        )
        logits = self.lm_head(outputs.last_hidden_state).float()
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=logits.shape[-1], **kwargs)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states)


def pool_positions(hidden_states: torch.Tensor, how: str, keep: torch.Tensor | None = None) -> torch.Tensor:
    """Pool over the length dimension (1): mean, max, first or last position (the original's options),
    over the tokens ``keep`` (batch, length) marks (all when None): padding never enters a pool."""
    if keep is None:
        if how == "mean":
            return hidden_states.mean(dim=1)
        if how == "max":
            return hidden_states.max(dim=1).values
        return hidden_states[:, 0] if how == "first" else hidden_states[:, -1]
    if how == "mean":
        return masked_mean(hidden_states, keep)
    weights = keep.to(hidden_states.dtype).unsqueeze(-1)
    if how == "max":
        return hidden_states.masked_fill(weights == 0, torch.finfo(hidden_states.dtype).min).max(dim=1).values
    positions = torch.arange(hidden_states.shape[1], device=hidden_states.device)
    real = keep.bool()
    index = (
        torch.where(real, positions, hidden_states.shape[1]).min(-1).values
        if how == "first"
        else torch.where(real, positions, -1).max(-1).values
    )
    return hidden_states[torch.arange(hidden_states.shape[0], device=hidden_states.device), index]


class CaduceusForSequenceClassification(CaduceusPreTrainedModel):
    """Pooled hidden states -> ``score`` (no bias), as the original.

    ``rcps``: both strand halves are pooled and scored with the same weights and averaged (RC-invariant).
    ``conjoin_eval`` (for ``-ph`` models): at inference the reverse-complement sequence is run too and
    the two scores averaged; ``input_ids`` may also be given as the original's (batch, length, 2)
    stack of forward and reverse-complement ids.
    """

    def __init__(self, config: CaduceusConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = CaduceusModel(config)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=False)
        self.complement_map = nn.Buffer(
            torch.tensor(config.complement_map, dtype=torch.long), persistent=False
        )
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if module is self:
            init.normal_(self.score.weight, std=self.config.initializer_range)
            init.copy_(self.complement_map, torch.tensor(self.config.complement_map, dtype=torch.long))

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
        how = self.config.pooling_strategy
        conjoin = self.config.conjoin_eval and not self.training and not self.config.rcps
        if input_ids is not None and input_ids.dim() == 3:  # the original's stacked (fwd, rc) ids
            input_ids, rc_ids = input_ids[..., 0], input_ids[..., 1]
            conjoin = True
        elif conjoin and input_ids is not None:
            rc_ids = reverse_complement_ids(input_ids, self.complement_map)
        elif conjoin:
            raise ValueError("conjoin_eval needs input_ids (the reverse complement is computed from them)")
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            output_hidden_states=output_hidden_states,
        )
        hidden = outputs.last_hidden_state
        keep = keep_mask(attention_mask)
        rc_keep = None if keep is None else keep.flip(-1)  # the reverse complement's positions run backwards
        if self.config.rcps:
            half = self.config.hidden_size
            fwd, rc = hidden[..., :half], torch.flip(hidden[..., half:], dims=[1, 2])
            logits = (
                self.score(pool_positions(fwd, how, keep)) + self.score(pool_positions(rc, how, rc_keep))
            ) / 2
        elif conjoin:
            rc = self.model(input_ids=rc_ids, attention_mask=rc_keep).last_hidden_state
            logits = (
                self.score(pool_positions(hidden, how, keep)) + self.score(pool_positions(rc, how, rc_keep))
            ) / 2
        else:
            logits = self.score(pool_positions(hidden, how, keep))
        loss = None
        if (
            labels is not None
        ):  # transformers' rule on config.problem_type (regression / single / multi-label)
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states)


__all__ = [
    "CaduceusForMaskedLM",
    "CaduceusForSequenceClassification",
    "CaduceusModel",
    "CaduceusPreTrainedModel",
]
