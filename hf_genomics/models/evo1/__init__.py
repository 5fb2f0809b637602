"""Evo 1 (StripedHyena 1): configuration and model (the byte tokenizer is Evo 2's).

Public names are imported lazily; they are listed in :mod:`hf_genomics.models.families`."""

from __future__ import annotations

from hf_genomics.models.families import family_exports

__all__, __getattr__, __dir__ = family_exports(__name__)
