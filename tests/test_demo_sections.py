"""`make demo` sections say how their numbers compare with the trivial baselines beside them, and
the motifs section names the TATA-box matrix its window matches best and how it was chosen."""

from __future__ import annotations

import re

from hf_genomics.demos import genes, motifs


def test_motifs_section_names_the_best_tata_box_matrix(tmp_path):
    report = motifs.run(None, tmp_path)  # toy sequences with a planted TATAAAAG
    assert "`TATAAAAG`" in report  # the planted box is the hottest window
    assert "chosen by the smallest FIMO-style exact p" in report
    best = re.search(r"\*\*TBP MA0108\.\d, p = ([0-9.e+-]+)\*\* \(a match\), rank (\d+) of 879", report)
    assert best and float(best.group(1)) <= motifs.MATCH_P and best.group(2) == "1", report
    assert (tmp_path / "ism_logo.png").stat().st_size > 0


def test_tata_box_matrices_are_chosen_by_name():
    assert motifs.is_tata_box_matrix("TBP") and motifs.is_tata_box_matrix("TBPL1")
    assert not motifs.is_tata_box_matrix("SRF") and not motifs.is_tata_box_matrix("Hoxd13")


def test_genes_section_compares_with_both_baselines():
    assert genes.compared(3.95, unigram=3.99) == "better than both baselines"
    assert "NOT better than the unigram" in genes.compared(3.995, unigram=3.99)
    assert genes.compared(8.28, unigram=3.99) == "NOT better than either baseline"


def test_viruses_section_says_where_the_model_loses_to_composition():
    from hf_genomics.demos.viruses import verdicts

    def row(split, generator, walk, js, gc):
        return {"split": split, "generator": generator, "walk_max_mean": walk, "walk_mean_mean": walk / 2,
                "kmer3_js_mean": js, "gc_difference_mean": gc}  # fmt: skip

    summary = [
        row("ood", "tiny GPT-NeoX", 19.2, 0.21, -0.016),
        row("ood", "prompt composition", 19.0, 0.24, 0.004),
        row("test", "tiny GPT-NeoX", 17.8, 0.23, 0.01),
        row("test", "prompt composition", 25.0, 0.25, -0.04),
    ]
    assert verdicts(summary) == (
        "Against that baseline: ood: the model is worse than the baseline on walk_max_mean, "
        "walk_mean_mean, gc_difference_mean; test: the model beats the baseline on every score."
    )
