"""Saturation mutagenesis of the k-mer logistic-regression baseline, exactly and vectorised.

The baseline (:mod:`hf_genomics.evaluation.kmer_baseline`) is the cheapest classifier whose
attributions can be asked for TATA boxes; its ISM is computed by scoring every single-base mutant
through the same feature pipeline (k-mer frequencies -> scaler -> decision function), so the map
is the model's true response, not an approximation from its coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hf_genomics.analysis.mutagenesis import mutant_sequences
from hf_genomics.evaluation.kmer_baseline import DEFAULT_KS, kmer_frequency_matrix


def kmer_model_ism(model, scaler, sequences: Sequence[str], ks: Sequence[int] = DEFAULT_KS) -> np.ndarray:
    """``(N, L, 4)`` change of the decision function (logit of class 1) per substitution; 0 at the reference."""
    lengths = {len(sequence) for sequence in sequences}
    if len(lengths) != 1:
        raise ValueError(f"sequences must share one length, got {sorted(lengths)[:5]}")
    length = lengths.pop()
    reference = model.decision_function(scaler.transform(kmer_frequency_matrix(list(sequences), ks)))
    out = np.zeros((len(sequences), length, 4), dtype=np.float32)
    for index, sequence in enumerate(sequences):
        mutants, positions, bases = mutant_sequences(sequence)
        scores = model.decision_function(scaler.transform(kmer_frequency_matrix(mutants, ks)))
        out[index, positions, bases] = scores - reference[index]
    return out


__all__ = ["kmer_model_ism"]
