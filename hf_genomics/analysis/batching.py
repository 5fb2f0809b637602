"""Group encoded sequences of similar length into right-padded batches (less padding, same results)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def pad_id_of(tokenizer) -> int:
    """The tokenizer's pad id (its EOS, then 0, for decoders that define no pad token)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def model_device(model):
    return next(model.parameters()).device


def _accepts(module, name: str) -> bool:
    import inspect

    parameters = inspect.signature(module.forward).parameters
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def call_model(model, input_ids, attention_mask=None, **kwargs):
    """``model(input_ids=..., attention_mask=..., **kwargs)``, leaving out what ``forward`` does not take.

    Some ported models (convolutional or state-space ones) have no ``attention_mask``; with right
    padding their real tokens never see the padding, so it is safe to drop it for them.
    """
    arguments = {"input_ids": input_ids}
    if attention_mask is not None and _accepts(model, "attention_mask"):
        arguments["attention_mask"] = attention_mask
    for name, value in kwargs.items():
        if _accepts(model, name):
            arguments[name] = value
    return model(**arguments)


def padded_batches(
    id_rows: Sequence[np.ndarray], batch_size: int, pad_id: int, progress=None
) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:  # noqa: F821
    """Yield ``(row indices, input_ids, attention_mask)``, longest rows first, right-padded."""
    import torch

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    lengths = np.fromiter(map(len, id_rows), dtype=np.int64, count=len(id_rows))
    order = np.argsort(-lengths, kind="stable")
    for begin in range(0, len(order), batch_size):
        batch = order[begin : begin + batch_size]
        width = int(lengths[batch].max())
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, index in enumerate(batch.tolist()):
            ids[row, : lengths[index]] = torch.as_tensor(id_rows[index], dtype=torch.long)
            mask[row, : lengths[index]] = 1
        yield batch, ids, mask
        if progress is not None:
            progress.update(len(batch))


__all__ = ["call_model", "model_device", "pad_id_of", "padded_batches"]
