"""Evolution-inspired augmentation of training sequences: random point mutations and a random
circular shift (translocation), after EvoAug (Lee et al., Genome Biology 24:105, 2023;
github.com/p-koo/evoaug, whose ChIP-seq runs mutate 5 % of the bases and shift by up to 10 % of
the length).

Why: on the small GUE tasks the CNN overfits (mouse/0's best checkpoint is at epoch 10 of 30,
tf/0's at 4 of 10): a sequence with a few bases changed or its motif a few bases away is still
an example of its class, so training sees more distinct examples than it has rows.

Why on token ids: with one token per base (``char``) a token *is* a base, so the collator can
change bases after tokenization, vectorised per example. Tokenizations that merge bases (k-mers,
BPE) are refused: their token sequence of a mutated sequence is not a substitution of one token.

Only training batches are augmented: :class:`TrainingCollatorTrainer` gives the training data
loader its own collator, while evaluation and prediction keep the plain one.

EvoAug's second stage fine-tunes the augmented model on the real sequences at a lower learning
rate, so that what the augmentation blurred (a motif's exact position, a base that never varies)
is learnt back. :class:`FinishUnaugmented` does that inside the same run: for the final share of
its schedule the collator stops augmenting; a cosine schedule there is already at ≤ 10 % of its
peak learning rate for a final share of 0.2. The checkpoint is still chosen on validation, so a
task where the real data overfit keeps an augmented checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase, Trainer, TrainerCallback

BASES = "ACGT"


def one_base_per_token(tokenizer: PreTrainedTokenizerBase) -> bool:
    """True when every non-special token of ``tokenizer`` is a single base (the ``char`` scheme)."""
    k, stride = getattr(tokenizer, "k", None), getattr(tokenizer, "stride", None)
    return k == 1 and stride in (None, 1)


def require_one_base_per_token(tokenizer: PreTrainedTokenizerBase) -> None:
    """Refuse a tokenizer whose tokens merge bases: the augmentation edits bases as token ids."""
    if not one_base_per_token(tokenizer):
        raise ValueError(
            "mutation / shift augmentation needs one token per base (tokenizer 'char'); "
            f"{type(tokenizer).__name__} merges bases into tokens"
        )


class MutationShiftCollator:
    """Wrap a padding collator: before padding, each training example is, independently with
    probability ``probability`` each, shifted circularly by up to ``max_shift_fraction`` of its
    bases (uniform, either direction) and mutated at ``round(mutation_fraction × bases)`` positions
    drawn without replacement, each set to a base drawn uniformly from A, C, G, T (which may be the
    one it replaces, as in EvoAug). Special tokens stay where they are; lengths do not change.
    """

    def __init__(
        self,
        base_collator: Any,
        tokenizer: PreTrainedTokenizerBase,
        *,
        mutation_fraction: float = 0.05,
        max_shift_fraction: float = 0.1,
        probability: float = 0.5,
        seed: int = 0,
    ) -> None:
        require_one_base_per_token(tokenizer)
        for name, value in (
            ("mutation_fraction", mutation_fraction),
            ("max_shift_fraction", max_shift_fraction),
            ("probability", probability),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        self.base_collator = base_collator
        self.mutation_fraction, self.max_shift_fraction = mutation_fraction, max_shift_fraction
        self.probability = probability
        self.base_ids = np.array(tokenizer.convert_tokens_to_ids(list(BASES)), dtype=np.int64)
        self.special_ids = np.array(sorted(set(tokenizer.all_special_ids)), dtype=np.int64)
        self.rng = np.random.default_rng(seed)
        self.enabled = True  # False: examples pass through unchanged (FinishUnaugmented)

    def augment(self, ids: Sequence[int]) -> list[int]:
        """One example's token ids, shifted and/or mutated (or unchanged, by the draws)."""
        ids = np.asarray(ids, dtype=np.int64).copy()
        positions = np.flatnonzero(~np.isin(ids, self.special_ids))  # the bases (N included)
        n = len(positions)
        shift_drawn, mutate_drawn = self.rng.random(2) < self.probability
        max_shift = int(round(self.max_shift_fraction * n))
        if shift_drawn and max_shift > 0:
            ids[positions] = np.roll(ids[positions], int(self.rng.integers(-max_shift, max_shift + 1)))
        mutations = int(round(self.mutation_fraction * n))
        if mutate_drawn and mutations > 0:
            chosen = self.rng.choice(positions, size=mutations, replace=False)
            ids[chosen] = self.rng.choice(self.base_ids, size=mutations)
        return ids.tolist()

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        if not self.enabled:
            return self.base_collator(features)
        return self.base_collator(
            [{**feature, "input_ids": self.augment(feature["input_ids"])} for feature in features]
        )


class FinishUnaugmented(TrainerCallback):
    """Switch ``collator``'s augmentation off for the final ``final_share`` of the run, and back on
    before it (a resumed run is set by its step). ``progress(step, max_steps)`` is the schedule's
    share done; default ``step / max_steps``, or a
    :class:`~hf_genomics.training.callbacks.TimePacedSchedule`'s ``progress`` when the run is paced
    by the clock, so the switch comes where its learning rate is low whichever runs out first."""

    def __init__(
        self,
        collator: MutationShiftCollator,
        final_share: float,
        progress: Callable[[int, int], float] | None = None,
    ) -> None:
        if not 0.0 <= final_share <= 1.0:
            raise ValueError(f"final_share must be in [0, 1], got {final_share}")
        self.collator, self.final_share = collator, final_share
        self.progress = progress or (lambda step, max_steps: step / max(max_steps, 1))
        # the step at whose end the augmentation stopped: batches drawn after it are the real ones
        # (the data loader has one batch drawn ahead, so the first real one trains a step later)
        self.unaugmented_from_step: int | None = None

    def update(self, step: int, max_steps: int) -> None:
        augmenting = self.progress(step, max_steps) < 1.0 - self.final_share
        if self.collator.enabled and not augmenting:
            self.unaugmented_from_step = step
        self.collator.enabled = augmenting

    def on_train_begin(self, args, state, control, **kwargs):
        self.update(state.global_step, state.max_steps)

    def on_step_end(self, args, state, control, **kwargs):
        self.update(state.global_step, state.max_steps)


class TrainingCollatorTrainer(Trainer):
    """A ``Trainer`` whose training batches go through ``train_collator`` while evaluation and
    prediction batches go through ``data_collator`` (``Trainer`` has one collator for both, and an
    augmented validation set would choose the checkpoint on noise)."""

    def __init__(self, *args: Any, train_collator: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.train_collator = train_collator

    def get_train_dataloader(self):
        if self.train_collator is None:
            return super().get_train_dataloader()
        evaluation_collator, self.data_collator = self.data_collator, self.train_collator
        try:  # the data loader keeps the collator it was built with
            return super().get_train_dataloader()
        finally:
            self.data_collator = evaluation_collator


__all__ = [
    "FinishUnaugmented",
    "MutationShiftCollator",
    "TrainingCollatorTrainer",
    "one_base_per_token",
    "require_one_base_per_token",
]
