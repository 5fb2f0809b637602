"""SnapshotPredictionsCallback: the probabilities it keeps at each evaluation are those of the weights
at that step (re-predicted here from copies of the weights), its ranking is the Trainer's choice of
the best checkpoint, and ``top_mean(k)`` is the plain mean of the k best."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from transformers import TrainerCallback

from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.training.snapshot_predictions import Snapshot, SnapshotPredictionsCallback


class KeepWeights(TrainerCallback):
    """A copy of the weights at every evaluation: the independent reference."""

    def __init__(self):
        self.weights, self.mcc = {}, {}

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
        self.weights[state.global_step] = copy.deepcopy(model.state_dict())
        self.mcc[state.global_step] = metrics["eval_mcc"]


def test_snapshots_are_the_checkpoints_and_the_best_is_the_trainers(tmp_path):
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.predict import predict
    from hf_genomics.data.gue import load_gue
    from hf_genomics.tokenization.spec import build_tokenizer
    from hf_genomics.training.classification import (
        ClassificationArguments,
        StudyTrainingArguments,
        run_classification,
    )

    task = write_planted_motif_task(tmp_path / "prom" / "planted", sizes=(192, 40, 40))
    data = load_gue(task)
    splits = {name: data[name]["sequence"] for name in ("validation", "test")}
    tokenizer = build_tokenizer("char", train_sequences=data["train"]["sequence"])
    window = max(len(s) for name in ("train", "validation", "test") for s in data[name]["sequence"])
    snapshots = SnapshotPredictionsCallback(tokenizer, splits, rc_average=True, window_nt=window)
    kept = KeepWeights()
    args = ClassificationArguments(
        task_dir=str(task), tokenizer_name="char", architecture="cnn", hidden_size=16, num_hidden_layers=2,
        cnn_kmer_sizes=[3], seeds=[1], rc_augment=True, rc_average=True,
    )  # fmt: skip
    training = StudyTrainingArguments(
        output_dir=str(tmp_path / "out"), use_cpu=True, disable_tqdm=True, logging_strategy="no",
        learning_rate=3e-3, per_device_train_batch_size=16, max_steps=24, eval_strategy="steps",
        eval_steps=4, save_strategy="steps", save_steps=4, dataloader_num_workers=0,
    )  # fmt: skip
    results = run_classification(args, training, callbacks=[snapshots, kept])

    assert [s.step for s in snapshots.snapshots] == sorted(kept.weights) == [4, 8, 12, 16, 20, 24]
    model, saved_tokenizer = load_model_and_tokenizer(tmp_path / "out", kind="classifier")
    for snapshot in snapshots.snapshots:  # each snapshot is its step's weights, both strands averaged
        model.load_state_dict(kept.weights[snapshot.step])
        for name, sequences in splits.items():
            expected = predict(model, saved_tokenizer, sequences, rc_average=True, progress=False)
            np.testing.assert_allclose(snapshot.probabilities[name], expected.probabilities, atol=1e-5)

    # the best snapshot is the Trainer's best checkpoint: the saved model, and its validation metric
    best = snapshots.ranked()[0]
    assert best.step == results["per_seed"][0]["best_step"]
    assert best.metric == pytest.approx(results["per_seed"][0]["best_dev_mcc"])
    model, _ = load_model_and_tokenizer(tmp_path / "out", kind="classifier")
    saved = predict(model, saved_tokenizer, splits["test"], rc_average=True, progress=False)
    np.testing.assert_allclose(snapshots.top_mean(1)["test"], saved.probabilities, atol=1e-5)

    # top_mean(3): the mean of the three evaluations with the best validation MCC the Trainer reported
    three = sorted(kept.mcc, key=lambda step: (-kept.mcc[step], step))[:3]
    by_step = {s.step: s for s in snapshots.snapshots}
    expected = np.mean([by_step[step].probabilities["validation"] for step in three], axis=0)
    np.testing.assert_allclose(snapshots.top_mean(3)["validation"], expected)
    assert snapshots.top_mean(100)["test"].shape == (40, 2)  # fewer snapshots than k: all of them


def test_ranking_breaks_ties_by_the_earlier_step_and_rejects_nothing_to_average():
    callback = SnapshotPredictionsCallback(None, {"test": ["A"]}, rc_average=False, window_nt=1)
    rows = {step: np.full((1, 2), step, dtype=float) for step in (10, 20, 30, 40)}
    for step, metric in ((10, 0.5), (20, 0.7), (30, 0.7), (40, 0.1)):
        callback.snapshots.append(Snapshot(step, metric, {"test": rows[step]}))
    assert [s.step for s in callback.ranked()] == [20, 30, 10, 40]
    np.testing.assert_array_equal(callback.top_mean(2)["test"], np.full((1, 2), 25.0))
    np.testing.assert_array_equal(callback.top_mean(3)["test"], np.full((1, 2), 20.0))
    with pytest.raises(ValueError, match="at least 1"):
        callback.top_mean(0)
    with pytest.raises(ValueError, match="no evaluation"):
        SnapshotPredictionsCallback(None, {"test": ["A"]}, rc_average=False, window_nt=1).top_mean(1)


def test_an_evaluation_without_the_metric_is_not_kept():
    callback = SnapshotPredictionsCallback(None, {"test": ["A"]}, rc_average=False, window_nt=1)
    callback.on_evaluate(None, None, None, model=object(), metrics={"eval_loss": 0.3})
    callback.on_evaluate(None, None, None, model=None, metrics={"eval_mcc": 0.3})
    assert callback.snapshots == []
