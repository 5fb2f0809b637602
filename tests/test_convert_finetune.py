"""A converted DNABERT-2 fine-tunes: with transformers' Trainer directly, and through
``scripts/run_classification.py --model_name_or_path OUT`` (the user's two-command path)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

from hf_genomics.convert import convert_checkpoint

ROOT = Path(__file__).resolve().parents[1]
TINY_MLM = ROOT / "tests" / "fixtures" / "ports" / "dnabert2" / "tiny_mlm"


def _toy_rows(n: int, seed: int) -> list[dict]:
    """Label 1 iff the sequence holds a GC-rich motif: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sequence = "".join(rng.choice(list("ACGT"), size=40))
        label = i % 2
        if label:
            sequence = sequence[:10] + "GCGCGCGCGC" + sequence[20:]
        rows.append({"sequence": sequence, "label": label})
    return rows


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dnabert2-finetune") / "converted"
    convert_checkpoint(TINY_MLM, out)
    return out


def test_converted_dnabert2_fine_tunes_with_trainer(converted, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(converted)
    model = AutoModelForSequenceClassification.from_pretrained(converted, num_labels=2)
    data = Dataset.from_list(_toy_rows(32, seed=0)).map(
        lambda batch: tokenizer(batch["sequence"]), batched=True, remove_columns=["sequence"]
    )
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"),
        per_device_train_batch_size=8,
        num_train_epochs=3,
        learning_rate=3e-3,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
    )
    before = model.model.layers[0].attention.qkv.weight.detach().clone()
    trainer.train()
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == 12 and all(np.isfinite(losses))
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    assert not torch.equal(before, model.model.layers[0].attention.qkv.weight.detach())


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["sequence", "label"])
        writer.writeheader()
        writer.writerows(rows)


def test_run_classification_fine_tunes_a_converted_dnabert2(converted, tmp_path):
    """Command 2 of the README quickstart, on a tiny converted model and toy CSVs."""
    for split, seed in (("train", 1), ("dev", 2), ("test", 3)):
        _write_csv(tmp_path / f"{split}.csv", _toy_rows(16, seed))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "run_classification.py"),
            "--model_name_or_path",
            str(converted),
            "--train_file",
            str(tmp_path / "train.csv"),
            "--validation_file",
            str(tmp_path / "dev.csv"),
            "--test_file",
            str(tmp_path / "test.csv"),
            "--output_dir",
            str(tmp_path / "run"),
            "--num_train_epochs",
            "1",
            "--per_device_train_batch_size",
            "4",
            "--per_device_eval_batch_size",
            "8",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert any((tmp_path / "run").iterdir())
