"""Token <-> base alignment for ids computed outside the Rust pipeline.

``BatchEncoding.word_ids()``, ``char_to_token()``, ``token_to_chars()`` … read per-row encoding
objects. The Rust pipeline returns ``tokenizers.Encoding``s; the vectorised paths return either

* :class:`LazyEncodings`: the rows' real ``tokenizers.Encoding``s, computed by the Rust pipeline
  only when an alignment method is first called (plain k-mer, character and BPE batches), or
* :class:`DnaEncoding`: the same interface built from arrays, for overlapping k-mers, which the
  Rust pipeline cannot express. Offsets are each k-mer's span in the *original* text (whitespace
  removed by normalisation is mapped back), so overlapping k-mers have overlapping offsets.

Conventions follow the Rust pipeline: template specials (``[CLS]``, ``[SEP]``, ``[BOS]``…) have
offsets ``(0, 0)``, no word and ``special_tokens_mask`` 1; every other token is its own word
(``is_split_into_words`` input: the index of the input word) and a character maps to the first
token whose span contains it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from hf_genomics.alphabet import WHITESPACE

_WHITESPACE_CODES = np.array([ord(char) for char in WHITESPACE], dtype=np.uint32)


def original_positions(text: str) -> np.ndarray:
    """Position in ``text`` of every character that survives whitespace removal (vectorised)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.flatnonzero(~np.isin(codes, _WHITESPACE_CODES))


class DnaEncoding:
    """The ``tokenizers.Encoding`` interface that ``BatchEncoding`` uses, for one single-sequence row."""

    n_sequences = 1
    overflowing: list = []

    def __init__(
        self,
        ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
        word_ids: list[int | None],
        special_tokens_mask: list[int],
        attention_mask: list[int],
    ) -> None:
        self.ids, self.tokens, self.offsets = ids, tokens, offsets
        self.word_ids, self.special_tokens_mask, self.attention_mask = (
            word_ids,
            special_tokens_mask,
            attention_mask,
        )
        self.words = word_ids
        self.type_ids = [0] * len(ids)
        self.sequence_ids = [None if word is None else 0 for word in word_ids]

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"DnaEncoding(num_tokens={len(self.ids)})"

    def token_to_sequence(self, token_index: int) -> int | None:
        return self.sequence_ids[token_index]

    def token_to_word(self, token_index: int) -> int | None:
        return self.word_ids[token_index]

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        return None if self.word_ids[token_index] is None else self.offsets[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        positions = [index for index, word in enumerate(self.word_ids) if word == word_index]
        return (positions[0], positions[-1] + 1) if positions else None

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None:
            return None
        return self.offsets[span[0]][0], self.offsets[span[1] - 1][1]

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        for index, ((start, end), word) in enumerate(zip(self.offsets, self.word_ids)):
            if word is not None and start <= char_pos < end:
                return index
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        token = self.char_to_token(char_pos, sequence_index)
        return None if token is None else self.word_ids[token]


class LazyEncodings(Sequence):
    """Per-row encodings computed on first use by ``compute`` (so plain calls pay nothing)."""

    def __init__(self, n_rows: int, compute: Callable[[], Sequence]) -> None:
        self._n_rows, self._compute, self._rows = n_rows, compute, None

    def _materialised(self) -> Sequence:
        if self._rows is None:
            rows = list(self._compute())
            if len(rows) != self._n_rows:  # pragma: no cover - a bug, not a user error
                raise RuntimeError(f"alignment computed {len(rows)} rows for {self._n_rows}")
            self._rows, self._compute = rows, None
        return self._rows

    def __len__(self) -> int:
        return self._n_rows

    def __getitem__(self, index):
        return self._materialised()[index]

    def __reduce__(self):
        # pickling (e.g. from a DataLoader worker) sends the computed rows, not the tokenizer
        return list, (list(self._materialised()),)
