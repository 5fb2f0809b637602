"""Dilated residual CNN for DNA sequence classification (the Basset / BPNet line)."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "DnaCnnConfig": "hf_genomics.models.cnn.configuration_dna_cnn",
    "DnaCnnPreTrainedModel": "hf_genomics.models.cnn.modeling_dna_cnn",
    "DnaCnnModel": "hf_genomics.models.cnn.modeling_dna_cnn",
    "DnaCnnForSequenceClassification": "hf_genomics.models.cnn.modeling_dna_cnn",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
