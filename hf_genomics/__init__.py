"""hf-genomics: DNA language models as first-class citizens of the Hugging Face stack.

``import hf_genomics`` registers our configs, models and tokenizers with transformers' Auto
classes, so folders written by our scripts load with ``AutoTokenizer``/``AutoModel*`` and no
``trust_remote_code``. The import itself stays light (no torch, no transformers): registration
happens when transformers imports its Auto modules (see ``_registration``), and public names are
imported lazily on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from hf_genomics._registration import install_auto_registration_hook, register_auto_classes

__version__ = "0.1.0"

# public name -> module that defines it (add one line per public name)
_LAZY_NAMES: dict[str, str] = {
    # tokenizers
    "KmerTokenizer": "hf_genomics.tokenization.kmer",
    "DnaBpeTokenizer": "hf_genomics.tokenization.bpe",
    "train_dna_bpe": "hf_genomics.tokenization.bpe",
    "build_tokenizer": "hf_genomics.tokenization.spec",
    # encoder family
    "DnaEncoderConfig": "hf_genomics.models.encoder.configuration_dna_encoder",
    "DnaEncoderModel": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForMaskedLM": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForSequenceClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
    "DnaEncoderForTokenClassification": "hf_genomics.models.encoder.modeling_dna_encoder",
    # Nucleotide Transformer (v2 native; v1 is transformers' ESM) and DNABERT-1 (transformers' BERT)
    "NucleotideTransformerConfig": "hf_genomics.models.nucleotide_transformer.configuration_nucleotide_transformer",
    "NucleotideTransformerModel": "hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer",
    "NucleotideTransformerForMaskedLM": "hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer",
    "NucleotideTransformerForSequenceClassification": (
        "hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer"
    ),
    "NucleotideTransformerForTokenClassification": (
        "hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer"
    ),
    "NucleotideTransformerTokenizer": "hf_genomics.models.nucleotide_transformer.tokenization_nucleotide_transformer",
    "Dnabert1Tokenizer": "hf_genomics.models.dnabert1.tokenization_dnabert1",
    # generative models
    "NGramLM": "hf_genomics.models.ngram",
    "DnaLstmConfig": "hf_genomics.models.lstm.configuration_dna_lstm",
    "DnaLstmModel": "hf_genomics.models.lstm.modeling_dna_lstm",
    "DnaLstmForCausalLM": "hf_genomics.models.lstm.modeling_dna_lstm",
    "pythia_config": "hf_genomics.models.pythia",
    # dilated residual CNN (Basset / BPNet line)
    "DnaCnnConfig": "hf_genomics.models.cnn.configuration_dna_cnn",
    "DnaCnnModel": "hf_genomics.models.cnn.modeling_dna_cnn",
    "DnaCnnForSequenceClassification": "hf_genomics.models.cnn.modeling_dna_cnn",
    # GENA-LM (ported)
    "GenaLmConfig": "hf_genomics.models.gena_lm.configuration_gena_lm",
    "GenaLmModel": "hf_genomics.models.gena_lm.modeling_gena_lm",
    "GenaLmForMaskedLM": "hf_genomics.models.gena_lm.modeling_gena_lm",
    "GenaLmForSequenceClassification": "hf_genomics.models.gena_lm.modeling_gena_lm",
    "GenaLmForTokenClassification": "hf_genomics.models.gena_lm.modeling_gena_lm",
    # Caduceus (ported)
    "CaduceusConfig": "hf_genomics.models.caduceus.configuration_caduceus",
    "CaduceusModel": "hf_genomics.models.caduceus.modeling_caduceus",
    "CaduceusForMaskedLM": "hf_genomics.models.caduceus.modeling_caduceus",
    "CaduceusForSequenceClassification": "hf_genomics.models.caduceus.modeling_caduceus",
    "CaduceusTokenizer": "hf_genomics.models.caduceus.tokenization_caduceus",
    # HyenaDNA (models/hyenadna)
    "HyenaDnaConfig": "hf_genomics.models.hyenadna.configuration_hyenadna",
    "HyenaDnaModel": "hf_genomics.models.hyenadna.modeling_hyenadna",
    "HyenaDnaForCausalLM": "hf_genomics.models.hyenadna.modeling_hyenadna",
    "HyenaDnaForSequenceClassification": "hf_genomics.models.hyenadna.modeling_hyenadna",
    "HyenaDnaTokenizer": "hf_genomics.models.hyenadna.tokenization_hyenadna",
    # DNABERT-2 / DNABERT-S (ported) and checkpoint conversion
    "Dnabert2Config": "hf_genomics.models.dnabert2.configuration_dnabert2",
    "Dnabert2Model": "hf_genomics.models.dnabert2.modeling_dnabert2",
    "Dnabert2ForMaskedLM": "hf_genomics.models.dnabert2.modeling_dnabert2",
    "Dnabert2ForSequenceClassification": "hf_genomics.models.dnabert2.modeling_dnabert2",
    "convert_checkpoint": "hf_genomics.convert.base",
    "from_pretrained_any": "hf_genomics.convert.base",
    # GUE classification
    "load_gue": "hf_genomics.data.gue",
    "compute_classification_metrics": "hf_genomics.evaluation.metrics",
    # asking a model biological questions (hf_genomics.analysis)
    "embed": "hf_genomics.analysis.embed",
    "predict": "hf_genomics.analysis.predict",
    "score_variants": "hf_genomics.analysis.variant_effects",
    "saturation_mutagenesis": "hf_genomics.analysis.mutagenesis",
    "integrated_gradients": "hf_genomics.analysis.attributions",
}

__all__ = ["__version__", "register_auto_classes", *_LAZY_NAMES]


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hf_genomics' has no attribute {name!r}")


install_auto_registration_hook()
