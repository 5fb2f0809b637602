"""How much a model prefers an alternative sequence to a reference one: the score behind variant
effects and in-silico mutagenesis.

``score = f(alt) - f(ref)`` where ``f`` depends on the model kind:

* **causal LMs and n-gram LMs** -- ``f`` is the log-likelihood (nats) of the whole window, start
  symbol given and the end symbol predicted, exactly as :mod:`hf_genomics.evaluation.perplexity`
  scores sequences; the score is the log-likelihood ratio ``log p(alt) - log p(ref)``.
* **classifiers** -- ``f`` is the logit (``output="logit"``) or probability of class ``target``
  (default: the last class, the positive one of a binary task), window-averaged for long inputs.
* **masked LMs** -- only the tokens that differ are scored. Both sequences are tokenized; the
  tokens they share at the start (same id, same position) and at the end (same id, same distance
  from the end) are *context*; the rest are the *affected* tokens of each side.

  - *masked marginal* (Meier et al., 2021), used when the affected tokens of both sides cover the
    same bases one to one (character and k-mer tokenizers with substitutions): mask all affected
    tokens of the reference at once and sum ``log p(alt token) - log p(ref token)`` at the masked
    positions;
  - *pseudo-log-likelihood difference*, used otherwise (BPE re-tokenization, indels):
    ``sum_{t in affected(alt)} log p(t | alt with t masked) - sum_{t in affected(ref)} log p(t | ref
    with t masked)``, one token masked at a time (Salazar et al., 2020). For one substituted base
    with a character tokenizer the two definitions coincide.

Forward passes are deduplicated (e.g. the three mutants of one position share the masked
reference) and batched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hf_genomics.analysis.batching import call_model, model_device, pad_id_of, padded_batches
from hf_genomics.analysis.loading import check_target, model_kind
from hf_genomics.analysis.token_to_base import TokenSpans, token_spans
from hf_genomics.analysis.training_length import model_token_budget, resolve_window_nt
from hf_genomics.analysis.windows import token_counts

logger = logging.getLogger(__name__)


@dataclass
class PairScores:
    """Per pair: ``score = alt_value - ref_value`` and what it was computed from.

    ``ref_value``/``alt_value``: log-likelihoods (LMs; for masked LMs the summed log-probabilities of
    the scored tokens), or the classifier's logit/probability. ``ref_tokens``/``alt_tokens``: tokens
    predicted (causal/n-gram; for perplexity-style normalisation) or scored (masked).
    """

    score: np.ndarray
    ref_value: np.ndarray
    alt_value: np.ndarray
    ref_tokens: np.ndarray
    alt_tokens: np.ndarray
    method: list[str] = field(default_factory=list)


def _unique(sequences: Sequence[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(s, len(index)) for s in sequences), dtype=np.int64)
    return list(index), inverse


def _check_capacity(model, tokenizer, sequences: Sequence[str], window_nt: int | None) -> None:
    """Every sequence fits the model whole: in nucleotides (its window) and in actual tokens."""
    limit = resolve_window_nt(model, tokenizer, window_nt)
    longest = max(map(len, sequences), default=0)
    if limit is not None and longest > limit:
        raise ValueError(
            f"a sequence of {longest} nt is longer than the model's window ({limit} nt); score a window "
            "around the site instead (score_variants(window_nt=...))"
        )
    budget = model_token_budget(model, tokenizer)
    if budget is None or not sequences:
        return
    unique = list(dict.fromkeys(sequences))
    counts = token_counts(tokenizer, unique)
    if counts.max() > budget:
        worst = int(counts.argmax())
        raise ValueError(
            f"a sequence of {len(unique[worst])} nt takes {int(counts[worst])} tokens, more than the model's "
            f"{budget} positions (with {type(tokenizer).__name__}, N runs become single-base tokens); "
            "score a shorter sequence or window"
        )


def _lm_values(model, tokenizer, sequences: list[str], batch_size: int, progress: bool):
    """Log-likelihood and predicted tokens per sequence (causal or n-gram)."""
    from tqdm.auto import tqdm

    from hf_genomics.evaluation.perplexity import sequence_log_likelihoods

    values = np.zeros(len(sequences))
    tokens = np.zeros(len(sequences), dtype=np.int64)
    chunk = max(batch_size * 8, 1)
    for begin in tqdm(range(0, len(sequences), chunk), desc="likelihood", disable=not progress):
        part = sequences[begin : begin + chunk]
        scores = sequence_log_likelihoods(model, part, tokenizer, batch_size=batch_size, kind="causal")
        values[begin : begin + len(part)] = -scores.nll_nats
        tokens[begin : begin + len(part)] = scores.n_predicted_tokens
    return values, tokens


def _affected(ref: TokenSpans, alt: TokenSpans, ref_len: int, alt_len: int) -> tuple[range, range]:
    """Token ranges of each side outside the shared prefix and suffix (see the module docstring)."""
    shortest = min(len(ref), len(alt))
    same_left = (ref.ids[:shortest] == alt.ids[:shortest]) & (ref.starts[:shortest] == alt.starts[:shortest])
    prefix = shortest if same_left.all() else int(np.argmin(same_left))
    ref_from_end = np.where(ref.special, -1, ref_len - ref.starts)[::-1][:shortest]
    alt_from_end = np.where(alt.special, -1, alt_len - alt.starts)[::-1][:shortest]
    same_right = (ref.ids[::-1][:shortest] == alt.ids[::-1][:shortest]) & (ref_from_end == alt_from_end)
    suffix = shortest if same_right.all() else int(np.argmin(same_right))
    suffix = min(suffix, shortest - prefix)
    return range(prefix, len(ref) - suffix), range(prefix, len(alt) - suffix)


def _masked_scores(
    model, tokenizer, refs, alts, masked_method: str, batch_size: int, progress: bool
) -> PairScores:
    import torch
    from tqdm.auto import tqdm

    if tokenizer.mask_token_id is None:
        raise ValueError(f"{type(tokenizer).__name__} has no mask token: cannot score with a masked LM")
    mask_id = int(tokenizer.mask_token_id)
    unique, inverse = _unique([*refs, *alts])
    spans = token_spans(tokenizer, unique)
    n = len(refs)
    ref_value, alt_value = np.zeros(n), np.zeros(n)
    ref_tokens, alt_tokens = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    methods = []
    jobs: dict[tuple[int, tuple[int, ...]], int] = {}
    rows: list[np.ndarray] = []
    contributions: list[list[tuple[int, int, int, int]]] = []  # per job: (position, token id, pair, side)

    def job(sequence: int, positions: tuple[int, ...]) -> int:
        key = (sequence, positions)
        if key not in jobs:
            ids = spans[sequence].ids.copy()
            ids[list(positions)] = mask_id
            jobs[key] = len(rows)
            rows.append(ids)
            contributions.append([])
        return jobs[key]

    for pair in range(n):
        r_index, a_index = int(inverse[pair]), int(inverse[n + pair])
        ref, alt = spans[r_index], spans[a_index]
        ref_mid, alt_mid = _affected(ref, alt, len(unique[r_index]), len(unique[a_index]))
        ref_tokens[pair], alt_tokens[pair] = len(ref_mid), len(alt_mid)
        aligned = (
            len(ref_mid) == len(alt_mid)
            and np.array_equal(
                ref.starts[ref_mid.start : ref_mid.stop], alt.starts[alt_mid.start : alt_mid.stop]
            )
            and np.array_equal(ref.ends[ref_mid.start : ref_mid.stop], alt.ends[alt_mid.start : alt_mid.stop])
        )
        if not len(ref_mid) and not len(alt_mid):
            methods.append("identical")
        elif aligned and masked_method in ("auto", "masked_marginal"):
            methods.append("masked_marginal")
            index = job(r_index, tuple(ref_mid))
            for position in ref_mid:
                contributions[index].append((position, int(alt.ids[position]), pair, 1))
                contributions[index].append((position, int(ref.ids[position]), pair, 0))
        elif masked_method == "masked_marginal":
            raise ValueError(
                f"pair {pair}: the tokenizations of reference and alternative differ in length or spans; "
                "masked marginal is undefined (use masked_method='auto' or 'pll')"
            )
        else:
            methods.append("pll_difference")
            for position in alt_mid:
                contributions[job(a_index, (position,))].append((position, int(alt.ids[position]), pair, 1))
            for position in ref_mid:
                contributions[job(r_index, (position,))].append((position, int(ref.ids[position]), pair, 0))

    model.eval()
    device = model_device(model)
    bar = tqdm(total=len(rows), desc="masked LM", unit="pass", disable=not progress)
    with torch.no_grad():
        for batch, ids, attention in padded_batches(rows, batch_size, pad_id_of(tokenizer), bar):
            rows_i, positions, targets, pairs, sides = [], [], [], [], []
            for row, index in enumerate(batch.tolist()):
                for position, token, pair, side in contributions[index]:
                    rows_i.append(row)
                    positions.append(position)
                    targets.append(token)
                    pairs.append(pair)
                    sides.append(side)
            logits = call_model(model, ids.to(device), attention.to(device)).logits
            on = logits.device
            picked = logits[torch.tensor(rows_i, device=on), torch.tensor(positions, device=on)].float()
            log_probs = torch.log_softmax(picked, dim=-1)[
                torch.arange(len(targets), device=on), torch.tensor(targets, device=on)
            ]
            log_probs = log_probs.double().cpu().numpy()
            pairs_a, sides_a = np.asarray(pairs), np.asarray(sides)
            np.add.at(alt_value, pairs_a[sides_a == 1], log_probs[sides_a == 1])
            np.add.at(ref_value, pairs_a[sides_a == 0], log_probs[sides_a == 0])
    bar.close()
    return PairScores(alt_value - ref_value, ref_value, alt_value, ref_tokens, alt_tokens, methods)


def score_pairs(
    model,
    tokenizer,
    refs: Sequence[str],
    alts: Sequence[str],
    *,
    target: int | None = None,
    output: str = "logit",
    masked_method: str = "auto",
    window_nt: int | None = None,
    batch_size: int = 32,
    progress: bool = False,
) -> PairScores:
    """Score normalised ``(ref, alt)`` sequence pairs with any model (see the module docstring)."""
    refs, alts = list(refs), list(alts)
    if len(refs) != len(alts):
        raise ValueError(f"{len(refs)} reference and {len(alts)} alternative sequences")
    if masked_method not in ("auto", "masked_marginal", "pll"):
        raise ValueError(f"masked_method must be 'auto', 'masked_marginal' or 'pll', got {masked_method!r}")
    kind = model_kind(model)
    check_target(model, target)
    n = len(refs)
    if kind in ("causal", "ngram"):
        if kind == "causal":
            _check_capacity(model, tokenizer, [*refs, *alts], window_nt)
        unique, inverse = _unique([*refs, *alts])
        shared = None
        if kind == "causal":  # REF and ALT windows share their left part: run it once (KV cache)
            from hf_genomics.analysis.shared_prefix import shared_prefix_log_likelihoods

            groups: dict[int, list[int]] = {}
            for pair in range(n):
                groups.setdefault(int(inverse[pair]), [int(inverse[pair])]).append(int(inverse[n + pair]))
            shared = shared_prefix_log_likelihoods(
                model, tokenizer, unique, list(groups.values()), batch_size, progress
            )
        values, tokens = shared or _lm_values(model, tokenizer, unique, batch_size, progress)
        ref_value, alt_value = values[inverse[:n]], values[inverse[n:]]
        return PairScores(
            alt_value - ref_value,
            ref_value,
            alt_value,
            tokens[inverse[:n]],
            tokens[inverse[n:]],
            ["log_likelihood_ratio"] * n,
        )
    if kind == "classifier":
        from hf_genomics.analysis.predict import window_logits

        if output not in ("logit", "probability"):
            raise ValueError(f"output must be 'logit' or 'probability', got {output!r}")
        unique, inverse = _unique([*refs, *alts])
        predictions = window_logits(
            model,
            tokenizer,
            unique,
            resolve_window_nt(model, tokenizer, window_nt),
            None,
            batch_size,
            progress,
        )
        table = predictions.logits if output == "logit" else predictions.probabilities
        column = table.shape[1] - 1 if target is None else int(target)
        values = table[:, column]
        ref_value, alt_value = values[inverse[:n]], values[inverse[n:]]
        ones = np.ones(n, dtype=np.int64)
        return PairScores(alt_value - ref_value, ref_value, alt_value, ones, ones, [f"delta_{output}"] * n)
    if kind == "masked":
        _check_capacity(model, tokenizer, [*refs, *alts], window_nt)
        return _masked_scores(model, tokenizer, refs, alts, masked_method, batch_size, progress)
    raise ValueError(
        f"{type(model).__name__} has no head to score sequences with (need a classifier, masked or causal LM)"
    )


__all__ = ["PairScores", "score_pairs"]
