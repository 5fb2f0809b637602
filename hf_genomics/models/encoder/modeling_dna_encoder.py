"""DNA encoder of the coding-schemes study (arXiv 2507.15087): one pre-LN BERT-style encoder whose
only switch is how positions are encoded (sinusoidal table, ALiBi bias or rotary q/k).

``save_pretrained`` also exports this file and its config (``hf_genomics.remote_code``), so the folder
loads with ``trust_remote_code=True`` where ``hf_genomics`` is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
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
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS, dynamic_rope_update
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.utils.generic import can_return_tuple
from transformers.utils.output_capturing import capture_outputs

from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_dna_encoder import DnaEncoderConfig

# What ``save_pretrained`` writes into config.json so the folder also loads as remote code.
AUTO_MAP = {
    "AutoConfig": "configuration_dna_encoder.DnaEncoderConfig",
    "AutoModel": "modeling_dna_encoder.DnaEncoderModel",
    "AutoModelForMaskedLM": "modeling_dna_encoder.DnaEncoderForMaskedLM",
    "AutoModelForSequenceClassification": "modeling_dna_encoder.DnaEncoderForSequenceClassification",
    "AutoModelForTokenClassification": "modeling_dna_encoder.DnaEncoderForTokenClassification",
}


# ----------------------------------------------------------------------------------------------
# Position encodings
# ----------------------------------------------------------------------------------------------


def sinusoidal_table(num_positions: int, dim: int) -> torch.Tensor:
    """Vaswani et al. (2017): ``pe[p, 2i] = sin(p / 10000^(2i/d))``, ``pe[p, 2i+1] = cos(...)``."""
    position = torch.arange(num_positions, dtype=torch.float32)[:, None]
    inv_freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10_000.0) / dim))
    table = torch.zeros(num_positions, dim, dtype=torch.float32)
    table[:, 0::2] = torch.sin(position * inv_freq)
    table[:, 1::2] = torch.cos(position * inv_freq[: dim // 2])
    return table


def alibi_slopes(num_heads: int) -> torch.Tensor:
    """Per-head ALiBi slopes (Press et al., 2022): a geometric series starting at ``2^(-8/n)``.

    For a head count that is not a power of two, the closest lower power of two gets the usual series
    and the remaining heads take every other slope of the series for twice that power (as BLOOM does).
    """
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = 2.0 ** (-8.0 / closest_power_of_2)
    slopes = base ** torch.arange(1, closest_power_of_2 + 1, dtype=torch.float32)
    if closest_power_of_2 != num_heads:
        extra_base = 2.0 ** (-4.0 / closest_power_of_2)
        n_extra = num_heads - closest_power_of_2
        extra = extra_base ** torch.arange(1, 1 + 2 * n_extra, 2, dtype=torch.float32)
        slopes = torch.cat([slopes, extra])
    return slopes


class DnaEncoderAlibi(nn.Module):
    """Symmetric ALiBi for a bidirectional encoder: score(i, j) gets ``-slope_h * |p_i - p_j|``."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.slopes = nn.Buffer(alibi_slopes(self.num_heads), persistent=False)

    def forward(self, position_ids: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """``position_ids`` (batch or 1, seq) -> bias (batch or 1, heads, seq, seq)."""
        distance = (position_ids[:, None, :, None] - position_ids[:, None, None, :]).abs()
        return (-self.slopes[None, :, None, None] * distance).to(dtype)


class DnaEncoderRotaryEmbedding(nn.Module):
    """Rotary cos/sin tables from transformers' rope utilities (same shape as LlamaRotaryEmbedding)."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.max_seq_len_cached = config.max_position_embeddings
        self.original_max_seq_len = config.max_position_embeddings
        self.config = config
        self.rope_type = config.rope_parameters["rope_type"]
        inv_freq, self.attention_scaling = self.rope_init_fn(config)
        self.inv_freq = nn.Buffer(inv_freq, persistent=False)
        self.original_inv_freq = nn.Buffer(inv_freq.clone(), persistent=False)

    @property
    def rope_init_fn(self) -> Callable:
        if self.rope_type == "default":
            return self.compute_default_rope_parameters
        return ROPE_INIT_FUNCTIONS[self.rope_type]

    @staticmethod
    def compute_default_rope_parameters(
        config: DnaEncoderConfig, device=None, **kwargs
    ) -> tuple[torch.Tensor, float]:
        """Original RoPE: ``inv_freq[i] = theta^(-2i/d)`` over the head dimension."""
        base = config.rope_parameters["rope_theta"]
        dim = config.hidden_size // config.num_attention_heads
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32, device=device) / dim))
        return inv_freq, 1.0

    @torch.no_grad()
    @dynamic_rope_update
    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = position_ids[..., None].float() * self.inv_freq.to(device=x.device, dtype=torch.float32)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) over the last dimension."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    """Rotate q and k of shape (batch, heads, seq, head_dim) by cos/sin of shape (batch, seq, head_dim)."""
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


# ----------------------------------------------------------------------------------------------
# Encoder blocks
# ----------------------------------------------------------------------------------------------


class DnaEncoderEmbeddings(nn.Module):
    """Token embeddings (+ sinusoidal table, + token types if asked) -> LayerNorm -> dropout.

    With sinusoidal positions the token embeddings are scaled by sqrt(hidden) as in Vaswani et al.,
    so a unit-amplitude table does not drown tokens initialised with std 0.02.
    """

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.config = config
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.token_type_embeddings = (
            nn.Embedding(config.type_vocab_size, config.hidden_size) if config.type_vocab_size > 0 else None
        )
        self.use_sinusoidal = config.position_embedding_type == "sinusoidal"
        self.embed_scale = math.sqrt(config.hidden_size) if self.use_sinusoidal else 1.0
        if self.use_sinusoidal:
            self.sinusoidal = nn.Buffer(
                sinusoidal_table(config.max_position_embeddings, config.hidden_size), persistent=False
            )
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        position_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        if self.use_sinusoidal:
            x = x * self.embed_scale
            table = self.sinusoidal
            needed = int(position_ids.max()) + 1
            if needed > table.shape[0]:  # longer than trained: the formula extends the table
                table = sinusoidal_table(needed, self.config.hidden_size).to(table.device)
            x = x + table[position_ids].to(x.dtype)
        if self.token_type_embeddings is not None:
            if token_type_ids is None:
                token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
            x = x + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.norm(x))


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


class DnaEncoderAttention(nn.Module):
    """Bidirectional multi-head attention with one fused q/k/v projection (``qkv``) and ``out_proj``."""

    def __init__(self, config: DnaEncoderConfig, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = False
        self.attention_dropout = config.attention_probs_dropout_prob
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        qkv = self.qkv(hidden_states).view(*input_shape, 3, self.num_heads, self.head_dim)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(dim=-3))
        if position_embeddings is not None:
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
            scaling=self.scaling,
            **kwargs,
        )
        y = y.reshape(*input_shape, -1).contiguous()
        return self.out_proj(y), att


class DnaEncoderMLP(nn.Module):
    """``down_proj(act(up_proj(x)))``."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACT2FN[config.hidden_act]
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act(self.up_proj(x)))


