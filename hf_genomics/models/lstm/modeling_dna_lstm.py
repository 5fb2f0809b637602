"""DNA LSTM causal LM: embeddings -> stacked ``nn.LSTM`` -> linear LM head.

The RNN of the human-genes study (arXiv 2307.10634; Keras there, embedding 256, hidden 512,
4 layers) as a ``PreTrainedModel`` so that ``Trainer``, ``generate()``, safetensors and the Auto
classes work as for any transformers decoder. The recurrent state ``(h, c)`` is the generation
cache: after the prompt only the newest token is fed. Sequences are right-padded (the causal
tokenizer's ``[BOS] x [EOS] [PAD]...``), so padding never reaches the state of a real token.

``DnaLstmModel`` is the base model (embeddings + LSTM, ``base_model_prefix = "model"``);
``DnaLstmForCausalLM`` adds the LM head. Folders saved before the split (weights named
``embeddings.*``/``lstm.*`` at top level) still load: their keys are renamed on load.
``save_pretrained`` also exports this file and its config (``hf_genomics.remote_code``), so the
folder loads with ``trust_remote_code=True`` where ``hf_genomics`` is not installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from transformers import initialization as init
from transformers.generation import GenerationMixin
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import ModelOutput

from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_dna_lstm import DnaLstmConfig

# What ``save_pretrained`` writes into config.json so the folder also loads as remote code.
AUTO_MAP = {
    "AutoConfig": "configuration_dna_lstm.DnaLstmConfig",
    "AutoModel": "modeling_dna_lstm.DnaLstmModel",
    "AutoModelForCausalLM": "modeling_dna_lstm.DnaLstmForCausalLM",
}
# Weight names of folders saved before the base model existed -> today's names.
LEGACY_KEY_MAPPING = {r"^embeddings\.": "model.embeddings.", r"^lstm\.": "model.lstm."}


@dataclass
class DnaLstmModelOutput(ModelOutput):
    """Top-layer states, the recurrent state (the generation cache) and, if asked, the hidden states
    (the embeddings and the top layer's output: ``nn.LSTM`` does not expose inner layers)."""

    last_hidden_state: torch.Tensor | None = None
    lstm_state: tuple[torch.Tensor, torch.Tensor] | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None


@dataclass
class DnaLstmCausalLMOutput(ModelOutput):
    """Causal-LM output plus the recurrent state, the LSTM's generation cache."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    lstm_state: tuple[torch.Tensor, torch.Tensor] | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None


def keras_init(module: nn.Module) -> None:
    """Keras' defaults, as the study's model was built: ``Embedding`` U(±0.05) (keras_nlp's
    ``TokenAndPositionEmbedding`` uses it for positions too), ``LSTM`` Glorot-uniform input kernel and
    orthogonal recurrent kernel over all four gates at once (Keras stores them as one
    ``(in, 4*hidden)`` matrix), a single zero bias with the forget gate at 1 (``unit_forget_bias``),
    ``Dense`` Glorot-uniform with a zero bias. PyTorch's second bias (``bias_hh``) stays zero."""
    if isinstance(module, nn.Embedding):
        init.uniform_(module.weight, -0.05, 0.05)
    elif isinstance(module, nn.Linear):
        init.xavier_uniform_(module.weight)  # symmetric in fan-in/fan-out: (out, in) = Keras' (in, out)ᵀ
        if module.bias is not None:
            init.zeros_(module.bias)
    elif isinstance(module, nn.LSTM):
        size = module.hidden_size
        for name, parameter in module.named_parameters():
            if name.startswith("weight_ih"):
                init.xavier_uniform_(parameter)
            elif name.startswith("weight_hh"):
                init.orthogonal_(parameter)  # (4h, h): orthonormal columns, Keras' (h, 4h) rows
            else:
                init.zeros_(parameter)
                if name.startswith("bias_ih"):
                    init.ones_(parameter[size : 2 * size])  # gates are ordered i, f, g, o


class DnaLstmPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = DnaLstmConfig
    config: DnaLstmConfig
    base_model_prefix = "model"
    main_input_name = "input_ids"
    supports_gradient_checkpointing = False
    _no_split_modules = ["DnaLstmModel"]

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, embedding_init_std) embeddings, Normal(0, initializer_range) head, LSTM weights
        U(±1/sqrt(hidden)) as in PyTorch, forget-gate bias 1 (Jozefowicz et al., 2015) so early
        training keeps memory. ``config.init_scheme == "keras"``: see :func:`keras_init`."""
        if self.config.init_scheme == "keras":
            keras_init(module)
            return
        super()._init_weights(module)
        if isinstance(module, nn.Embedding):  # see DnaLstmConfig.embedding_init_std
            std = self.config.initializer_range if getattr(module, "is_position", False) else None
            init.normal_(module.weight, mean=0.0, std=std or self.config.embedding_init_std)
        if isinstance(module, nn.LSTM):
            bound = 1.0 / math.sqrt(module.hidden_size)
            for name, parameter in module.named_parameters():
                if name.startswith("weight"):
                    init.uniform_(parameter, -bound, bound)
                else:
                    init.zeros_(parameter)
                    if name.startswith("bias_ih"):
                        size = module.hidden_size
                        init.ones_(parameter[size : 2 * size])  # gates are ordered i, f, g, o

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        """The LSTM's cache is its ``(h, c)`` state, not a key/value ``DynamicCache``."""
        return False


