"""Asking a trained model biological questions: predictions, embeddings, variant effects,
in-silico mutagenesis and attributions, per nucleotide, for every tokenizer and model family.

Every public name is imported lazily (heavy libraries such as captum, pysam and logomaker are
imported inside the functions that use them), so ``import hf_genomics.analysis`` stays light.

Conventions shared by the whole layer:

* lengths (windows, strides) are in nucleotides; sequences longer than the model's training
  length are cut into overlapping windows and the results stitched (see :mod:`.windows`);
* per-nucleotide arrays are plain ``numpy`` arrays with one row per base of the (normalised) input
  sequence; ``L x 4`` arrays have columns in ``A, C, G, T`` order (:data:`BASES`).
"""

from __future__ import annotations

import importlib
from typing import Any

BASES = "ACGT"

_LAZY_NAMES: dict[str, str] = {
    "load_model_and_tokenizer": "hf_genomics.analysis.loading",
    "model_kind": "hf_genomics.analysis.loading",
    "record_training_length": "hf_genomics.analysis.training_length",
    "model_window_nt": "hf_genomics.analysis.training_length",
    "token_spans": "hf_genomics.analysis.token_to_base",
    "tokens_to_bases": "hf_genomics.analysis.token_to_base",
    "embed": "hf_genomics.analysis.embed",
    "predict": "hf_genomics.analysis.predict",
    "score_pairs": "hf_genomics.analysis.pair_scores",
    "score_variants": "hf_genomics.analysis.variant_effects",
    "read_vcf": "hf_genomics.analysis.variant_effects",
    "Variant": "hf_genomics.analysis.variant_effects",
    "saturation_mutagenesis": "hf_genomics.analysis.mutagenesis",
    "integrated_gradients": "hf_genomics.analysis.attributions",
    "plot_logo": "hf_genomics.analysis.plots",
    "plot_heatmap": "hf_genomics.analysis.plots",
    "read_fasta": "hf_genomics.analysis.fasta",
}

__all__ = ["BASES", *_LAZY_NAMES]


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hf_genomics.analysis' has no attribute {name!r}")
