"""Vectorised k-mer ids: the numpy twin of the k-mer tokenizer's Rust pipeline.

The rule (Nucleotide Transformer's, generalised to any stride): bases are read left to right in
runs of A/C/G/T separated by ``N`` (and by sequence ends). Inside a run, a k-mer starts at every
``stride``-th base as long as it fits in the run; a base that no k-mer covers (the run's tail, or
a run shorter than k) becomes a single-base token, and ``N`` is always a single-base token. With
``stride == k`` this is exactly greedy longest-match over a vocabulary of k-mers plus single
bases, so ``decode(encode(x)) == normalize(x)``.

Everything below works on one concatenated code array for the whole batch: no Python loop touches
individual bases.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hf_genomics.alphabet import BASE_CODES, INVALID_CODE

# vocabulary layout shared with the tokenizer: 5 specials, 5 single bases, then 4^k k-mers
N_SPECIALS = 5
SINGLE_OFFSET = N_SPECIALS
KMER_OFFSET = SINGLE_OFFSET + 5

_LUT = np.full(256, INVALID_CODE, dtype=np.uint8)
for _base, _code in BASE_CODES.items():
    _LUT[ord(_base)] = _code


def concatenated_codes(sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Codes (A0 C1 G2 T3 N4) of already-normalised sequences, concatenated, and their lengths."""
    lengths = np.fromiter((len(seq) for seq in sequences), dtype=np.int64, count=len(sequences))
    buffer = "".join(sequences).encode("ascii")
    codes = _LUT[np.frombuffer(buffer, dtype=np.uint8)]
    return codes, lengths


def kmer_token_ids(
    codes: np.ndarray, lengths: np.ndarray, k: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Token ids (without special tokens) for every sequence, concatenated, and tokens per sequence."""
    total = codes.size
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(len(lengths), dtype=np.int64)
    if (codes == INVALID_CODE).any():
        raise ValueError("kmer_token_ids expects normalised sequences (A, C, G, T, N only)")
    starts = np.cumsum(lengths) - lengths
    nonempty = lengths > 0
    if k == 1:
        ids = SINGLE_OFFSET + codes.astype(np.int64)
        return ids, lengths.astype(np.int64)

    positions = np.arange(total, dtype=np.int64)
    is_n = codes == BASE_CODES["N"]
    # a run of A/C/G/T begins at a sequence start or right after an N
    run_begins = np.zeros(total, dtype=bool)
    run_begins[starts[nonempty]] = True
    run_begins[1:] |= is_n[:-1]
    run_start = np.maximum.accumulate(np.where(run_begins, positions, 0))
    # ... and ends (exclusive) at the next N or the sequence end
    run_ends_here = np.zeros(total, dtype=bool)
    run_ends_here[(starts + lengths - 1)[nonempty]] = True
    run_ends_here[:-1] |= is_n[1:]
    run_end = np.minimum.accumulate(np.where(run_ends_here, positions + 1, total)[::-1])[::-1]

    offset = positions - run_start
    window = ~is_n & (offset % stride == 0) & (positions + k <= run_end)
    # a base is covered when a k-mer started within the k-1 bases before it (or at it)
    started = np.cumsum(window)
    covered = started - np.concatenate([np.zeros(k, dtype=started.dtype), started])[:total] > 0
    emit = window | ~covered

    # base-4 value of the k bases starting at each position (N counted as 0: only read where valid)
    digits = np.where(is_n, 0, codes).astype(np.int64)
    padded = np.concatenate([digits, np.zeros(k, dtype=np.int64)])
    value = np.zeros(total, dtype=np.int64)
    for shift in range(k):  # k <= 8 vectorised passes, not a loop over bases
        value = value * 4 + padded[shift : shift + total]
    ids = np.where(window, KMER_OFFSET + value, SINGLE_OFFSET + codes.astype(np.int64))[emit]
    emitted_before = np.concatenate([[0], np.cumsum(emit, dtype=np.int64)])
    return ids, emitted_before[starts + lengths] - emitted_before[starts]


def kmer_id_matrix(codes: np.ndarray, k: int, stride: int) -> np.ndarray | None:
    """Fast case of :func:`kmer_token_ids`: equal-length, N-free sequences as a ``(n, L)`` code matrix.

    Returns the ``(n, tokens)`` id matrix, or ``None`` when the batch is not of that kind (the
    general function then answers). Training windows are usually exactly this case.
    """
    if codes.ndim != 2 or (codes >= BASE_CODES["N"]).any():
        return None
    n, length = codes.shape
    if k == 1 or length < k:
        return SINGLE_OFFSET + codes.astype(np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)[:, ::stride]
    value = np.zeros(windows.shape[:2], dtype=np.int64)
    for shift in range(k):  # k vectorised passes over the windows
        value = value * 4 + windows[:, :, shift]
    tail_start = (windows.shape[1] - 1) * stride + k
    tail = SINGLE_OFFSET + codes[:, tail_start:].astype(np.int64)
    return np.concatenate([KMER_OFFSET + value, tail], axis=1)


def count_tokens(length_nt: int, k: int, stride: int) -> int:
    """Tokens (no specials) for an N-free sequence of ``length_nt`` bases."""
    if length_nt <= 0:
        return 0
    if k == 1 or length_nt < k:
        return length_nt
    windows = (length_nt - k) // stride + 1
    tail = length_nt - ((windows - 1) * stride + k)
    return windows + tail