class DnaLstmModel(DnaLstmPreTrainedModel):
    """Token embeddings -> stacked ``nn.LSTM``: the base model, without the LM head."""

    def __init__(self, config: DnaLstmConfig) -> None:
        super().__init__(config)
        self.embeddings = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=None)
        # only with config.position_embedding, so older folders have no such weight
        self.position_embeddings = (
            nn.Embedding(config.max_position_embeddings, config.embedding_size)
            if config.position_embedding
            else None
        )
        if self.position_embeddings is not None:
            self.position_embeddings.is_position = True  # small init: positions only shift tokens
        self.lstm = nn.LSTM(
            input_size=config.embedding_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_hidden_layers,
            dropout=config.dropout if config.num_hidden_layers > 1 else 0.0,
            batch_first=True,
        )
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        lstm_state: tuple[torch.Tensor, torch.Tensor] | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.LongTensor | None = None,
        **kwargs,
    ) -> DnaLstmModelOutput:
        """``attention_mask`` is accepted for API compatibility: with right padding the state of every
        real token is computed before any padding is read. ``position_ids`` (default 0, 1, ...) is
        read only with ``config.position_embedding``; generation passes it for the cached steps."""
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        if inputs_embeds is None:
            inputs_embeds = self.embeddings(input_ids)
        if self.position_embeddings is not None:
            if position_ids is None:
                position_ids = torch.arange(inputs_embeds.shape[1], device=inputs_embeds.device)[None]
            if int(position_ids.max()) >= self.config.max_position_embeddings:
                raise ValueError(
                    f"position {int(position_ids.max())} is beyond max_position_embeddings="
                    f"{self.config.max_position_embeddings} of this LSTM"
                )
            inputs_embeds = inputs_embeds + self.position_embeddings(position_ids)
        hidden, state = self.lstm(inputs_embeds, lstm_state)
        return DnaLstmModelOutput(
            last_hidden_state=hidden,
            lstm_state=state if use_cache is not False else None,
            hidden_states=(inputs_embeds, hidden) if output_hidden_states else None,
        )


class DnaLstmForCausalLM(DnaLstmPreTrainedModel, GenerationMixin):
    """Next-token prediction with a stacked LSTM (see the module docstring)."""

    def __init__(self, config: DnaLstmConfig) -> None:
        super().__init__(config)
        self.model = DnaLstmModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size)
        self.post_init()

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        """``PreTrainedModel.from_pretrained``, also reading folders saved before the base model
        existed (top-level ``embeddings.*``/``lstm.*``); they are saved again with today's names."""
        kwargs.setdefault("key_mapping", LEGACY_KEY_MAPPING)
        model = super().from_pretrained(*args, **kwargs)
        model._weight_conversions = None  # save today's names, not the names the folder had
        return model

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embeddings = value

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.lm_head = value

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        lstm_state: tuple[torch.Tensor, torch.Tensor] | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.LongTensor | None = None,
        **kwargs,
    ) -> DnaLstmCausalLMOutput:
        """``labels`` are the input ids (``-100`` ignored); the shift happens in the loss, as in GPT-NeoX.

        ``attention_mask`` is accepted for API compatibility: with right padding the state of every
        real token is computed before any padding is read, and padded labels are ``-100``.
        """
        outputs = self.model(
            input_ids=input_ids,
            lstm_state=lstm_state,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            output_hidden_states=output_hidden_states,
            position_ids=position_ids,
        )
        logits = self.lm_head(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
        return DnaLstmCausalLMOutput(
            loss=loss,
            logits=logits,
            lstm_state=outputs.lstm_state,
            hidden_states=outputs.hidden_states,
        )

    def prepare_inputs_for_generation(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        lstm_state: tuple[torch.Tensor, torch.Tensor] | None = None,
        **kwargs,
    ) -> dict:
        """Feed the whole prompt once, then only the newest token with the carried state
        (``use_cache=False``: the whole sequence every step, a check of the cached path)."""
        use_cache = kwargs.get("use_cache", True) is not False
        position_ids = None
        if lstm_state is not None and use_cache:
            position_ids = torch.full(
                (input_ids.shape[0], 1), input_ids.shape[1] - 1, dtype=torch.long, device=input_ids.device
            )
            input_ids = input_ids[:, -1:]
        else:
            lstm_state = None
        return {
            "input_ids": input_ids,
            "lstm_state": lstm_state,
            "use_cache": use_cache,
            "position_ids": position_ids,
        }

    def _update_model_kwargs_for_generation(self, outputs, model_kwargs, is_encoder_decoder=False, **kwargs):
        model_kwargs = super()._update_model_kwargs_for_generation(
            outputs, model_kwargs, is_encoder_decoder=is_encoder_decoder, **kwargs
        )
        model_kwargs["lstm_state"] = outputs.lstm_state
        return model_kwargs


__all__ = ["DnaLstmForCausalLM", "DnaLstmModel", "DnaLstmPreTrainedModel"]
