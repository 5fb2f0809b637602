"""Dilated residual CNN for DNA (the Basset / BPNet line) as a ``PreTrainedModel``.

Where data are small and the signal is a few short motifs (transcription-factor binding sites,
promoter elements) a convolutional network is the model genomics reaches for first: Basset's wide
first layer learns motif detectors, BPNet's residual blocks of dilated convolutions grow the
receptive field exponentially at a constant cost per layer. Here: token embedding -> stem convolution
-> ``num_hidden_layers`` pre-activation residual blocks (BatchNorm, GELU, convolution with dilation
``dilation_base ** i``) -> mean and max over real positions -> two-layer head.

With ``config.reverse_complement_sharing`` the same weights read both strands and the pooled
features are averaged before the head, so a sequence and its reverse complement get the same
prediction (weight sharing across strands, as in RC-invariant CNNs). The reverse strand is built
in token space from ``config.rc_token_map``; inputs are right-padded (our tokenizers' default).

Inputs are the usual ``input_ids`` / ``attention_mask`` of any of our tokenizers, so ``Trainer``,
``pipeline("text-classification")`` and the Auto classes work as for any transformers encoder, and
``save_pretrained`` exports this file and its config (``hf_genomics.remote_code``) so the folder
loads with ``trust_remote_code=True`` where ``hf_genomics`` is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import initialization as init
from transformers.modeling_outputs import MaskedLMOutput, SequenceClassifierOutput
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import ModelOutput

from hf_genomics.remote_code import RemoteCodeMixin

from .configuration_dna_cnn import DnaCnnConfig

AUTO_MAP = {
    "AutoConfig": "configuration_dna_cnn.DnaCnnConfig",
    "AutoModel": "modeling_dna_cnn.DnaCnnModel",
    "AutoModelForSequenceClassification": "modeling_dna_cnn.DnaCnnForSequenceClassification",
    "AutoModelForMaskedLM": "modeling_dna_cnn.DnaCnnForMaskedLM",
}


@dataclass
class DnaCnnModelOutput(ModelOutput):
    """Per-position features of the forward strand ``(batch, length, hidden)`` and the pooled
    features ``(batch, pooled size)`` (averaged over both strands with ``reverse_complement_sharing``)."""

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None


def reverse_complement_ids(
    input_ids: torch.Tensor, attention_mask: torch.Tensor, rc_token_map: torch.Tensor
) -> torch.Tensor:
    """The reverse strand of right-padded token rows: each row's real tokens reversed and mapped to
    their complements, padding left where it was."""
    length = input_ids.shape[1]
    real = attention_mask.sum(dim=1, keepdim=True)
    positions = torch.arange(length, device=input_ids.device).expand_as(input_ids)
    source = torch.where(positions < real, real - 1 - positions, positions)
    return rc_token_map[input_ids.gather(1, source)]


def checked_masks(
    model_name: str, input_ids: torch.Tensor | None, attention_mask: torch.Tensor | None, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """The attention mask (all ones when not given) and its ``(batch, 1, length)`` form in ``dtype``
    for the convolutions; a clear error when ``input_ids`` is missing."""
    if input_ids is None:
        raise ValueError(f"{model_name} needs input_ids")
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    return attention_mask, attention_mask[:, None, :].to(dtype)


def zero_padding(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``hidden`` ``(batch, channels, length)`` with padded positions set to zero; ``mask`` ``(batch,
    1, length)`` of 0/1, or None when no row has padding (nothing to do)."""
    return hidden if mask is None else hidden * mask


def padding_mask(mask: torch.Tensor) -> torch.Tensor | None:
    """``mask`` when some row has padding, else None: the convolutions and the pooling then skip the
    mask products (the same numbers, in less time)."""
    return None if bool(mask.all()) else mask


