"""The DNA encoder family (coding-schemes study): config and models, imported on first use."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY_NAMES = {
    "DnaEncoderConfig": ".configuration_dna_encoder",
    "DnaEncoderModel": ".modeling_dna_encoder",
    "DnaEncoderPreTrainedModel": ".modeling_dna_encoder",
    "DnaEncoderForMaskedLM": ".modeling_dna_encoder",
    "DnaEncoderForSequenceClassification": ".modeling_dna_encoder",
    "DnaEncoderForTokenClassification": ".modeling_dna_encoder",
}
__all__ = list(_LAZY_NAMES)


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
