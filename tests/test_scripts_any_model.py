"""The three scripts share one argument convention and accept any transformers model + fast
tokenizer: a tiny BERT and a tiny ESM folder (with a plain character-level fast tokenizer) fine-tune
with run_classification on a user's CSV and continue masked-LM training with run_mlm; every
problem type of run_classification runs on user files; the human-gene CSV goes through run_mlm."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import f1_score, matthews_corrcoef
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, EsmConfig, EsmForMaskedLM, PreTrainedTokenizerFast

from hf_genomics.data.toy import generated_genes, planted_motif_sequences, write_study_csv
from hf_genomics.evaluation.metrics import multilabel_metrics, regression_metrics
from hf_genomics.training import classification
from hf_genomics.training.mlm import main as run_mlm

TRAINING = ["--num_train_epochs", "1", "--per_device_train_batch_size", "16", "--report_to", "none"]
TINY = ["--preset", "tiny", "--seeds", "1", *TRAINING]


def char_tokenizer(pad_first: bool = True) -> PreTrainedTokenizerFast:
    """A plain fast tokenizer (one token per base) that knows nothing about hf_genomics."""
    specials = (
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        if pad_first
        else ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]
    )
    vocab = {token: i for i, token in enumerate([*specials, "A", "C", "G", "T", "N"])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("\\[[A-Z]+\\]|."), behavior="isolated")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


@pytest.fixture(scope="module")
def foreign_models(tmp_path_factory) -> dict[str, Path]:
    """A BERT and an ESM masked LM saved with a plain fast tokenizer (no hf_genomics code)."""
    root = tmp_path_factory.mktemp("foreign")
    folders = {}
    small = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    bert_tok = char_tokenizer()
    bert = BertForMaskedLM(BertConfig(vocab_size=len(bert_tok), max_position_embeddings=128, **small))
    esm_tok = char_tokenizer(pad_first=False)
    esm = EsmForMaskedLM(
        EsmConfig(
            vocab_size=len(esm_tok),
            pad_token_id=esm_tok.pad_token_id,
            mask_token_id=esm_tok.mask_token_id,
            max_position_embeddings=130,
            position_embedding_type="absolute",
            **small,
        )
    )
    for name, model, tokenizer in (("bert", bert, bert_tok), ("esm", esm, esm_tok)):
        model.save_pretrained(root / name)
        tokenizer.save_pretrained(root / name)
        folders[name] = root / name
    return folders


@pytest.fixture(scope="module")
def motif_csv(tmp_path_factory) -> dict[str, Path]:
    """Binary planted-motif task as the user's own CSVs; the test sequences are longer."""
    root = tmp_path_factory.mktemp("csv")
    files = {}
    for name, n, length, seed in (("train", 96, 40, 0), ("dev", 24, 40, 1), ("test", 24, 60, 2)):
        sequences, labels = planted_motif_sequences(n, length=length, seed=seed)
        pd.DataFrame({"dna": sequences, "target": labels}).to_csv(root / f"{name}.csv", index=False)
        files[name] = root / f"{name}.csv"
    return files


def parse(argv):
    from transformers import HfArgumentParser

    return HfArgumentParser(
        (classification.ClassificationArguments, classification.StudyTrainingArguments)
    ).parse_args_into_dataclasses(args=argv)


def user_files(files, out) -> list[str]:
    return [
        "--train_file",
        str(files["train"]),
        "--validation_file",
        str(files["dev"]),
        "--test_file",
        str(files["test"]),
        "--sequence_column",
        "dna",
        "--label_column",
        "target",
        "--output_dir",
        str(out),
    ]


@pytest.mark.parametrize("name", ["bert", "esm"])
def test_run_classification_on_foreign_model(foreign_models, motif_csv, tmp_path, name):
    args, training = parse([*user_files(motif_csv, tmp_path / name), "--model_name_or_path", str(foreign_models[name])]
                           + ["--seeds", "1", *TRAINING, "--save_model", "false"])  # fmt: skip
    results = classification.run_classification(args, training)
    assert results["problem_type"] == "single_label_classification" and results["num_labels"] == 2
    assert set(results["test"]) == {"mcc", "accuracy", "f1", "precision", "recall"}
    # budget from all splits: the 60-nt test sequences fit (60 + [CLS] [SEP]); nothing truncated
    assert results["max_length_tokens"] == 62
    assert all(part["sequences"] == 0 for part in results["truncated"].values())


