"""k-mer tokenizer (k = 1..8): character-level, non-overlapping (Nucleotide Transformer) or overlapping (DNABERT-1).

Rule for ``stride == k`` (the default, Nucleotide Transformer's): bases are read left to right and a
k-mer is emitted whenever the next k bases are all A/C/G/T; otherwise the base becomes a
single-base token. So ``N`` is always its own token, k-mers restart right after it, and the
``len % k`` bases left at the end of a run are single-base tokens. Nothing is lost:
``decode(encode(x)) == normalize(x)``.

``stride < k`` (e.g. ``stride=1``, DNABERT-1) gives overlapping k-mers, ``L - k + 1`` tokens for an
N-free sequence; runs are still split at ``N``, and bases no k-mer covers become single-base tokens
so that decoding still reproduces the input.

Vocabulary: ``[PAD] [UNK] [CLS] [SEP] [MASK]`` (ids 0-4), ``A C G T N`` (5-9), then the 4^k k-mers in
lexicographic order (id ``10 + base-4 value``), then ``[BOS] [EOS]`` when ``add_bos_eos=True`` (causal
models: a sequence starts with ``[BOS]`` instead of being wrapped as ``[CLS] x [SEP]``; ``[EOS]`` is
appended only on request, ``add_eos_token=True``, as for transformers' causal tokenizers).

Non-overlapping tokenization runs in the Rust pipeline saved in ``tokenizer.json``; overlapping
k-mers cannot be expressed there, so they (and plain batches, for speed) are computed by the
vectorised numpy twin in :mod:`hf_genomics.tokenization.kmer_arrays`, tested to give identical ids.

Alignment works on every path: ``word_ids()``, ``char_to_token()``, ``return_offsets_mapping``.
Every k-mer (and every base token) is its own word; overlapping k-mers have overlapping offsets
(the span of each k-mer in the original text), and ``char_to_token(i)`` is the first k-mer that
covers base ``i``. ``is_split_into_words=True`` tokenizes each word on its own (k-mers never
cross a word boundary), as the Rust pipeline does, and ``word_ids()`` gives the word's index.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from hf_genomics.alphabet import BASE_CODES, WHITESPACE, translate_validated
from hf_genomics.tokenization.alignment import DnaEncoding, LazyEncodings, original_positions
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.kmer_arrays import (
    KMER_OFFSET,
    SINGLE_OFFSET,
    concatenated_codes,
    count_tokens,
    kmer_id_matrix,
    kmer_token_ids,
)
from hf_genomics.tokenization.normalization import dna_normalizer
from hf_genomics.tokenization.ragged import add_specials, row_offsets, to_lists, to_matrix, truncate
from hf_genomics.tokenization.validation import validate_texts

_HAS_WHITESPACE = re.compile(f"[{WHITESPACE}]")

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CAUSAL_TOKENS = ["[BOS]", "[EOS]"]
BASES = ["A", "C", "G", "T", "N"]
MAX_K = 8
_NON_CANONICAL = re.compile("[^ACGTN]")


def kmer_vocab(k: int, add_bos_eos: bool = False) -> dict[str, int]:
    """The vocabulary described in the module docstring."""
    kmers = ["".join(chars) for chars in itertools.product("ACGT", repeat=k)] if k > 1 else []
    tokens = SPECIAL_TOKENS + BASES + kmers + (CAUSAL_TOKENS if add_bos_eos else [])
    return {token: index for index, token in enumerate(tokens)}


def build_kmer_backend(k: int, add_bos_eos: bool = False) -> Tokenizer:
    """The Rust pipeline: DNA normaliser, greedy k-mer split, word-level lookup, template, fuse."""
    vocab = kmer_vocab(k, add_bos_eos)
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = dna_normalizer()
    pattern = f"[ACGT]{{{k}}}|." if k > 1 else "."
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
    backend.decoder = decoders.Fuse()
    first, last = ("[BOS]", "[EOS]") if add_bos_eos else ("[CLS]", "[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single=f"{first} $A {last}",
        pair=f"{first} $A {last} $B:1 {last}:1",
        special_tokens=[(first, vocab[first]), (last, vocab[last])],
    )
    return backend


class KmerTokenizer(DnaTokenizerBase):
    """DNA k-mer tokenizer; a drop-in transformers fast tokenizer (see module docstring for the rule)."""

    def __init__(
        self,
        k: int = 6,
        stride: int | None = None,
        add_bos_eos: bool = False,
        unk_token: str = "[UNK]",
        pad_token: str = "[PAD]",
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
        mask_token: str = "[MASK]",
        **kwargs,
    ) -> None:
        if not 1 <= int(k) <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        stride = int(k) if stride is None else int(stride)
        if not 1 <= stride <= k:
            raise ValueError(f"stride must be between 1 and k={k}, got {stride}")
        self.k, self.stride, self.add_bos_eos = int(k), stride, bool(add_bos_eos)
        kwargs.pop("vocab", None)  # the vocabulary is a function of k; rebuilt, never trusted from disk
        if add_bos_eos:
            kwargs.setdefault("bos_token", "[BOS]")
            kwargs.setdefault("eos_token", "[EOS]")
        self._tokenizer = build_kmer_backend(self.k, self.add_bos_eos)
        super().__init__(
            k=self.k,
            stride=self.stride,
            add_bos_eos=self.add_bos_eos,
            unk_token=unk_token,
            pad_token=pad_token,
            cls_token=cls_token,
            sep_token=sep_token,
            mask_token=mask_token,
            **kwargs,
        )

    @property
    def overlapping(self) -> bool:
        return self.stride < self.k

    @property
    def _needs_vectorised_path(self) -> bool:  # type: ignore[override]
        return self.overlapping

    def _content_tokens_for(self, length_nt: int) -> int:
        return count_tokens(length_nt, self.k, self.stride)

    # ---- vectorised path ----------------------------------------------------------------------
    def _normalised(self, texts: Sequence[str]) -> list[str]:
        return [
            translate_validated(text, strip_whitespace=True) if _NON_CANONICAL.search(text) else text
            for text in texts
        ]

    def _id_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids of all texts, concatenated, and tokens per text (no specials)."""
        codes, lengths = concatenated_codes(self._normalised(texts))
        if not (len(lengths) and lengths[0] > 0 and (lengths == lengths[0]).all()):
            return kmer_token_ids(codes, lengths, self.k, self.stride)
        # equal lengths (training windows): a matrix path for N-free rows, the general one for the rest
        codes = codes.reshape(len(lengths), -1)
        has_n = (codes == BASE_CODES["N"]).any(axis=1)
        clean = kmer_id_matrix(codes[~has_n], self.k, self.stride)
        if not has_n.any():
            return clean.reshape(-1), np.full(len(lengths), clean.shape[1], dtype=np.int64)
        messy, messy_counts = kmer_token_ids(codes[has_n].reshape(-1), lengths[has_n], self.k, self.stride)
        counts = np.empty(len(lengths), dtype=np.int64)
        counts[~has_n], counts[has_n] = clean.shape[1], messy_counts
        starts = np.cumsum(counts) - counts
        flat = np.empty(int(counts.sum()), dtype=np.int64)
        flat[(starts[~has_n, None] + np.arange(clean.shape[1])).reshape(-1)] = clean.reshape(-1)
        _, offsets = row_offsets(messy_counts)
        flat[np.repeat(starts[has_n], messy_counts) + offsets] = messy
        return flat, counts

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        pattern = self._special_pattern
        if pattern is None or not any("[" in text for text in texts):
            return self._id_rows(texts)
        if not self.overlapping:
            return None  # the Rust pipeline handles special tokens written in the text
        # overlapping k-mers with e.g. "[MASK]" in the text (a rare path): encode the pieces between
        # the specials in one vectorised call, then put each special's id back between its neighbours
        pieces_per_text = [pattern.split(text) for text in texts]
        specials = iter(
            self.convert_tokens_to_ids(token) for text in texts for token in pattern.findall(text)
        )
        piece_rows = iter(to_lists(*self._id_rows([piece for pieces in pieces_per_text for piece in pieces])))
        rows = []
        for pieces in pieces_per_text:
            row: list[int] = []
            for index in range(len(pieces)):
                if index:
                    row.append(next(specials))
                row.extend(next(piece_rows))
            rows.append(row)
        counts = np.array([len(row) for row in rows], dtype=np.int64)
        return np.fromiter(
            itertools.chain.from_iterable(rows), dtype=np.int64, count=int(counts.sum())
        ), counts

    def encode_to_array(
        self,
        sequences: Iterable[str],
        max_length: int | None = None,
        add_special_tokens: bool = True,
        add_eos_token: bool | None = None,
    ) -> np.ndarray:
        """Encode straight to a right-padded ``int64`` id matrix (pad id 0), skipping Python lists.

        The training-data fast path: identical ids to ``tokenizer(sequences)``; sequences longer
        than ``max_length`` tokens (specials included) are truncated on the right. The attention
        mask is ``ids != pad_token_id``; ``add_eos_token=True`` ends causal rows with EOS.
        """
        texts = list(sequences)
        validate_texts(texts, specials=None)
        flat, counts = self._id_rows(texts)
        with self._eos_as(add_eos_token):
            before, after = self._special_ids_around(add_special_tokens)
        if max_length is not None:
            flat, counts = truncate(flat, counts, max(max_length - len(before) - len(after), 0))
        flat, counts = add_specials(flat, counts, before, after)
        matrix, _ = to_matrix(flat, counts, int(counts.max(initial=0)), self.pad_token_id)
        return matrix

    # ---- overlapping k-mers: encoding with alignment, decoding ----------------------------------
    def _encode_vectorised(self, batch: list, batched: bool, is_split: bool, options: dict):
        """Overlapping k-mers for texts (or words, with ``is_split_into_words``), alignment included."""
        if is_split:
            units = [word for words in batch for word in words]
            unit_word = np.concatenate(
                [np.arange(len(words), dtype=np.int64) for words in batch] or [np.zeros(0, np.int64)]
            )
            owner = np.repeat(np.arange(len(batch)), [len(words) for words in batch])
        else:
            units, unit_word, owner = batch, None, None
        flat, unit_counts = self._encode_batch_ids(units)
        counts = (
            unit_counts
            if owner is None
            else np.bincount(owner, weights=unit_counts, minlength=len(batch)).astype(np.int64)
        )
        aligned = (
            options.get("_alignment")
            or options.get("return_offsets_mapping")
            or options.get("return_special_tokens_mask")
        )
        if not aligned:
            result = self._assemble(flat, counts, batched, options)
            result._encodings = LazyEncodings(
                len(batch),
                lambda: (
                    self._encode_vectorised(
                        batch, batched, is_split, {**options, "_alignment": True, "return_tensors": None}
                    ).encodings
                ),
            )
            return result
        columns = self._alignment_columns(units, flat, unit_counts, unit_word)
        return self._assemble(columns, counts, batched, options, align={"encodings": self._encodings_from})

    def _alignment_columns(
        self, units: list[str], flat: np.ndarray, counts: np.ndarray, unit_word: np.ndarray | None
    ) -> np.ndarray:
        """``(ids, start, end, word, special)`` per token; spans in each unit's original characters."""
        ids = flat.astype(np.int64)
        kmer_end = KMER_OFFSET + 4**self.k
        is_kmer = (ids >= KMER_OFFSET) & (ids < kmer_end) if self.k > 1 else np.zeros(len(ids), dtype=bool)
        is_base = (ids >= SINGLE_OFFSET) & (ids < KMER_OFFSET)
        length = np.where(is_kmer, self.k, 1)
        written = ~(is_kmer | is_base)  # special tokens written in the text: their own length
        if written.any():
            length[written] = [len(token) for token in self.convert_ids_to_tokens(ids[written].tolist())]
        starts = np.cumsum(counts) - counts
        row_first = np.zeros(len(ids), dtype=bool)
        row_first[starts[counts > 0]] = True
        follows_kmer = np.concatenate([[False], is_kmer[:-1]]) & is_kmer & ~row_first
        advance = np.where(follows_kmer, self.stride, length)
        total = np.concatenate([[0], np.cumsum(advance)])
        end = total[1:] - np.repeat(total[starts], counts)
        start = end - length
        for unit in (index for index, text in enumerate(units) if _HAS_WHITESPACE.search(text)):
            span = slice(int(starts[unit]), int(starts[unit] + counts[unit]))
            positions = original_positions(units[unit])
            start[span], end[span] = positions[start[span]], positions[end[span] - 1] + 1
        if unit_word is None:
            word = np.arange(len(ids), dtype=np.int64) - np.repeat(starts, counts)
        else:
            word = np.repeat(unit_word, counts)
        return np.stack([ids, start, end, word, np.zeros(len(ids), dtype=np.int64)], axis=1)

    def _encodings_from(self, ids, starts, ends, words, special, attention) -> list[DnaEncoding]:
        """One :class:`DnaEncoding` per row of the (already truncated and padded) batch."""
        return [
            DnaEncoding(
                row,
                self.convert_ids_to_tokens(row),
                list(zip(row_starts, row_ends)),
                [None if word < 0 else word for word in row_words],
                row_special,
                row_attention,
            )
            for row, row_starts, row_ends, row_words, row_special, row_attention in zip(
                ids, starts, ends, words, special, attention
            )
        ]

    def _decode(self, token_ids, skip_special_tokens: bool = False, **kwargs) -> str:
        if not self.overlapping:
            return super()._decode(token_ids, skip_special_tokens=skip_special_tokens, **kwargs)
        ids = np.atleast_1d(np.asarray(token_ids, dtype=np.int64))
        special = ids < KMER_OFFSET - 5
        if self.add_bos_eos:
            special |= ids >= KMER_OFFSET + 4**self.k
        is_kmer = (ids >= KMER_OFFSET) & ~special if self.k > 1 else np.zeros(len(ids), dtype=bool)
        # a k-mer right after another k-mer adds only its last `stride` bases; decided *before*
        # specials are skipped, so "CAC ACA [MASK] CAC ACA" keeps both runs whole
        follows_kmer = np.concatenate([[False], is_kmer[:-1]]) & is_kmer
        if skip_special_tokens:
            ids, follows_kmer = ids[~special], follows_kmer[~special]
        tokens = self.convert_ids_to_tokens(ids.tolist())
        return "".join(token[-self.stride :] if tail else token for token, tail in zip(tokens, follows_kmer))

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Overlapping k-mers share bases: join them as :meth:`decode` does (pipelines call this)."""
        if not self.overlapping:
            return super().convert_tokens_to_string(tokens)
        # pipelines also pass already-joined words here, so work on the strings, not on ids
        kmer = re.compile(f"[ACGT]{{{self.k}}}")
        pieces, previous_kmer = [], False
        for token in tokens:
            is_kmer = kmer.fullmatch(token) is not None
            pieces.append(token[-self.stride :] if is_kmer and previous_kmer else token)
            previous_kmer = is_kmer
        return "".join(pieces)

    def tokenize(
        self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs
    ) -> list[str]:
        if not self.overlapping:
            return super().tokenize(text, pair=pair, add_special_tokens=add_special_tokens, **kwargs)
        ids = self(text, add_special_tokens=add_special_tokens)["input_ids"]
        return self.convert_ids_to_tokens(ids)
