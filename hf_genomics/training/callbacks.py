"""Trainer callbacks shared by the training entry points."""

from __future__ import annotations

import logging
import time

from transformers import TrainerCallback

from hf_genomics.data.collators import DnaMlmCollator


class MaskingEpochCallback(TrainerCallback):
    """Tell the collator which epoch it is, so each epoch sees fresh (yet reproducible) masks."""

    def __init__(self, collator: DnaMlmCollator):
        self.collator = collator

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.collator.epoch = int(state.epoch or 0)


class TimeBudgetCallback(TrainerCallback):
    """Stop training at a wall-clock deadline (``time.monotonic()`` seconds), evaluating and saving
    the step it stops at, so best-checkpoint selection still sees it.

    The check runs after every optimizer step: a run overshoots the deadline by at most one step
    plus that last evaluation.
    """

    def __init__(self, deadline: float, clock=time.monotonic):
        self.deadline = deadline
        self.clock = clock
        self.stopped_at_step: int | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if self.clock() >= self.deadline and state.global_step < state.max_steps:
            logging.getLogger(__name__).info(
                "time budget reached at step %d of %d: stopping", state.global_step, state.max_steps
            )
            self.stopped_at_step = state.global_step
            control.should_training_stop = True
            control.should_evaluate = True
            control.should_save = True
        return control


__all__ = ["MaskingEpochCallback", "TimeBudgetCallback"]
