"""DNABERT-1 (Ji et al., 2021): the model is transformers' own BERT; the tokenizer lives here."""

from .tokenization_dnabert1 import Dnabert1Tokenizer, dnabert1_vocab

__all__ = ["Dnabert1Tokenizer", "dnabert1_vocab"]
