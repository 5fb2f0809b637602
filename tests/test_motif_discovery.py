"""Planted motif in synthetic attribution maps -> TF-MoDISco-lite -> Tomtom names the right JASPAR
matrix; plus a real-data check that prom_core_tata's class-enriched BPE tokens include a TBP match."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("modiscolite")
pytest.importorskip("memelite")
pytest.importorskip("pyjaspar")

from hf_genomics.analysis.jaspar import find_motif, load_jaspar  # noqa: E402
from hf_genomics.analysis.motifs import discover_motifs, tomtom_against_jaspar  # noqa: E402


def test_planted_tata_box_is_recovered_and_named_tbp():
    rng = np.random.default_rng(0)
    n, length, consensus = 400, 100, "TATAAAAG"
    codes = rng.integers(0, 4, (n, length))
    hypothetical = rng.normal(0, 0.05, (n, length, 4))
    for i in range(0, n, 2):
        start = rng.integers(10, length - 20)
        site = np.array(["ACGT".index(b) for b in consensus])
        codes[i, start : start + len(consensus)] = site
        hypothetical[i, np.arange(start, start + len(consensus)), site] += 1.0
    sequences = ["".join("ACGT"[c] for c in row) for row in codes]
    found = discover_motifs(
        sequences, hypothetical.astype(np.float32), sliding_window_size=15, flank_size=5, n_leiden_runs=2
    )
    assert found, "modisco found no pattern"
    best = max(found, key=lambda m: m.n_seqlets)
    assert "TATAAA" in "".join("ACGT"[j] for j in best.ppm.argmax(0))
    jaspar = load_jaspar()
    rows = tomtom_against_jaspar({best.name: best.ppm}, jaspar, source="synthetic")
    assert rows[0]["jaspar_id"].startswith("MA0108"), rows[:3]  # TBP
    assert rows[0]["p_value"] < 1e-3
    assert set(rows[0]) >= {"source", "token_or_motif", "jaspar_id", "jaspar_name", "score", "q_value"}


def test_jaspar_matrix_finds_itself():
    jaspar = load_jaspar()
    sp1 = find_motif(jaspar, "MA0079")
    rows = tomtom_against_jaspar({"sp1": sp1.ppm}, jaspar, source="self", top=3)
    assert sp1.matrix_id in {row["jaspar_id"] for row in rows}


@pytest.mark.real_data
def test_prom_core_tata_tokens_recover_tbp(shared_data):
    from hf_genomics.analysis.enrichment import class_conditional_enrichment
    from hf_genomics.analysis.kmer_motif_match import score_kmers
    from hf_genomics.data.gue import load_gue
    from hf_genomics.tokenization.bpe import train_dna_bpe

    train = load_gue(shared_data / "gue" / "prom" / "prom_core_tata", splits=("train",))["train"]
    sequences, labels = list(train["sequence"]), np.asarray(train["label"])
    tokenizer = train_dna_bpe(sequences, vocab_size=1024)
    vocab = tokenizer.get_vocab()
    tokens = [t for t in vocab if set(t) <= set("ACGT") and len(t) >= 5]
    ids = tokenizer(sequences, add_special_tokens=False)["input_ids"]
    index = {vocab[t]: j for j, t in enumerate(tokens)}
    presence = np.zeros((len(sequences), len(tokens)), bool)
    for row, token_ids in enumerate(ids):
        presence[row, [index[i] for i in token_ids if i in index]] = True
    enriched = np.flatnonzero(class_conditional_enrichment(presence, labels)["q_value"] < 0.05)
    tbp = find_motif(load_jaspar(), "MA0108")
    hits = score_kmers([tokens[i] for i in enriched], [tbp]).matches()[:, 0]
    assert hits.any(), [tokens[i] for i in enriched]


def test_seqlets_of_planted_maps_are_enriched_for_tbp():
    from hf_genomics.analysis.motifs import seqlet_motif_enrichment

    rng = np.random.default_rng(2)
    n, length = 300, 70
    codes = rng.integers(0, 4, (n, length))
    hypothetical = rng.normal(0, 0.05, (n, length, 4))
    site = np.array(["ACGT".index(b) for b in "TATAAAAG"])
    for i in range(n):
        start = rng.integers(3, length - 12)
        codes[i, start : start + 8] = site
        hypothetical[i, np.arange(start, start + 8), site] += 1.0
    sequences = ["".join("ACGT"[c] for c in row) for row in codes]
    jaspar = load_jaspar()
    targets = [find_motif(jaspar, "MA0108"), find_motif(jaspar, "MA0079"), find_motif(jaspar, "MA0139")]
    rows, summary = seqlet_motif_enrichment(sequences, hypothetical.astype(np.float32), targets)
    assert summary["seqlets"] > 100
    assert rows[0]["jaspar_name"] == "TBP" and rows[0]["q_value"] < 1e-6, rows
    assert {row["jaspar_id"][:6] for row in rows if row["q_value"] < 0.05} == {"MA0108"}
