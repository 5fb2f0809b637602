"""Self-pretraining: masked-token training of a CNN's trunk on a task's own training sequences,
before the same trunk is fine-tuned on their labels.

Why: a CNN trained from scratch on a few thousand labelled rows has to find its motif detectors
from the labels alone, and one seed can start slowly and never catch up. Predicting masked bases
of the same sequences first (no labels, no other data) gives the stem and the dilated blocks the
local sequence statistics to start from — the "never train from scratch" recipe of Amos et al.
(ICLR 2024), here with the task's training split only, so nothing of validation or test is seen.

Both strands are used when the classifier will read both (``strands=2``): the reverse complement of
every sequence joins the pretraining set. Masking is BERT's 80/10/10
(:class:`~hf_genomics.data.collators.DnaMlmCollator`), fresh every epoch. The trunk is saved
(safetensors) as a :class:`~hf_genomics.models.cnn.DnaCnnForMaskedLM` folder, which
``AutoModelForSequenceClassification`` loads with a fresh head.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MASK_RATE = 0.15


def pretraining_sequences(sequences: Sequence[str], strands: int) -> list[str]:
    """The pretraining set: the sequences, and their reverse complements when ``strands`` is 2."""
    from hf_genomics.alphabet import reverse_complement

    if strands not in (1, 2):
        raise ValueError(f"strands must be 1 or 2, got {strands!r}")
    forward = list(sequences)
    return forward + [reverse_complement(sequence) for sequence in forward] if strands == 2 else forward


def planned_pretraining_steps(
    rows: int, batch_size: int, epochs: float, seconds: float, step_seconds: float, safety: float = 0.9
) -> int:
    """Steps for ``epochs`` passes over ``rows``, fewer when they would not fit in ``seconds`` at
    ``step_seconds`` a step (the schedule must end inside the time it is given); 0 for none."""
    if epochs <= 0 or rows <= 0:
        return 0
    wanted = math.ceil(epochs * math.ceil(rows / batch_size))
    fits = int(safety * max(seconds, 0.0) / max(step_seconds, 1e-9))
    return max(0, min(wanted, fits))


def self_pretrain(
    classifier_config,
    tokenizer,
    sequences: Sequence[str],
    output_dir: str | Path,
    *,
    max_steps: int,
    max_tokens: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Train a :class:`~hf_genomics.models.cnn.DnaCnnForMaskedLM` built from ``classifier_config``
    (the CNN that will be fine-tuned) for ``max_steps`` on ``sequences``; save it with the tokenizer
    in ``output_dir``. Cosine schedule with 10 % warmup, weight decay 0.01, as the fine-tuning; a
    ``deadline`` (``time.monotonic()``) stops it early. Returns what ``results.json`` records."""
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments, set_seed

    from hf_genomics.data.collators import DnaMlmCollator
    from hf_genomics.models.cnn.modeling_dna_cnn import DnaCnnForMaskedLM
    from hf_genomics.training.callbacks import MaskingEpochCallback, TimeBudgetCallback

    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps!r}")
    started = time.monotonic()
    set_seed(seed)
    config = classifier_config.__class__.from_dict(classifier_config.to_dict())
    model = DnaCnnForMaskedLM(config)
    encoded = tokenizer(list(sequences), truncation=True, max_length=max_tokens)["input_ids"]
    collator = DnaMlmCollator(tokenizer, mlm_probability=MASK_RATE, seed=seed)
    budget = TimeBudgetCallback(deadline if deadline is not None else math.inf, checkpoint_at_stop=False)
    output_dir = Path(output_dir)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(output_dir),
            use_cpu=True,
            max_steps=max_steps,
            per_device_train_batch_size=batch_size,
            learning_rate=learning_rate,
            weight_decay=0.01,
            warmup_steps=0.1,
            lr_scheduler_type="cosine",
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="no",
            report_to="none",
            disable_tqdm=True,
            dataloader_num_workers=0,
            seed=seed,
        ),
        train_dataset=Dataset.from_dict({"input_ids": encoded}),
        data_collator=collator,
        callbacks=[MaskingEpochCallback(collator), budget],
    )
    output = trainer.train()
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return {
        "folder": str(output_dir),
        "sequences": len(encoded),
        "planned_steps": max_steps,
        "steps": trainer.state.global_step,
        "epochs": round(trainer.state.epoch or 0.0, 3),
        "stopped_by_budget_at_step": budget.stopped_at_step,
        "train_loss": round(float(output.training_loss), 4),
        "seconds": round(time.monotonic() - started, 1),
    }


def self_pretrain_in_time(
    classifier_config,
    tokenizer,
    training_sequences: Sequence[str],
    output_dir: str | Path,
    *,
    epochs: float,
    seconds: float,
    step_seconds: float,
    strands: int,
    max_tokens: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
) -> dict[str, Any] | None:
    """:func:`self_pretrain` for ``epochs`` passes over the training sequences (and their reverse
    complements when ``strands`` is 2), fewer when they would not fit in ``seconds`` at
    ``step_seconds`` a step, stopped at that time whatever happens; None when not one step fits."""
    sequences = pretraining_sequences(training_sequences, strands)
    steps = planned_pretraining_steps(len(sequences), batch_size, epochs, seconds, step_seconds)
    if not steps:
        return None
    return self_pretrain(
        classifier_config, tokenizer, sequences, output_dir, max_steps=steps, max_tokens=max_tokens,
        batch_size=batch_size, learning_rate=learning_rate, seed=seed, deadline=time.monotonic() + seconds,
    )  # fmt: skip


__all__ = [
    "MASK_RATE",
    "planned_pretraining_steps",
    "pretraining_sequences",
    "self_pretrain",
    "self_pretrain_in_time",
]
