"""k-mer tokenizers whose ids follow another project's ``vocab.txt`` (Nucleotide Transformer, DNABERT-1).

A pretrained model only understands the ids it was trained with, so a converted checkpoint needs a
tokenizer that reproduces the original's vocabulary order exactly. These classes keep our k-mer
machinery (normalisation policy, Rust pipeline, vectorised numpy path) and only translate ids:
our layout (:mod:`hf_genomics.tokenization.kmer_arrays`: single bases, then k-mers by base-4 value
with A<C<G<T) is mapped through one lookup array onto the original vocabulary, whatever its order.

Saved folders carry the vocabulary in ``tokenizer.json`` (``from_pretrained`` hands it back as
``vocab``) and the code of these classes for ``trust_remote_code`` loading.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from hf_genomics.tokenization.kmer import KmerTokenizer
from hf_genomics.tokenization.kmer_arrays import KMER_OFFSET, SINGLE_OFFSET
from hf_genomics.tokenization.normalization import dna_normalizer

OUR_BASE_ORDER = "ACGTN"  # the codes of hf_genomics.alphabet.BASE_CODES


def read_vocab(vocab: dict[str, int] | list[str] | str | Path) -> dict[str, int]:
    """A token -> id map from a dict, a token list (id = index) or a ``vocab.txt`` path (one per line)."""
    if isinstance(vocab, dict):
        return {str(token): int(index) for token, index in vocab.items()}
    if isinstance(vocab, (str, Path)):
        lines = Path(vocab).read_text(encoding="utf-8").split("\n")
        vocab = lines[:-1] if lines and lines[-1] == "" else lines
    return {token: index for index, token in enumerate(vocab)}


def kmer_strings(k: int) -> list[str]:
    """All k-mers in our order (base-4 value with A0 C1 G2 T3, first base most significant)."""
    return ["".join(chars) for chars in itertools.product("ACGT", repeat=k)]


def infer_k(vocab: dict[str, int]) -> int:
    lengths = {len(token) for token in vocab if token and set(token) <= set("ACGT")}
    if not lengths:
        raise ValueError("the vocabulary holds no A/C/G/T k-mers")
    return max(lengths)


class VocabularyKmerTokenizer(KmerTokenizer):
    """Our k-mer tokenizer speaking another project's ids. Subclasses define the special tokens, the
    Rust template and :meth:`default_vocab`; the id translation lives here."""

    #: token names of the original project, in the keyword names transformers uses
    special_token_names: dict[str, str | None] = {}

    @classmethod
    def default_vocab(cls, k: int) -> list[str]:
        raise NotImplementedError

    def __init__(
        self,
        vocab: dict[str, int] | list[str] | str | Path | None = None,
        k: int | None = None,
        stride: int | None = None,
        **kwargs,
    ) -> None:
        vocab_map = read_vocab(vocab) if vocab is not None else None
        k = int(k) if k is not None else (infer_k(vocab_map) if vocab_map else 6)
        vocab_map = vocab_map or read_vocab(self.default_vocab(k))
        self.k, self.stride, self.add_bos_eos = k, int(stride or k), False
        self.original_vocab = vocab_map
        self._our_to_original = self._translation_table(vocab_map)
        self._tokenizer = self._build_backend(vocab_map)
        for name, token in self.special_token_names.items():
            kwargs.setdefault(name, token)
        # skip KmerTokenizer.__init__ (it builds our own vocabulary); keep its behaviour otherwise
        super(KmerTokenizer, self).__init__(k=self.k, stride=self.stride, **kwargs)

    # ---- the id translation ----------------------------------------------------------------
    def _translation_table(self, vocab: dict[str, int]) -> np.ndarray:
        """``table[our id] = original id`` for single bases and k-mers (unknown id where absent)."""
        unk = vocab[self.special_token_names["unk_token"]]
        table = np.full(KMER_OFFSET + 4**self.k, unk, dtype=np.int64)
        for code, base in enumerate(OUR_BASE_ORDER):
            table[SINGLE_OFFSET + code] = vocab.get(base, unk)
        missing = [kmer for kmer in kmer_strings(self.k) if kmer not in vocab]
        if missing:
            raise ValueError(
                f"vocabulary lacks {len(missing)} of the {4**self.k} {self.k}-mers (e.g. {missing[:3]})"
            )
        table[KMER_OFFSET:] = [vocab[kmer] for kmer in kmer_strings(self.k)]
        return table

    def _id_rows(self, texts):
        flat, counts = super()._id_rows(texts)
        return self._our_to_original[flat], counts

    def _encode_batch_ids(self, texts):
        """Texts with special tokens written in them (``<mask>``...) go through the Rust pipeline
        when it can express the rule (KmerTokenizer only looks for ``[``-style specials)."""
        pattern = self._special_pattern
        if not self.overlapping and pattern is not None and any(pattern.search(text) for text in texts):
            return None
        return super()._encode_batch_ids(texts)

    # ---- Rust pipeline -----------------------------------------------------------------------
    def _template(self, vocab: dict[str, int]) -> processors.TemplateProcessing:
        raise NotImplementedError

    def _build_backend(self, vocab: dict[str, int]) -> Tokenizer:
        backend = Tokenizer(models.WordLevel(vocab, unk_token=self.special_token_names["unk_token"]))
        backend.normalizer = dna_normalizer()
        backend.pre_tokenizer = pre_tokenizers.Split(Regex(f"[ACGT]{{{self.k}}}|."), behavior="isolated")
        backend.decoder = decoders.Fuse()
        backend.post_processor = self._template(vocab)
        return backend
