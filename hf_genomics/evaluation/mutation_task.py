"""The real-vs-mutated task of the human-genes study: does the model prefer the real gene?

Accuracy is the fraction of pairs where the real sequence scores *strictly* better than its mutated
copy (a tie counts as a miss), in two modes, as in the study:

* ``"perplexity"``: lower per-sequence perplexity (NLL per predicted token) — length-normalised;
* ``"probability"``: higher total log-likelihood (lower total NLL) — insertions pay for their base.

Any model of the harness works (n-gram, causal LM + tokenizer, encoder via pseudo-log-likelihood).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from hf_genomics.evaluation.perplexity import SequenceScores, sequence_log_likelihoods

Mode = Literal["perplexity", "probability"]
MODES: tuple[Mode, ...] = ("perplexity", "probability")


def pair_accuracy(real: SequenceScores, mutated: SequenceScores, mode: Mode = "perplexity") -> float:
    """Fraction of pairs where the real sequence's score is strictly better than the mutated one's."""
    if len(real.nll_nats) != len(mutated.nll_nats) or not len(real.nll_nats):
        raise ValueError("need the same, non-zero number of real and mutated sequences")
    if mode == "perplexity":
        wins = real.sequence_perplexities() < mutated.sequence_perplexities()
    elif mode == "probability":
        wins = real.nll_nats < mutated.nll_nats
    else:
        raise ValueError(f"mode must be 'perplexity' or 'probability', got {mode!r}")
    return float(np.mean(wins))


def mutation_task_scores(
    model, real: Sequence[str], mutated: Sequence[str], tokenizer=None, **kwargs
) -> dict[str, float]:
    """Accuracy in both modes from one scoring pass over the pairs."""
    real_scores = sequence_log_likelihoods(model, real, tokenizer, **kwargs)
    mutated_scores = sequence_log_likelihoods(model, mutated, tokenizer, **kwargs)
    return {mode: pair_accuracy(real_scores, mutated_scores, mode) for mode in MODES}


def mutation_accuracy(
    model, real: Sequence[str], mutated: Sequence[str], mode: Mode = "perplexity", tokenizer=None, **kwargs
) -> float:
    """Accuracy of ``model`` on real-vs-mutated pairs in one mode (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'perplexity' or 'probability', got {mode!r}")
    return mutation_task_scores(model, real, mutated, tokenizer, **kwargs)[mode]


__all__ = ["MODES", "mutation_accuracy", "mutation_task_scores", "pair_accuracy"]
