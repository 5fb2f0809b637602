"""The DNABERT-1 tokenizer: overlapping k-mers (stride 1) with DNABERT-1's ``vocab.txt`` ids.

DNABERT-1 (zhihan1996/DNA_bert_3 ... _6) was fed ``seq2kmer(seq, k)``: every k-mer of the sequence,
overlapping, joined by spaces, each looked up in ``vocab.txt``: ``[PAD] [UNK] [CLS] [SEP] [MASK]``
(ids 0-4) then the 4^k k-mers in A, T, C, G order; ``[CLS] x [SEP]``. Here the raw sequence goes in
and the same ids come out (``L - k + 1`` k-mers; a sequence shorter than k has none).

DNABERT-1's vocabulary has no single bases and no ``N``: a k-mer that covers an ``N`` (or an IUPAC
code, normalised to ``N``) is ``[UNK]`` in the original. ``unknown_kmers="unk"`` (default) keeps that
behaviour and logs a warning, so it is never silent; ``unknown_kmers="error"`` raises instead, naming
the item and position. Lower-case input is upper-cased (the original would give ``[UNK]``).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import numpy as np
from tokenizers import processors

from hf_genomics.alphabet import BASE_CODES, InvalidSequenceError
from hf_genomics.models.foreign_kmer import VocabularyKmerTokenizer
from hf_genomics.tokenization.kmer_arrays import KMER_OFFSET, concatenated_codes

logger = logging.getLogger(__name__)

DNABERT1_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def dnabert1_vocab(k: int = 6) -> list[str]:
    """DNABERT-1's ``vocab.txt`` for ``k`` (``bert-config-{k}`` in jerryji1993/DNABERT)."""
    return DNABERT1_SPECIALS + ["".join(chars) for chars in itertools.product("ATCG", repeat=k)]


class Dnabert1Tokenizer(VocabularyKmerTokenizer):
    """DNABERT-1 overlapping k-mer tokenizer (see module docstring)."""

    special_token_names = {
        "unk_token": "[UNK]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "mask_token": "[MASK]",
    }

    @classmethod
    def default_vocab(cls, k: int) -> list[str]:
        return dnabert1_vocab(k)

    def __init__(self, vocab=None, k: int | None = None, unknown_kmers: str = "unk", **kwargs) -> None:
        if unknown_kmers not in ("unk", "error"):
            raise ValueError(f"unknown_kmers must be 'unk' or 'error', got {unknown_kmers!r}")
        self.unknown_kmers = unknown_kmers
        self._warned_unknown = False
        kwargs.pop("stride", None)
        super().__init__(vocab=vocab, k=k, stride=1, unknown_kmers=unknown_kmers, **kwargs)

    def _template(self, vocab: dict[str, int]) -> processors.TemplateProcessing:
        return processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )

    def _content_tokens_for(self, length_nt: int) -> int:
        return max(int(length_nt) - self.k + 1, 0)

    def _id_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every k-mer of every text (vectorised over the whole batch); k-mers covering N are [UNK]."""
        k = self.k
        codes, lengths = concatenated_codes(self._normalised(texts))
        counts = np.maximum(lengths - k + 1, 0)
        total = codes.size
        if total == 0 or not counts.any():
            return np.zeros(0, dtype=np.int64), counts
        ends = np.repeat(np.cumsum(lengths), lengths)
        positions = np.arange(total, dtype=np.int64)
        window = positions + k <= ends  # a k-mer starts here and stays inside its sequence
        is_n = codes == BASE_CODES["N"]
        n_before = np.concatenate([[0], np.cumsum(is_n, dtype=np.int64)])
        covers_n = n_before[np.minimum(positions + k, total)] - n_before[positions] > 0
        digits = np.concatenate([np.where(is_n, 0, codes).astype(np.int64), np.zeros(k, dtype=np.int64)])
        value = np.zeros(total, dtype=np.int64)
        for shift in range(k):  # k vectorised passes, not a loop over bases
            value = value * 4 + digits[shift : shift + total]
        ids = np.where(covers_n, self.unk_token_id, self._our_to_original[KMER_OFFSET + value])[window]
        unknown = covers_n[window]
        if unknown.any():
            self._report_unknown(texts, lengths, counts, unknown)
        return ids, counts

    def _report_unknown(self, texts, lengths, counts, unknown: np.ndarray) -> None:
        first = int(np.argmax(unknown))
        item = int(np.searchsorted(np.cumsum(counts), first, side="right"))
        position = first - int((np.cumsum(counts) - counts)[item])
        if self.unknown_kmers == "error":
            where = f"item {item} of the batch" if len(texts) > 1 else None
            raise InvalidSequenceError(
                "N", position, where, reason="DNABERT-1 has no k-mer with N (unknown_kmers='error')"
            )
        if not self._warned_unknown:
            self._warned_unknown = True
            logger.warning(
                "%d k-mers cover an N and become [UNK], as in DNABERT-1 (first: item %d, position %d); "
                "pass unknown_kmers='error' to refuse such input",
                int(unknown.sum()),
                item,
                position,
            )

    def _decode(self, token_ids, skip_special_tokens: bool = False, **kwargs) -> str:
        """First k-mer in full, then the last base of each following k-mer ([UNK] k-mers read as N)."""
        ids = [int(i) for i in np.atleast_1d(np.asarray(token_ids, dtype=np.int64))]
        specials = set(self.all_special_ids) - {self.unk_token_id}
        pieces, follows = [], False
        for token_id, token in zip(ids, self.convert_ids_to_tokens(ids)):
            if token_id in specials:
                if not skip_special_tokens:
                    pieces.append(token)
                follows = False
                continue
            kmer = "N" * self.k if token_id == self.unk_token_id else token
            pieces.append(kmer[-1] if follows else kmer)
            follows = True
        return "".join(pieces)