@pytest.mark.parametrize("name", ["bert", "esm"])
def test_run_mlm_continues_a_foreign_model(foreign_models, tmp_path, name):
    fasta = tmp_path / "train.fa"
    fasta.write_text("".join(f">s{i}\n{seq}\n" for i, seq in enumerate(generated_genes(12, 0))))
    out = tmp_path / "mlm"
    results = run_mlm(
        [
            "--train_file",
            str(fasta),
            "--model_name_or_path",
            str(foreign_models[name]),
            "--output_dir",
            str(out),
            "--max_length_nt",
            "100",
            "--max_steps",
            "2",
            "--per_device_train_batch_size",
            "4",
            "--report_to",
            "none",
            "--max_eval_samples",
            "2",
            "--validation_split_percentage",
            "50",
        ]
    )
    assert np.isfinite(results["eval"]["loss"])
    assert results["max_length_tokens"] == 102  # foreign tokenizer: one token per base + [CLS] [SEP]
    assert results["n_eval_records"] == 2  # --max_eval_samples counts records, not windows
    assert results["n_eval_windows"] >= 2
    # the scripts quiet transformers' per-save/per-load weight bars
    from transformers.utils import logging as transformers_logging

    assert not transformers_logging.is_progress_bar_enabled()


def test_run_mlm_reads_the_genes_csv_and_a_tokenizer_folder(tmp_path):
    genes = tmp_path / "genes.csv"
    write_study_csv(genes, generated_genes(16, 3), 1)
    tokenizer_dir = tmp_path / "tok"
    char_tokenizer().save_pretrained(tokenizer_dir)
    results = run_mlm(
        [
            "--train_file",
            str(genes),
            "--tokenizer_name",
            str(tokenizer_dir),
            "--preset",
            "tiny",
            "--output_dir",
            str(tmp_path / "out"),
            "--max_length_nt",
            "200",
            "--max_steps",
            "1",
            "--report_to",
            "none",
        ]
    )
    assert results["max_length_tokens"] == 202 and np.isfinite(results["eval"]["loss"])


def test_truncation_is_reported_not_silent(motif_csv, tmp_path):
    args, training = parse([*user_files(motif_csv, tmp_path / "cut"), "--tokenizer_name", "kmer:1",
                            "--max_length_nt", "40", *TINY, "--save_model", "false"])  # fmt: skip
    results = classification.run_classification(args, training)
    assert results["max_length_tokens"] == 42
    assert results["truncated"]["test"] == {"sequences": 24, "tokens_cut": 24 * 20}
    assert results["truncated"]["train"] == {"sequences": 0, "tokens_cut": 0}


def test_multi_class_string_labels_tsv(tmp_path):
    rng = np.random.default_rng(0)
    motifs = {"tata": "TATAAAA", "gc": "GGGCCCGG", "none": ""}
    rows = []
    for i in range(120):
        label = list(motifs)[i % 3]
        seq = "".join(rng.choice(list("ACGT"), 30))
        rows.append((seq[:10] + motifs[label] + seq[10:], label))
    pd.DataFrame(rows, columns=["sequence", "label"]).to_csv(tmp_path / "all.tsv", sep="\t", index=False)
    args, training = parse(["--train_file", str(tmp_path / "all.tsv"), "--tokenizer_name", "kmer:1",
                            "--output_dir", str(tmp_path / "out"), *TINY])  # fmt: skip
    results = classification.run_classification(args, training)
    assert results["labels"] == ["gc", "none", "tata"] and results["num_labels"] == 3
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["id2label"] == {"0": "gc", "1": "none", "2": "tata"}
    assert len(results["per_seed"]) == 1 and "mcc" in results["test"]


def test_multi_label_and_regression_parquet(tmp_path):
    rng = np.random.default_rng(1)
    sequences = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(80)]
    gc = [(s.count("G") + s.count("C")) / len(s) for s in sequences]
    labels = [
        ";".join(name for name, on in (("a", g > 0.5), ("b", s[0] in "AC"), ("c", True)) if on)
        for s, g in zip(sequences, gc)
    ]
    pd.DataFrame({"sequence": sequences, "label": labels}).to_parquet(tmp_path / "ml.parquet")
    args, training = parse(["--train_file", str(tmp_path / "ml.parquet"), "--tokenizer_name", "kmer:1",
                            "--output_dir", str(tmp_path / "ml"), *TINY, "--save_model", "false"])  # fmt: skip
    results = classification.run_classification(args, training)
    assert results["problem_type"] == "multi_label_classification" and results["labels"] == ["a", "b", "c"]
    assert {"mcc", "f1", "f1_micro", "accuracy"} <= set(results["test"])

    pd.DataFrame({"sequence": sequences, "label": gc}).to_parquet(tmp_path / "reg.parquet")
    args, training = parse(["--train_file", str(tmp_path / "reg.parquet"), "--tokenizer_name", "kmer:1",
                            "--output_dir", str(tmp_path / "reg"), *TINY, "--save_model", "false"])  # fmt: skip
    results = classification.run_classification(args, training)
    assert results["problem_type"] == "regression" and results["num_labels"] == 1
    assert {"mse", "rmse", "pearson", "spearman", "r2"} <= set(results["test"])
    assert "best_dev_mse" in results["per_seed"][0]


