"""HyenaDNA's character tokenizer, as a Rust-backed fast tokenizer with the original ids.

Vocabulary of the original ``CharacterTokenizer`` (HazyResearch/hyena-dna ``standalone_hyenadna.py``
and the LongSafari ``*-hf`` repos' ``tokenization_hyena.py``): ``[CLS]=0 [SEP]=1 [BOS]=2 [MASK]=3
[PAD]=4 [RESERVED]=5 [UNK]=6 A=7 C=8 G=9 T=10 N=11``. Padding is on the LEFT by default, as in both
originals (HyenaDNA is causal: the last position must be a real base).

The two originals add different specials, and both are reproduced: the standalone tokenizer wraps a
sequence as ``[CLS] x [SEP]`` (``add_cls=True``); the ``-hf`` one appends ``[SEP]`` only
(``add_cls=False``, the form used in pretraining; hyena-dna#50 reports the missing ``[CLS]``). The
converter picks the one of the layout it converts; either can be chosen explicitly.

Unlike the originals, input goes through the package's alphabet policy: lower-case (soft-masked)
bases are upper-cased, ``U`` -> ``T``, IUPAC codes -> ``N``, and any other character raises an error
naming its position instead of silently becoming ``[UNK]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from hf_genomics.alphabet import translate_validated
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.kmer_arrays import concatenated_codes
from hf_genomics.tokenization.normalization import dna_normalizer

HYENADNA_VOCAB = [
    "[CLS]",
    "[SEP]",
    "[BOS]",
    "[MASK]",
    "[PAD]",
    "[RESERVED]",
    "[UNK]",
    "A",
    "C",
    "G",
    "T",
    "N",
]
_CODE_TO_ID = np.array([7, 8, 9, 10, 11], dtype=np.int64)  # A C G T N -> ids


def build_hyenadna_backend(add_cls: bool) -> Tokenizer:
    """Normaliser, one token per character, word-level lookup, the original's special-token template."""
    vocab = {token: index for index, token in enumerate(HYENADNA_VOCAB)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = dna_normalizer()
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    first = "[CLS] " if add_cls else ""
    backend.post_processor = processors.TemplateProcessing(
        single=f"{first}$A [SEP]",
        pair=f"{first}$A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 0), ("[SEP]", 1)] if add_cls else [("[SEP]", 1)],
    )
    return backend


class HyenaDnaTokenizer(DnaTokenizerBase):
    """HyenaDNA's character tokenizer (see the module docstring)."""

    keeps_original_specials = True

    padding_side = "left"

    def __init__(self, add_cls: bool = False, **kwargs) -> None:
        kwargs.pop("vocab", None)  # fixed vocabulary: rebuilt, never trusted from disk
        kwargs.pop("post_processor", None)
        # fields of the original -hf tokenizer_config.json (its CharacterTokenizer's init arguments)
        kwargs.pop("add_special_tokens", None)
        characters = kwargs.pop("characters", None)
        if characters is not None and list(characters) != HYENADNA_VOCAB[7:]:
            raise ValueError(
                f"HyenaDNA tokenizer characters {list(characters)} are not the original's "
                f"{HYENADNA_VOCAB[7:]}: the ids would differ"
            )
        self.add_cls = bool(add_cls)
        self._tokenizer = build_hyenadna_backend(self.add_cls)
        for name, token in (
            ("cls_token", "[CLS]"),
            ("sep_token", "[SEP]"),
            ("eos_token", "[SEP]"),
            ("bos_token", "[BOS]"),
            ("mask_token", "[MASK]"),
            ("pad_token", "[PAD]"),
            ("unk_token", "[UNK]"),
        ):
            kwargs.setdefault(name, token)
        kwargs.setdefault("padding_side", "left")
        super().__init__(add_cls=self.add_cls, **kwargs)

    def _content_tokens_for(self, length_nt: int) -> int:
        return length_nt

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("[" in text for text in texts):
            return None  # special tokens written in the text: the Rust pipeline handles them
        codes, lengths = concatenated_codes(
            [translate_validated(text, strip_whitespace=True) for text in texts]
        )
        return _CODE_TO_ID[codes], lengths


__all__ = ["HYENADNA_VOCAB", "HyenaDnaTokenizer", "build_hyenadna_backend"]