class DnaEncoderLayer(GradientCheckpointingLayer):
    """Pre-LN block: ``x + drop(attn(ln(x)))`` then ``x + drop(mlp(ln(x)))`` (stable at depth 24)."""

    def __init__(self, config: DnaEncoderConfig, layer_idx: int):
        super().__init__()
        self.attn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = DnaEncoderAttention(config, layer_idx)
        self.mlp_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = DnaEncoderMLP(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None,
        **kwargs,
    ) -> torch.Tensor:
        attn_output, _ = self.attention(
            self.attn_norm(hidden_states),
            attention_mask=attention_mask,
            position_embeddings=position_embeddings,
            **kwargs,
        )
        hidden_states = hidden_states + self.dropout(attn_output)
        return hidden_states + self.dropout(self.mlp(self.mlp_norm(hidden_states)))


# ----------------------------------------------------------------------------------------------
# Pretrained model classes
# ----------------------------------------------------------------------------------------------


class DnaEncoderPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = DnaEncoderConfig
    config: DnaEncoderConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["DnaEncoderEmbeddings", "DnaEncoderLayer"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = False
    _supports_attention_backend = True
    _can_record_outputs = {"hidden_states": DnaEncoderLayer, "attentions": DnaEncoderAttention}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) weights, zero biases, unit norms, and every non-persistent buffer
        recomputed: ``from_pretrained`` builds on the meta device, so buffers must be refilled here."""
        super()._init_weights(module)
        if isinstance(module, DnaEncoderEmbeddings) and module.use_sinusoidal:
            init.copy_(module.sinusoidal, sinusoidal_table(*module.sinusoidal.shape))
        elif isinstance(module, DnaEncoderAlibi):
            init.copy_(module.slopes, alibi_slopes(module.num_heads))
        elif isinstance(module, DnaEncoderRotaryEmbedding):
            inv_freq, _ = module.rope_init_fn(module.config)
            init.copy_(module.inv_freq, inv_freq)
            init.copy_(module.original_inv_freq, inv_freq)


class DnaEncoderModel(DnaEncoderPreTrainedModel):
    """The bare encoder: embeddings -> N pre-LN layers -> final LayerNorm."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__(config)
        self.embeddings = DnaEncoderEmbeddings(config)
        self.layers = nn.ModuleList([DnaEncoderLayer(config, i) for i in range(config.num_hidden_layers)])
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        kind = config.position_embedding_type
        self.rotary_emb = DnaEncoderRotaryEmbedding(config) if kind == "rope" else None
        self.alibi = DnaEncoderAlibi(config) if kind == "alibi" else None
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def _attention_bias(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None, position_ids: torch.Tensor
    ) -> torch.Tensor | None:
        """Padding mask in the form the attention backend wants; for ALiBi a float bias with padding folded in."""
        if self.alibi is None:
            return create_bidirectional_mask(
                config=self.config, inputs_embeds=hidden_states, attention_mask=attention_mask
            )
        if self.config._attn_implementation.startswith("flash"):
            raise ValueError(
                "ALiBi adds a float bias to the scores; use attn_implementation='sdpa' or 'eager'"
            )
        bias = self.alibi(position_ids, hidden_states.dtype)
        if attention_mask is not None and attention_mask.dim() == 2 and not bool(attention_mask.all()):
            keep = attention_mask[:, None, None, :].bool()
            bias = bias.masked_fill(~keep, torch.finfo(hidden_states.dtype).min)
        return bias

    @capture_outputs
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs,
    ) -> BaseModelOutput:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        reference = input_ids if input_ids is not None else inputs_embeds
        if position_ids is None:
            position_ids = torch.arange(reference.shape[1], device=reference.device).unsqueeze(0)

        hidden_states = self.embeddings(input_ids, inputs_embeds, position_ids, token_type_ids)
        mask = self._attention_bias(hidden_states, attention_mask, position_ids)
        position_embeddings = (
            self.rotary_emb(hidden_states, position_ids) if self.rotary_emb is not None else None
        )
        for layer in self.layers:
            hidden_states = layer(
                hidden_states, attention_mask=mask, position_embeddings=position_embeddings, **kwargs
            )
        return BaseModelOutput(last_hidden_state=self.final_norm(hidden_states))