def test_task_metrics_match_scikit_learn_and_scipy():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(60, 4)), rng.integers(0, 2, (60, 4))
    predicted = (logits > 0).astype(int)
    ours = multilabel_metrics(logits, labels)
    assert ours["f1"] == pytest.approx(f1_score(labels, predicted, average="macro"))
    assert ours["f1_micro"] == pytest.approx(f1_score(labels, predicted, average="micro"))
    assert ours["mcc"] == pytest.approx(matthews_corrcoef(labels.ravel(), predicted.ravel()))
    assert ours["accuracy"] == pytest.approx((labels == predicted).all(axis=1).mean())
    truth = rng.normal(size=50).round(1)
    guess = truth + rng.normal(size=50).round(1)
    reg = regression_metrics(guess, truth)
    assert reg["pearson"] == pytest.approx(stats.pearsonr(guess, truth)[0])
    assert reg["spearman"] == pytest.approx(stats.spearmanr(guess, truth)[0])
    assert reg["mse"] == pytest.approx(np.mean((guess - truth) ** 2))


def test_one_of_task_dir_and_train_file():
    with pytest.raises(ValueError, match="exactly one of --task_dir"):
        parse(["--output_dir", "o"])


def test_every_script_accepts_a_plain_tokenizer_folder(motif_csv, tmp_path):
    """run_classification (fresh encoder) and run_clm take a tokenizer folder that is not ours."""
    from hf_genomics.training.clm import main as run_clm

    folder = tmp_path / "tok"
    char_tokenizer().save_pretrained(folder)
    args, training = parse(
        [
            *user_files(motif_csv, tmp_path / "cls"),
            "--tokenizer_name",
            str(folder),
            *TINY,
            "--save_model",
            "false",
        ]
    )
    results = classification.run_classification(args, training)
    assert results["tokenizer"] == str(folder) and results["vocab_size"] == 10
    fasta = tmp_path / "train.fa"
    fasta.write_text("".join(f">s{i}\n{seq}\n" for i, seq in enumerate(generated_genes(8, 0))))
    results = run_clm(
        [
            "--model_type",
            "lstm",
            "--preset",
            "tiny",
            "--tokenizer_name",
            str(folder),
            "--train_file",
            str(fasta),
            "--output_dir",
            str(tmp_path / "clm"),
            "--max_steps",
            "1",
            "--report_to",
            "none",
            "--validation_split_percentage",
            "25",
        ]  # fmt: skip
    )
    assert np.isfinite(results["validation"]["perplexity"])


def test_study_configs_are_hf_argument_parser_dataclasses():
    """The studies' typed configs parse with HfArgumentParser exactly as through ``hf-genomics``."""
    from transformers import HfArgumentParser

    from hf_genomics.cli import build_parser
    from hf_genomics.studies.coding_schemes import CodingSchemesConfig
    from hf_genomics.studies.genes import GenesStudyConfig
    from hf_genomics.studies.viral_scaling import ViralScalingConfig
    from hf_genomics.training.entrypoint import config_from

    cases = [
        (CodingSchemesConfig, "coding-schemes", ["--preset", "tiny", "--depths", "1", "2", "--report-only"]),
        (GenesStudyConfig, "genes", ["--n-pairs", "5", "--seeds", "1", "2", "--train_neural"]),
        (ViralScalingConfig, "viral-scaling", ["--sizes", "tiny", "--aux-losses", "walk:0.1", "--do-sample"]),
    ]
    for config_type, command, argv in cases:
        (expected,) = HfArgumentParser(config_type).parse_args_into_dataclasses(args=argv)
        assert config_from(build_parser().parse_args(["study", command, *argv]), config_type) == expected
