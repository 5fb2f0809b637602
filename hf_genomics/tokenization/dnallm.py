"""The 8-token character vocabulary of the "Attention is not enough" (dna-llm) study.

``<|beginoftext|>=0 <|endoftext|>=1 <|unknown|>=2 a=3 c=4 g=5 t=6 n=7``; input is case-insensitive
(normalised by the package policy, then lower-cased). A sequence starts with ``<|beginoftext|>``;
``<|endoftext|>`` is appended on request (``add_eos_token=True``: training and scoring) and doubles
as the padding token, as in GPT-NeoX.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from hf_genomics.alphabet import translate_validated
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.kmer_arrays import concatenated_codes
from hf_genomics.tokenization.normalization import dna_normalizer

DNALLM_VOCAB = ["<|beginoftext|>", "<|endoftext|>", "<|unknown|>", "a", "c", "g", "t", "n"]
_CODE_TO_ID = np.array([3, 4, 5, 6, 7], dtype=np.int64)  # A C G T N -> ids


def build_dnallm_backend() -> Tokenizer:
    vocab = {token: index for index, token in enumerate(DNALLM_VOCAB)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<|unknown|>"))
    backend.normalizer = normalizers.Sequence([dna_normalizer(), normalizers.Lowercase()])
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    backend.post_processor = processors.TemplateProcessing(
        single="<|beginoftext|> $A <|endoftext|>",
        pair="<|beginoftext|> $A <|endoftext|> $B:1 <|endoftext|>:1",
        special_tokens=[("<|beginoftext|>", 0), ("<|endoftext|>", 1)],
    )
    return backend


class DnaLlmCharTokenizer(DnaTokenizerBase):
    """Character tokenizer with the dna-llm study's vocabulary (see module docstring)."""

    def __init__(self, **kwargs) -> None:
        kwargs.pop("vocab", None)
        self._tokenizer = build_dnallm_backend()
        kwargs.setdefault("bos_token", "<|beginoftext|>")
        kwargs.setdefault("eos_token", "<|endoftext|>")
        kwargs.setdefault("unk_token", "<|unknown|>")
        kwargs.setdefault("pad_token", "<|endoftext|>")
        super().__init__(**kwargs)

    def _content_tokens_for(self, length_nt: int) -> int:
        return length_nt

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("<|" in text for text in texts):
            return None
        codes, lengths = concatenated_codes(
            [translate_validated(text, strip_whitespace=True) for text in texts]
        )
        return _CODE_TO_ID[codes], lengths
