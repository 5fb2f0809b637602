"""Nucleotide Transformer (InstaDeep): v2 native model classes and the NT k-mer tokenizer.

NT v1 checkpoints are transformers' own ESM; only their tokenizer comes from here.

Public names are imported lazily; they are listed in :mod:`hf_genomics.models.families`."""

from __future__ import annotations

from hf_genomics.models.families import family_exports

__all__, __getattr__, __dir__ = family_exports(__name__)
