"""DNA tokenizers (k-mer, BPE, DNA-LLM characters) and the spec parser; imported lazily."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "DnaTokenizerBase": "hf_genomics.tokenization.base",
    "KmerTokenizer": "hf_genomics.tokenization.kmer",
    "DnaBpeTokenizer": "hf_genomics.tokenization.bpe",
    "train_dna_bpe": "hf_genomics.tokenization.bpe",
    "DnaLlmCharTokenizer": "hf_genomics.tokenization.dnallm",
    "build_tokenizer": "hf_genomics.tokenization.spec",
    "parse_spec": "hf_genomics.tokenization.spec",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
