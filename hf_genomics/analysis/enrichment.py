"""Enrichment statistics for the motif study: BH q-values, GC/length-matched random k-mers,
vocabulary-vs-random motif enrichment with a permutation p-value, class-conditional token tests.

All of it is vectorised numpy/scipy: one hypergeometric tail gives every token's Fisher exact
p-value at once (it equals ``scipy.stats.fisher_exact(..., alternative="greater")``), and the
permutation test draws its label swaps for all motifs in one array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up, monotone, capped at 1), same shape as ``p_values``."""
    p = np.asarray(p_values, dtype=float)
    flat = p.ravel()
    n = flat.size
    if n == 0:
        return p.copy()
    if np.isnan(flat).any() or (flat < 0).any() or (flat > 1).any():
        raise ValueError("p-values must lie in [0, 1]")
    order = np.argsort(flat)
    ranked = flat[order] * n / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q.reshape(p.shape)


def gc_matched_random_kmers(kmers: Sequence[str], per_kmer: int, seed: int = 0) -> list[str]:
    """``per_kmer`` random k-mers for each input: same length, same number of G/C, bases shuffled.

    Row ``i * per_kmer + j`` is the ``j``-th control of ``kmers[i]``. Which positions carry G/C and
    whether each is G or C (and A or T) are drawn uniformly, so only length and GC are kept.
    """
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for kmer in kmers:
        length = len(kmer)
        gc = sum(base in "GC" for base in kmer)
        strong = rng.random((per_kmer, length)).argsort(axis=1) < gc  # gc positions per row
        coin = rng.random((per_kmer, length)) < 0.5
        letters = np.where(strong, np.where(coin, "G", "C"), np.where(coin, "A", "T"))
        out.extend("".join(row) for row in letters)
    return out


def vocabulary_enrichment(
    token_matches: np.ndarray, random_matches: np.ndarray, permutations: int = 2000, seed: int = 0
) -> dict[str, np.ndarray]:
    """Are tokens more often motif matches than their matched random k-mers? One test per column.

    ``token_matches``: ``(n_tokens, n_motifs)`` booleans; ``random_matches``:
    ``(n_tokens, r, n_motifs)``, the ``r`` controls of each token. Returns per column the token
    and control match counts, the odds ratio (Haldane +0.5 correction) and a one-sided permutation
    p-value: within each stratum (a token and its ``r`` controls) which member is called "the
    token" is permuted uniformly, ``(1 + #{permuted count >= observed}) / (permutations + 1)``.
    """
    token_matches = np.asarray(token_matches, dtype=bool)
    random_matches = np.asarray(random_matches, dtype=bool)
    n_tokens, r, n_motifs = random_matches.shape
    if token_matches.shape != (n_tokens, n_motifs):
        raise ValueError(f"token_matches {token_matches.shape} vs random_matches {random_matches.shape}")
    observed = token_matches.sum(axis=0)
    control = random_matches.sum(axis=(0, 1))
    a, b = observed + 0.5, n_tokens - observed + 0.5
    c, d = control + 0.5, n_tokens * r - control + 0.5
    odds_ratio = (a * d) / (b * c)
    # a permutation picks one member per stratum; the count only depends on how many members
    # of the stratum match, so draw Bernoulli(matches / (r + 1)) per (stratum, motif)
    members = token_matches.astype(np.int64) + random_matches.sum(axis=1)
    probability = members / (r + 1)
    rng = np.random.default_rng(seed)
    strata, motif_of = np.nonzero(probability)  # only strata where some member matches can count
    chance = probability[strata, motif_of]
    exceed = np.zeros(n_motifs, dtype=np.int64)
    for _ in range(permutations):
        drawn = np.bincount(motif_of, weights=rng.random(chance.size) < chance, minlength=n_motifs)
        exceed += drawn >= observed
    p_value = (1 + exceed) / (permutations + 1)
    return {
        "token_matches": observed,
        "random_matches": control,
        "odds_ratio": odds_ratio,
        "p_value": p_value,
        "q_value": benjamini_hochberg(p_value),
    }


def class_conditional_enrichment(
    presence: np.ndarray, labels: np.ndarray, positive: int = 1
) -> dict[str, np.ndarray]:
    """Tokens over-represented in positive sequences: one-sided Fisher exact test per token.

    ``presence``: ``(n_sequences, n_tokens)`` booleans or a scipy sparse 0/1 matrix (token occurs
    in the sequence). The 2x2
    table per token is (positives with / without, negatives with / without); the p-value is the
    hypergeometric upper tail, identical to ``scipy.stats.fisher_exact(table, "greater")``.
    """
    from scipy.stats import hypergeom

    is_positive = np.asarray(labels) == positive
    if presence.shape[0] != is_positive.shape[0]:
        raise ValueError(f"{presence.shape[0]} sequences for {is_positive.shape[0]} labels")
    if not hasattr(presence, "tocsr"):  # scipy sparse 0/1 matrices are used as they are
        presence = np.asarray(presence, dtype=bool)
    pos_with = np.asarray(presence[is_positive].sum(axis=0)).ravel().astype(np.int64)
    neg_with = np.asarray(presence[~is_positive].sum(axis=0)).ravel().astype(np.int64)
    n_pos, n_neg = int(is_positive.sum()), int((~is_positive).sum())
    total_with = pos_with + neg_with
    p_value = hypergeom.sf(pos_with - 1, n_pos + n_neg, total_with, n_pos)
    p_value = np.clip(p_value, 0.0, 1.0)
    odds_ratio = ((pos_with + 0.5) * (n_neg - neg_with + 0.5)) / ((n_pos - pos_with + 0.5) * (neg_with + 0.5))
    return {
        "positives_with": pos_with,
        "negatives_with": neg_with,
        "odds_ratio": odds_ratio,
        "p_value": p_value,
        "q_value": benjamini_hochberg(p_value),
    }


__all__ = [
    "benjamini_hochberg",
    "class_conditional_enrichment",
    "gc_matched_random_kmers",
    "vocabulary_enrichment",
]
