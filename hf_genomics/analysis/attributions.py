"""Integrated gradients through the embedding layer, mapped to nucleotides.

``integrated_gradients(model, tokenizer, sequence)`` attributes ``f`` -- the logit of class
``target`` for a classifier (default: the last class), the log-likelihood of the sequence for a
causal LM -- to the input tokens with captum's ``IntegratedGradients`` (Sundararajan et al., 2017),
then to the bases.

* The path runs in embedding space, from a baseline to the token embeddings. The output of
  ``model.get_input_embeddings()`` is replaced through a forward hook, so any transformers model
  works (ours, GPT-NeoX, LSTM, ported models), whether or not it accepts ``inputs_embeds``.
* Baselines: ``"mean"`` (default: the mean embedding of the vocabulary's non-special tokens, a
  "no particular base" input), ``"pad"``/``"mask"`` or any token string (that token's
  embedding), or ``"zeros"``. Beware zero vectors (``"zeros"``, and ``"pad"`` for models whose pad
  embedding is zero such as ours) in models that LayerNorm their embeddings: LayerNorm is scale
  invariant, so the output is constant along the path but for a jump at 0 that IG cannot see (the
  ``convergence_delta`` then is large). Only content tokens move -- special tokens keep
  their embeddings, so they get no attribution and ``sum(per_base) = f(x) - f(baseline)`` up to
  the integration error reported as ``convergence_delta``.
* A token's attribution is the sum over its embedding dimensions, divided equally among the bases
  it covers (``how="split"`` of :mod:`hf_genomics.analysis.token_to_base`), so the per-base values
  keep the total. ``scores`` is ``L x 4`` (A, C, G, T) with each base's value in its own column
  (the one-hot "contribution scores" motif tools take); ``N`` rows are zero there (kept in
  ``per_base``).
* Longer sequences than the model's window are attributed window by window (each window's own
  ``f``) and stitched by the mean over overlapping windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hf_genomics.alphabet import encode, normalize
from hf_genomics.analysis.batching import call_model, model_device
from hf_genomics.analysis.loading import check_target, model_kind
from hf_genomics.analysis.optional import require
from hf_genomics.analysis.token_to_base import token_spans, tokens_to_bases
from hf_genomics.analysis.training_length import model_token_budget, resolve_window_nt
from hf_genomics.analysis.windows import Stitcher, tile


@dataclass
class Attribution:
    """Integrated gradients of one sequence (see the module docstring)."""

    sequence: str
    scores: np.ndarray  # L x 4, A C G T, attribution in the column of the observed base
    per_base: np.ndarray  # L
    convergence_delta: float  # sum of attributions - (f(x) - f(baseline)), summed over windows
    target: int | None
    baseline: str

    def save(self, path) -> None:
        np.savez(
            path,
            sequence=np.array(self.sequence),
            scores=self.scores,
            per_base=self.per_base,
            alphabet=np.array("ACGT"),
            convergence_delta=np.array(self.convergence_delta),
        )


def _baseline_vectors(embedding, tokenizer, baseline: str, like):
    import torch

    if baseline == "zeros":
        return torch.zeros_like(like)
    if baseline == "mean":
        special = {int(i) for i in tokenizer.all_special_ids}
        content = sorted(
            i for i in tokenizer.get_vocab().values() if i not in special and i < embedding.num_embeddings
        )
        vector = embedding.weight[content].detach().mean(dim=0)
        return vector.expand_as(like).clone()
    token = {"pad": tokenizer.pad_token, "mask": tokenizer.mask_token}.get(baseline, baseline)
    token_id = tokenizer.convert_tokens_to_ids(token) if token is not None else None
    if token_id is None or token_id == tokenizer.unk_token_id and token != tokenizer.unk_token:
        raise ValueError(f"baseline {baseline!r}: the tokenizer has no such token")
    vector = embedding.weight[token_id].detach()
    return vector.expand_as(like).clone()


def _objective(model, kind: str, target: int | None):
    import torch

    def value(output, input_ids):
        if kind == "classifier":
            column = output.logits.shape[-1] - 1 if target is None else int(target)
            return output.logits[:, column]
        log_probs = torch.log_softmax(output.logits[:, :-1].float(), dim=-1)
        return log_probs.gather(-1, input_ids[:, 1:, None]).squeeze(-1).sum(dim=1)

    return value


def _attribute_window(
    model, tokenizer, text: str, kind: str, target, baseline: str, n_steps: int, internal_batch_size
):
    import torch

    IntegratedGradients = require("captum.attr", "integrated gradients").IntegratedGradients

    spans = token_spans(tokenizer, [text])[0]
    device = model_device(model)
    input_ids = torch.as_tensor(spans.ids, device=device)[None, :]
    embedding = model.get_input_embeddings()
    with torch.no_grad():
        embedded = embedding(input_ids).detach()
    base = _baseline_vectors(embedding, tokenizer, baseline, embedded)
    special = torch.as_tensor(spans.special, device=device)[None, :, None]
    base = torch.where(special, embedded, base)  # special tokens do not move
    objective = _objective(model, kind, target)

    def forward(embeddings):
        ids = input_ids.expand(embeddings.shape[0], -1)
        handle = embedding.register_forward_hook(lambda module, args, output: embeddings)
        try:
            output = call_model(model, ids, torch.ones_like(ids))
        finally:
            handle.remove()
        return objective(output, ids)

    ig = IntegratedGradients(forward)
    attributions, delta = ig.attribute(
        embedded,
        baselines=base,
        n_steps=n_steps,
        internal_batch_size=internal_batch_size,
        return_convergence_delta=True,
    )
    per_token = attributions.sum(dim=-1)[0].detach().double().cpu().numpy()
    return tokens_to_bases(per_token, spans, len(text), how="split"), float(delta.sum())


def integrated_gradients(
    model,
    tokenizer,
    sequence: str,
    *,
    target: int | None = None,
    baseline: str = "mean",
    n_steps: int = 50,
    internal_batch_size: int | None = None,
    window_nt: int | None = None,
    stride_nt: int | None = None,
) -> Attribution:
    """Integrated-gradients attribution of one sequence to its bases (see the module docstring)."""
    kind = model_kind(model)
    if kind not in ("classifier", "causal"):
        raise ValueError(
            f"integrated gradients needs a classifier or a causal LM (a differentiable f), got "
            f"{type(model).__name__}"
        )
    sequence = normalize(sequence)
    if not sequence:
        raise ValueError("empty sequence")
    check_target(model, target)
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a whole number >= 1, got {n_steps!r}")
    if internal_batch_size is not None and internal_batch_size < 1:
        raise ValueError(f"internal_batch_size must be >= 1, got {internal_batch_size!r}")
    window_nt = resolve_window_nt(model, tokenizer, window_nt)
    texts, _, starts = tile(
        [sequence], window_nt, stride_nt, tokenizer=tokenizer, max_tokens=model_token_budget(model, tokenizer)
    )
    stitcher = Stitcher([len(sequence)])
    delta_total = 0.0
    model.eval()
    for text, start in zip(texts, starts.tolist()):
        per_base, delta = _attribute_window(
            model, tokenizer, text, kind, target, baseline, n_steps, internal_batch_size
        )
        stitcher.add(0, start, per_base)
        delta_total += delta
    per_base = stitcher.result(np.float64)[0]
    codes = encode(sequence)
    scores = np.zeros((len(sequence), 4))
    canonical = codes < 4
    scores[np.flatnonzero(canonical), codes[canonical]] = per_base[canonical]
    return Attribution(sequence, scores, per_base, delta_total, target, baseline)


__all__ = ["Attribution", "integrated_gradients"]
