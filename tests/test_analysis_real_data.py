"""The analysis layer on real GUE prom_core_tata sequences (TATA-box promoters vs non-promoters)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from analysis_models import tiny_encoder

from hf_genomics.analysis import (
    embed,
    integrated_gradients,
    predict,
    record_training_length,
    saturation_mutagenesis,
)
from hf_genomics.tokenization.kmer import KmerTokenizer

pytestmark = pytest.mark.real_data
TATA = re.compile("(?=TATA[AT]A[AT])")


@pytest.fixture(scope="module")
def task(shared_data):
    folder = shared_data / "gue" / "prom" / "prom_core_tata"
    return pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")


def test_ism_of_a_promoter_lm_singles_out_the_tata_box(task):
    """A 6-gram LM of the TATA promoters: mutating TATA-box bases costs far more likelihood."""
    from hf_genomics.models.ngram import NGramLM

    train, test = task
    model = NGramLM(6).fit(train.loc[train.label == 1, "sequence"].tolist())
    promoters = [s for s in test.loc[test.label == 1, "sequence"] if TATA.search(s)][:30]
    inside, outside = [], []
    for sequence in promoters:
        importance = saturation_mutagenesis(model, None, sequence, progress=False).importance()
        box = np.zeros(len(sequence), dtype=bool)
        for match in TATA.finditer(sequence):
            box[match.start() : match.start() + 7] = True
        inside.append(importance[box].mean())
        outside.append(importance[~box].mean())
    inside, outside = np.array(inside), np.array(outside)
    assert len(promoters) == 30
    assert inside.mean() > 2 * outside.mean()  # measured: 3.1 vs 0.48 nats
    assert (inside > outside).mean() >= 0.9


def test_every_capability_runs_on_real_sequences(task):
    _, test = task
    sequences = test["sequence"].tolist()[:12]
    tokenizer = KmerTokenizer(k=4)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    record_training_length(model, tokenizer, 70)
    predictions = predict(model, tokenizer, sequences, rc_average=True, progress=False)
    assert predictions.n_windows.tolist() == [2] * 12 and np.allclose(predictions.probabilities.sum(1), 1)
    per_base = embed(model, tokenizer, sequences[:3], pooling="per_nucleotide", progress=False)
    assert [a.shape for a in per_base] == [(70, 32)] * 3 and all(np.isfinite(a).all() for a in per_base)
    ism = saturation_mutagenesis(model, tokenizer, sequences[0], progress=False)
    assert ism.scores.shape == (70, 4) and np.isfinite(ism.scores).all()
    attribution = integrated_gradients(model, tokenizer, sequences[0], n_steps=32)
    assert attribution.scores.shape == (70, 4)
    assert abs(attribution.convergence_delta) < 0.05 * max(abs(attribution.per_base.sum()), 1e-3) + 1e-3
