"""Caduceus (kuleshov-group/caduceus-{ph,ps}_*): BiMamba with reverse-complement equivariance, native."""

from .configuration_caduceus import CaduceusConfig
from .modeling_caduceus import (
    CaduceusForMaskedLM,
    CaduceusForSequenceClassification,
    CaduceusModel,
    CaduceusPreTrainedModel,
)

__all__ = [
    "CaduceusConfig",
    "CaduceusForMaskedLM",
    "CaduceusForSequenceClassification",
    "CaduceusModel",
    "CaduceusPreTrainedModel",
]
