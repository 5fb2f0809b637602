"""Native registration of our model types with transformers' Auto classes (no remote code)."""

from __future__ import annotations

_DONE = False


def register_auto_classes() -> None:
    """Register configs, models and tokenizers once; safe to call again."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    from transformers import AutoConfig, AutoTokenizer

    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig

    AutoConfig.register("dna_encoder", DnaEncoderConfig, exist_ok=True)
    try:  # TEMPORARY guard while the tokenizers are being written (foundation issue)
        from hf_genomics.tokenization.bpe import DnaBpeTokenizer
        from hf_genomics.tokenization.kmer import KmerTokenizer
    except ModuleNotFoundError:
        DnaBpeTokenizer = KmerTokenizer = None
    if KmerTokenizer is not None:
        _register_tokenizers(AutoTokenizer, DnaEncoderConfig, DnaBpeTokenizer, KmerTokenizer)

    # --- encoder models (models/encoder) ---

    # --- LSTM causal LM (models/lstm) ---


def _register_tokenizers(auto_tokenizer, config_class, bpe_class, kmer_class) -> None:
    """Make both class names resolvable from ``tokenizer_config.json``; k-mer is the config default."""
    auto_tokenizer.register(config_class, tokenizer_class=bpe_class, exist_ok=True)
    auto_tokenizer.register(config_class, tokenizer_class=kmer_class, exist_ok=True)
