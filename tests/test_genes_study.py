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
    from hf_genomics.data.mutations import make_mutation_pairs, write_mutation_pairs

    test = generated_genes(30, 1)
    for maximum in (1, 5, 10):  # stand-ins for the study's own pair files
        pairs = make_mutation_pairs(test, n_pairs=15, max_mutations=maximum, seed=7)
        write_mutation_pairs(folder / "data" / "mutation_pairs" / f"synthetic_7_{maximum}_15.csv",
                             pairs["NCBIGeneID"], pairs["real"], pairs["mutated"])  # fmt: skip
    from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer("char", causal=True)
    torch.manual_seed(0)
    lstm = DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=len(tokenizer)))
    lstm.save_pretrained(folder / "lstm")
    tokenizer.save_pretrained(folder / "lstm")
    return folder


def run(toy, out, *extra):
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
            "--kneser-ney-orders",
            "3",
            "--mutation-kneser-ney-orders",
            "3",
            "--open-questions",
            "false",
            "--seeds",
            "7",
            "--n-pairs",
            "15",
            "--lstm-dir",
            str(toy / "lstm"),
            "--decoder-dir",
            str(toy / "missing"),
            *extra,  # last, so a test's options override the defaults above
        ]  # fmt: skip
    )
    return genes_study.run_study(args)


def test_study_writes_tables_plot_and_reuses_scores(toy, tmp_path):
    results = run(toy, tmp_path / "out")
    models = [row["model"] for row in results["perplexity"]]
    assert models.count("ngram-mle") == 3 and models.count("ngram-laplace") == 3 and "lstm" in models
    assert any(model.startswith("ngram-add-") for model in models)
    assert models.count("ngram-kn") == 1
    lstm = next(row for row in results["perplexity"] if row["model"] == "lstm")
    assert lstm["n_predicted_tokens"] == lstm["n_nucleotides"] + 30  # bases + one [EOS] per gene
    for row in results["perplexity"]:  # both definitions on every row; bases-only is not the same
        assert row["perplexity_keras"] > 0 and (row["n"] == 1 or row["perplexity_keras"] != row["perplexity"])
    lstm_pairs = [r for r in results["mutation"] if r["model"] == "lstm"]
    assert len(lstm_pairs) == 3 and {r["pairs"] for r in lstm_pairs} == {"study"}  # 1 seed x MAX 1/5/10
    assert {r["formula"] for r in lstm_pairs} == {"neural"}
    assert {r["formula"] for r in results["mutation"] if r["model"] == "ngram-kn-3"} == {"ngram"}
    assert results["neural"]["decoder"]["note"].startswith("not trained")
    for name in ("results.json", "perplexity.csv", "mutation.csv", "README.md", "genes_study.png"):
        assert (tmp_path / "out" / name).exists()
    assert_plot_has_content(tmp_path / "out" / "genes_study.png", min_colours=2)
    assert "3.2878" in (tmp_path / "out" / "README.md").read_text()  # published LSTM beside ours
    assert len(list((toy / "lstm").glob("genes_study_scores_*.npz"))) == 1
    again = run(toy, tmp_path / "again")  # scores come from the cache: identical numbers
    assert json.loads(json.dumps(again["mutation"])) == json.loads(json.dumps(results["mutation"]))


