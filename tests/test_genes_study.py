"""`hf-genomics study genes` end to end at toy scale (generated genes; an untrained tiny LSTM)."""

from __future__ import annotations

import argparse
import json

import pytest
import torch

from hf_genomics.data.toy import generated_genes
from hf_genomics.data.toy import write_study_csv as _write_study_csv
from hf_genomics.studies import genes as genes_study
from tests.plot_content import assert_plot_has_content


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy_genes")
    _write_study_csv(folder / "data" / "validation.csv", generated_genes(120, 0), 1)
    _write_study_csv(folder / "data" / "test.csv", generated_genes(30, 1), 1000)
    from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer("char", causal=True)
    torch.manual_seed(0)
    lstm = DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=len(tokenizer)))
    lstm.save_pretrained(folder / "lstm")
    tokenizer.save_pretrained(folder / "lstm")
    return folder


def run(toy, out):
    parser = argparse.ArgumentParser()
    genes_study.add_arguments(parser)
    args = parser.parse_args(
        [
            "--data-dir",
            str(toy / "data"),
            "--output-dir",
            str(out),
            "--pairs-dir",
            str(out / "pairs"),
            "--ngram-orders",
            "1",
            "2",
            "3",
            "--mutation-ngram-orders",
            "3",
            "--seeds",
            "7",
            "--n-pairs",
            "15",
            "--lstm-dir",
            str(toy / "lstm"),
            "--decoder-dir",
            str(toy / "missing"),
        ]  # fmt: skip
    )
    return genes_study.run_study(args)


def test_study_writes_tables_plot_and_reuses_scores(toy, tmp_path):
    results = run(toy, tmp_path / "out")
    models = [row["model"] for row in results["perplexity"]]
    assert models.count("ngram-mle") == 3 and models.count("ngram-laplace") == 3 and "lstm" in models
    assert any(model.startswith("ngram-add-") for model in models)
    lstm = next(row for row in results["perplexity"] if row["model"] == "lstm")
    assert lstm["n_predicted_tokens"] == lstm["n_nucleotides"] + 30  # bases + one [EOS] per gene
    assert len([r for r in results["mutation"] if r["model"] == "lstm"]) == 3  # 1 seed x MAX 1/5/10
    assert results["neural"]["decoder"]["note"].startswith("not trained")
    for name in ("results.json", "perplexity.csv", "mutation.csv", "README.md", "genes_study.png"):
        assert (tmp_path / "out" / name).exists()
    assert_plot_has_content(tmp_path / "out" / "genes_study.png", min_colours=2)
    assert "3.2878" in (tmp_path / "out" / "README.md").read_text()  # published LSTM beside ours
    assert (toy / "lstm" / "genes_study_scores.npz").exists()
    again = run(toy, tmp_path / "again")  # scores come from the cache: identical numbers
    assert json.loads(json.dumps(again["mutation"])) == json.loads(json.dumps(results["mutation"]))
