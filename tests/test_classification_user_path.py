"""run_classification as a user with their own files meets it (issue 21 item 4): a card that names
their data (GUE wording only for GUE tasks, MSE for regression), a warning for every flag a
pretrained model makes moot, each split tokenized once, one seed by default for user files, and
the script a thin shim over the shared entry point."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from transformers import HfArgumentParser

from hf_genomics import hub
from hf_genomics.data.toy import planted_motif_sequences
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training import classification

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ["--num_train_epochs", "1", "--per_device_train_batch_size", "16", "--report_to", "none"]


def parse(argv):
    return HfArgumentParser(
        (classification.ClassificationArguments, classification.StudyTrainingArguments)
    ).parse_args_into_dataclasses(args=argv)


@pytest.fixture(scope="module")
def regression_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    sequences = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(60)]
    gc = [(s.count("G") + s.count("C")) / len(s) for s in sequences]
    path = tmp_path_factory.mktemp("user") / "my_assay.csv"
    pd.DataFrame({"sequence": sequences, "label": gc}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def regression_run(regression_csv, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("runs") / "reg"
    args, training = parse(
        ["--train_file", str(regression_csv), "--tokenizer_name", "kmer:1", "--preset", "tiny",
         "--output_dir", str(out), *TRAINING]
    )  # fmt: skip
    return classification.run_classification(args, training), out


def test_user_files_default_to_one_seed_gue_tasks_to_three():
    user, _ = parse(["--train_file", "x.csv", "--output_dir", "o"])
    gue, _ = parse(["--task_dir", "prom_core_tata", "--output_dir", "o"])
    chosen, _ = parse(["--train_file", "x.csv", "--seeds", "4", "5", "--output_dir", "o"])
    assert user.seeds == [1] and gue.seeds == [1, 2, 3] and chosen.seeds == [4, 5]


def test_regression_card_on_user_data_names_the_file_and_mse(regression_run):
    results, out = regression_run
    assert results["data_source"] == "user" and len(results["per_seed"]) == 1
    card = (out / "README.md").read_text()
    assert "GUE" not in card and "hf-genomics/GUE" not in card
    assert "`my_assay.csv`" in card and "regression" in card
    assert "best by validation MSE" in card and "validation mean squared error (lower is better)" in card
    assert "MCC" not in card and "Matthews" not in card
    assert "| mean squared error |" in card  # the regression metrics are in the table, not an empty one
    meta = yaml.safe_load(card.split("---")[1])
    assert "datasets" not in meta and "gue" not in meta["tags"]
    assert "mse" in meta["metrics"]


def test_gue_card_keeps_the_benchmark_wording():
    results = {
        "task": "prom/prom_core_tata",
        "task_description": "core promoter detection (TATA)",
        "num_labels": 2,
        "tokenizer": "kmer:6",
        "position_embedding_type": "rope",
        "model_config": {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2},
        "per_seed": [{"seed": 1}],
        "test": {"mcc": {"mean": 0.5, "sd": 0.0}},
    }
    card = str(hub.render_model_card(results))
    assert "GUE task `prom/prom_core_tata`, 2 classes" in card and "validation MCC" in card
    assert yaml.safe_load(card.split("---")[1])["datasets"] == [hub.DEFAULT_DATASET_ID]


def test_flags_moot_with_a_pretrained_model_are_named(caplog, tmp_path):
    args, _ = parse(["--train_file", "x.csv", "--model_name_or_path", "some/folder", "--preset", "paper-L6",
                     "--position_embedding_type", "alibi", "--hidden_size", "64", "--output_dir", "o"])  # fmt: skip
    assert classification.ignored_flags(args) == ["--preset", "--position_embedding_type", "--hidden_size"]
    with caplog.at_level(logging.WARNING, logger=classification.logger.name):
        classification.warn_ignored_flags(args)
    assert "--preset, --position_embedding_type, --hidden_size ignored" in caplog.text
    cnn, _ = parse(["--train_file", "x.csv", "--model_name_or_path", "m", "--architecture", "cnn",
                    "--cnn_kmer_sizes", "3", "4", "--cnn_position_bins", "4", "--cnn_block_dropout", "channel",
                    "--output_dir", "o"])  # fmt: skip
    assert classification.ignored_flags(cnn) == [
        "--architecture", "--cnn_kmer_sizes", "--cnn_position_bins", "--cnn_block_dropout",
    ]  # fmt: skip
    fresh, _ = parse(["--train_file", "x.csv", "--preset", "paper-L6", "--output_dir", "o"])
    assert classification.ignored_flags(fresh) == []


def test_each_split_is_tokenized_once_and_cut_like_the_tokenizer():
    """Budget and training ids come from one pass; only rows over the budget are tokenized again,
    and the result equals the tokenizer's own truncation."""
    from datasets import Dataset

    sequences, labels = planted_motif_sequences(40, length=30, seed=0)
    sequences = [s + "ACGTNACGTA" * (i % 3) for i, s in enumerate(sequences)]  # some rows run long
    data = {"train": Dataset.from_dict({"sequence": sequences, "label": labels})}
    tokenizer = build_tokenizer("kmer:3")
    calls = []
    original_call = type(tokenizer).__call__

    def counting_call(self, text, *args, **kwargs):
        calls.append(len(text) if isinstance(text, list) else 1)
        return original_call(self, text, *args, **kwargs)

    type(tokenizer).__call__ = counting_call
    try:
        encoded = classification.encode_splits(data, tokenizer)
        _, max_tokens, truncation = classification.token_budget(data, tokenizer, 30, None, encoded=encoded)
        tokens = classification.tokenize_splits(data, tokenizer, max_tokens, False, encoded=encoded)
    finally:
        type(tokenizer).__call__ = original_call
    over = truncation["train"]["sequences"]
    assert 0 < over < len(sequences)
    assert sum(calls) == len(sequences) + over  # one pass, plus the rows that were cut
    expected = tokenizer(sequences, truncation=True, max_length=max_tokens)
    assert tokens["train"]["input_ids"] == expected["input_ids"]
    assert tokens["train"]["attention_mask"] == expected["attention_mask"]
    assert "sequence" not in tokens["train"].column_names and list(tokens["train"]["label"]) == list(labels)


def test_script_is_a_shim_over_the_shared_entry_point():
    text = (ROOT / "scripts" / "run_classification.py").read_text()
    code = [line for line in text.split('"""')[-1].splitlines() if line.strip()]
    assert code == [
        "from hf_genomics.training.classification import main",
        "from hf_genomics.user_errors import run_as_script",
        'if __name__ == "__main__":',
        "    run_as_script(main)  # a user error (bad option, missing/malformed file): one line, exit 2",
    ]


def test_main_runs_from_a_json_file(regression_csv, tmp_path):
    options = {
        "train_file": str(regression_csv),
        "tokenizer_name": "kmer:1",
        "preset": "tiny",
        "output_dir": str(tmp_path / "json-run"),
        "max_steps": 1,
        "save_model": False,
        "report_to": "none",
    }
    (tmp_path / "args.json").write_text(json.dumps(options))
    results = classification.main([str(tmp_path / "args.json")])
    assert results["problem_type"] == "regression" and results["seeds"] == [1]
