"""LSTM causal language model for DNA (the RNN of the human-genes study, arXiv 2307.10634):
config and models, imported on first use."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY_NAMES = {
    "DnaLstmConfig": ".configuration_dna_lstm",
    "DnaLstmModel": ".modeling_dna_lstm",
    "DnaLstmPreTrainedModel": ".modeling_dna_lstm",
    "DnaLstmForCausalLM": ".modeling_dna_lstm",
}
__all__ = list(_LAZY_NAMES)


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
