"""Data collators for DNA: masked-LM span masking, and random-strand (reverse-complement) augmentation.

Masked LM: contiguous span masking and layout-independent randomness.

Why spans: with overlapping k-mers (``kmer:6:1``) every base of a masked token is also in the k-1
tokens on either side, so masking isolated tokens leaks the answer; DNABERT-1 masks k contiguous
tokens. Start positions are drawn with rate ``q = 1 - (1 - p)^(1/span)`` so that the expected
fraction of masked tokens is still ``p`` (away from sequence ends).

Why per-example seeds: the mask of an example is a function of (seed, epoch, token ids) only, so a
run gives the same masks — and the same loss curve — with 1 or N processes at the same global
batch, and after a resume. ``hf_genomics.training.callbacks.MaskingEpochCallback`` advances the
epoch so masks still change between epochs (dynamic masking).

Strand: augmentation works on nucleotides before tokenization, never on token ids (the reverse
complement of a k-mer/BPE token sequence is not the token sequence of the reverse complement). Each
example is shown on a random strand drawn from a seeded generator instead of doubling the data, so
runs with and without it cost the same.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from hf_genomics.alphabet import reverse_complement


@dataclass
class DnaMlmCollator:
    """Pad to the longest example, then BERT's 80/10/10 corruption on spans of ``span`` tokens.

    Returns ``input_ids``, ``attention_mask`` and ``labels`` (-100 where not masked). Every
    example with at least one maskable token gets at least one masked token (an empty target
    would make the sparse MLM loss undefined).
    """

    tokenizer: PreTrainedTokenizerBase
    mlm_probability: float = 0.15
    span: int = 1
    seed: int = 0
    epoch: int = 0
    pad_to_multiple_of: int | None = None
    _special_ids: np.ndarray = field(init=False, repr=False)
    _random_ids: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.mlm_probability < 1.0:
            raise ValueError(f"mlm_probability must be in (0, 1), got {self.mlm_probability}")
        if self.span < 1:
            raise ValueError(f"span must be >= 1, got {self.span}")
        if self.tokenizer.mask_token_id is None:
            raise ValueError(f"{type(self.tokenizer).__name__} has no mask token: it cannot be used for MLM")
        self._special_ids = np.array(sorted(set(self.tokenizer.all_special_ids)), dtype=np.int64)
        vocab = np.arange(len(self.tokenizer), dtype=np.int64)
        self._random_ids = vocab[~np.isin(vocab, self._special_ids)]

    def _rng(self, ids: np.ndarray) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, zlib.crc32(ids.tobytes())])

    def mask_one(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(corrupted ids, labels) for one unpadded example."""
        rng = self._rng(ids)
        n = len(ids)
        maskable = ~np.isin(ids, self._special_ids)
        start_rate = 1.0 - (1.0 - self.mlm_probability) ** (1.0 / self.span)
        starts = (rng.random(n) < start_rate) & maskable
        # position i is masked when a span starts in [i - span + 1, i]
        covered = np.convolve(starts.astype(np.int64), np.ones(self.span, dtype=np.int64))[:n] > 0
        masked = covered & maskable
        if not masked.any() and maskable.any():
            masked[rng.choice(np.flatnonzero(maskable))] = True
        labels = np.where(masked, ids, -100)
        draw = rng.random(n)
        corrupted = ids.copy()
        corrupted[masked & (draw < 0.8)] = self.tokenizer.mask_token_id
        swap = masked & (draw >= 0.8) & (draw < 0.9)
        corrupted[swap] = rng.choice(self._random_ids, size=int(swap.sum()))
        return corrupted, labels

    def __call__(self, examples: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        rows = [np.asarray(example["input_ids"], dtype=np.int64) for example in examples]
        width = max(len(row) for row in rows)
        if self.pad_to_multiple_of:
            width = -(-width // self.pad_to_multiple_of) * self.pad_to_multiple_of
        input_ids = np.full((len(rows), width), self.tokenizer.pad_token_id, dtype=np.int64)
        labels = np.full((len(rows), width), -100, dtype=np.int64)
        attention_mask = np.zeros((len(rows), width), dtype=np.int64)
        for index, row in enumerate(rows):  # one iteration per example, vectorised within it
            corrupted, row_labels = self.mask_one(row)
            input_ids[index, : len(row)] = corrupted
            labels[index, : len(row)] = row_labels
            attention_mask[index, : len(row)] = 1
        return {
            "input_ids": torch.from_numpy(input_ids),
            "attention_mask": torch.from_numpy(attention_mask),
            "labels": torch.from_numpy(labels),
        }


def default_span(tokenizer: PreTrainedTokenizerBase) -> int:
    """k for overlapping k-mer tokenizers (``stride < k``), else 1."""
    k, stride = getattr(tokenizer, "k", 1), getattr(tokenizer, "stride", None)
    return int(k) if stride is not None and stride < k else 1


RC_PREFIX = "rc_"


def add_reverse_complement(
    dataset: Dataset, columns: tuple[str, ...] = ("sequence", "sequence_2")
) -> Dataset:
    """Replace each sequence column by its reverse complement (labels unchanged)."""
    present = [column for column in columns if column in dataset.column_names]

    def flip(batch: dict[str, list]) -> dict[str, list]:
        return {column: [reverse_complement(seq) for seq in batch[column]] for column in present}

    return dataset.map(flip, batched=True, desc="reverse complement")


class RandomStrandCollator:
    """Wrap a padding collator: each example uses its ``rc_*`` token fields with probability ``p``."""

    def __init__(self, base_collator: Any, seed: int, p: float = 0.5) -> None:
        self.base_collator, self.p = base_collator, p
        self.rng = np.random.default_rng(seed)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        flips = self.rng.random(len(features)) < self.p
        chosen = []
        for feature, flip in zip(features, flips):  # one decision per example, not per base
            plain = {k: v for k, v in feature.items() if not k.startswith(RC_PREFIX)}
            if flip:
                plain.update({k[len(RC_PREFIX) :]: v for k, v in feature.items() if k.startswith(RC_PREFIX)})
            chosen.append(plain)
        return self.base_collator(chosen)


def strip_rc_fields(base_collator: Any):
    """A collator that drops the ``rc_*`` fields (evaluation batches of an augmented dataset)."""

    def collate(features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return base_collator([{k: v for k, v in f.items() if not k.startswith(RC_PREFIX)} for f in features])

    return collate


__all__ = [
    "RC_PREFIX",
    "DnaMlmCollator",
    "RandomStrandCollator",
    "add_reverse_complement",
    "default_span",
    "strip_rc_fields",
]
