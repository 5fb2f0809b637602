"""DNABERT-2 / DNABERT-S (MosaicBERT) as native transformers classes; convert with ``hf-genomics convert``."""

from hf_genomics.models.dnabert2.configuration_dnabert2 import Dnabert2Config
from hf_genomics.models.dnabert2.modeling_dnabert2 import (
    Dnabert2ForMaskedLM,
    Dnabert2ForSequenceClassification,
    Dnabert2Model,
    Dnabert2PreTrainedModel,
)

__all__ = [
    "Dnabert2Config",
    "Dnabert2ForMaskedLM",
    "Dnabert2ForSequenceClassification",
    "Dnabert2Model",
    "Dnabert2PreTrainedModel",
]
