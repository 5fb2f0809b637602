"""Evaluate and keep an exponential moving average of the weights, train the weights themselves."""

from __future__ import annotations

import torch
from transformers import TrainerCallback


class MovingAverageWeights(TrainerCallback):
    """Keep an exponential moving average (EMA) of a model's trainable parameters, and let every
    evaluation and checkpoint see the average instead of the last step's weights.

    Why: a run picks its best checkpoint among a few evaluations, each taken while the learning rate
    is still high, so each sees weights that one noisy step moved. The average of the weights over
    the last ``horizon_steps`` steps is a smoother model at no extra forward or backward pass
    (Polyak averaging; what timm's ``ModelEmaV2`` keeps). Training itself is untouched: the
    optimizer steps the raw weights, which are put back before the next step.

    ``horizon_steps``: the steps the average mostly spans (its decay is ``1 - 1 / horizon_steps``,
    ramped as ``(1 + n) / (10 + n)`` over the first updates so the initial weights fade quickly).
    BatchNorm statistics are the model's own running estimates, not averaged. Add this callback
    after any callback that asks for an evaluation in ``on_step_end`` (as
    :class:`~hf_genomics.training.callbacks.TimeBudgetCallback` does), so it sees the request.
    A checkpoint holds the averaged weights: resuming from it continues from the average.
    """

    def __init__(self, horizon_steps: float):
        if not horizon_steps >= 1:
            raise ValueError(f"horizon_steps must be >= 1, got {horizon_steps}")
        self.decay = 1.0 - 1.0 / horizon_steps
        self.updates = 0
        self.parameters: list[torch.Tensor] = []
        self.average: list[torch.Tensor] = []
        self.trained: list[torch.Tensor] | None = None  # the raw weights while the average is swapped in

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.parameters = [p for p in model.parameters() if p.requires_grad and p.is_floating_point()]
        self.average = [p.detach().clone() for p in self.parameters]
        self.updates = 0
        self.trained = None

    def on_step_begin(self, args, state, control, **kwargs):
        self.restore_trained()

    @torch.no_grad()
    def on_step_end(self, args, state, control, **kwargs):
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(self.average, self.parameters, 1.0 - decay)
        return self.on_epoch_end(args, state, control)

    def on_epoch_end(self, args, state, control, **kwargs):
        """An evaluation or save asked for now (after a step, or at an epoch's end with
        ``eval_strategy="epoch"``) sees the average."""
        if control.should_evaluate or control.should_save:
            self.swap_in_average()
        return control

    def on_train_end(self, args, state, control, **kwargs):
        """The model the Trainer returns: the best checkpoint when it reloads one (an averaged one),
        else the average now."""
        if not (args.load_best_model_at_end and state.best_model_checkpoint is not None):
            self.swap_in_average()
        self.trained = None

    @torch.no_grad()
    def swap_in_average(self) -> None:
        """Put the average into the model, keeping the raw weights to put back."""
        if self.trained is None:
            self.trained = [p.detach().clone() for p in self.parameters]
            torch._foreach_copy_(self.parameters, self.average)

    @torch.no_grad()
    def restore_trained(self) -> None:
        """Put the raw weights back (before the optimizer's next step)."""
        if self.trained is not None:
            torch._foreach_copy_(self.parameters, self.trained)
            self.trained = None


__all__ = ["MovingAverageWeights"]
