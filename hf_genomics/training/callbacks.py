"""Trainer callbacks shared by the training entry points."""

from __future__ import annotations

from transformers import TrainerCallback

from hf_genomics.data.collators import DnaMlmCollator


class MaskingEpochCallback(TrainerCallback):
    """Tell the collator which epoch it is, so each epoch sees fresh (yet reproducible) masks."""

    def __init__(self, collator: DnaMlmCollator):
        self.collator = collator

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.collator.epoch = int(state.epoch or 0)


__all__ = ["MaskingEpochCallback"]
