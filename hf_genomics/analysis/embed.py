"""Embeddings of DNA sequences from any model: pooled per sequence or one vector per nucleotide.

``embed(model, tokenizer, sequences, pooling=...)``:

* ``"mean"``: mean of the hidden states of the content tokens (special tokens and padding left out);
  a sequence longer than the window is cut into windows and the mean is over the content tokens of
  all its windows;
* ``"cls"``: the first token's state (``[CLS]``; the mean over windows for long sequences);
* ``"last"``: the last content token's state (the usual choice for causal decoders);
* ``"per_nucleotide"``: an ``L x hidden`` array per sequence, each base getting the mean of the
  states of the tokens covering it (:mod:`hf_genomics.analysis.token_to_base`), and the mean over
  the windows covering it (:mod:`hf_genomics.analysis.windows`).

``layer=None`` is the model's final representation (the base model's ``last_hidden_state``, after
its final norm); an integer indexes ``output_hidden_states`` (0 = the embedding layer where the
model reports it, -1 = the last layer). ``module="<name>"`` takes instead the output of any
submodule, named as in ``model.named_modules()`` (a forward hook): e.g. Evo 2's recommended
intermediate embedding, vortex's ``blocks.28.mlp.l3``, is ``module="model.layers.28.mlp.down_proj"``
of a converted Evo 2 (the MLP branch's output, before the residual sum).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

import numpy as np

from hf_genomics.alphabet import normalize
from hf_genomics.analysis.batching import call_model, model_device, pad_id_of, padded_batches
from hf_genomics.analysis.loading import model_kind
from hf_genomics.analysis.token_to_base import token_spans, tokens_to_bases
from hf_genomics.analysis.training_length import model_token_budget, resolve_window_nt
from hf_genomics.analysis.windows import Stitcher, tile

logger = logging.getLogger(__name__)

Pooling = Literal["mean", "cls", "last", "per_nucleotide"]
POOLINGS: tuple[str, ...] = ("mean", "cls", "last", "per_nucleotide")


def module_output(model, name: str, input_ids, attention_mask):
    """``(batch, tokens, features)`` output of the submodule ``name`` (its first element if a tuple)."""
    try:
        module = model.get_submodule(name)
    except AttributeError:
        examples = [n for n, _ in model.named_modules() if n][-3:]
        raise ValueError(
            f"{type(model).__name__} has no submodule {name!r}; names as in model.named_modules(), "
            f"e.g. {', '.join(examples)}"
        ) from None
    captured = []

    def keep(_module, _inputs, output):
        captured.append(output[0] if isinstance(output, tuple) else output)

    handle = module.register_forward_hook(keep)
    try:
        call_model(model, input_ids, attention_mask)
    finally:
        handle.remove()
    if (
        len(captured) != 1
        or not hasattr(captured[0], "shape")
        or tuple(captured[0].shape[:2]) != tuple(input_ids.shape)
    ):
        shape = tuple(captured[0].shape) if captured and hasattr(captured[0], "shape") else None
        raise ValueError(
            f"submodule {name!r} ran {len(captured)} time(s) with output shape {shape}: need one "
            f"(batch, tokens, features) output per forward pass (input {tuple(input_ids.shape)})"
        )
    return captured[0]


def hidden_states(model, input_ids, attention_mask, layer: int | None = None, module: str | None = None):
    """``(batch, tokens, hidden)`` states of one layer or submodule (see the module docstring)."""
    if module is not None:
        if layer is not None:
            raise ValueError("give layer or module, not both")
        return module_output(model, module, input_ids, attention_mask)
    if layer is None:
        base = getattr(model, "base_model", model)
        if base is not model:
            output = call_model(base, input_ids, attention_mask)
            if getattr(output, "last_hidden_state", None) is not None:
                return output.last_hidden_state
        output = call_model(model, input_ids, attention_mask, output_hidden_states=True)
        if getattr(output, "last_hidden_state", None) is not None:
            return output.last_hidden_state
        return output.hidden_states[-1]
    output = call_model(model, input_ids, attention_mask, output_hidden_states=True)
    states = getattr(output, "hidden_states", None)
    if states is None:
        raise ValueError(f"{type(model).__name__} does not return hidden_states; use layer=None")
    if not -len(states) <= layer < len(states):
        raise ValueError(
            f"layer {layer} does not exist: {type(model).__name__} returns {len(states)} hidden states "
            f"(layer 0..{len(states) - 1}, or -{len(states)}..-1 from the last)"
        )
    return states[layer]


def embed(
    model,
    tokenizer,
    sequences: Iterable[str] | str,
    pooling: Pooling = "mean",
    layer: int | None = None,
    window_nt: int | None = None,
    stride_nt: int | None = None,
    batch_size: int = 8,
    progress: bool = True,
    module: str | None = None,
) -> np.ndarray | list[np.ndarray]:
    """Embed sequences (see the module docstring); ``(n, hidden)`` or a list of ``(L_i, hidden)``.

    ``window_nt`` defaults to the model's training length (:func:`model_window_nt`);
    ``stride_nt`` to half a window. Windows that tokenize to more than the model's positions (``N``
    runs) are cut further (:func:`hf_genomics.analysis.windows.fit_to_token_budget`).
    """
    import torch
    from tqdm.auto import tqdm

    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    if model_kind(model) == "ngram":
        raise ValueError("an n-gram LM has no hidden states to embed")
    if module is not None and layer is not None:
        raise ValueError("give layer or module, not both")
    sequences = [sequences] if isinstance(sequences, str) else list(sequences)
    sequences = [normalize(seq, record_id=f"#{i}") for i, seq in enumerate(sequences)]
    window_nt = resolve_window_nt(model, tokenizer, window_nt)
    texts, owners, starts = tile(
        sequences, window_nt, stride_nt, tokenizer=tokenizer, max_tokens=model_token_budget(model, tokenizer)
    )
    spans = token_spans(tokenizer, texts)
    n = len(sequences)
    sums: np.ndarray | None = None
    counts = np.zeros(n, dtype=np.float64)
    stitcher: Stitcher | None = None
    model.eval()
    device = model_device(model)
    bar = tqdm(total=len(texts), desc="embed", unit="window", disable=not progress)
    with torch.no_grad():
        for batch, ids, mask in padded_batches([s.ids for s in spans], batch_size, pad_id_of(tokenizer), bar):
            states = (
                hidden_states(model, ids.to(device), mask.to(device), layer, module).float().cpu().numpy()
            )
            if sums is None:
                sums = np.zeros((n, states.shape[-1]), dtype=np.float64)
                if pooling == "per_nucleotide":
                    stitcher = Stitcher([len(seq) for seq in sequences], (states.shape[-1],))
            for row, window in enumerate(batch.tolist()):
                span, owner = spans[window], int(owners[window])
                state = states[row, : len(span)]
                if pooling == "mean":
                    content = ~span.special
                    sums[owner] += state[content].sum(axis=0)
                    counts[owner] += int(content.sum())
                elif pooling == "cls":
                    sums[owner] += state[0]
                    counts[owner] += 1
                elif pooling == "last":
                    sums[owner] += state[np.flatnonzero(~span.special)[-1]]
                    counts[owner] += 1
                else:
                    stitcher.add(owner, int(starts[window]), tokens_to_bases(state, span, len(texts[window])))
    bar.close()
    if pooling == "per_nucleotide":
        return stitcher.result() if stitcher is not None else []
    if sums is None:
        return np.zeros((0, 0), dtype=np.float32)
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


__all__ = ["POOLINGS", "embed", "hidden_states", "module_output"]
