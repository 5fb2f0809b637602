"""The human-genes study's Transformer decoder (arXiv 2307.10634), native in transformers.

The study built it from keras_nlp: ``TokenAndPositionEmbedding`` (learned positions), 4 ×
``TransformerDecoder`` without cross-attention — post-LN blocks
``x = LN(x + MHA(x)); x = LN(x + W2 relu(W1 x))`` with Keras ``MultiHeadAttention`` (biased q/k/v/o
projections, ``key_dim`` per head independent of the width) — and a dense softmax head. Attention
goes through transformers' attention interface, so SDPA and eager share one path.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.generation import GenerationMixin
from transformers.masking_utils import create_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutput, CausalLMOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel

from hf_genomics.models.layers.attention import eager_attention_forward
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_genes_transformer import GenesTransformerConfig

AUTO_MAP = {
    "AutoConfig": "configuration_genes_transformer.GenesTransformerConfig",
    "AutoModel": "modeling_genes_transformer.GenesTransformerModel",
    "AutoModelForCausalLM": "modeling_genes_transformer.GenesTransformerForCausalLM",
}


class GenesTransformerAttention(nn.Module):
    """Keras ``MultiHeadAttention``: q/k/v to ``heads × head_dim`` with biases, scaled by 1/sqrt(head_dim)."""

    def __init__(self, config: GenesTransformerConfig, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        self.scaling = self.head_dim**-0.5
        self.is_causal = True
        inner = self.num_heads * self.head_dim
        self.q_proj = nn.Linear(config.hidden_size, inner)
        self.k_proj = nn.Linear(config.hidden_size, inner)
        self.v_proj = nn.Linear(config.hidden_size, inner)
        self.o_proj = nn.Linear(inner, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs):
        shape = (*hidden_states.shape[:-1], self.num_heads, self.head_dim)
        q, k, v = (
            proj(hidden_states).view(shape).transpose(1, 2)
            for proj in (self.q_proj, self.k_proj, self.v_proj)
        )
        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        y, att = attention_interface(
            self,
            q,
            k,
            v,
            attention_mask,
            dropout=self.config.dropout if self.training else 0.0,
            scaling=self.scaling,
            **kwargs,
        )
        return self.o_proj(y.reshape(*hidden_states.shape[:-1], -1).contiguous()), att


class GenesTransformerLayer(GradientCheckpointingLayer):
    """Post-LN block: ``LN(x + attn(x))`` then ``LN(x + ffn(x))``."""

    def __init__(self, config: GenesTransformerConfig, layer_idx: int):
        super().__init__()
        self.self_attn = GenesTransformerAttention(config, layer_idx)
        self.attn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.ffn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs):
        attended, _ = self.self_attn(hidden_states, attention_mask, **kwargs)
        hidden_states = self.attn_norm(hidden_states + self.dropout(attended))
        fed = self.down_proj(self.act(self.up_proj(hidden_states)))
        return self.ffn_norm(hidden_states + self.dropout(fed))


class GenesTransformerPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    config_class = GenesTransformerConfig
    config: GenesTransformerConfig
    remote_code_auto_map = AUTO_MAP
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["GenesTransformerLayer"]
    _supports_sdpa = True
    _supports_attention_backend = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) weights, zero biases, unit LayerNorms (no buffers to refill)."""
        super()._init_weights(module)
        if isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)


class GenesTransformerModel(GenesTransformerPreTrainedModel):
    def __init__(self, config: GenesTransformerConfig):
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.embed_positions = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.layers = nn.ModuleList(GenesTransformerLayer(config, i) for i in range(config.num_hidden_layers))
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embed_tokens

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embed_tokens = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> BaseModelOutput:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids or inputs_embeds")
        if inputs_embeds is None:
            inputs_embeds = self.embed_tokens(input_ids)
        length = inputs_embeds.shape[1]
        if position_ids is None:
            position_ids = torch.arange(length, device=inputs_embeds.device).unsqueeze(0)
        hidden_states = inputs_embeds + self.embed_positions(position_ids)
        mask = create_causal_mask(
            config=self.config,
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            past_key_values=None,
            position_ids=position_ids,
        )
        all_hidden = [hidden_states] if output_hidden_states else None
        for layer in self.layers:
            hidden_states = layer(hidden_states, mask, **kwargs)
            if all_hidden is not None:
                all_hidden.append(hidden_states)
        return BaseModelOutput(
            last_hidden_state=hidden_states, hidden_states=tuple(all_hidden) if all_hidden else None
        )


class GenesTransformerForCausalLM(GenesTransformerPreTrainedModel, GenerationMixin):
    _tied_weights_keys = {}

    def __init__(self, config: GenesTransformerConfig):
        super().__init__(config)
        self.model = GenesTransformerModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head = new_embeddings

    def prepare_inputs_for_generation(self, input_ids, attention_mask=None, **kwargs):
        """No cache: every step re-reads the prompt (genes are <= 1,000 nt)."""
        return {"input_ids": input_ids, "attention_mask": attention_mask}

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> CausalLMOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            output_hidden_states=output_hidden_states,
        )
        logits = self.lm_head(outputs.last_hidden_state)
        loss = None
        if labels is not None:
            loss = self.loss_function(
                logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs
            )
        return CausalLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states)
