"""The human-genes study's NLTK n-gram recipe, kept as the reference :class:`NGramLM` must equal.

Follows github.com/boun-tabi/GenerativeLM-Genes (``laplaceSmoothing/src/main.py``): train on
``ngrams(pad_both_ends(gene, n), n)`` with the padded genes as vocabulary text; score the test
genes' padded n-grams with the last n-2 dropped, so each gene yields its bases plus one ``</s>``.
``nltk`` is a development extra: this module is for tests and benchmarks, not for users.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial


def nltk_fit(sequences: Sequence[str], n: int, smoothing: str = "laplace"):
    """An ``nltk.lm.Laplace``/``MLE`` model fitted exactly as the study did."""
    from nltk.lm import MLE, Laplace
    from nltk.lm.preprocessing import flatten, pad_both_ends
    from nltk.util import ngrams

    genes = [list(seq) for seq in sequences]
    padding = partial(pad_both_ends, n=n)
    model = {"laplace": Laplace, "mle": MLE}[smoothing](n)
    model.fit((ngrams(list(padding(gene)), n) for gene in genes), flatten(map(padding, genes)))
    return model


def nltk_test_ngrams(sequences: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """The study's evaluation n-grams: padded windows with the trailing n-2 removed."""
    from nltk.lm.preprocessing import pad_both_ends
    from nltk.util import ngrams

    windows: list[tuple[str, ...]] = []
    for seq in sequences:
        grams = list(ngrams(pad_both_ends(list(seq), n=n), n))
        windows += grams[: -(n - 2)] if n > 2 else grams
    return windows


def nltk_perplexity(model, sequences: Sequence[str], n: int) -> float:
    """NLTK's own perplexity over the study's evaluation n-grams (one call, as one chunk)."""
    return float(model.perplexity(nltk_test_ngrams(sequences, n)))


__all__ = ["nltk_fit", "nltk_perplexity", "nltk_test_ngrams"]