def masked_pool(hidden: torch.Tensor, mask: torch.Tensor | None, pooling: str) -> torch.Tensor:
    """Mean and/or max over real positions: ``hidden`` ``(batch, channels, length)``, ``mask``
    ``(batch, 1, length)`` of 0/1, or None when every position is real (plain mean and max)."""
    parts = []
    if pooling in ("mean", "mean_max"):
        parts.append(hidden.mean(-1) if mask is None else (hidden * mask).sum(-1) / mask.sum(-1).clamp(min=1))
    if pooling in ("max", "mean_max"):
        if mask is None:
            parts.append(hidden.amax(-1))
        else:
            maxed = hidden.masked_fill(mask == 0, torch.finfo(hidden.dtype).min).amax(-1)
            parts.append(torch.where(mask.sum(-1) > 0, maxed, 0.0))  # an empty stretch pools to 0
    return torch.cat(parts, dim=-1)


def binned_pool(hidden: torch.Tensor, mask: torch.Tensor | None, pooling: str, bins: int) -> torch.Tensor:
    """:func:`masked_pool` over each of ``bins`` equal stretches of every row's real length (position
    ``p`` of a row of ``n`` real positions is in stretch ``p * bins // n``), concatenated in order.
    Without padding (``mask`` None) every row's stretches are the same slices: pooled directly, the
    same numbers at a third of the cost of masking (fixed-length tasks, the usual case)."""
    if mask is None:
        length = hidden.shape[-1]
        # stretch b is the positions p with p * bins // n == b: from ceil(b * n / bins) on
        edges = [-(-b * length // bins) for b in range(bins + 1)]
        empty = hidden.new_zeros(hidden.shape[0], hidden.shape[1] * (2 if pooling == "mean_max" else 1))
        return torch.cat(
            [
                masked_pool(hidden[..., start:end], None, pooling) if end > start else empty
                for start, end in zip(edges, edges[1:])
            ],
            dim=-1,
        )
    real = mask.sum(-1, keepdim=True)  # (batch, 1, 1)
    positions = torch.arange(hidden.shape[-1], device=hidden.device).view(1, 1, -1)
    stretch = (positions * bins) // real.clamp(min=1)
    return torch.cat([masked_pool(hidden, mask * (stretch == b), pooling) for b in range(bins)], dim=-1)


class DnaCnnKmerBag(nn.Module):
    """For each k: the sum, over a row's k-mers, of learned k-mer embeddings (fastText's bag of
    n-grams; the sum is k-mer counts times the embedding table, so one embedding row carries one
    k-mer's weight as in a linear model of counts). K-mers are read from base codes of one-base
    tokens; a k-mer that holds ``N``, a special token or padding is not counted. Vectorised with
    ``unfold``: no loop over positions."""

    def __init__(self, config: DnaCnnConfig) -> None:
        super().__init__()
        self.kmer_sizes = [int(k) for k in config.kmer_sizes]
        self.tables = nn.ModuleList(nn.Embedding(4**k, config.kmer_embedding_size) for k in self.kmer_sizes)
        for table in self.tables:
            table.is_kmer_table = True
        self.base_token_codes = list(config.base_token_codes or [])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        table = torch.tensor(self.base_token_codes, dtype=torch.long, device=input_ids.device)
        codes = table[input_ids].masked_fill(attention_mask == 0, -1)
        parts = []
        for k, embeddings in zip(self.kmer_sizes, self.tables):
            if codes.shape[1] < k:
                parts.append(embeddings.weight.new_zeros(codes.shape[0], embeddings.embedding_dim))
                continue
            windows = codes.unfold(1, k, 1)  # (batch, positions, k)
            valid = (windows >= 0).all(-1)
            powers = 4 ** torch.arange(k - 1, -1, -1, device=codes.device)
            index = (windows.clamp(min=0) * powers).sum(-1)
            weight = valid.to(embeddings.weight.dtype)[..., None]
            parts.append((embeddings(index) * weight).sum(1))
        return torch.cat(parts, dim=-1)


class DnaCnnResidualBlock(nn.Module):
    """``x + dropout(conv_dilated(gelu(batchnorm(x))))``, padding kept at zero. The dropout zeroes
    single values (``block_dropout="element"``) or whole channels of a row (``"channel"``: spatial
    dropout, one random draw per channel instead of per position, so it costs next to nothing)."""

    def __init__(self, config: DnaCnnConfig, dilation: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(config.hidden_size, momentum=config.batch_norm_momentum)
        self.conv = nn.Conv1d(
            config.hidden_size,
            config.hidden_size,
            config.kernel_size,
            dilation=dilation,
            padding=dilation * (config.kernel_size // 2),
        )
        self.act = nn.GELU()
        dropout = nn.Dropout1d if config.block_dropout == "channel" else nn.Dropout
        self.dropout = dropout(config.hidden_dropout_prob)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """``mask`` ``(batch, 1, length)`` of 0/1, or None when no row has padding."""
        # padding is zeroed again after the norm, so the convolution reads zeros past a row's end
        branch = self.conv(zero_padding(self.act(self.norm(hidden)), mask))
        return hidden + zero_padding(self.dropout(branch), mask)


class DnaCnnPreTrainedModel(RemoteCodeMixin, PreTrainedModel):
    remote_code_auto_map = AUTO_MAP
    config_class = DnaCnnConfig
    config: DnaCnnConfig
    base_model_prefix = "model"
    main_input_name = "input_ids"
    supports_gradient_checkpointing = False
    _no_split_modules = ["DnaCnnResidualBlock"]

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Convolutions and linear layers: Kaiming-normal for the GELU that follows (fan-in), zero
        bias, except the output layer: Normal(0, initializer_range), so training starts from even
        odds; base embeddings Normal(0, 1) (a learned one-hot code), k-mer tables Normal(0,
        initializer_range) (they are summed over the sequence);
        BatchNorm: identity with fresh running statistics."""
        if isinstance(module, nn.Linear) and getattr(module, "is_output_layer", False):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
            init.zeros_(module.bias)
        elif isinstance(module, (nn.Conv1d, nn.Linear)):
            init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding) and getattr(module, "is_kmer_table", False):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)  # summed: start small
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=1.0)
        elif isinstance(module, nn.BatchNorm1d):
            init.ones_(module.weight)
            init.zeros_(module.bias)
            init.zeros_(module.running_mean)
            init.ones_(module.running_var)
            init.zeros_(module.num_batches_tracked)


class DnaCnnModel(DnaCnnPreTrainedModel):
    """Embedding -> stem -> dilated residual blocks -> masked pooling (the base model, no head)."""

    def __init__(self, config: DnaCnnConfig) -> None:
        super().__init__(config)
        self.embeddings = nn.Embedding(config.vocab_size, config.embedding_size)
        self.stem = nn.Conv1d(
            config.embedding_size,
            config.hidden_size,
            config.stem_kernel_size,
            padding=config.stem_kernel_size // 2,
        )
        self.blocks = nn.ModuleList(
            DnaCnnResidualBlock(config, config.dilation_base**i) for i in range(config.num_hidden_layers)
        )
        self.final_norm = nn.BatchNorm1d(config.hidden_size, momentum=config.batch_norm_momentum)
        self.act = nn.GELU()
        self.kmer_bag = DnaCnnKmerBag(config) if config.kmer_sizes else None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings = value

    def features(
        self, input_ids: torch.Tensor, mask: torch.Tensor, output_hidden_states: bool = False
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """``(batch, hidden, length)`` features of one strand (zero at padding) and, if asked, every
        block's output ``(batch, length, hidden)``. A batch without padding skips the mask products
        (the same numbers, a tenth less time on CPU)."""
        padded = padding_mask(mask)
        hidden = zero_padding(self.embeddings(input_ids).transpose(1, 2), padded)
        hidden = zero_padding(self.stem(hidden), padded)
        states = [hidden] if output_hidden_states else []
        for block in self.blocks:
            hidden = block(hidden, padded)
            if output_hidden_states:
                states.append(hidden)
        hidden = zero_padding(self.act(self.final_norm(hidden)), padded)
        return hidden, tuple(state.transpose(1, 2) for state in states)

    def pool(
        self, hidden: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Masked mean/max of the convolution features, then the k-mer bag (when configured)."""
        padded = padding_mask(mask)
        pooled = masked_pool(hidden, padded, self.config.pooling)
        if self.config.position_bins > 1:
            binned = binned_pool(hidden, padded, self.config.pooling, self.config.position_bins)
            pooled = torch.cat([pooled, binned], dim=-1)
        if self.kmer_bag is None:
            return pooled
        return torch.cat([pooled, self.kmer_bag(input_ids, attention_mask)], dim=-1)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> DnaCnnModelOutput:
        """``token_type_ids`` and other tokenizer outputs are accepted and ignored."""
        attention_mask, mask = checked_masks(
            type(self).__name__, input_ids, attention_mask, self.stem.weight.dtype
        )
        hidden, states = self.features(input_ids, mask, bool(output_hidden_states))
        pooled = self.pool(hidden, input_ids, attention_mask, mask)
        if self.config.reverse_complement_sharing:
            rc_map = torch.tensor(self.config.rc_token_map, dtype=torch.long, device=input_ids.device)
            reverse_ids = reverse_complement_ids(input_ids, attention_mask, rc_map)
            reverse, _ = self.features(reverse_ids, mask)
            pooled = (pooled + self.pool(reverse, reverse_ids, attention_mask, mask)) / 2
        return DnaCnnModelOutput(
            last_hidden_state=hidden.transpose(1, 2),
            pooler_output=pooled,
            hidden_states=states or None,
        )


class DnaCnnForSequenceClassification(DnaCnnPreTrainedModel):
    """Pooled features -> dropout -> linear -> GELU -> dropout -> linear: classification (single- or
    multi-label) or regression, by transformers' ``config.problem_type`` rule."""

    def __init__(self, config: DnaCnnConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = DnaCnnModel(config)
        self.head = nn.Sequential(
            nn.Dropout(config.hidden_dropout_prob),
            nn.Linear(config.pooled_size, config.hidden_size),
            nn.GELU(),
            nn.Dropout(config.hidden_dropout_prob),
        )
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.classifier.is_output_layer = True
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        outputs = self.model(input_ids, attention_mask, output_hidden_states=output_hidden_states)
        logits = self.classifier(self.head(outputs.pooler_output))
        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=logits, config=self.config)
        if return_dict is False:
            return (loss, logits) if loss is not None else (logits,)
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states)


class DnaCnnForMaskedLM(DnaCnnPreTrainedModel):
    """Per-position features -> dense -> GELU -> linear over the vocabulary: masked-token training of
    the convolutional trunk. Why: pretraining the trunk on a task's own unlabelled sequences before
    fine-tuning (self-pretraining) gives its motif detectors a start; the trunk's weights are under
    ``model.`` as in :class:`DnaCnnForSequenceClassification`, so that class loads them and adds a
    fresh head. The k-mer bag is not used here (it would see the masked token's neighbours' k-mers
    but not their positions)."""

    def __init__(self, config: DnaCnnConfig) -> None:
        super().__init__(config)
        self.model = DnaCnnModel(config)
        self.lm_head = nn.Sequential(
            nn.Linear(config.hidden_size, config.hidden_size),
            nn.GELU(),
            nn.Linear(config.hidden_size, config.vocab_size),
        )
        self.lm_head[-1].is_output_layer = True
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        """``labels``: the original token where a token was masked, -100 elsewhere (BERT's convention)."""
        _, mask = checked_masks(type(self).__name__, input_ids, attention_mask, self.model.stem.weight.dtype)
        hidden, states = self.model.features(input_ids, mask, bool(output_hidden_states))
        logits = self.lm_head(hidden.transpose(1, 2))
        loss = None
        if labels is not None:
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
        if return_dict is False:
            return (loss, logits) if loss is not None else (logits,)
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=states or None)


__all__ = [
    "DnaCnnForMaskedLM",
    "DnaCnnForSequenceClassification",
    "DnaCnnModel",
    "DnaCnnPreTrainedModel",
    "reverse_complement_ids",
]
