"""The DNA encoder (BERT-style, sinusoidal | ALiBi | RoPE positions) of the coding-schemes study."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "DnaEncoderConfig": "hf_genomics.models.encoder.configuration_dna_encoder",
    "DnaEncoderPreTrainedModel": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderModel": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForMaskedLM": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForSequenceClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForTokenClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
