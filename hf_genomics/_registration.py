"""Native registration of our model types with transformers' Auto classes (no remote code)."""

from __future__ import annotations

_DONE = False


def register_auto_classes() -> None:
    """Register configs, models and tokenizers once; safe to call again."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    from transformers import AutoConfig

    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig

    AutoConfig.register("dna_encoder", DnaEncoderConfig, exist_ok=True)
    register_tokenizers(DnaEncoderConfig)

    # --- encoder models (models/encoder) ---
    from transformers import (
        AutoModel,
        AutoModelForMaskedLM,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
    )

    from hf_genomics.models.encoder import modeling_dna_encoder as encoder

    AutoModel.register(DnaEncoderConfig, encoder.DnaEncoderModel, exist_ok=True)
    AutoModelForMaskedLM.register(DnaEncoderConfig, encoder.DnaEncoderForMaskedLM, exist_ok=True)
    AutoModelForSequenceClassification.register(
        DnaEncoderConfig, encoder.DnaEncoderForSequenceClassification, exist_ok=True
    )
    AutoModelForTokenClassification.register(
        DnaEncoderConfig, encoder.DnaEncoderForTokenClassification, exist_ok=True
    )

    # --- LSTM causal LM (models/lstm) ---
    from transformers import AutoModelForCausalLM

    from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
    from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM

    AutoConfig.register("dna_lstm", DnaLstmConfig, exist_ok=True)
    AutoModelForCausalLM.register(DnaLstmConfig, DnaLstmForCausalLM, exist_ok=True)
    register_tokenizers(DnaLstmConfig)

    # --- DNABERT-2 / DNABERT-S (models/dnabert2) ---
    from hf_genomics.models.dnabert2 import modeling_dnabert2 as dnabert2
    from hf_genomics.models.dnabert2.configuration_dnabert2 import Dnabert2Config

    AutoConfig.register("dnabert2", Dnabert2Config, exist_ok=True)
    AutoModel.register(Dnabert2Config, dnabert2.Dnabert2Model, exist_ok=True)
    AutoModelForMaskedLM.register(Dnabert2Config, dnabert2.Dnabert2ForMaskedLM, exist_ok=True)
    AutoModelForSequenceClassification.register(
        Dnabert2Config, dnabert2.Dnabert2ForSequenceClassification, exist_ok=True
    )
    register_tokenizers(Dnabert2Config)


def register_tokenizers(config_class) -> None:
    """Make our tokenizer class names resolvable from ``tokenizer_config.json``.

    ``AutoTokenizer.register`` maps a config to one default tokenizer (the last registered, k-mer)
    and records every class by name, which is what loading a saved tokenizer needs.
    """
    from transformers import AutoTokenizer

    from hf_genomics.tokenization.bpe import DnaBpeTokenizer
    from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
    from hf_genomics.tokenization.kmer import KmerTokenizer

    for tokenizer_class in (DnaLlmCharTokenizer, DnaBpeTokenizer, KmerTokenizer):
        AutoTokenizer.register(config_class, tokenizer_class=tokenizer_class, exist_ok=True)
