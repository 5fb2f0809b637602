"""DNABERT-2 (Zhou et al., 2024; zhihan1996/DNABERT-2-117M, DNABERT-S) as a native transformers model.

The architecture is MosaicBERT: post-LN BERT layers, ALiBi biases instead of position embeddings, a fused
q/k/v projection and a gated-linear-unit feed-forward. The original unpads the batch and calls a triton
flash-attention kernel when it can (GPU only; it asserts on CPU with triton installed); here attention goes
through transformers' ``ALL_ATTENTION_FUNCTIONS`` (SDPA or eager) on the padded batch, with ALiBi and
padding folded into one float bias, while the projections, norms and MLP skip padded tokens as the
original's unpadding does. Outputs equal the original's PyTorch path, padded positions included
(the original re-pads them with zeros; so does this model).

``save_pretrained`` also exports this file and its config (``hf_genomics.remote_code``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutput, MaskedLMOutput, SequenceClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.utils.generic import can_return_tuple
from transformers.utils.output_capturing import capture_outputs

from hf_genomics.models.layers.alibi import alibi_slopes
from hf_genomics.models.layers.attention import eager_attention_forward
from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_dnabert2 import Dnabert2Config

AUTO_MAP = {
    "AutoConfig": "configuration_dnabert2.Dnabert2Config",
    "AutoModel": "modeling_dnabert2.Dnabert2Model",
    "AutoModelForMaskedLM": "modeling_dnabert2.Dnabert2ForMaskedLM",
    "AutoModelForSequenceClassification": "modeling_dnabert2.Dnabert2ForSequenceClassification",
}

# The original's masked-LM head hard-codes this LayerNorm epsilon, whatever the config says.
LM_HEAD_LAYER_NORM_EPS = 1e-12


class Dnabert2Embeddings(nn.Module):
    """Token + token-type embeddings -> LayerNorm -> dropout (no position embeddings: ALiBi)."""

    def __init__(self, config: Dnabert2Config):
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        if token_type_ids is None:
            token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
        return self.dropout(self.norm(x + self.token_type_embeddings(token_type_ids)))


class Dnabert2Alibi(nn.Module):
    """Symmetric ALiBi: score(i, j) gets ``-slope_h * |i - j|`` (the original's non-causal form)."""

    def __init__(self, config: Dnabert2Config):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.slopes = nn.Buffer(alibi_slopes(self.num_heads), persistent=False)

    def forward(self, seq_len: int, device: torch.device) -> torch.Tensor:
        """(1, heads, seq, seq) float32 bias."""
        position = torch.arange(seq_len, device=device)
        distance = (position[None, :] - position[:, None]).abs()
        return -self.slopes.to(device)[None, :, None, None] * distance[None, None]


class Dnabert2Attention(nn.Module):
    """Bidirectional attention: fused ``qkv`` (q, k, v blocks of ``hidden`` each, heads inside) and
    ``out_proj``; the ALiBi + padding bias arrives as ``attention_mask``."""

    def __init__(self, config: Dnabert2Config, layer_idx: int):
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
        token_index: torch.Tensor | None = None,
        padded_shape: tuple[int, int] | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``hidden_states`` (batch, seq, hidden), or packed (tokens, hidden) with ``token_index`` (their
        flat positions in the ``padded_shape`` batch): projections then skip padding, attention does not."""
        qkv = self.qkv(hidden_states)
        if token_index is not None:
            qkv = qkv.new_zeros(padded_shape[0] * padded_shape[1], qkv.shape[-1]).index_copy(
                0, token_index, qkv
            )
        input_shape = padded_shape if token_index is not None else hidden_states.shape[:-1]
        qkv = qkv.view(*input_shape, 3, self.num_heads, self.head_dim)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(dim=-3))
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
        y = y.reshape(*input_shape, -1)
        if token_index is not None:
            y = y.reshape(-1, y.shape[-1]).index_select(0, token_index)
        return self.out_proj(y.contiguous()), att


class Dnabert2GatedMLP(nn.Module):
    """``down_proj(dropout(gelu(gate) * up))`` with ``[gate, up] = gate_up_proj(x)`` (no bias), as MosaicBERT."""

    def __init__(self, config: Dnabert2Config):
        super().__init__()
        self.intermediate_size = config.intermediate_size
        self.gate_up_proj = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.act = nn.GELU(approximate="none")  # fixed in the original, whatever hidden_act says
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up_proj(x).split(self.intermediate_size, dim=-1)
        return self.down_proj(self.dropout(self.act(gate) * up))


class Dnabert2Layer(GradientCheckpointingLayer):
    """Post-LN block: ``x = ln(x + drop(attn(x)))`` then ``x = ln(x + mlp(x))``."""

    def __init__(self, config: Dnabert2Config, layer_idx: int):
        super().__init__()
        self.attention = Dnabert2Attention(config, layer_idx)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.attn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = Dnabert2GatedMLP(config)
        self.mlp_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_index: torch.Tensor | None = None,
        **kwargs,
    ) -> torch.Tensor:
        """With ``token_index`` (flat positions of the real tokens) every per-token step runs on the real
        tokens only, as the original's unpadding does; padded rows pass through unchanged."""
        if token_index is None:
            attn_output, _ = self.attention(hidden_states, attention_mask=attention_mask, **kwargs)
            hidden_states = self.attn_norm(hidden_states + self.dropout(attn_output))
            return self.mlp_norm(hidden_states + self.mlp(hidden_states))
        flat = hidden_states.reshape(-1, hidden_states.shape[-1])
        packed = flat.index_select(0, token_index)
        attn_output, _ = self.attention(
            packed,
            attention_mask=attention_mask,
            token_index=token_index,
            padded_shape=tuple(hidden_states.shape[:2]),
            **kwargs,
        )
        packed = self.attn_norm(packed + self.dropout(attn_output))
        packed = self.mlp_norm(packed + self.mlp(packed))
        return flat.index_copy(0, token_index, packed).view_as(hidden_states)


class Dnabert2PreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = Dnabert2Config
    config: Dnabert2Config
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["Dnabert2Embeddings", "Dnabert2Layer"]
    _supports_sdpa = True
    _supports_flash_attn = False  # ALiBi is a float bias: flash kernels cannot take it
    _supports_flex_attn = False
    _supports_attention_backend = True
    _can_record_outputs = {"hidden_states": Dnabert2Layer, "attentions": Dnabert2Attention}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """BERT's init (normal(0, initializer_range), zero biases, unit norms) and the ALiBi slopes
        refilled: ``from_pretrained`` builds on the meta device, so buffers must be recomputed here."""
        super()._init_weights(module)
        if isinstance(module, Dnabert2Alibi):
            init.copy_(module.slopes, alibi_slopes(module.num_heads))


class Dnabert2Model(Dnabert2PreTrainedModel):
    """The bare encoder; its output is what the original ``BertModel`` returns first."""

    def __init__(self, config: Dnabert2Config):
        super().__init__(config)
        self.embeddings = Dnabert2Embeddings(config)
        self.layers = nn.ModuleList([Dnabert2Layer(config, i) for i in range(config.num_hidden_layers)])
        self.alibi = Dnabert2Alibi(config)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def _attention_bias(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None
    ) -> torch.Tensor:
        """ALiBi (1 or batch, heads, seq, seq) with padded keys pushed to the dtype's minimum."""
        if self.config._attn_implementation.startswith("flash"):
            raise ValueError("DNABERT-2's ALiBi is a float bias: use attn_implementation='sdpa' or 'eager'")
        bias = self.alibi(hidden_states.shape[1], hidden_states.device).to(hidden_states.dtype)
        if attention_mask is not None and not bool(attention_mask.all()):
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
        """``position_ids`` is accepted for API compatibility and ignored, as in the original (ALiBi)."""
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        if attention_mask is not None and attention_mask.dim() != 2:
            raise ValueError("attention_mask must be (batch, seq) with 1 for tokens and 0 for padding")
        hidden_states = self.embeddings(input_ids, inputs_embeds, token_type_ids)
        bias = self._attention_bias(hidden_states, attention_mask)
        padded = attention_mask is not None and not bool(attention_mask.all())
        token_index = attention_mask.reshape(-1).nonzero().squeeze(1) if padded else None
        for layer in self.layers:
            hidden_states = layer(hidden_states, attention_mask=bias, token_index=token_index, **kwargs)
        if attention_mask is not None:  # the original drops padded tokens and re-pads with zeros
            hidden_states = hidden_states * attention_mask[..., None].to(hidden_states.dtype)
        return BaseModelOutput(last_hidden_state=hidden_states)


class Dnabert2LMHead(nn.Module):
    """dense -> act -> LayerNorm -> decoder (weight tied to the token embeddings, own bias)."""

    def __init__(self, config: Dnabert2Config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.norm = nn.LayerNorm(config.hidden_size, eps=LM_HEAD_LAYER_NORM_EPS)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.norm(self.act(self.dense(hidden_states))))


class Dnabert2ForMaskedLM(Dnabert2PreTrainedModel):
    """Masked-LM head; logits (batch, seq, vocab), loss over labels != -100 (transformers' convention)."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: Dnabert2Config):
        super().__init__(config)
        self.model = Dnabert2Model(config)
        self.lm_head = Dnabert2LMHead(config)
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


class Dnabert2Pooler(nn.Module):
    """BERT's pooler: tanh(dense(first token))."""

    def __init__(self, config: Dnabert2Config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden_states[:, 0]))


class Dnabert2ForSequenceClassification(Dnabert2PreTrainedModel):
    """pooler -> dropout -> linear classifier, as the original ``BertForSequenceClassification``."""

    def __init__(self, config: Dnabert2Config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = Dnabert2Model(config)
        self.pooler = Dnabert2Pooler(config)
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
            inputs_embeds=inputs_embeds,
            **kwargs,
        )
        logits = self.classifier(self.dropout(self.pooler(outputs.last_hidden_state)))
        loss = None
        if (
            labels is not None
        ):  # transformers' rule on config.problem_type (regression / single / multi-label)
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


__all__ = [
    "Dnabert2ForMaskedLM",
    "Dnabert2ForSequenceClassification",
    "Dnabert2Model",
    "Dnabert2PreTrainedModel",
]
