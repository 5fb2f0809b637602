"""GENA-LM (AIRI-Institute/gena-lm-bert-*): dense pre-LN BERT, native."""

from .configuration_gena_lm import GenaLmConfig
from .modeling_gena_lm import (
    GenaLmForMaskedLM,
    GenaLmForSequenceClassification,
    GenaLmForTokenClassification,
    GenaLmModel,
    GenaLmPreTrainedModel,
)

__all__ = [
    "GenaLmConfig",
    "GenaLmForMaskedLM",
    "GenaLmForSequenceClassification",
    "GenaLmForTokenClassification",
    "GenaLmModel",
    "GenaLmPreTrainedModel",
]
