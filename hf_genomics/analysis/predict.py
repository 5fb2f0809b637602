"""Class probabilities of a sequence classifier on new sequences of any length.

A sequence longer than the model's training length (:func:`model_window_nt`) is cut into
overlapping windows of that length; its probabilities are the **mean of the window
probabilities** (logits: the mean of the window logits), so nothing is truncated and the model never
sees more positions than it was trained on. ``rc_average=True`` also scores the reverse complement
and averages the two strands' probabilities, which makes the prediction strand-symmetric.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hf_genomics.alphabet import normalize, reverse_complement
from hf_genomics.analysis.batching import call_model, model_device, pad_id_of, padded_batches
from hf_genomics.analysis.loading import model_kind
from hf_genomics.analysis.training_length import model_token_budget, resolve_window_nt
from hf_genomics.analysis.windows import tile


@dataclass
class Predictions:
    """Per sequence: mean probabilities and logits over windows (and strands), and the window count."""

    probabilities: np.ndarray
    logits: np.ndarray
    n_windows: np.ndarray


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def window_logits(
    model,
    tokenizer,
    sequences: list[str],
    window_nt: int | None,
    stride_nt: int | None = None,
    batch_size: int = 32,
    progress: bool = False,
) -> Predictions:
    """Mean logits and probabilities over the windows of normalised sequences (one strand)."""
    import torch
    from tqdm.auto import tqdm

    texts, owners, _ = tile(
        sequences, window_nt, stride_nt, tokenizer=tokenizer, max_tokens=model_token_budget(model, tokenizer)
    )
    encoded = tokenizer(texts, add_special_tokens=True)["input_ids"]
    rows = [np.asarray(ids, dtype=np.int64) for ids in encoded]
    logits = None
    model.eval()
    device = model_device(model)
    bar = tqdm(total=len(texts), desc="predict", unit="window", disable=not progress)
    with torch.no_grad():
        for batch, ids, mask in padded_batches(rows, batch_size, pad_id_of(tokenizer), bar):
            out = call_model(model, ids.to(device), mask.to(device)).logits.float().cpu().numpy()
            if logits is None:
                logits = np.zeros((len(texts), out.shape[-1]), dtype=np.float64)
            logits[batch] = out
    bar.close()
    n_windows = np.bincount(owners, minlength=len(sequences))
    mean_logits = np.zeros((len(sequences), logits.shape[1]))
    mean_probs = np.zeros_like(mean_logits)
    np.add.at(mean_logits, owners, logits)
    np.add.at(mean_probs, owners, _softmax(logits))
    return Predictions(mean_probs / n_windows[:, None], mean_logits / n_windows[:, None], n_windows)


def predict(
    model,
    tokenizer,
    sequences: Iterable[str] | str,
    window_nt: int | None = None,
    stride_nt: int | None = None,
    rc_average: bool = False,
    batch_size: int = 32,
    progress: bool = True,
) -> Predictions:
    """Class probabilities ``(n, num_labels)`` for each sequence (see the module docstring)."""
    if model_kind(model) != "classifier":
        raise ValueError(f"predict needs a sequence classifier, got {type(model).__name__}")
    sequences = [sequences] if isinstance(sequences, str) else list(sequences)
    if not sequences:
        raise ValueError("no sequences to predict")
    sequences = [normalize(seq, record_id=f"#{i}") for i, seq in enumerate(sequences)]
    empty = [i for i, seq in enumerate(sequences) if not seq]
    if empty:
        raise ValueError(f"empty sequence at index {empty[0]}")
    window_nt = resolve_window_nt(model, tokenizer, window_nt)
    forward = window_logits(model, tokenizer, sequences, window_nt, stride_nt, batch_size, progress)
    if not rc_average:
        return forward
    reverse = window_logits(
        model,
        tokenizer,
        [reverse_complement(s) for s in sequences],
        window_nt,
        stride_nt,
        batch_size,
        progress,
    )
    return Predictions(
        (forward.probabilities + reverse.probabilities) / 2,
        (forward.logits + reverse.logits) / 2,
        forward.n_windows + reverse.n_windows,
    )


__all__ = ["Predictions", "predict", "window_logits"]
