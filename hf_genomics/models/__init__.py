"""Model families, one folder (or file) per architecture; public classes imported lazily."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "DnaEncoderConfig": "hf_genomics.models.encoder.configuration_dna_encoder",
    "DnaEncoderModel": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForMaskedLM": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForSequenceClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForTokenClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaLstmConfig": "hf_genomics.models.lstm.configuration_dna_lstm",
    "DnaLstmForCausalLM": "hf_genomics.models.lstm.modeling_dna_lstm",
    "Evo1Config": "hf_genomics.models.evo1.configuration_evo1",
    "Evo1Model": "hf_genomics.models.evo1.modeling_evo1",
    "Evo1ForCausalLM": "hf_genomics.models.evo1.modeling_evo1",
    "Evo1ForSequenceClassification": "hf_genomics.models.evo1.modeling_evo1",
    "Evo2Config": "hf_genomics.models.evo2.configuration_evo2",
    "Evo2Model": "hf_genomics.models.evo2.modeling_evo2",
    "Evo2ForCausalLM": "hf_genomics.models.evo2.modeling_evo2",
    "Evo2ForSequenceClassification": "hf_genomics.models.evo2.modeling_evo2",
    "Evo2Tokenizer": "hf_genomics.models.evo2.tokenization_evo2",
    "NGramLM": "hf_genomics.models.ngram",
    "pythia_config": "hf_genomics.models.pythia",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
