"""The MarinDNA character tokenizer (``marin-dna/tokenizer-char-bos``) with the original's ids.

The original ``tokenizer.json`` is a Rust ``WordLevel`` over ``[PAD]=0 [UNK]=1 [BOS]=2 a=3 c=4 g=5
t=6``, a ``Lowercase`` normaliser, one token per character and the template ``[BOS] $A`` (no EOS;
a pair is ``$A $B`` without BOS). The models were trained on 255 bp windows + ``[BOS]`` = 256
positions. Case is folded, so soft-masked (lower-case) bases get the same ids as upper-case ones:
there is no separate soft-mask token (the original uses case only to weight the training loss).

What differs from loading that ``tokenizer.json`` as it is (both documented in docs/decoders.md):

* the package's input policy runs first (:mod:`hf_genomics.tokenization.normalization`): ``U``
  becomes ``T`` (the original gives ``[UNK]``), whitespace is removed (the original gives one
  ``[UNK]`` per character), anything that is not DNA raises with its position;
* ``N`` and the IUPAC ambiguity codes have no token. ``n_as_unk=True`` (the default, and what the
  original does) maps them to ``[UNK]``, the id the model saw for them; ``n_as_unk=False`` raises at
  the first one instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from hf_genomics.alphabet import translate_validated
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.kmer_arrays import concatenated_codes
from hf_genomics.tokenization.normalization import dna_normalizer
from hf_genomics.tokenization.validation import check_no_n

MARIN_CHAR_BOS_VOCAB: dict[str, int] = {"[PAD]": 0, "[UNK]": 1, "[BOS]": 2, "a": 3, "c": 4, "g": 5, "t": 6}
UNK_ID = MARIN_CHAR_BOS_VOCAB["[UNK]"]
_CODE_TO_ID = np.array([3, 4, 5, 6, UNK_ID], dtype=np.int64)  # our codes A C G T N -> original ids


def build_marin_backend() -> Tokenizer:
    """The original's Rust pipeline with the package's DNA normaliser in front of its ``Lowercase``."""
    backend = Tokenizer(models.WordLevel(dict(MARIN_CHAR_BOS_VOCAB), unk_token="[UNK]"))
    backend.normalizer = normalizers.Sequence([dna_normalizer(), normalizers.Lowercase()])
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    backend.post_processor = processors.TemplateProcessing(
        single="[BOS] $A", pair="$A $B:1", special_tokens=[("[BOS]", MARIN_CHAR_BOS_VOCAB["[BOS]"])]
    )
    return backend


class MarinDnaTokenizer(DnaTokenizerBase):
    """One token per base with the MarinDNA ids, ``[BOS]`` first and no EOS (see module docstring)."""

    keeps_original_specials = True  # the original's [BOS] x template, not the causal [BOS] x [EOS]

    def __init__(self, n_as_unk: bool = True, **kwargs) -> None:
        for key in ("vocab", "tokenizer_file", "tokenizer_object"):
            kwargs.pop(key, None)  # the vocabulary is fixed: the original's ids
        self._tokenizer = build_marin_backend()
        self.n_as_unk = bool(n_as_unk)
        kwargs.setdefault("bos_token", "[BOS]")
        kwargs.setdefault("unk_token", "[UNK]")
        kwargs.setdefault("pad_token", "[PAD]")
        kwargs["eos_token"] = None
        super().__init__(n_as_unk=self.n_as_unk, **kwargs)

    def _content_tokens_for(self, length_nt: int) -> int:
        return length_nt

    def _check_vocabulary_covers(self, texts: Sequence[str]) -> None:
        if not self.n_as_unk:
            check_no_n(texts, self._special_pattern, "the MarinDNA vocabulary")

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("[" in text for text in texts):
            return None  # special tokens written in the text: the full Rust path
        codes, lengths = concatenated_codes(
            [translate_validated(text, strip_whitespace=True) for text in texts]
        )
        return _CODE_TO_ID[codes], lengths


__all__ = ["MARIN_CHAR_BOS_VOCAB", "MarinDnaTokenizer", "build_marin_backend"]
