"""Saturation in-silico mutagenesis (ISM): every position x every other base, in batches.

``saturation_mutagenesis(model, tokenizer, sequence)`` returns an ``L x 4`` array ``scores`` in
``A, C, G, T`` column order with ``scores[i, b] = f(sequence with base b at i) - f(sequence)``, so
the reference base's entry is 0 (at an ``N`` all four bases are mutants). ``f`` is the one of
:func:`hf_genomics.analysis.pair_scores.score_pairs`: the logit or probability of a class for
classifiers, the log-likelihood for causal and n-gram LMs, the masked marginal for masked LMs.
Negative entries mark bases the model needs (mutating them lowers ``f``).

The ``3L`` mutants are built with numpy (no Python loop over bases) and scored in batches of
``batch_size`` forward passes; ``batch_size=1`` is the one-at-a-time baseline of
``benchmarks/bench_ism.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hf_genomics.alphabet import CODE_TO_BASE, encode, normalize


@dataclass
class MutagenesisResult:
    """ISM of one sequence: ``scores`` is ``L x 4`` (A, C, G, T); see the module docstring."""

    sequence: str
    scores: np.ndarray
    reference_value: float
    method: str
    target: int | None = None

    def importance(self) -> np.ndarray:
        """Per-position importance: minus the mean effect of the mutations at each position."""
        mutants_per_position = np.where(encode(self.sequence) < 4, 3, 4)
        return -self.scores.sum(axis=1) / mutants_per_position

    def save(self, path) -> None:
        """``.npz`` with ``sequence`` (string), ``scores`` (L x 4, A C G T), ``reference_value``."""
        np.savez(
            path,
            sequence=np.array(self.sequence),
            scores=self.scores,
            alphabet=np.array("ACGT"),
            reference_value=np.array(self.reference_value),
            method=np.array(self.method),
        )


_WHOLE_SEQUENCE = ("log_likelihood_ratio", "delta_logit", "delta_probability")


def mutant_sequences(sequence: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All single-base mutants: ``(mutants, position, base code)``; 3 per base (4 at ``N``)."""
    codes = encode(sequence)
    length = len(codes)
    positions = np.repeat(np.arange(length), 4)
    bases = np.tile(np.arange(4, dtype=np.uint8), length)
    keep = bases != codes[positions]
    positions, bases = positions[keep], bases[keep]
    matrix = np.broadcast_to(CODE_TO_BASE[codes.astype(np.intp)], (len(positions), length)).copy()
    matrix[np.arange(len(positions)), positions] = CODE_TO_BASE[bases]
    text = matrix.tobytes().decode("ascii")
    mutants = [text[i * length : (i + 1) * length] for i in range(len(positions))]
    return mutants, positions, bases


def saturation_mutagenesis(
    model,
    tokenizer,
    sequence: str,
    *,
    target: int | None = None,
    output: str = "logit",
    window_nt: int | None = None,
    batch_size: int = 64,
    progress: bool = True,
) -> MutagenesisResult:
    """ISM of one sequence with any model (see the module docstring)."""
    from hf_genomics.analysis.pair_scores import score_pairs

    sequence = normalize(sequence)
    if not sequence:
        raise ValueError("empty sequence")
    mutants, positions, bases = mutant_sequences(sequence)
    result = score_pairs(
        model,
        tokenizer,
        [sequence] * len(mutants),
        mutants,
        target=target,
        output=output,
        window_nt=window_nt,
        batch_size=batch_size,
        progress=progress,
    )
    scores = np.zeros((len(sequence), 4), dtype=np.float64)
    scores[positions, bases] = result.score
    return MutagenesisResult(
        sequence=sequence,
        scores=scores,
        # masked LMs score only the masked tokens: no single value of the whole sequence exists
        reference_value=float(result.ref_value[0]) if result.method[0] in _WHOLE_SEQUENCE else float("nan"),
        method=result.method[0],
        target=target,
    )


__all__ = ["MutagenesisResult", "mutant_sequences", "saturation_mutagenesis"]
