"""FIMO-style k-mer vs motif p-values: the dynamic programme equals brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hf_genomics.analysis.jaspar import JasparMotif, counts_to_ppm
from hf_genomics.analysis.kmer_motif_match import score_kmers


def random_motif(rng, width, name="M"):
    return JasparMotif(name, name, counts_to_ppm(rng.integers(0, 40, (4, width)).astype(float)))


def brute_force_p(kmer, motif, scale):
    """Enumerate every k-mer: the fraction scoring >= the query at its best placement (per placement)."""
    k = len(kmer)
    scores = np.rint(np.log2(motif.ppm.T / 0.25) * scale)
    best = 1.0
    for matrix in (scores, scores[::-1, ::-1]):
        for start in range(motif.width - k + 1):
            window = matrix[start : start + k]
            query = sum(window[j, "ACGT".index(b)] for j, b in enumerate(kmer))
            all_scores = [
                sum(window[j, c] for j, c in enumerate(codes))
                for codes in itertools.product(range(4), repeat=k)
            ]
            best = min(best, float(np.mean(np.asarray(all_scores) >= query)))
    return best


def test_dynamic_programme_equals_enumeration():
    rng = np.random.default_rng(0)
    motifs = [random_motif(rng, 7, "A"), random_motif(rng, 5, "B")]
    kmers = ["ACGTA", "TTTTT", "GCGCG", "ACGTAC", "CATG"]
    scored = score_kmers(kmers, motifs, scale=4.0)
    for i, kmer in enumerate(kmers):
        for m, motif in enumerate(motifs):
            if len(kmer) <= motif.width:
                assert scored.p_value[i, m] == pytest.approx(brute_force_p(kmer, motif, 4.0), rel=1e-9)
                assert scored.placements[i, m] == 2 * (motif.width - len(kmer) + 1)


def test_longer_token_contains_motif():
    motif = JasparMotif("X", "X", counts_to_ppm(np.eye(4)[[0, 1, 2, 3, 3]].T * 100))  # ACGTT
    scored = score_kmers(["GGACGTTGG", "GGGGGGGGG"], [motif])
    assert scored.p_value[0, 0] == pytest.approx(4.0**-5)
    assert scored.p_value[1, 0] > 0.1
    assert scored.placements[0, 0] == 2 * 5


def test_reverse_complement_hit_and_bad_input():
    motif = JasparMotif("X", "X", counts_to_ppm(np.eye(4)[[0, 0, 1, 2, 2, 2]].T * 100))  # AACGGG
    scored = score_kmers(["CCCGTT"], [motif])  # reverse complement
    assert scored.p_value[0, 0] == pytest.approx(4.0**-6)
    with pytest.raises(ValueError, match="k-mer 1"):
        score_kmers(["ACGTA", "ACNTA"], [motif])


def test_tata_consensus_matches_jaspar_tbp():
    pytest.importorskip("pyjaspar")
    from hf_genomics.analysis.jaspar import find_motif, load_jaspar

    jaspar = load_jaspar()
    tbp = find_motif(jaspar, "MA0108")
    scored = score_kmers(["TATAAAAG", "GGGGCGGGG"], [tbp, find_motif(jaspar, "MA0079")])  # TBP, SP1
    assert scored.matches()[0].tolist() == [True, False]
    assert scored.matches()[1].tolist() == [False, True]
