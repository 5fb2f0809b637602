"""Dilated residual CNN for DNA sequence classification (the Basset / BPNet line).

Public names are imported lazily; they are listed in :mod:`hf_genomics.models.families`."""

from __future__ import annotations

from hf_genomics.models.families import family_exports

__all__, __getattr__, __dir__ = family_exports(__name__)
