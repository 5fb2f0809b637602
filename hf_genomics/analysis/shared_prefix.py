"""Causal log-likelihoods of windows that share their left part: the shared prefix run once, through a KV cache.

REF and ALT windows of a variant start at the same base (equal-span windows), so a causal LM sees
the same tokens up to the variant: their hidden states and predictions are identical there. For
each REF window and its ALT windows this runs the longest common token prefix once with
``use_cache=True``, repeats the cache for every member, and runs only the members' suffixes. The
log-likelihood is the documented one (start symbol given, end symbol predicted, the same
tokenization as :mod:`hf_genomics.evaluation.perplexity`); tested equal to the full-window
computation. Models whose forward takes no ``past_key_values`` or returns no
``transformers.Cache`` (LSTM, HyenaDNA) get ``None`` and are scored whole.
"""

from __future__ import annotations

import numpy as np


def _supports_cache(model) -> bool:
    from hf_genomics.analysis.batching import _accepts

    return _accepts(model, "past_key_values") and _accepts(model, "use_cache")


def shared_prefix_log_likelihoods(
    model,
    tokenizer,
    sequences: list[str],
    groups: list[list[int]],
    batch_size: int = 32,
    progress: bool = False,
):
    """``(log-likelihood, predicted tokens)`` per sequence, or ``None`` when the model has no KV cache.

    ``groups``: lists of indices into ``sequences`` whose first member is the reference window;
    a group's suffixes run ``batch_size`` at a time.
    """
    import copy

    import torch
    from tqdm.auto import tqdm
    from transformers import Cache

    from hf_genomics.data.sequences import past_length_guard
    from hf_genomics.tokenization.base import end_token_request

    if not _supports_cache(model):
        return None
    with past_length_guard(tokenizer):
        encoded = tokenizer(list(sequences), add_special_tokens=True, **end_token_request(tokenizer))[
            "input_ids"
        ]
    encoded = [np.asarray(ids, dtype=np.int64) for ids in encoded]
    values = np.zeros(len(sequences))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    model.eval()
    bar = tqdm(total=len(groups), desc="likelihood (shared prefix)", unit="site", disable=not progress)
    with torch.no_grad():
        for group in groups:
            members = list(dict.fromkeys(group))
            reference = encoded[members[0]]
            prefix = min(len(encoded[m]) for m in members) - 1
            for member in members[1:]:
                other = encoded[member]
                width = min(len(other), len(reference))
                differ = np.flatnonzero(other[:width] != reference[:width])
                prefix = min(prefix, int(differ[0]) if len(differ) else width)
            if prefix < 1:
                bar.close()
                return None
            head = torch.as_tensor(reference[:prefix], device=device)[None]
            out = model(input_ids=head, use_cache=True)
            cache = getattr(out, "past_key_values", None)
            if not isinstance(cache, Cache):
                bar.close()
                return None
            head_log_probs = torch.log_softmax(out.logits[0].float(), dim=-1)
            head_value = float(head_log_probs[:-1].gather(-1, head[0, 1:, None]).cpu().double().sum())
            for begin in range(0, len(members), batch_size):
                chunk = members[begin : begin + batch_size]
                chunk_cache = copy.deepcopy(cache) if len(members) > batch_size else cache
                chunk_cache.batch_repeat_interleave(len(chunk))
                tails = [encoded[m][prefix:] for m in chunk]
                width = max(map(len, tails))
                ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(chunk), prefix + width), dtype=torch.long)
                mask[:, :prefix] = 1
                for row, tail in enumerate(tails):
                    ids[row, : len(tail)] = torch.as_tensor(tail)
                    mask[row, prefix : prefix + len(tail)] = 1
                ids, mask = ids.to(device), mask.to(device)
                logits = model(
                    input_ids=ids, attention_mask=mask, past_key_values=chunk_cache, use_cache=True
                ).logits
                log_probs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
                tail_log_probs = log_probs.gather(-1, ids[:, 1:, None])[..., 0]
                first = head_log_probs[-1].gather(-1, ids[:, 0])
                for row, member in enumerate(chunk):
                    length = len(tails[row])
                    values[member] = (
                        head_value
                        + float(first[row])
                        + float(tail_log_probs[row, : length - 1].cpu().double().sum())
                    )
            bar.update(1)
    bar.close()
    return values, np.array([len(ids) - 1 for ids in encoded], dtype=np.int64)


__all__ = ["shared_prefix_log_likelihoods"]
