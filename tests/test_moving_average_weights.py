"""MovingAverageWeights: evaluations see the exponential moving average of the weights, computed
here independently from the raw weights after every step; training itself is unchanged."""

from __future__ import annotations

import pytest
import torch
from linear_trainer import linear_trainer
from transformers import TrainerCallback

from hf_genomics.training.moving_average_weights import MovingAverageWeights


class RecordWeights(TrainerCallback):
    """The model's weights after every optimizer step (raw: it runs before the averaging callback)
    and at every evaluation."""

    def __init__(self):
        self.after_step, self.at_evaluation = [], []

    @staticmethod
    def weights(model) -> torch.Tensor:
        return torch.cat([p.detach().flatten().clone() for p in model.parameters()])

    def on_step_end(self, args, state, control, model=None, **kwargs):
        self.after_step.append(self.weights(model))

    def on_evaluate(self, args, state, control, model=None, **kwargs):
        self.at_evaluation.append((state.global_step, self.weights(model)))


def reference_average(raw: list[torch.Tensor], initial: torch.Tensor, horizon: float) -> list[torch.Tensor]:
    """The textbook EMA with the (1 + n) / (10 + n) ramp, one entry per step."""
    average, out = initial.clone(), []
    for n, weights in enumerate(raw, start=1):
        decay = min(1 - 1 / horizon, (1 + n) / (10 + n))
        average = decay * average + (1 - decay) * weights
        out.append(average.clone())
    return out


def train(tmp_path, callbacks, **arguments):
    torch.manual_seed(0)
    trainer = linear_trainer(
        tmp_path, callbacks, max_steps=30, eval_strategy="steps", eval_steps=10, save_strategy="steps",
        save_steps=10, learning_rate=0.05, **arguments,
    )  # fmt: skip
    initial = RecordWeights.weights(trainer.model)
    trainer.train()
    return trainer, initial


def test_evaluations_see_the_moving_average_and_training_is_unchanged(tmp_path):
    record = RecordWeights()
    trainer, initial = train(tmp_path / "ema", [record, MovingAverageWeights(horizon_steps=8)])
    expected = reference_average(record.after_step, initial, horizon=8)
    assert [step for step, _ in record.at_evaluation] == [10, 20, 30]
    for step, weights in record.at_evaluation:
        torch.testing.assert_close(weights, expected[step - 1])
        assert not torch.allclose(weights, record.after_step[step - 1])  # not the raw weights
    # no best-checkpoint reload: the model handed back is the final average
    torch.testing.assert_close(RecordWeights.weights(trainer.model), expected[-1])

    plain = RecordWeights()
    train(tmp_path / "plain", [plain])
    # the optimizer stepped the raw weights exactly as without the callback
    torch.testing.assert_close(torch.stack(record.after_step), torch.stack(plain.after_step))


def test_the_reloaded_best_checkpoint_holds_averaged_weights(tmp_path):
    record = RecordWeights()
    trainer, _ = train(
        tmp_path, [record, MovingAverageWeights(horizon_steps=4)], load_best_model_at_end=True,
        metric_for_best_model="loss", greater_is_better=False,
    )  # fmt: skip
    best_step = int(trainer.state.best_model_checkpoint.rsplit("-", 1)[1])
    evaluated = dict(record.at_evaluation)
    torch.testing.assert_close(RecordWeights.weights(trainer.model), evaluated[best_step])


def test_evaluations_at_epoch_end_see_the_moving_average(tmp_path):
    """``eval_strategy="epoch"``: the Trainer asks for the evaluation in ``on_epoch_end``, not after
    a step (64 rows, batch 4: 16 steps an epoch)."""
    record = RecordWeights()
    torch.manual_seed(0)
    trainer = linear_trainer(
        tmp_path, [record, MovingAverageWeights(horizon_steps=8)], num_train_epochs=2,
        eval_strategy="epoch", save_strategy="epoch", learning_rate=0.05,
    )  # fmt: skip
    initial = RecordWeights.weights(trainer.model)
    trainer.train()
    expected = reference_average(record.after_step, initial, horizon=8)
    assert [step for step, _ in record.at_evaluation] == [16, 32]
    for step, weights in record.at_evaluation:
        torch.testing.assert_close(weights, expected[step - 1])


def test_horizon_below_one_step_is_refused():
    with pytest.raises(ValueError, match="horizon_steps"):
        MovingAverageWeights(horizon_steps=0.5)
