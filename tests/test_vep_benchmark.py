"""benchmark vep: ranking metrics against scikit-learn, the BRCA1 baselines reproduced exactly from the
CSV, and the runner on a small assay of its own (any CSV + FASTA with an offset): reports, cache,
resume."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from variant_files import snv_assay_rows, write_locus_fasta

from hf_genomics.analysis.vep_benchmark import (
    consequence_rule,
    evaluate_scores,
    offset_from_record_name,
    run_vep_benchmark,
)
from hf_genomics.evaluation.ranking import auroc, average_precision, bootstrap_interval, roc_curve
from hf_genomics.models.ngram import NGramLM


@settings(max_examples=30, deadline=None)
@given(
    labels=st.lists(st.booleans(), min_size=2, max_size=40),
    seed=st.integers(0, 1000),
    levels=st.integers(1, 6),
)
def test_auroc_and_average_precision_equal_sklearn_with_ties(labels, seed, levels):
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.array(labels)
    if labels.all() or not labels.any():
        return
    scores = np.random.default_rng(seed).integers(0, levels, len(labels)).astype(float)  # many ties
    assert auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert average_precision(labels, scores) == pytest.approx(
        average_precision_score(labels, scores), abs=1e-12
    )
    fpr, tpr = roc_curve(labels, scores)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.3
    scores = labels + rng.normal(0, 1, 400)
    low, high = bootstrap_interval(labels, scores, auroc, 300, seed=1)
    assert low < auroc(labels, scores) < high and high - low < 0.2
    assert (low, high) == bootstrap_interval(labels, scores, auroc, 300, seed=1)


@pytest.mark.real_data
def test_brca1_baselines_reproduce_the_published_table_exactly(shared_data):
    table = pd.read_csv(shared_data / "vep" / "brca1" / "brca1_sge.csv")
    labels = (table["func_class"] == "LOF").to_numpy()
    assert len(table) == 2104 and round(labels.mean(), 3) == 0.244
    cadd = evaluate_scores(labels, table["cadd"], n_bootstrap=20)
    phylop = evaluate_scores(labels, table["phylop"], n_bootstrap=20)
    rule = evaluate_scores(labels, consequence_rule(table["consequence"]), n_bootstrap=20)
    assert (round(cadd["auroc"], 3), round(cadd["auprc"], 3)) == (0.782, 0.578)
    assert (round(phylop["auroc"], 3), round(phylop["auprc"], 3)) == (0.774, 0.479)
    assert round(rule["auroc"], 3) == 0.742


def _assay(tmp_path, n_sites=25, seed=0):
    """A made-up assay on a made-up locus: LOF where the ALT base breaks a repeated motif."""
    rng = np.random.default_rng(seed)
    locus = "".join(rng.choice(list("ACGT"), 3000))
    offset = 1_000_000
    fasta = write_locus_fasta(tmp_path / "locus.fa", locus, offset)
    rows = snv_assay_rows(locus, rng.choice(np.arange(600, 2400), n_sites, replace=False), offset)
    for row in rows:
        row.update(
            chrom="chrT",
            consequence=rng.choice(["Missense", "Synonymous", "Nonsense"]),
            func_class=rng.choice(["FUNC", "INT", "LOF", "unknown"], p=[0.5, 0.1, 0.3, 0.1]),
            cadd=float(rng.normal()),
        )
    csv = tmp_path / "assay.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    model = NGramLM(3).fit([locus[:600], locus[2400:]])
    model.save_pretrained(tmp_path / "ngram3")
    return fasta, csv, locus, offset


def test_runner_scores_any_assay_with_its_offset_and_resumes_from_the_cache(tmp_path):
    fasta, csv, locus, offset = _assay(tmp_path)
    assert offset_from_record_name(f"chrT_{offset}_{offset + 2999}") == offset
    out = tmp_path / "bench"
    first = run_vep_benchmark(
        [tmp_path / "ngram3"], csv, fasta, out, window_nt=101, n_bootstrap=50, progress=False
    )
    table = pd.read_csv(csv)
    kept = table[table["func_class"] != "unknown"]
    assert first["variants"] == len(kept) and first["dropped_other_classes"] == int(
        (table["func_class"] == "unknown").sum()
    )
    entry = first["models"][0]
    assert entry["n"] == len(kept) and entry["unscored"] == 0 and entry["newly_scored"] == len(kept)
    # the model's damage score is minus the library's variant score, evaluated by the metric functions
    from hf_genomics.analysis.variant_effects import Variant, score_variants

    variants = [
        Variant("chrT_1000000_1002999", int(p) - offset + 1, r, a)
        for p, r, a in kept[["pos_hg38", "ref", "alt"]].itertuples(index=False)
    ]
    scores = score_variants(
        NGramLM.from_pretrained(tmp_path / "ngram3"),
        None,
        fasta,
        variants,
        window_nt=101,
        edge="shift",
        progress=False,
    )["score"]
    labels = (kept["func_class"] == "LOF").to_numpy()
    assert entry["auroc"] == pytest.approx(auroc(labels, -scores.to_numpy(float)), abs=1e-12)
    assert {b["name"] for b in first["baselines"]} == {"cadd", "consequence rule"}
    assert set(entry["by_consequence"]) == set(kept["consequence"])
    for name in ("results.json", "results.md", "roc_pr.png"):
        assert (out / name).is_file()
    assert "| ngram3 | ngram |" in (out / "results.md").read_text()
    # a second run scores nothing new and reports the same numbers
    second = run_vep_benchmark(
        [tmp_path / "ngram3"], csv, fasta, out, window_nt=101, n_bootstrap=50, progress=False
    )
    assert second["models"][0]["newly_scored"] == 0
    assert second["models"][0]["auroc"] == entry["auroc"]
    # an interrupted run (half the cache) resumes with the other half
    cache = next((out / "cache").glob("*.tsv"))
    lines = cache.read_text().splitlines()
    cache.write_text("\n".join(lines[: 1 + len(lines) // 2]) + "\n")
    third = run_vep_benchmark(
        [tmp_path / "ngram3"], csv, fasta, out, window_nt=101, n_bootstrap=50, progress=False
    )
    assert 0 < third["models"][0]["newly_scored"] < len(kept)
    assert third["models"][0]["auroc"] == pytest.approx(entry["auroc"], abs=1e-12)
    saved = json.loads((out / "results.json").read_text())
    assert saved["models"][0]["digest"] == entry["digest"]


def test_cli_errors_are_one_line(tmp_path, capsys):
    from hf_genomics import cli

    fasta, csv, _, _ = _assay(tmp_path, n_sites=5)
    bad = tmp_path / "bad.csv"
    pd.read_csv(csv).drop(columns=["func_class"]).to_csv(bad, index=False)
    argv = [
        "benchmark",
        "vep",
        "--model",
        str(tmp_path / "ngram3"),
        "--reference",
        str(fasta),
        "--output",
        str(tmp_path / "o"),
    ]
    assert cli.main([*argv, "--variants", str(bad), "--quiet"]) == 2
    assert "missing column(s) func_class" in capsys.readouterr().err
    assert cli.main([*argv, "--quiet"]) == 2
    assert "give both --variants and --reference" in capsys.readouterr().err
