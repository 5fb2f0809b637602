"""DNA encoder of the coding-schemes study (arXiv 2507.15087): one pre-LN BERT-style encoder whose
only switch is how positions are encoded (sinusoidal table, ALiBi bias or rotary q/k).

The shared blocks (ALiBi slopes and chunked bias, sinusoidal encodings, rotary helpers, eager
attention) live in ``hf_genomics.models.layers`` and are re-exported here. ``forward`` makes no host
sync (no ``.item()``, no Python branch on tensor values) apart from the masked-LM head's sparse
prediction (``config.sparse_prediction``), whose output size depends on the labels. ALiBi's bias is
built per query chunk, so its memory is linear in the length; flash kernels take no additive bias,
so an ALiBi model refuses them.

``save_pretrained`` also exports this file and its config (``hf_genomics.remote_code``), so the folder
loads with ``trust_remote_code=True`` where ``hf_genomics`` is not installed.
"""

from __future__ import annotations

import math
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

from hf_genomics.models.layers.alibi import alibi_slopes, query_rows_per_chunk, symmetric_alibi_bias
from hf_genomics.models.layers.attention import check_scores_fit, eager_attention_forward
from hf_genomics.models.layers.pooling import masked_mean
from hf_genomics.models.layers.rotary import RotaryEmbedding, apply_rotary_pos_emb, rotate_half
from hf_genomics.models.layers.sinusoidal import sinusoidal_inv_freq, sinusoidal_positions, sinusoidal_table
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_dna_encoder import DnaEncoderConfig

ALIBI_FLASH_MESSAGE = (
    "attn_implementation={!r}: ALiBi adds a float bias to the attention scores and flash kernels take "
    "none; use attn_implementation='sdpa' (memory linear in length: the bias is built per query chunk) "
    "or 'eager'"
)

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


