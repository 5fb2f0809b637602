"""Reverse-complement augmentation (random strand per example) and RC-averaged prediction.

Both work on nucleotides before tokenization, never on token ids: the reverse complement of a
k-mer/BPE token sequence is not the token sequence of the reverse complement. Augmentation keeps
the epoch size (each example is shown on a random strand, drawn from a seeded generator) instead
of doubling the data, so runs with and without it cost the same. Averaging takes the mean of the
class probabilities of a sequence and its reverse complement, which makes the prediction exactly
strand-symmetric: ``predict(x) == predict(rc(x))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from datasets import Dataset

from hf_genomics.alphabet import reverse_complement

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


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def rc_averaged_probabilities(forward_logits: np.ndarray, reverse_logits: np.ndarray) -> np.ndarray:
    """Mean class probabilities of both strands (row ``i`` of each array is the same example)."""
    if forward_logits.shape != reverse_logits.shape:
        raise ValueError(f"strand logits differ in shape: {forward_logits.shape} vs {reverse_logits.shape}")
    return (softmax(forward_logits) + softmax(reverse_logits)) / 2


__all__ = [
    "RandomStrandCollator",
    "add_reverse_complement",
    "rc_averaged_probabilities",
    "softmax",
    "strip_rc_fields",
]
