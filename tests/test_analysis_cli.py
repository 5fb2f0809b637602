"""The predict and embed commands on a FASTA file, read back and compared with the Python API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_models import tiny_encoder

from hf_genomics import cli
from hf_genomics.analysis import embed, predict, record_training_length
from hf_genomics.tokenization.kmer import KmerTokenizer

RECORDS = {"short": "ACGTTGCATGCATTTATAAGG", "long": "TTGACAGGCTATAAAAGGCTAGCTACGATCGATGCATGCATCGA"}


@pytest.fixture
def saved(tmp_path):
    tokenizer = KmerTokenizer(k=3)
    model = tiny_encoder(tokenizer, "classifier", initializer_range=0.2)
    model.config.id2label = {0: "non_promoter", 1: "promoter"}
    record_training_length(model, tokenizer, 21)
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">{name}\n{seq}\n" for name, seq in RECORDS.items()))
    return tmp_path, model, tokenizer, fasta


def test_predict_command(saved):
    folder, model, tokenizer, fasta = saved
    output = folder / "preds.tsv"
    argv = ["predict", "--model", str(folder / "model"), "--fasta", str(fasta), "--output", str(output)]
    assert cli.main([*argv, "--rc-average", "--quiet"]) == 0
    table = pd.read_csv(output, sep="\t")
    assert table.columns.tolist() == [
        "id",
        "length_nt",
        "n_windows",
        "prob_non_promoter",
        "prob_promoter",
        "predicted",
    ]
    assert table["n_windows"].tolist() == [2, 8]  # both strands; 44 nt: windows at 0, 10, 20, 23
    expected = predict(model, tokenizer, list(RECORDS.values()), rc_average=True, progress=False)
    np.testing.assert_allclose(
        table[["prob_non_promoter", "prob_promoter"]].to_numpy(), expected.probabilities, atol=1e-6
    )


@pytest.mark.parametrize("pooling", ["mean", "per_nucleotide"])
def test_embed_command(saved, pooling):
    folder, model, tokenizer, fasta = saved
    output = folder / f"{pooling}.parquet"
    argv = ["embed", "--model", str(folder / "model"), "--fasta", str(fasta), "--output", str(output)]
    assert cli.main([*argv, "--pooling", pooling, "--quiet"]) == 0
    table = pd.read_parquet(output)
    assert table["id"].tolist() == list(RECORDS) and table["length_nt"].tolist() == [21, 44]
    expected = embed(model, tokenizer, list(RECORDS.values()), pooling=pooling, progress=False)
    for row, vectors in enumerate(table["embedding"]):
        array = np.stack(vectors) if pooling == "per_nucleotide" else np.asarray(vectors)
        np.testing.assert_allclose(array, expected[row], atol=1e-6)


def test_help_shows_defaults():
    parser = cli.build_parser()
    text = parser._subparsers._group_actions[0].choices["embed"].format_help()
    assert "(default: mean)" in text


def test_fasta_records_are_normalised_and_bad_ones_named(tmp_path):
    from hf_genomics.analysis.fasta import read_fasta

    good = tmp_path / "good.fa"
    good.write_text(">a soft-masked RNA\nacgu\nRYN\n")
    assert list(read_fasta(good)) == [("a", "ACGTNNN")]
    bad = tmp_path / "bad.fa"
    bad.write_text(">ok\nACGT\n>broken\nACXT\n")
    with pytest.raises(ValueError, match=r"'X' at position 2 of record 'broken' in .*bad.fa"):
        list(read_fasta(bad))
    empty = tmp_path / "empty.fa"
    empty.write_text(">nothing\n>next\nACGT\n")
    with pytest.raises(ValueError, match=r"empty.fa, line 1: record 'nothing' has no sequence"):
        list(read_fasta(empty))
