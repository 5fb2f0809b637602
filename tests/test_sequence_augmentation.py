"""Mutation / shift augmentation of training examples: each transform against a string reference,
the draw rates, refusals, and that only training batches are augmented (evaluation sees the data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from datasets import Dataset
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import DataCollatorWithPadding, HfArgumentParser, TrainingArguments

import hf_genomics
from hf_genomics.data.sequence_augmentation import (
    FinishUnaugmented,
    MutationShiftCollator,
    TrainingCollatorTrainer,
    one_base_per_token,
)
from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training import classification
from hf_genomics.training.callbacks import TimePacedSchedule
from hf_genomics.training.classification import ClassificationArguments, StudyTrainingArguments


@pytest.fixture(scope="module")
def char():
    return hf_genomics.KmerTokenizer(k=1)


def bases_of(tokenizer, ids) -> str:
    """The sequence a row of token ids spells, special tokens dropped (the reference's view)."""
    special = set(tokenizer.all_special_ids)
    return "".join(tokenizer.convert_ids_to_tokens([i for i in ids if i not in special]))


@settings(max_examples=60, deadline=None)
@given(st.text("ACGTN", min_size=1, max_size=80), st.floats(0.0, 0.5), st.integers(0, 2**31))
def test_a_shift_is_a_circular_rotation_within_the_allowed_range(char, sequence, fraction, seed):
    collator = MutationShiftCollator(
        None, char, mutation_fraction=0.0, max_shift_fraction=fraction, probability=1.0, seed=seed
    )
    ids = char(sequence)["input_ids"]
    shifted = collator.augment(ids)
    assert len(shifted) == len(ids) and shifted[0] == ids[0] and shifted[-1] == ids[-1]  # [CLS] ... [SEP]
    limit = round(fraction * len(sequence))
    n = len(sequence)  # np.roll by s: base i moves to (i + s) mod n
    rotations = {sequence[n - s % n :] + sequence[: n - s % n] for s in range(-limit, limit + 1)}
    assert bases_of(char, shifted) in rotations


@settings(max_examples=60, deadline=None)
@given(st.text("ACGT", min_size=1, max_size=80), st.floats(0.0, 0.5), st.integers(0, 2**31))
def test_a_mutation_changes_at_most_the_drawn_positions_to_bases(char, sequence, fraction, seed):
    collator = MutationShiftCollator(
        None, char, mutation_fraction=fraction, max_shift_fraction=0.0, probability=1.0, seed=seed
    )
    mutated = bases_of(char, collator.augment(char(sequence)["input_ids"]))
    assert len(mutated) == len(sequence) and set(mutated) <= set("ACGT")
    assert sum(a != b for a, b in zip(mutated, sequence)) <= round(fraction * len(sequence))


def test_draw_rates_match_their_settings(char):
    """Half of the examples shifted, half mutated; a mutated position lands on one of the three other
    bases 3/4 of the time (its new base is drawn from all four)."""
    sequence = "ACGT" * 25  # 100 bases, no rotation by 1..10 returns it
    ids = char(sequence)["input_ids"]
    mutate = MutationShiftCollator(None, char, mutation_fraction=0.05, max_shift_fraction=0.0, seed=1)
    changed = np.array(
        [sum(a != b for a, b in zip(bases_of(char, mutate.augment(ids)), sequence)) for _ in range(4000)]
    )
    assert 0.47 < (changed > 0).mean() < 0.53  # p(no change | drawn) = 4^-5, negligible
    assert abs(changed[changed > 0].mean() - 5 * 0.75) < 0.1
    shift = MutationShiftCollator(None, char, mutation_fraction=0.0, max_shift_fraction=0.1, seed=1)
    moved = np.array([bases_of(char, shift.augment(ids)) != sequence for _ in range(4000)])
    # a rotation by a multiple of 4 (or 0) returns this sequence: 5 of the 21 shifts in -10..10
    assert abs(moved.mean() - 0.5 * 16 / 21) < 0.03
    never = MutationShiftCollator(None, char, mutation_fraction=0.5, max_shift_fraction=0.5, probability=0.0)
    assert all(never.augment(ids) == ids for _ in range(50))


def test_the_collator_pads_the_augmented_rows(char):
    rows = ["ACGTACGTAC", "GGGCCC"]
    features = [dict(char(s), label=i) for i, s in enumerate(rows)]
    padding = DataCollatorWithPadding(char)
    batch = MutationShiftCollator(padding, char, probability=0.0)(features)
    assert torch.equal(batch["input_ids"], char(rows, padding=True, return_tensors="pt")["input_ids"])
    augmented = MutationShiftCollator(padding, char, mutation_fraction=0.3, probability=1.0, seed=3)(features)
    assert augmented["input_ids"].shape == batch["input_ids"].shape
    assert torch.equal(augmented["attention_mask"], batch["attention_mask"])
    assert not torch.equal(augmented["input_ids"], batch["input_ids"])


def test_merged_tokens_and_bad_fractions_are_refused(char):
    assert one_base_per_token(char) and not one_base_per_token(hf_genomics.KmerTokenizer(k=3))
    with pytest.raises(ValueError, match="one token per base"):
        MutationShiftCollator(None, hf_genomics.KmerTokenizer(k=4))
    with pytest.raises(ValueError, match="mutation_fraction"):
        MutationShiftCollator(None, char, mutation_fraction=1.5)
    with pytest.raises(ValueError, match="max_shift_fraction"):
        ClassificationArguments(task_dir="tf/0", max_shift_fraction=-0.1)
    with pytest.raises(ValueError, match="unaugmented_final_share needs --mutation_fraction"):
        ClassificationArguments(task_dir="tf/0", unaugmented_final_share=0.2)  # nothing to finish


def test_only_training_batches_are_augmented(char, tmp_path):
    rows = Dataset.from_dict({"input_ids": [char("ACGT" * 10)["input_ids"]] * 8, "labels": [0, 1] * 4})
    padding = DataCollatorWithPadding(char)
    augmenting = MutationShiftCollator(padding, char, mutation_fraction=0.5, probability=1.0)
    model = torch.nn.Linear(1, 1)  # never called: only the data loaders are built
    trainer = TrainingCollatorTrainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(tmp_path),
            use_cpu=True,
            report_to="none",
            per_device_train_batch_size=8,
            remove_unused_columns=False,  # the stand-in model's forward names no column
        ),
        train_dataset=rows,
        eval_dataset=rows,
        data_collator=padding,
        train_collator=augmenting,
    )
    plain = padding([{"input_ids": ids} for ids in rows["input_ids"]])["input_ids"]
    assert not torch.equal(next(iter(trainer.get_train_dataloader()))["input_ids"], plain)
    assert trainer.data_collator is padding  # put back for evaluation
    assert torch.equal(next(iter(trainer.get_eval_dataloader()))["input_ids"], plain)