class DnaEncoderLMHead(nn.Module):
    """dense -> act -> LayerNorm -> decoder (weight tied to the input embeddings, own bias: one addmm)."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.norm(self.act(self.dense(hidden_states))))


class DnaEncoderForMaskedLM(DnaEncoderPreTrainedModel):
    """Masked-LM head. With ``labels`` (and ``config.sparse_prediction``, the default) logits are
    computed only at positions whose label is not -100 and returned flat as (n_masked, vocab):
    the vocabulary projection is the largest matmul of a small DNA model, as DNABERT-2 noticed."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: DnaEncoderConfig):
        super().__init__(config)
        self.model = DnaEncoderModel(config)
        self.lm_head = DnaEncoderLMHead(config)
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
        hidden_states = outputs.last_hidden_state
        if labels is not None and getattr(self.config, "sparse_prediction", True):
            masked = labels != -100
            hidden_states, labels = hidden_states[masked], labels[masked]
        logits = self.lm_head(hidden_states)
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
        return MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


def pool(hidden_states: torch.Tensor, attention_mask: torch.Tensor | None, how: str) -> torch.Tensor:
    """``cls``: the first token; ``mean``: the average over non-padding tokens."""
    if how == "cls":
        return hidden_states[:, 0]
    if attention_mask is None:
        return hidden_states.mean(dim=1)
    weights = attention_mask.to(hidden_states.dtype).unsqueeze(-1)
    return (hidden_states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class DnaEncoderClassificationHead(nn.Module):
    """dropout -> dense -> tanh -> dropout -> out_proj (RoBERTa's head on the pooled vector)."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out_proj(self.dropout(torch.tanh(self.dense(self.dropout(pooled)))))


def sequence_classification_loss(config: DnaEncoderConfig, logits: torch.Tensor, labels: torch.Tensor):
    """BERT's rule: regression for 1 label, single-label for integer labels, multi-label otherwise."""
    num_labels = config.num_labels
    if config.problem_type is None:
        if num_labels == 1:
            config.problem_type = "regression"
        elif labels.dtype in (torch.long, torch.int):
            config.problem_type = "single_label_classification"
        else:
            config.problem_type = "multi_label_classification"
    if config.problem_type == "regression":
        if num_labels == 1:
            return MSELoss()(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
        return MSELoss()(logits, labels.to(logits.dtype))
    if config.problem_type == "single_label_classification":
        return CrossEntropyLoss()(logits.view(-1, num_labels), labels.view(-1))
    return BCEWithLogitsLoss()(logits, labels.to(logits.dtype))


class DnaEncoderForSequenceClassification(DnaEncoderPreTrainedModel):
    """Pooled (``config.classifier_pooling``: cls or mean) sequence classification or regression."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = DnaEncoderModel(config)
        self.classifier = DnaEncoderClassificationHead(config)
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
        pooled = pool(outputs.last_hidden_state, attention_mask, self.config.classifier_pooling)
        logits = self.classifier(pooled)
        loss = sequence_classification_loss(self.config, logits, labels) if labels is not None else None
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


class DnaEncoderForTokenClassification(DnaEncoderPreTrainedModel):
    """Per-token labels (e.g. splice sites, coding/non-coding), -100 ignored."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = DnaEncoderModel(config)
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
            loss = CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
        return TokenClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


__all__ = [
    "DnaEncoderForMaskedLM",
    "DnaEncoderForSequenceClassification",
    "DnaEncoderForTokenClassification",
    "DnaEncoderModel",
    "DnaEncoderPreTrainedModel",
    "alibi_slopes",
    "sinusoidal_table",
]
