"""Evo 2's byte-level tokenizer, as a Rust-backed fast tokenizer with the original ids.

vortex's ``CharLevelTokenizer(512)`` maps text to its UTF-8 bytes (``A=65 C=67 G=71 T=84 N=78``) with
``eos/eod = 0`` and ``pad = 1``, and adds no special tokens (``evo2.scoring.prepare_batch`` can prepend
the EOD id 0 as a BOS; ``add_bos=True`` here). Padding is on the right, as ``prepare_batch`` pads.
The vocabulary has the model's 512 rows: ``[EOS]`` (0), ``[PAD]`` (1), the bytes 2..255 (printable ones
as their character, others as ``<0xNN>``) and ``[UNUSED_256]``..``[UNUSED_511]``.

Unlike the original, input goes through the package's alphabet policy first: lower-case (soft-masked)
bases are upper-cased (vortex would give ``a`` the id 97, a token Evo 2 rarely saw), ``U`` -> ``T``,
IUPAC codes -> ``N``, and any other character raises an error naming its position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from hf_genomics.alphabet import translate_validated
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.normalization import dna_normalizer

VOCAB_SIZE = 512
EOS_ID, PAD_ID = 0, 1


def byte_token(index: int) -> str:
    """The vocabulary entry of id ``index``."""
    if index == EOS_ID:
        return "[EOS]"
    if index == PAD_ID:
        return "[PAD]"
    if index >= 256:
        return f"[UNUSED_{index}]"
    char = chr(index)
    return char if char.isprintable() and not char.isspace() and index < 127 else f"<0x{index:02X}>"


def build_evo2_backend(add_bos: bool) -> Tokenizer:
    """Normaliser, one token per character, id = byte value, optional ``[EOS]`` as BOS."""
    vocab = {byte_token(i): i for i in range(VOCAB_SIZE)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[PAD]"))
    backend.normalizer = dna_normalizer()
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    if add_bos:
        backend.post_processor = processors.TemplateProcessing(
            single="[EOS] $A", pair="[EOS] $A $B:1", special_tokens=[("[EOS]", EOS_ID)]
        )
    return backend


class Evo2Tokenizer(DnaTokenizerBase):
    """Evo 2's byte tokenizer (see the module docstring)."""

    keeps_original_specials = True
    padding_side = "right"

    def __init__(self, add_bos: bool = False, **kwargs) -> None:
        kwargs.pop("vocab", None)  # fixed vocabulary: rebuilt, never trusted from disk
        kwargs.pop("post_processor", None)
        self.add_bos = bool(add_bos)
        self._tokenizer = build_evo2_backend(self.add_bos)
        kwargs.setdefault("eos_token", "[EOS]")
        kwargs.setdefault("pad_token", "[PAD]")
        kwargs.setdefault("padding_side", "right")
        super().__init__(add_bos=self.add_bos, **kwargs)

    def _content_tokens_for(self, length_nt: int) -> int:
        return length_nt

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("[" in text for text in texts):
            return None  # special tokens written in the text: the Rust pipeline handles them
        normalised = [translate_validated(text, strip_whitespace=True) for text in texts]
        lengths = np.fromiter((len(t) for t in normalised), dtype=np.int64, count=len(normalised))
        ids = np.frombuffer("".join(normalised).encode("ascii"), dtype=np.uint8).astype(np.int64)
        return ids, lengths


__all__ = ["Evo2Tokenizer", "build_evo2_backend", "byte_token"]
