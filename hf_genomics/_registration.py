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

    # --- GENA-LM (models/gena_lm) ---
    from hf_genomics.models.gena_lm import modeling_gena_lm as gena_lm
    from hf_genomics.models.gena_lm.configuration_gena_lm import GenaLmConfig

    AutoConfig.register("gena_lm", GenaLmConfig, exist_ok=True)
    AutoModel.register(GenaLmConfig, gena_lm.GenaLmModel, exist_ok=True)
    AutoModelForMaskedLM.register(GenaLmConfig, gena_lm.GenaLmForMaskedLM, exist_ok=True)
    AutoModelForSequenceClassification.register(
        GenaLmConfig, gena_lm.GenaLmForSequenceClassification, exist_ok=True
    )
    AutoModelForTokenClassification.register(
        GenaLmConfig, gena_lm.GenaLmForTokenClassification, exist_ok=True
    )
    register_tokenizers(GenaLmConfig)

    # --- Caduceus (models/caduceus) ---
    from transformers import AutoTokenizer

    from hf_genomics.models.caduceus import modeling_caduceus as caduceus
    from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
    from hf_genomics.models.caduceus.tokenization_caduceus import CaduceusTokenizer

    AutoConfig.register("caduceus", CaduceusConfig, exist_ok=True)
    AutoModel.register(CaduceusConfig, caduceus.CaduceusModel, exist_ok=True)
    AutoModelForMaskedLM.register(CaduceusConfig, caduceus.CaduceusForMaskedLM, exist_ok=True)
    AutoModelForSequenceClassification.register(
        CaduceusConfig, caduceus.CaduceusForSequenceClassification, exist_ok=True
    )
    register_tokenizers(CaduceusConfig)
    AutoTokenizer.register(CaduceusConfig, tokenizer_class=CaduceusTokenizer, exist_ok=True)


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
