"""Class probabilities of every validation checkpoint, kept in memory while the Trainer runs.

The validation curves of a small GUE task wobble by a point or two from one evaluation to the next
(``docs/results/gue_recipe/seeds_over_epochs``), so the single best checkpoint is partly chosen by
noise. Averaging the probabilities of the few best checkpoints is a cheap ensemble: the checkpoints
are already trained, and predicting validation and test at each evaluation costs a few forward
passes. Keeping the probabilities (not the weights) means nothing is saved or reloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from transformers import TrainerCallback


@dataclass
class Snapshot:
    """One evaluation: its step, the Trainer's validation metric, and the probabilities per split."""

    step: int
    metric: float
    probabilities: dict[str, np.ndarray]


class SnapshotPredictionsCallback(TrainerCallback):
    """At every evaluation, predict ``splits`` (``{name: sequences}``) with the current weights.

    Probabilities come from :func:`hf_genomics.analysis.predict.predict` (both strands averaged when
    ``rc_average``), the same function that reads a saved model, so the best snapshot's numbers are
    the saved best checkpoint's. ``window_nt``: the training length, so no sequence is cut differently.
    """

    def __init__(
        self,
        tokenizer,
        splits: dict[str, Sequence[str]],
        *,
        rc_average: bool,
        window_nt: int,
        metric: str = "eval_mcc",
        batch_size: int = 64,
    ) -> None:
        self.tokenizer = tokenizer
        self.splits = {name: list(sequences) for name, sequences in splits.items()}
        self.rc_average = rc_average
        self.window_nt = window_nt
        self.metric = metric
        self.batch_size = batch_size
        self.snapshots: list[Snapshot] = []

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
        from hf_genomics.analysis.predict import predict

        if model is None or not metrics or self.metric not in metrics:
            return
        probabilities = {
            name: predict(
                model,
                self.tokenizer,
                sequences,
                window_nt=self.window_nt,
                rc_average=self.rc_average,
                batch_size=self.batch_size,
                progress=False,
            ).probabilities
            for name, sequences in self.splits.items()
        }
        self.snapshots.append(Snapshot(state.global_step, float(metrics[self.metric]), probabilities))

    def ranked(self) -> list[Snapshot]:
        """Best validation metric first; equal metrics keep the earlier step first, as the Trainer's
        ``load_best_model_at_end`` does (it replaces its best only on a strictly better metric)."""
        return sorted(self.snapshots, key=lambda snapshot: (-snapshot.metric, snapshot.step))

    def top_mean(self, k: int) -> dict[str, np.ndarray]:
        """Mean probabilities of the ``k`` best snapshots (all of them when there are fewer)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        chosen = self.ranked()[:k]
        if not chosen:
            raise ValueError("no evaluation was recorded: nothing to average")
        return {name: np.mean([s.probabilities[name] for s in chosen], axis=0) for name in self.splits}


__all__ = ["Snapshot", "SnapshotPredictionsCallback"]
