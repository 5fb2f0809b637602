"""The length-extrapolation study: genome split (no held-out genome is trained on) and its table."""

from __future__ import annotations

import pytest

from hf_genomics.studies import length_extrapolation as study


def test_held_out_genomes_are_long_enough_and_never_trained_on():
    genomes = [f"{'ACGT' * (n // 4)}" for n in (100, 4000, 9000, 12000, 300, 8192, 10000)]
    genomes = [g + str(i) for i, g in enumerate(genomes)]  # distinct
    train, held = study.split_genomes(genomes, longest_nt=8192, eval_genomes=2, seed=0)
    assert len(held) == 2 and all(len(g) >= 8192 for g in held)
    assert not set(train) & set(held) and len(train) + len(held) == len(genomes)
    assert study.split_genomes(genomes, 8192, 2, 0) == (train, held)  # seeded
    with pytest.raises(ValueError, match="no genome is 20000 nt long"):
        study.split_genomes(genomes, 20000, 2, 0)


def test_markdown_table_has_every_factor():
    results = {
        "config": {"factors": [1, 2], "train_length_nt": 512, "hidden_size": 64, "num_hidden_layers": 2,
                   "tokenizer": "kmer:3", "max_steps": 10, "batch_size": 4},
        "train_windows": 10, "train_genomes": 3, "eval_genomes": 1, "eval_genome_lengths": [9000],
        "positions": {"rope": {"train_seconds": 1.0, "rows": [{"factor": 1, "loss": 1.25}, {"factor": 2, "loss": 1.5}]}},
    }  # fmt: skip
    text = study.markdown(results)
    assert "| rope | 1.2500 | 1.5000 | 1 |" in text and "2× (1024 nt)" in text
