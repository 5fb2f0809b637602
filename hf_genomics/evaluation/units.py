"""Units every model family reports in: perplexity per predicted token and bits per nucleotide.

Perplexity depends on the tokenizer (a 6-mer predicts 6 bases at once); bits per nucleotide
divides the same total negative log-likelihood by the number of bases, so models with different
tokenizers are comparable on the same sequences.
"""

from __future__ import annotations

import math

import numpy as np


def perplexity(total_nll_nats: float, n_predicted_tokens: int) -> float:
    """exp(mean negative log-likelihood per predicted token)."""
    if n_predicted_tokens <= 0:
        raise ValueError("perplexity needs at least one predicted token")
    return math.exp(total_nll_nats / n_predicted_tokens)


def bits_per_nucleotide(total_nll_nats: float, n_nucleotides: int) -> float:
    """Total negative log-likelihood in bits divided by the number of bases it covers."""
    if n_nucleotides <= 0:
        raise ValueError("bits per nucleotide needs at least one nucleotide")
    return total_nll_nats / math.log(2) / n_nucleotides


def nucleotides_per_token(tokenizer) -> np.ndarray:
    """Bases each token id stands for, for bits per nucleotide: its string length, 0 for specials.

    For overlapping k-mers a token adds only ``stride`` new bases, so k-mers count ``stride``.
    """
    vocab = tokenizer.get_vocab()
    counts = np.zeros(len(tokenizer), dtype=np.int64)
    special = set(tokenizer.all_special_ids)
    k, stride = getattr(tokenizer, "k", None), getattr(tokenizer, "stride", None)
    for token, index in vocab.items():  # once per vocabulary entry, not per base
        if index in special or index >= len(counts):
            continue
        bases = token.lstrip("Ġ▁#")
        if bases and set(bases.upper()) <= set("ACGTN"):
            counts[index] = len(bases)
            if k is not None and stride is not None and stride < k and len(bases) == k > 1:
                counts[index] = stride
    return counts


__all__ = ["bits_per_nucleotide", "nucleotides_per_token", "perplexity"]
