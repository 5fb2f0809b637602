"""Nucleotide Transformer (InstaDeep): v2 native model classes and the NT k-mer tokenizer.

NT v1 checkpoints are transformers' own ESM; only their tokenizer comes from here.
"""

from .configuration_nucleotide_transformer import NT_V2_SHAPES, NucleotideTransformerConfig
from .modeling_nucleotide_transformer import (
    NucleotideTransformerForMaskedLM,
    NucleotideTransformerForSequenceClassification,
    NucleotideTransformerForTokenClassification,
    NucleotideTransformerModel,
    NucleotideTransformerPreTrainedModel,
)
from .tokenization_nucleotide_transformer import NucleotideTransformerTokenizer, nt_vocab

__all__ = [
    "NT_V2_SHAPES",
    "NucleotideTransformerConfig",
    "NucleotideTransformerForMaskedLM",
    "NucleotideTransformerForSequenceClassification",
    "NucleotideTransformerForTokenClassification",
    "NucleotideTransformerModel",
    "NucleotideTransformerPreTrainedModel",
    "NucleotideTransformerTokenizer",
    "nt_vocab",
]
