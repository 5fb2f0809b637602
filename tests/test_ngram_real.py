"""On the real human-gene files: NGramLM equals NLTK's Laplace (the study's recipe) to 1e-9.

NLTK itself runs on a deterministic subset (the first genes of each file) to keep this test
short; the full files are checked against the NLTK perplexities that ``benchmarks/bench_ngram.py``
computes in the same run as ours (stored in ``benchmarks/results/ngram.json``).
"""

from __future__ import annotations

import pytest

from hf_genomics import NGramLM
from hf_genomics.data.genes import read_genes_csv
from hf_genomics.models.ngram_nltk import nltk_fit, nltk_perplexity

pytest.importorskip("nltk")
pytestmark = pytest.mark.real_data

# NLTK 3.x Laplace(n) trained on validation.csv, perplexity on test.csv (benchmarks/bench_ngram.py)
NLTK_FULL_FILE_PERPLEXITY = {6: 3.870571836333804, 7: 3.8715172279095937, 8: 3.9412155082170246}


@pytest.fixture(scope="module")
def genes(shared_data):
    folder = shared_data / "human_genes"
    return read_genes_csv(folder / "validation.csv")["sequence"], read_genes_csv(folder / "test.csv")[
        "sequence"
    ]


@pytest.mark.parametrize("n", [6, 7, 8])
def test_full_files_equal_nltk(genes, n):
    train, test = genes
    assert NGramLM(n).fit(train).perplexity(test) == pytest.approx(NLTK_FULL_FILE_PERPLEXITY[n], abs=1e-9)


@pytest.mark.parametrize("n", [6, 7, 8])
def test_subset_equals_nltk_computed_here(genes, n):
    train, test = genes[0][:400], genes[1][:250]
    reference = nltk_perplexity(nltk_fit(train, n), test, n)
    assert NGramLM(n).fit(train).perplexity(test) == pytest.approx(reference, abs=1e-9)


@pytest.mark.slow
def test_full_files_equal_nltk_computed_here_n8(genes):
    """The study's headline order on the full files, NLTK run here (~20 s)."""
    train, test = genes
    reference = nltk_perplexity(nltk_fit(train, 8), test, 8)
    assert reference == pytest.approx(NLTK_FULL_FILE_PERPLEXITY[8], abs=1e-9)
    assert NGramLM(8).fit(train).perplexity(test) == pytest.approx(reference, abs=1e-9)
