"""Nucleotide Transformer v2 (Dalla-Torre et al., Nature Methods 2024), native.

The Hub checkpoints (InstaDeepAI/nucleotide-transformer-v2-*-multi-species) ship remote code: ESM
with rotary positions, pre-LayerNorm blocks and a gated feed-forward ``down(silu(x W1) * x W2)``
without biases. This file is that computation in transformers' current model-file idioms
(attention through ``ALL_ATTENTION_FUNCTIONS``, so SDPA on CPU; gradient checkpointing; rotary from
the shared encoder code). ``hf_genomics.convert`` maps the original weights onto it.

Kept from the original on purpose: embeddings of padding positions are zeroed (the original
multiplies them by the attention mask), no embedding dropout, and positions 0..L-1 for the rotary
angles whatever the padding. Left out: ESM's contact-prediction head and the unused absolute
position table (neither is used by NT's outputs).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.masking_utils import create_bidirectional_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    BaseModelOutput,
    MaskedLMOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.utils.generic import can_return_tuple
from transformers.utils.output_capturing import capture_outputs

from hf_genomics.models.layers.attention import eager_attention_forward
from hf_genomics.models.layers.rotary import RotaryEmbedding, apply_rotary_pos_emb
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_nucleotide_transformer import NucleotideTransformerConfig

AUTO_MAP = {
    "AutoConfig": "configuration_nucleotide_transformer.NucleotideTransformerConfig",
    "AutoModel": "modeling_nucleotide_transformer.NucleotideTransformerModel",
    "AutoModelForMaskedLM": "modeling_nucleotide_transformer.NucleotideTransformerForMaskedLM",
    "AutoModelForSequenceClassification": (
        "modeling_nucleotide_transformer.NucleotideTransformerForSequenceClassification"
    ),
    "AutoModelForTokenClassification": (
        "modeling_nucleotide_transformer.NucleotideTransformerForTokenClassification"
    ),
}

# ESM's training-time mask ratio (15% selected x 80% replaced by <mask>), used by token_dropout
MASK_RATIO_TRAIN = 0.15 * 0.8


class NucleotideTransformerRotaryEmbedding(RotaryEmbedding):
    """Rotary cos/sin over the head dimension, theta 10,000 (the shared encoder implementation)."""


class NucleotideTransformerEmbeddings(nn.Module):
    """Token embedding (+ optional LayerNorm and ESM token dropout); padding positions zeroed."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.layer_norm = (
            nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
            if config.emb_layer_norm_before
            else None
        )
        self.token_dropout = config.token_dropout
        self.mask_token_id = config.mask_token_id

    def forward(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        if self.token_dropout and input_ids is not None:
            is_mask = (input_ids == self.mask_token_id).unsqueeze(-1)
            x = x.masked_fill(is_mask, 0.0)
            lengths = attention_mask.sum(-1) if attention_mask is not None else input_ids.shape[1]
            observed = is_mask.squeeze(-1).sum(-1).to(x.dtype) / lengths
            x = (x * (1 - MASK_RATIO_TRAIN) / (1 - observed)[:, None, None]).to(x.dtype)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        if attention_mask is not None:
            x = (x * attention_mask.unsqueeze(-1)).to(x.dtype)
        return x


class NucleotideTransformerAttention(nn.Module):
    """Bidirectional multi-head attention with rotary queries/keys (separate q/k/v as in NT)."""

    def __init__(self, config: NucleotideTransformerConfig, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = False
        self.attention_dropout = config.attention_probs_dropout_prob
        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.k_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.v_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.o_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        shape = (*hidden_states.shape[:-1], self.num_heads, self.head_dim)
        q = self.q_proj(hidden_states).view(shape).transpose(1, 2)
        k = self.k_proj(hidden_states).view(shape).transpose(1, 2)
        v = self.v_proj(hidden_states).view(shape).transpose(1, 2)
        # NT (as ESM) scales the queries before the rotation: same maths, the original's rounding,
        # and an (L x d) product instead of an (L x L) one in the eager path
        q = q * self.scaling
        cos, sin = position_embeddings
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        y, att = attention_interface(
            self,
            q,
            k,
            v,
            attention_mask,
            dropout=self.attention_dropout if self.training else 0.0,
            scaling=1.0,
            **kwargs,
        )
        y = y.reshape(*hidden_states.shape[:-1], -1).contiguous()
        return self.o_proj(y), att


class NucleotideTransformerGatedMLP(nn.Module):
    """``down_proj(silu(x1) * x2)`` with ``x1, x2`` the two halves of ``gate_up_proj(x)`` (SwiGLU)."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__()
        self.intermediate_size = config.intermediate_size
        self.gate_up_proj = nn.Linear(
            config.hidden_size, 2 * config.intermediate_size, bias=config.add_bias_fnn
        )
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=config.add_bias_fnn)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up_proj(x).split(self.intermediate_size, dim=-1)
        return self.down_proj(self.act(gate) * up)


class NucleotideTransformerLayer(GradientCheckpointingLayer):
    """Pre-LN block: ``x + drop(attn(ln(x)))`` then ``x + drop(mlp(ln(x)))``."""

    def __init__(self, config: NucleotideTransformerConfig, layer_idx: int):
        super().__init__()
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = NucleotideTransformerAttention(config, layer_idx)
        self.mlp_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = NucleotideTransformerGatedMLP(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None,
        **kwargs,
    ) -> torch.Tensor:
        attn_output, _ = self.attention(
            self.attention_norm(hidden_states), attention_mask, position_embeddings, **kwargs
        )
        hidden_states = hidden_states + self.dropout(attn_output)
        return hidden_states + self.dropout(self.mlp(self.mlp_norm(hidden_states)))


class NucleotideTransformerPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = NucleotideTransformerConfig
    config: NucleotideTransformerConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["NucleotideTransformerEmbeddings", "NucleotideTransformerLayer"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = False
    _supports_attention_backend = True
    _can_record_outputs = {
        "hidden_states": NucleotideTransformerLayer,
        "attentions": NucleotideTransformerAttention,
    }

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) weights, zero biases, unit norms; rotary buffers recomputed
        (``from_pretrained`` builds on the meta device, so non-persistent buffers are refilled here)."""
        super()._init_weights(module)
        if isinstance(module, NucleotideTransformerRotaryEmbedding):
            inv_freq, _ = module.rope_init_fn(module.config)
            init.copy_(module.inv_freq, inv_freq)
            init.copy_(module.original_inv_freq, inv_freq)
        elif isinstance(module, NucleotideTransformerLMHead):
            init.zeros_(module.bias)


class NucleotideTransformerModel(NucleotideTransformerPreTrainedModel):
    """The bare encoder: embeddings -> N pre-LN layers -> final LayerNorm (NT's ``emb_layer_norm_after``)."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__(config)
        self.embeddings = NucleotideTransformerEmbeddings(config)
        self.layers = nn.ModuleList(
            [NucleotideTransformerLayer(config, i) for i in range(config.num_hidden_layers)]
        )
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.rotary_emb = NucleotideTransformerRotaryEmbedding(config)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    @capture_outputs
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs,
    ) -> BaseModelOutput:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        reference = input_ids if input_ids is not None else inputs_embeds
        if position_ids is None:
            position_ids = torch.arange(reference.shape[1], device=reference.device).unsqueeze(0)
        hidden_states = self.embeddings(input_ids, inputs_embeds, attention_mask)
        mask = create_bidirectional_mask(
            config=self.config, inputs_embeds=hidden_states, attention_mask=attention_mask
        )
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for layer in self.layers:
            hidden_states = layer(
                hidden_states, attention_mask=mask, position_embeddings=position_embeddings, **kwargs
            )
        return BaseModelOutput(last_hidden_state=self.final_norm(hidden_states))


class NucleotideTransformerLMHead(nn.Module):
    """dense -> GELU (erf) -> LayerNorm -> decoder (no bias) + a separate ``bias``, as ESM's head."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN["gelu"]
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.layer_norm(self.act(self.dense(hidden_states)))) + self.bias


class NucleotideTransformerForMaskedLM(NucleotideTransformerPreTrainedModel):
    """Masked-LM head over k-mer tokens (what the released checkpoints were trained with)."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__(config)
        self.model = NucleotideTransformerModel(config)
        self.lm_head = NucleotideTransformerLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head.decoder = new_embeddings

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            **kwargs,
        )
        logits = self.lm_head(outputs.last_hidden_state)
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
        return MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


class NucleotideTransformerClassificationHead(nn.Module):
    """On the ``<cls>`` vector: dropout -> dense -> tanh -> dropout -> out_proj (ESM's head)."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__()
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        x = self.dropout(hidden_states[:, 0])
        return self.out_proj(self.dropout(torch.tanh(self.dense(x))))


class NucleotideTransformerForSequenceClassification(NucleotideTransformerPreTrainedModel):
    """Sequence classification / regression from the ``<cls>`` token."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = NucleotideTransformerModel(config)
        self.classifier = NucleotideTransformerClassificationHead(config)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            **kwargs,
        )
        logits = self.classifier(outputs.last_hidden_state)
        loss = None
        if (
            labels is not None
        ):  # transformers' rule on config.problem_type (regression / single / multi-label)
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


class NucleotideTransformerForTokenClassification(NucleotideTransformerPreTrainedModel):
    """Per-token labels (-100 ignored)."""

    def __init__(self, config: NucleotideTransformerConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = NucleotideTransformerModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> TokenClassifierOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            **kwargs,
        )
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, self.config, **kwargs)
        return TokenClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


__all__ = [
    "NucleotideTransformerForMaskedLM",
    "NucleotideTransformerForSequenceClassification",
    "NucleotideTransformerForTokenClassification",
    "NucleotideTransformerModel",
    "NucleotideTransformerPreTrainedModel",
]
