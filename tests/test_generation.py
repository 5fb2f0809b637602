"""Generation evaluation: metrics by hand / against scipy, and a tiny GPT-NeoX on real viral windows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from transformers import GPTNeoXForCausalLM

from hf_genomics.data.viruses import load_shared_viruses, split_windows, window_genomes, windows_per_group
from hf_genomics.evaluation.generation import (
    composition_continuations,
    evaluate_generation,
    generate_continuations,
    jensen_shannon,
    kmer_frequencies,
    score_continuation,
    score_rows,
    summarize,
)
from hf_genomics.models.pythia import pythia_config
from hf_genomics.tokenization.spec import build_tokenizer


def test_kmer_frequencies_by_hand():
    freqs = kmer_frequencies("ACGTA")  # ACG, CGT, GTA
    index = {"ACG": 0 * 16 + 1 * 4 + 2, "CGT": 1 * 16 + 2 * 4 + 3, "GTA": 2 * 16 + 3 * 4 + 0}
    assert freqs.sum() == pytest.approx(1.0)
    for i in index.values():
        assert freqs[i] == pytest.approx(1 / 3)
    assert kmer_frequencies("ACNGT").sum() == 0  # every 3-mer touches the N
    assert kmer_frequencies("ac").sum() == 0


def test_jensen_shannon_matches_scipy():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.dirichlet(np.ones(64)), rng.dirichlet(np.ones(64))
        assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2) ** 2)
    assert jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)
    assert jensen_shannon([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_score_by_hand():
    scores = score_continuation("GGGG", "CCCC")
    # walks (1..4, 0) vs (-1..-4, 0): distances 2, 4, 6, 8
    assert scores["walk_max"] == 8 and scores["walk_mean"] == 5 and scores["walk_end"] == 8
    assert scores["gc_difference"] == 0.0 and scores["kmer3_js"] == pytest.approx(1.0)
    same = score_continuation("ACGTAC", "ACGTAC")
    assert same["walk_max"] == 0 and same["kmer3_js"] == 0
    assert score_continuation("AATT", "GGTT")["gc_difference"] == pytest.approx(0.5)


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer("dnallm", causal=True)


def test_generation_lengths_and_no_specials(tok):
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(
        pythia_config("tiny", vocab_size=8, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    )
    seqs = ["ACGT" * 10, "GGCCA" * 7, "TTTTAAAAC" * 3]
    for do_sample in (False, True):
        out = generate_continuations(model, tok, seqs, do_sample=do_sample, seed=1)
        for seq, (prompt, true, generated) in zip(seqs, out):
            assert prompt + true == seq and len(prompt) == len(seq) // 2
            assert len(generated) == len(true) and set(generated) <= set("ACGTN")
    first = generate_continuations(model, tok, seqs, do_sample=True, seed=3)
    assert first == generate_continuations(model, tok, seqs, do_sample=True, seed=3)


@pytest.mark.real_data
def test_tiny_gpt_neox_train_and_generation_eval_on_viruses(shared_data, tok):
    genomes = load_shared_viruses(shared_data)
    windows = window_genomes(genomes)
    splits = split_windows(windows, ood_values=["Zika virus"], seed=0)
    train = splits["train"].shuffle(seed=0).select(range(16))
    counts = windows_per_group(splits["train"], "species")
    torch.manual_seed(0)
    config = pythia_config("tiny", vocab_size=8, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    model = GPTNeoXForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batch = torch.tensor(tok([s[:256] for s in train["sequence"]])["input_ids"])
    losses = []
    for _ in range(25):
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.1
    assert losses[-1] < math.log(4) + 0.05  # learnt the base alphabet at least
    evaluation = [
        {**row, "sequence": row["sequence"][:160]}
        for row in [*splits["test"].select(range(2)), *splits["ood"].select(range(2))]
    ]
    scores = evaluate_generation(model, tok, evaluation, training_counts=counts, do_sample=True)
    assert len(scores) == 4
    assert all(s["continuation_length"] == 80 and np.isfinite(s["walk_max"]) for s in scores)
    assert {s["n_training_windows"] for s in scores if s["species"] == "Zika virus"} == {0}
    by_species = summarize(scores, by="species")
    assert {row["species"] for row in by_species} <= {"Norovirus", "Zika virus"}
    assert all(row["walk_max_mean"] >= row["walk_mean_mean"] for row in by_species)


def test_composition_baseline():
    seq = "AAAAAAAAAACCCCCCCCCC" * 5
    out = composition_continuations([seq], seed=0)
    prompt, true, generated = out[0]
    assert prompt + true == seq and len(generated) == len(true)
    assert set(generated) <= set("ACGT") and generated.count("A") > generated.count("G")
    scores = score_rows([{"species": "x"}], out, training_counts={"x": 2})
    assert scores[0]["n_training_windows"] == 2 and scores[0]["walk_max"] >= scores[0]["walk_mean"]