class _State:
    def __init__(self, step: int, max_steps: int) -> None:
        self.global_step, self.max_steps = step, max_steps


def test_the_final_share_of_the_steps_trains_on_real_sequences(char):
    padding = DataCollatorWithPadding(char)
    augmenting = MutationShiftCollator(padding, char, mutation_fraction=0.5, probability=1.0)
    finish = FinishUnaugmented(augmenting, 0.2)
    features = [{"input_ids": char("ACGT" * 10)["input_ids"]}] * 4
    plain = padding(features)["input_ids"]
    finish.on_train_begin(None, _State(0, 10), None)
    real = []  # whether the batch of each step is the real sequences
    for step in range(1, 11):
        real.append(torch.equal(augmenting(features)["input_ids"], plain))
        finish.on_step_end(None, _State(step, 10), None)
    assert real == [False] * 8 + [True] * 2  # the batches after step 8 of 10: progress 0.8
    assert finish.unaugmented_from_step == 8
    resumed = MutationShiftCollator(padding, char, mutation_fraction=0.5, probability=1.0)
    FinishUnaugmented(resumed, 0.2).on_train_begin(None, _State(9, 10), None)  # resumed in the finish
    assert not resumed.enabled
    FinishUnaugmented(resumed, 0.2).on_train_begin(None, _State(0, 10), None)  # a new run augments
    assert resumed.enabled
    with pytest.raises(ValueError, match="final_share"):
        FinishUnaugmented(resumed, 1.5)


def test_a_clock_paced_run_switches_by_the_clock(char):
    now = [100.0]
    schedule = TimePacedSchedule(deadline=200.0, clock=lambda: now[0])
    assert schedule.progress(5, 1000) == 0.005  # before the run began: by steps only
    schedule.started = 100.0
    augmenting = MutationShiftCollator(DataCollatorWithPadding(char), char)
    finish = FinishUnaugmented(augmenting, 0.25, schedule.progress)
    finish.on_step_end(None, _State(10, 1000), None)
    assert augmenting.enabled  # 1 % of the steps, no time
    now[0] = 176.0  # 76 % of the time: the clock binds long before the step cap
    finish.on_step_end(None, _State(11, 1000), None)
    assert not augmenting.enabled and finish.unaugmented_from_step == 11


def test_run_classification_trains_with_augmentation_and_records_it(tmp_path, monkeypatch):
    augmenting = []  # per training batch collated: whether it was augmented
    collate = MutationShiftCollator.__call__

    def spy(self, features):
        augmenting.append(self.enabled)
        return collate(self, features)

    monkeypatch.setattr(MutationShiftCollator, "__call__", spy)
    task = write_planted_motif_task(tmp_path / "toy", sizes=(160, 32, 32))
    args, training = HfArgumentParser(
        (ClassificationArguments, StudyTrainingArguments)
    ).parse_args_into_dataclasses(
        args=[
            "--task_dir",
            str(task),
            "--tokenizer",
            "kmer:1",
            "--output_dir",
            str(tmp_path / "out"),
            "--seeds",
            "1",
            "--preset",
            "tiny",
            "--max_steps",
            "6",
            "--per_device_train_batch_size",
            "16",
            "--rc_augment",
            "--mutation_fraction",
            "0.05",
            "--max_shift_fraction",
            "0.1",
            "--unaugmented_final_share",
            "0.5",
        ]  # fmt: skip
    )
    results = classification.run_classification(args, training)
    assert (results["mutation_fraction"], results["max_shift_fraction"]) == (0.05, 0.1)
    assert results["unaugmented_final_share"] == 0.5
    assert results["per_seed"][0]["train_steps"] == 6
    assert results["per_seed"][0]["unaugmented_from_step"] == 3
    # steps 1-3 augmented, and step 4's batch, drawn ahead by the data loader; then real sequences
    # (the last, drawn ahead of an end it never reaches, too)
    assert augmenting == [True] * 4 + [False] * (len(augmenting) - 4) and len(augmenting) >= 6
    merged = HfArgumentParser((ClassificationArguments, StudyTrainingArguments)).parse_args_into_dataclasses(
        args=[
            "--task_dir",
            str(task),
            "--tokenizer",
            "kmer:3",
            "--mutation_fraction",
            "0.05",
            "--output_dir",
            str(tmp_path / "k3"),
            "--max_steps",
            "2",
        ]  # fmt: skip
    )
    with pytest.raises(ValueError, match="one token per base"):
        classification.run_classification(*merged)