def test_rerun_keeps_rows_it_cannot_recompute(toy, tmp_path):
    """A committed row of a model that is not in this checkout (here a 'decoder') survives a rerun."""
    out = tmp_path / "out"
    first = run(toy, out, "--lstm-dir", str(toy / "missing"))
    fake = {"model": "decoder", "n": None, "perplexity": 3.85, "bits_per_nucleotide": 1.95,
            "published_perplexity": 3.6905, "n_predicted_tokens": 10}  # fmt: skip
    first["perplexity"].append(fake)
    first["mutation"].append({"model": "decoder", "seed": 7, "max_mutations": 1, "perplexity": 0.6,
                              "probability": 0.5, "n_pairs": 15})  # fmt: skip
    first["neural"]["decoder"] = {"note": "trained elsewhere"}
    (out / "results.json").write_text(json.dumps(first))
    again = run(toy, out, "--lstm-dir", str(toy / "missing"))
    kept = [row for row in again["perplexity"] if row["model"] == "decoder"]
    assert kept == [{**fake, "carried_over": True}]
    assert [r["perplexity"] for r in again["mutation"] if r["model"] == "decoder"] == [0.6]
    assert again["neural"]["decoder"]["carried_over"]
    table = (out / "README.md").read_text()
    assert "decoder †" in table and "3.8500" in table
    assert "decoder" in (out / "perplexity.csv").read_text()


def test_training_curves_slope_and_early_stopping_are_reported(toy, tmp_path):
    """A trained model's clm_results.json curves become training_curves.png and a README line with
    the validation perplexity per epoch, the last slope and what early stopping did."""
    import math
    import shutil

    folder = tmp_path / "lstm"
    shutil.copytree(toy / "lstm", folder, ignore=shutil.ignore_patterns("*.npz"))
    clm = {
        "train_seconds": 120.0, "epochs": 2.0, "global_step": 8,
        "loss_curve": [{"step": s, "loss": 1.5 - 0.05 * s} for s in range(1, 9)],
        "eval_curve": [{"step": 4, "epoch": 1.0, "eval_loss": math.log(4.0)},
                       {"step": 8, "epoch": 2.0, "eval_loss": math.log(3.8)},
                       {"step": 8, "epoch": 2.0, "eval_loss": math.log(3.8)}],  # a stop evaluates twice
        "early_stopping": {"patience": 5, "stopped_at_step": None},
    }  # fmt: skip
    (folder / "clm_results.json").write_text(json.dumps(clm))
    results = run(toy, tmp_path / "out", "--lstm-dir", str(folder))
    assert results["neural"]["lstm"]["curves"]["validation"] == clm["eval_curve"]  # recorded as trained
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "1.00: 4.0000, 2.00: 3.8000; last slope -0.2000 per epoch" in readme
    assert "early stopping (patience 5 epochs) did not trigger" in readme
    assert_plot_has_content(tmp_path / "out" / "training_curves.png", min_colours=2)


def test_scores_are_not_reused_once_the_weights_change(toy, tmp_path):
    """The score cache is named after the weights: a model trained further is scored afresh."""
    import shutil

    from hf_genomics import DnaLstmForCausalLM

    folder = tmp_path / "lstm"
    shutil.copytree(toy / "lstm", folder, ignore=shutil.ignore_patterns("*.npz"))
    first = run(toy, tmp_path / "first", "--lstm-dir", str(folder))
    model = DnaLstmForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        model.lm_head.bias.add_(torch.linspace(-1, 1, model.lm_head.bias.numel()))  # "trained further"
    model.save_pretrained(folder)
    second = run(toy, tmp_path / "second", "--lstm-dir", str(folder))
    assert len(list(folder.glob("genes_study_scores_*.npz"))) == 2

    def lstm_row(results):
        return next(row for row in results["perplexity"] if row["model"] == "lstm")

    assert lstm_row(second)["perplexity"] != lstm_row(first)["perplexity"]


def test_train_neural_continues_only_unfinished_study_models(tmp_path):
    folder = tmp_path / "model"
    assert genes_study.needs_training("lstm", folder) and genes_study.needs_training("lstm-study", folder)
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert not genes_study.needs_training("lstm", folder)  # ours: trained once, never continued
    for record, expected in (
        ({"epochs": 2.75, "early_stopping": {"stopped_at_step": None}}, True),
        ({"epochs": 12.0, "early_stopping": {"stopped_at_step": 800}}, False),
        ({"epochs": 40.0, "early_stopping": None}, False),
    ):
        (folder / "clm_results.json").write_text(json.dumps(record))
        assert genes_study.needs_training("lstm-study", folder) is expected
