"""GENA-LM (AIRI-Institute/gena-lm-bert-*), native: BERT with pre-LayerNorm blocks and absolute
positions, attention through transformers' ``ALL_ATTENTION_FUNCTIONS`` (SDPA on CPU).

The original ships its own copy of transformers 4.17's BERT as remote code, with DeepSpeed sparse
attention for the ``*-sparse`` variants; the dense models are reproduced here exactly
(``hf_genomics.convert.gena_lm`` maps the weights, and refuses the sparse ones).
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
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.utils.generic import can_return_tuple
from transformers.utils.output_capturing import capture_outputs

from hf_genomics.models.layers.attention import eager_attention_forward
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_gena_lm import GenaLmConfig

AUTO_MAP = {
    "AutoConfig": "configuration_gena_lm.GenaLmConfig",
    "AutoModel": "modeling_gena_lm.GenaLmModel",
    "AutoModelForMaskedLM": "modeling_gena_lm.GenaLmForMaskedLM",
    "AutoModelForSequenceClassification": "modeling_gena_lm.GenaLmForSequenceClassification",
    "AutoModelForTokenClassification": "modeling_gena_lm.GenaLmForTokenClassification",
}


class GenaLmEmbeddings(nn.Module):
    """word + learned absolute position + token type -> LayerNorm -> dropout (BERT's)."""

    def __init__(self, config: GenaLmConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        position_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None,
    ) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        if token_type_ids is None:
            token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
        x = x + self.token_type_embeddings(token_type_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.norm(x))


class GenaLmAttention(nn.Module):
    """Multi-head self-attention: ``query``/``key``/``value`` projections and the ``dense`` output."""

    def __init__(self, config: GenaLmConfig, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = False
        self.attention_dropout = config.attention_probs_dropout_prob
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        shape = (*input_shape, self.num_heads, self.head_dim)
        q, k, v = (
            proj(hidden_states).view(shape).transpose(1, 2) for proj in (self.query, self.key, self.value)
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
            dropout=self.attention_dropout if self.training else 0.0,
            scaling=self.scaling,
            **kwargs,
        )
        return self.dense(y.reshape(*input_shape, -1).contiguous()), att


class GenaLmMLP(nn.Module):
    """``down_proj(act(up_proj(x)))`` (BERT's intermediate/output dense layers)."""

    def __init__(self, config: GenaLmConfig):
        super().__init__()
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACT2FN[config.hidden_act]
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act(self.up_proj(x)))


class GenaLmLayer(GradientCheckpointingLayer):
    """Pre-LN ``x + drop(attn(ln(x)))``, ``x + drop(mlp(ln(x)))``; or post-LN ``ln(x + drop(f(x)))``."""

    def __init__(self, config: GenaLmConfig, layer_idx: int):
        super().__init__()
        self.pre_layer_norm = config.pre_layer_norm
        self.attn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = GenaLmAttention(config, layer_idx)
        self.mlp_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = GenaLmMLP(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs
    ) -> torch.Tensor:
        if self.pre_layer_norm:
            attn_output, _ = self.attention(self.attn_norm(hidden_states), attention_mask, **kwargs)
            hidden_states = hidden_states + self.dropout(attn_output)
            return hidden_states + self.dropout(self.mlp(self.mlp_norm(hidden_states)))
        attn_output, _ = self.attention(hidden_states, attention_mask, **kwargs)
        hidden_states = self.attn_norm(hidden_states + self.dropout(attn_output))
        return self.mlp_norm(hidden_states + self.dropout(self.mlp(hidden_states)))


class GenaLmPooler(nn.Module):
    """tanh(dense(first token)): BERT's pooler, which GENA-LM's sequence classifier reads."""

    def __init__(self, config: GenaLmConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden_states[:, 0]))


class GenaLmPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = GenaLmConfig
    config: GenaLmConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["GenaLmEmbeddings", "GenaLmLayer"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = False
    _supports_attention_backend = True
    _can_record_outputs = {"hidden_states": GenaLmLayer, "attentions": GenaLmAttention}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """BERT's normal(0, initializer_range) init; with pre-LN the two residual output projections
        get ``std / sqrt(2 * layers)`` as in the original GENA-LM code."""
        super()._init_weights(module)
        if isinstance(module, GenaLmLayer) and self.config.pre_layer_norm:
            std = self.config.initializer_range / (2.0 * self.config.num_hidden_layers) ** 0.5
            for linear in (module.attention.dense, module.mlp.down_proj):
                init.normal_(linear.weight, mean=0.0, std=std)


class GenaLmModel(GenaLmPreTrainedModel):
    """Embeddings -> N blocks -> (final LayerNorm) and BERT's pooler (``add_pooling_layer``)."""

    def __init__(self, config: GenaLmConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = GenaLmEmbeddings(config)
        self.layers = nn.ModuleList([GenaLmLayer(config, i) for i in range(config.num_hidden_layers)])
        use_final_norm = config.pre_layer_norm and config.last_layer_norm
        self.final_norm = (
            nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if use_final_norm else None
        )
        self.pooler = GenaLmPooler(config) if add_pooling_layer else None
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
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        reference = input_ids if input_ids is not None else inputs_embeds
        length = reference.shape[1]
        if length > self.config.max_position_embeddings:
            raise ValueError(
                f"sequence of {length} tokens is longer than GENA-LM's {self.config.max_position_embeddings} "
                "learned positions; tokenize with truncation=True, max_length=... or split the sequence"
            )
        if position_ids is None:
            position_ids = torch.arange(length, device=reference.device).unsqueeze(0)
        hidden_states = self.embeddings(input_ids, inputs_embeds, position_ids, token_type_ids)
        mask = create_bidirectional_mask(
            config=self.config, inputs_embeds=hidden_states, attention_mask=attention_mask
        )
        for layer in self.layers:
            hidden_states = layer(hidden_states, attention_mask=mask, **kwargs)
        if self.final_norm is not None:
            hidden_states = self.final_norm(hidden_states)
        pooled = self.pooler(hidden_states) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=hidden_states, pooler_output=pooled)


class GenaLmLMHead(nn.Module):
    """dense -> act -> LayerNorm -> decoder (weight tied to the word embeddings, own bias)."""

    def __init__(self, config: GenaLmConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.norm(self.act(self.dense(hidden_states))))


class GenaLmForMaskedLM(GenaLmPreTrainedModel):
    """GENA-LM's pre-training head: logits over the 32k BPE vocabulary at every position."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: GenaLmConfig):
        super().__init__(config)
        self.model = GenaLmModel(config, add_pooling_layer=False)
        self.lm_head = GenaLmLMHead(config)
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
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
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


class GenaLmForSequenceClassification(GenaLmPreTrainedModel):
    """dropout -> linear on the pooler output (as the original's BertForSequenceClassification)."""

    def __init__(self, config: GenaLmConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = GenaLmModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            **kwargs,
        )
        logits = self.classifier(self.dropout(outputs.pooler_output))
        loss = None
        if (
            labels is not None
        ):  # transformers' rule on config.problem_type (regression / single / multi-label)
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


class GenaLmForTokenClassification(GenaLmPreTrainedModel):
    """Per-token labels (e.g. GENA-LM's splice-site and enhancer-annotation tasks), -100 ignored."""

    def __init__(self, config: GenaLmConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = GenaLmModel(config, add_pooling_layer=False)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> TokenClassifierOutput:
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
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
    "GenaLmForMaskedLM",
    "GenaLmForSequenceClassification",
    "GenaLmForTokenClassification",
    "GenaLmModel",
    "GenaLmPreTrainedModel",
]
