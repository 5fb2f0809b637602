"""Which bases each token covers, for every kind of DNA tokenizer, and token arrays -> base arrays.

:func:`token_spans` gives, for each token of a sequence's encoding (special tokens included), the
half-open span ``[start, end)`` of bases it covers in the (normalised) sequence; special tokens get
``(-1, -1)``:

* character, non-overlapping k-mer and BPE tokenizers (ours and any transformers *fast* tokenizer):
  the Rust offsets mapping;
* overlapping k-mers (DNABERT-1 style, our ``KmerTokenizer(stride < k)``, which the Rust pipeline
  cannot express): computed from the ids by the tokenizer's decoding rule -- a k-mer that follows a
  k-mer starts ``stride`` bases after it, any other token starts where the previous one ended;
* anything else: token strings laid end to end, checked to spell the sequence exactly.

:func:`tokens_to_bases` maps a token-level array to bases. How overlaps combine:

* ``how="mean"`` (embeddings, probabilities): a base gets the **mean** over the tokens covering it
  -- one token for character/k-mer/BPE tokenizers, up to k tokens for overlapping k-mers;
* ``how="split"`` (attributions): each token's value is **divided equally among its bases** and the
  shares are summed per base, so the per-base values add up to the token values (completeness of
  integrated gradients survives the mapping).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class TokenSpans:
    """One encoded sequence: token ids and the base span of each token (``-1`` for specials)."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @property
    def special(self) -> np.ndarray:
        return self.starts < 0

    def __len__(self) -> int:
        return len(self.ids)


def _special_ids(tokenizer) -> set[int]:
    return {int(i) for i in tokenizer.all_special_ids}


def _overlapping_kmer_spans(tokenizer, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spans of an overlapping k-mer encoding from the decoding rule (see module docstring)."""
    from hf_genomics.tokenization.kmer_arrays import KMER_OFFSET

    special = np.isin(ids, list(_special_ids(tokenizer)))
    content = ids[~special]
    is_kmer = (content >= KMER_OFFSET) & (content < KMER_OFFSET + 4**tokenizer.k)
    if tokenizer.k == 1:
        is_kmer[:] = False
    lengths = np.where(is_kmer, tokenizer.k, 1)
    follows_kmer = np.concatenate([[False], is_kmer[:-1]]) & is_kmer
    advance = np.where(follows_kmer, tokenizer.stride, lengths)
    ends = np.cumsum(advance)
    starts = np.full(len(ids), -1, dtype=np.int64)
    stops = np.full(len(ids), -1, dtype=np.int64)
    starts[~special], stops[~special] = ends - lengths, ends
    return starts, stops


def _spans_from_token_strings(tokenizer, ids: np.ndarray, sequence: str) -> tuple[np.ndarray, np.ndarray]:
    special = np.isin(ids, list(_special_ids(tokenizer)))
    tokens = tokenizer.convert_ids_to_tokens(ids[~special].tolist())
    if "".join(tokens).upper() != sequence:
        raise NotImplementedError(
            f"cannot map the tokens of {type(tokenizer).__name__} to bases: it is not a fast tokenizer "
            "(no offsets) and its tokens do not spell the sequence"
        )
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    starts = np.full(len(ids), -1, dtype=np.int64)
    stops = np.full(len(ids), -1, dtype=np.int64)
    stops[~special] = np.cumsum(lengths)
    starts[~special] = stops[~special] - lengths
    return starts, stops


def token_spans(tokenizer, sequences: Sequence[str], add_special_tokens: bool = True) -> list[TokenSpans]:
    """Encode normalised sequences and locate every token on the bases (see module docstring)."""
    sequences = list(sequences)
    if not sequences:
        return []
    overlapping = getattr(tokenizer, "overlapping", False) and hasattr(tokenizer, "stride")
    result = []
    if overlapping:
        encoded = tokenizer(sequences, add_special_tokens=add_special_tokens)["input_ids"]
        for ids in encoded:
            ids = np.asarray(ids, dtype=np.int64)
            result.append(TokenSpans(ids, *_overlapping_kmer_spans(tokenizer, ids)))
    elif getattr(tokenizer, "is_fast", False):
        encoded = tokenizer(
            sequences,
            add_special_tokens=add_special_tokens,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
        )
        for ids, offsets, special in zip(
            encoded["input_ids"], encoded["offset_mapping"], encoded["special_tokens_mask"]
        ):
            offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
            special = np.asarray(special, dtype=bool) | (offsets[:, 1] <= offsets[:, 0])
            starts = np.where(special, -1, offsets[:, 0])
            stops = np.where(special, -1, offsets[:, 1])
            result.append(TokenSpans(np.asarray(ids, dtype=np.int64), starts, stops))
    else:
        encoded = tokenizer(sequences, add_special_tokens=add_special_tokens)["input_ids"]
        for ids, sequence in zip(encoded, sequences):
            ids = np.asarray(ids, dtype=np.int64)
            result.append(TokenSpans(ids, *_spans_from_token_strings(tokenizer, ids, sequence)))
    for spans, sequence in zip(result, sequences):
        covered = np.zeros(len(sequence) + 1, dtype=np.int64)
        np.add.at(covered, spans.starts[~spans.special], 1)
        np.add.at(covered, spans.ends[~spans.special], -1)
        if len(sequence) and (np.cumsum(covered)[:-1] == 0).any():
            first = int(np.flatnonzero(np.cumsum(covered)[:-1] == 0)[0])
            raise ValueError(
                f"{type(tokenizer).__name__} left base {first} of a {len(sequence)} nt sequence without a "
                "token (truncated?); analysis needs every base tokenized"
            )
    return result


def coverage_matrix(spans: TokenSpans, length: int, how: str = "mean") -> np.ndarray:
    """``(length, tokens)`` matrix ``M`` with ``base_values = M @ token_values`` (see module docstring)."""
    if how not in ("mean", "split"):
        raise ValueError(f"how must be 'mean' or 'split', got {how!r}")
    content = np.flatnonzero(~spans.special)
    lengths = spans.ends[content] - spans.starts[content]
    token_index = np.repeat(content, lengths)
    first = np.repeat(spans.starts[content], lengths)
    within = np.arange(len(token_index)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    base_index = first + within
    matrix = np.zeros((length, len(spans)), dtype=np.float64)
    if how == "split":
        np.add.at(matrix, (base_index, token_index), 1.0 / np.repeat(lengths, lengths))
    else:
        np.add.at(matrix, (base_index, token_index), 1.0)
        counts = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, counts, out=np.zeros_like(matrix), where=counts > 0)
    return matrix


def tokens_to_bases(values: np.ndarray, spans: TokenSpans, length: int, how: str = "mean") -> np.ndarray:
    """Map ``values`` (``tokens x ...``, specials included) to ``length x ...`` per-base values."""
    values = np.asarray(values)
    if len(values) != len(spans):
        raise ValueError(f"{len(values)} token values for {len(spans)} tokens")
    content = np.flatnonzero(~spans.special)
    lengths = spans.ends[content] - spans.starts[content]
    if (
        how == "mean"
        and lengths.sum() == length
        and (spans.starts[content] == np.cumsum(lengths) - lengths).all()
    ):
        # tokens tile the bases exactly once (character, k-mer, BPE): a gather, no matrix
        return values[np.repeat(content, lengths)].astype(np.float64)
    matrix = coverage_matrix(spans, length, how)
    flat = values.reshape(len(values), -1).astype(np.float64)
    return (matrix @ flat).reshape((length, *values.shape[1:]))


__all__ = ["TokenSpans", "coverage_matrix", "token_spans", "tokens_to_bases"]
