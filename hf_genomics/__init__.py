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
from hf_genomics.models.families import public_model_names

__version__ = "0.1.0"

# public name -> module that defines it: every public model family's classes come from the family
# registry (hf_genomics.models.families); the rest is one line per public name
_LAZY_NAMES: dict[str, str] = {
    # tokenizers
    "KmerTokenizer": "hf_genomics.tokenization.kmer",
    "DnaBpeTokenizer": "hf_genomics.tokenization.bpe",
    "train_dna_bpe": "hf_genomics.tokenization.bpe",
    "build_tokenizer": "hf_genomics.tokenization.spec",
    "Dnabert1Tokenizer": "hf_genomics.models.dnabert1.tokenization_dnabert1",  # DNABERT-1 is transformers' BERT
    # model families (configs, Auto heads, their own tokenizers)
    **public_model_names(),
    # generative models outside the Auto classes
    "NGramLM": "hf_genomics.models.ngram",
    "pythia_config": "hf_genomics.models.pythia",
    # checkpoint conversion
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
