"""Model families, one folder (or file) per architecture; public classes imported lazily.

The families and their classes are listed once, in :mod:`hf_genomics.models.families`."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports
from hf_genomics.models.families import public_model_names

_LAZY_NAMES: dict[str, str] = {
    **public_model_names(),
    "NGramLM": "hf_genomics.models.ngram",
    "pythia_config": "hf_genomics.models.pythia",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
