"""The smallest Trainer the training callbacks can drive: a one-layer regression."""

from __future__ import annotations


def linear_trainer(output_dir, callbacks, **arguments):
    """64 rows of 2 features, target 1, batch 4; ``arguments`` go to ``TrainingArguments``."""
    import torch
    from transformers import Trainer, TrainingArguments

    class Linear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

        def forward(self, x, labels=None):
            out = self.layer(x).squeeze(-1)
            return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}

    data = [{"x": torch.randn(2), "labels": torch.tensor(1.0)} for _ in range(64)]
    args = TrainingArguments(
        output_dir=str(output_dir), per_device_train_batch_size=4, use_cpu=True, report_to="none",
        disable_tqdm=True, logging_strategy="no", **arguments,
    )  # fmt: skip
    return Trainer(model=Linear(), args=args, train_dataset=data, eval_dataset=data[:8], callbacks=callbacks)
