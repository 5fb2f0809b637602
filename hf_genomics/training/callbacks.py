"""Trainer callbacks shared by the training entry points."""

from __future__ import annotations

import logging
import math
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

    def __init__(self, deadline: float, clock=time.monotonic, checkpoint_at_stop: bool = True):
        """``checkpoint_at_stop=False``: stop only (a run with nothing to evaluate or keep midway)."""
        self.deadline = deadline
        self.clock = clock
        self.checkpoint_at_stop = checkpoint_at_stop
        self.stopped_at_step: int | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if on_any_process(self.clock() >= self.deadline) and state.global_step < state.max_steps:
            logging.getLogger(__name__).info(
                "time budget reached at step %d of %d: stopping", state.global_step, state.max_steps
            )
            self.stopped_at_step = state.global_step
            control.should_training_stop = True
            if self.checkpoint_at_stop:
                control.should_evaluate = control.should_save = True
        return control


def cosine_with_warmup(progress: float, warmup_share: float) -> float:
    """transformers' ``cosine`` learning-rate factor at ``progress`` (0 to 1) of a run: a linear rise
    over the first ``warmup_share``, then half a cosine down to 0."""
    if progress < warmup_share:
        return progress / warmup_share
    decay = (progress - warmup_share) / max(1.0 - warmup_share, 1e-12)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * min(decay, 1.0))))


class TimePacedSchedule(TrainerCallback):
    """The Trainer's cosine schedule paced by whichever runs out first, steps or time: its progress
    is ``max(step / max_steps, elapsed / (deadline - start))``.

    Why: a run stopped at a wall-clock deadline (:class:`TimeBudgetCallback`) was planned from a few
    timed steps, and a shared machine makes that plan miss both ways. Too slow, and the run stops
    with the learning rate still high (the best weights come from the annealed end); too fast, and
    it ends with budget unused. Paced by time as well, the learning rate reaches 0 at the deadline,
    and ``max_steps`` can be a generous cap (the epoch cap) instead of a guess.
    """

    def __init__(self, deadline: float, clock=time.monotonic):
        self.deadline = deadline
        self.clock = clock
        self.started: float | None = None

    def progress(self, step: int, max_steps: int) -> float:
        """The share of the run done at optimizer step ``step``, by steps or by time."""
        by_steps = step / max(max_steps, 1)
        if self.started is None:  # asked before the run began: no time has passed
            return min(1.0, by_steps)
        span = self.deadline - self.started
        by_time = (self.clock() - self.started) / span if span > 0 else 1.0
        return min(1.0, max(by_steps, by_time))

    def on_train_begin(self, args, state, control, lr_scheduler=None, **kwargs):
        kind = getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)
        if kind != "cosine":
            raise ValueError(f"TimePacedSchedule paces the cosine schedule, not {kind!r}")
        scheduler = getattr(lr_scheduler, "scheduler", lr_scheduler)  # accelerate's wrapper, or the LambdaLR
        if not hasattr(scheduler, "lr_lambdas"):
            raise ValueError(f"TimePacedSchedule needs a LambdaLR schedule, got {type(scheduler).__name__}")
        self.started = self.clock()
        max_steps = state.max_steps
        warmup_share = args.get_warmup_steps(max_steps) / max(max_steps, 1)

        def factor(step: int) -> float:
            return cosine_with_warmup(self.progress(step, max_steps), warmup_share)

        scheduler.lr_lambdas = [factor] * len(scheduler.lr_lambdas)


class TrainingMinutesCallback(TimeBudgetCallback):
    """``--max_train_minutes``: every ``trainer.train()`` call (each seed, each resume) stops
    ``minutes`` after it begins, as :class:`TimeBudgetCallback` does at its deadline."""

    def __init__(self, minutes: float, clock=time.monotonic):
        if not minutes >= 0:
            raise ValueError(f"--max_train_minutes must be >= 0, got {minutes}")
        super().__init__(math.inf, clock)
        self.minutes = minutes

    def on_train_begin(self, args, state, control, **kwargs):
        self.deadline = self.clock() + 60 * self.minutes
        self.stopped_at_step = None


def on_any_process(flag: bool) -> bool:
    """``flag`` or'ed over the processes of a distributed run, so a clock read on each process
    cannot stop one rank and leave the others waiting in the next collective."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return flag
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    value = torch.tensor([int(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


class EarlyStoppingOnMetric(TrainerCallback):
    """Keras' ``EarlyStopping(monitor="val_loss", patience=p)`` as the human-genes study used it:
    stop after ``patience`` evaluations in a row without a new best (lower is better, by more than
    ``min_delta``), and keep the *last* weights (Keras' default ``restore_best_weights=False``;
    transformers' own ``EarlyStoppingCallback`` requires ``load_best_model_at_end``).

    The count is rebuilt from ``state.log_history`` when training starts, so a resumed run stops
    exactly where an uninterrupted one would have.
    """

    def __init__(self, patience: int, metric: str = "eval_loss", min_delta: float = 0.0):
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        self.patience = patience
        self.metric = metric
        self.min_delta = min_delta
        self.best: float | None = None
        self.best_step: int | None = None
        self.waited = 0
        self.last_step: int | None = None
        self.stopped_at_step: int | None = None

    def _observe(self, value: float, step: int) -> None:
        if step == self.last_step:  # the same step evaluated twice (a stop mid-epoch, then epoch end)
            return
        self.last_step = step
        if self.best is None or value < self.best - self.min_delta:
            self.best, self.best_step, self.waited = value, step, 0
        else:
            self.waited += 1

    def on_train_begin(self, args, state, control, **kwargs):
        self.best, self.best_step, self.waited, self.last_step = None, None, 0, None
        for entry in state.log_history:
            if self.metric in entry:
                self._observe(entry[self.metric], entry.get("step", 0))

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if not metrics or self.metric not in metrics:
            return control
        self._observe(metrics[self.metric], state.global_step)
        if self.waited >= self.patience:
            logging.getLogger(__name__).info(
                "early stopping at step %d: %s has not improved on %.5f (step %s) for %d evaluations",
                state.global_step, self.metric, self.best, self.best_step, self.waited,
            )  # fmt: skip
            self.stopped_at_step = state.global_step
            control.should_training_stop = True
        return control

    def summary(self) -> dict:
        """What the results JSON records about the rule."""
        return {
            "metric": self.metric,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "best": self.best,
            "best_step": self.best_step,
            "evaluations_without_improvement": self.waited,
            "stopped_at_step": self.stopped_at_step,
        }


__all__ = ["EarlyStoppingOnMetric", "MaskingEpochCallback", "TimeBudgetCallback", "TimePacedSchedule"]