class DnaEncoderAlibi(nn.Module):
    """Symmetric ALiBi for a bidirectional encoder: score(i, j) gets ``-slope_h * |p_i - p_j|``."""

    def __init__(self, config: DnaEncoderConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.slopes = nn.Buffer(alibi_slopes(self.num_heads), persistent=False)

    def forward(
        self,
        query_positions: torch.Tensor,
        key_positions: torch.Tensor,
        key_padding_mask: torch.Tensor | None,
        dtype: torch.dtype,
    ) -> torch.Tensor:
        """Positions (batch or 1, queries) and (batch or 1, keys) -> bias (batch or 1, heads, queries, keys)."""
        return symmetric_alibi_bias(self.slopes, query_positions, key_positions, key_padding_mask, dtype)


DnaEncoderRotaryEmbedding = RotaryEmbedding  # the shared layer, under the family's name


# ----------------------------------------------------------------------------------------------
# Encoder blocks
# ----------------------------------------------------------------------------------------------


class DnaEncoderEmbeddings(nn.Module):
    """Token embeddings (+ sinusoidal encodings, + token types if asked) -> LayerNorm -> dropout.

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
            self.inv_freq = nn.Buffer(sinusoidal_inv_freq(config.hidden_size), persistent=False)
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
        if self.use_sinusoidal:  # from the formula: any length, no table bound to check on the host
            x = x * self.embed_scale
            x = x + sinusoidal_positions(position_ids, self.inv_freq, self.config.hidden_size).to(x.dtype)
        if self.token_type_embeddings is not None:
            if token_type_ids is None:
                token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
            x = x + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.norm(x))


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
        position_bias: Callable[[slice], torch.Tensor] | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``position_bias(rows)`` (ALiBi) returns the additive bias of those query rows against every
        key, padding folded in; attention then runs one query chunk at a time (see ``layers.alibi``)."""
        input_shape = hidden_states.shape[:-1]
        qkv = self.qkv(hidden_states).view(*input_shape, 3, self.num_heads, self.head_dim)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(dim=-3))
        if position_embeddings is not None:
            cos, sin = position_embeddings
            q, k = apply_rotary_pos_emb(q, k, cos, sin)
        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        settings = dict(
            dropout=self.attention_dropout if self.training else 0.0, scaling=self.scaling, **kwargs
        )
        batch, heads, length, num_keys = q.shape[0], self.num_heads, q.shape[2], k.shape[2]
        eager = self.config._attn_implementation == "eager"
        if eager and (position_bias is None or kwargs.get("output_attentions")):
            check_scores_fit((batch, heads, length, num_keys), q.device, "eager attention")
        if position_bias is None:
            y, att = attention_interface(self, q, k, v, attention_mask, **settings)
        else:
            rows = query_rows_per_chunk(batch, heads, length, num_keys, q.dtype)
            keep_maps = bool(kwargs.get("output_attentions"))  # otherwise nothing L × L is kept
            outputs, maps = [], []
            for start in range(0, length, rows):
                bias = position_bias(slice(start, start + rows))
                y_rows, att_rows = attention_interface(
                    self, q[:, :, start : start + rows], k, v, bias, **settings
                )
                outputs.append(y_rows)
                if keep_maps and att_rows is not None:
                    maps.append(att_rows)
            y = torch.cat(outputs, dim=1) if len(outputs) > 1 else outputs[0]
            att = torch.cat(maps, dim=2) if maps else None
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
    _supports_flex_attn = False
    _supports_attention_backend = True
    _can_record_outputs = {"hidden_states": DnaEncoderLayer, "attentions": DnaEncoderAttention}

    @property
    def _supports_flash_attn(self) -> bool:
        """Flash kernels take no additive bias: true for sinusoidal and RoPE, false for ALiBi."""
        config = self.__dict__.get("config")
        return config is None or config.position_embedding_type != "alibi"

    def _check_and_adjust_attn_implementation(self, attn_implementation, is_init_check=False, **kwargs):
        """Refuse flash kernels for ALiBi with a message that says why (transformers' says "not yet")."""
        if self.config.position_embedding_type == "alibi" and "flash" in str(attn_implementation or ""):
            raise ValueError(ALIBI_FLASH_MESSAGE.format(attn_implementation))
        return super()._check_and_adjust_attn_implementation(attn_implementation, is_init_check, **kwargs)

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) weights, zero biases, unit norms, and every non-persistent buffer
        recomputed: ``from_pretrained`` builds on the meta device, so buffers must be refilled here."""
        super()._init_weights(module)
        if isinstance(module, DnaEncoderEmbeddings) and module.use_sinusoidal:
            init.copy_(module.inv_freq, sinusoidal_inv_freq(module.config.hidden_size))
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

    def _alibi_bias(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None, position_ids: torch.Tensor
    ) -> Callable[[slice], torch.Tensor]:
        """The ALiBi bias of a slice of query rows against every key, padding folded in (2-D masks:
        padded keys; 4-D masks: added, or applied as booleans, row by row)."""
        if self.config._attn_implementation.startswith("flash"):
            raise ValueError(ALIBI_FLASH_MESSAGE.format(self.config._attn_implementation))
        key_mask = attention_mask if attention_mask is not None and attention_mask.dim() == 2 else None
        full_mask = attention_mask if attention_mask is not None and attention_mask.dim() == 4 else None
        dtype = hidden_states.dtype

        length = hidden_states.shape[1]
        whole: list[torch.Tensor] = []  # a bias covering every row is built once and shared by all layers

        def build(rows: slice) -> torch.Tensor:
            chunk = self.alibi(position_ids[:, rows], position_ids, key_mask, dtype)
            if full_mask is None:
                return chunk
            if full_mask.dtype == torch.bool:
                return chunk.masked_fill(~full_mask[:, :, rows], torch.finfo(dtype).min)
            return chunk + full_mask[:, :, rows].to(dtype)

        def bias(rows: slice) -> torch.Tensor:
            if rows.start or rows.stop < length:
                return build(rows)
            if not whole:
                whole.append(build(rows))
            return whole[0]

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
        if self.alibi is not None:
            mask, position_bias = None, self._alibi_bias(hidden_states, attention_mask, position_ids)
        else:
            position_bias = None
            mask = create_bidirectional_mask(
                config=self.config, inputs_embeds=hidden_states, attention_mask=attention_mask
            )
        position_embeddings = (
            self.rotary_emb(hidden_states, position_ids) if self.rotary_emb is not None else None
        )
        for layer in self.layers:
            hidden_states = layer(
                hidden_states,
                attention_mask=mask,
                position_embeddings=position_embeddings,
                position_bias=position_bias,
                **kwargs,
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
    return masked_mean(hidden_states, attention_mask)


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
        loss = None
        if (
            labels is not None
        ):  # transformers' rule on config.problem_type (regression / single / multi-label)
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
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
            loss = self.loss_function(logits, labels, self.config)
        return TokenClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


__all__ = [
    "DnaEncoderForMaskedLM",
    "DnaEncoderForSequenceClassification",
    "DnaEncoderForTokenClassification",
    "DnaEncoderModel",
    "DnaEncoderPreTrainedModel",
    # re-exported from hf_genomics.models.layers
    "alibi_slopes",
    "apply_rotary_pos_emb",
    "eager_attention_forward",
    "rotate_half",
    "sinusoidal_table",
]
