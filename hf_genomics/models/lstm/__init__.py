"""LSTM causal language model for DNA (the RNN of the human-genes study, arXiv 2307.10634)."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "DnaLstmConfig": "hf_genomics.models.lstm.configuration_dna_lstm",
    "DnaLstmPreTrainedModel": "hf_genomics.models.lstm.modeling_dna_lstm",
    "DnaLstmModel": "hf_genomics.models.lstm.modeling_dna_lstm",
    "DnaLstmForCausalLM": "hf_genomics.models.lstm.modeling_dna_lstm",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
