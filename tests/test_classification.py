"""run_classification end to end on a tiny planted-motif task: results.json, best-by-dev selection,
one test evaluation per seed, reverse-complement handling, LoRA, and the saved folder reloading."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    HfArgumentParser,
)

import hf_genomics  # noqa: F401
from hf_genomics.alphabet import reverse_complement
from hf_genomics.data.collators import RandomStrandCollator
from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.evaluation.strand import rc_averaged_probabilities
from hf_genomics.training import classification
from hf_genomics.training.classification import ClassificationArguments, StudyTrainingArguments

TINY = [
    "--preset",
    "tiny",
    "--num_train_epochs",
    "4",
    "--learning_rate",
    "3e-3",
    "--per_device_train_batch_size",
    "16",
]


@pytest.fixture(scope="module")
def task_dir(tmp_path_factory) -> Path:
    return write_planted_motif_task(tmp_path_factory.mktemp("gue") / "toy", sizes=(320, 48, 40))


def parse(argv: list[str]):
    return HfArgumentParser((ClassificationArguments, StudyTrainingArguments)).parse_args_into_dataclasses(
        args=argv
    )


def test_defaults_are_the_study_protocol():
    args, training = parse(["--task_dir", "x", "--output_dir", "o"])
    assert (training.learning_rate, training.weight_decay, training.warmup_steps) == (1e-4, 0.01, 0.1)
    assert str(training.lr_scheduler_type.value) == "cosine"
    assert training.load_best_model_at_end and training.metric_for_best_model == "mcc"
    assert training.greater_is_better and training.optim.value.startswith("adamw")
    assert args.seeds == [1, 2, 3] and args.position_embedding_type == "rope"
    parsed, _ = parse(
        [
            "--task_dir",
            "x",
            "--output_dir",
            "o",
            "--tokenizer",
            "bpe:512",
            "--position_embedding_type",
            "alibi",
        ]
        + ["--seeds", "4", "5", "--max_length_nt", "80", "--use_lora", "--rc_augment", "--rc_average"]
        + ["--model_name_or_path", "m", "--num_hidden_layers", "3"]
    )
    assert parsed.seeds == [4, 5] and parsed.use_lora and parsed.rc_augment and parsed.rc_average
    assert (parsed.tokenizer, parsed.max_length_nt, parsed.num_hidden_layers) == ("bpe:512", 80, 3)


def test_run_two_seeds_results_and_reload(task_dir, tmp_path, monkeypatch):
    dev_mccs: list[float] = []
    predict_calls: list[int] = []
    real_metrics = classification.trainer_compute_metrics
    real_predict = classification.Trainer.predict

    def recording_metrics(prediction):
        result = real_metrics(prediction)
        if len(prediction.label_ids) == 48:  # validation split (test has 40 rows)
            dev_mccs.append(result["mcc"])
        return result

    def counting_predict(self, dataset, *args, **kwargs):
        predict_calls.append(len(dataset))
        return real_predict(self, dataset, *args, **kwargs)

    monkeypatch.setattr(classification, "trainer_compute_metrics", recording_metrics)
    monkeypatch.setattr(classification.Trainer, "predict", counting_predict)
    out = tmp_path / "run"
    args, training = parse(
        [
            "--task_dir",
            str(task_dir),
            "--tokenizer",
            "kmer:3",
            "--output_dir",
            str(out),
            "--seeds",
            "1",
            "2",
            *TINY,
        ]
    )
    results = classification.run_classification(args, training)

    saved = json.loads((out / "results.json").read_text())
    assert saved["test_mcc"] == pytest.approx(statistics.mean(r["test"]["mcc"] for r in saved["per_seed"]))
    assert saved["test_mcc_sd"] == pytest.approx(
        statistics.stdev(r["test"]["mcc"] for r in saved["per_seed"])
    )
    assert set(saved["test"]) == {"mcc", "accuracy", "f1", "precision", "recall"}
    assert predict_calls == [40, 40]  # the test split, once per seed, nothing else
    evals_per_seed = len(dev_mccs) // 2
    for index, record in enumerate(saved["per_seed"]):
        assert record["best_dev_mcc"] == pytest.approx(
            max(dev_mccs[index * evals_per_seed : (index + 1) * evals_per_seed])
        )
    assert saved["saved_seed"] == max(saved["per_seed"], key=lambda r: r["best_dev_mcc"])["seed"]
    assert results["test_mcc"] > 0.2  # the planted motif is learnable (chance is 0)

    files = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "results.json"} <= files
    assert not any(name.endswith((".bin", ".pt")) for name in files)
    assert not any(name.startswith("checkpoints-") for name in files)
    assert "model-index" in (out / "README.md").read_text()

    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForSequenceClassification.from_pretrained(out).eval()
    test = (task_dir / "test.csv").read_text().splitlines()[1:9]
    sequences = [row.split(",")[0] for row in test]
    with torch.no_grad():
        logits = model(**tokenizer(sequences, return_tensors="pt", padding=True)).logits
    assert logits.shape == (8, 2)


def test_rc_augment_average_and_lora(task_dir, tmp_path):
    out = tmp_path / "rc"
    args, training = parse(
        [
            "--task_dir",
            str(task_dir),
            "--tokenizer",
            "kmer:1",
            "--output_dir",
            str(out),
            "--seeds",
            "3",
            *TINY,
        ]
        + ["--rc_augment", "--rc_average", "--use_lora", "--lora_r", "4"]
    )
    results = classification.run_classification(args, training)
    assert results["rc_augment"] and results["rc_average"] and results["use_lora"]
    names = {p.name for p in out.iterdir()}
    assert "model.safetensors" in names and "adapter_config.json" not in names  # LoRA merged before saving


def test_random_strand_collator_uses_reverse_tokens(task_dir):
    tokenizer = hf_genomics.KmerTokenizer(k=3)
    sequences = ["ACGTTGCAAC", "GGGCCCATAT"]
    forward = [dict(tokenizer(s), label=1) for s in sequences]
    for feature, seq in zip(forward, sequences):
        reverse = tokenizer(reverse_complement(seq))
        feature.update({f"rc_{k}": v for k, v in reverse.items()})
    base = DataCollatorWithPadding(tokenizer)
    always = RandomStrandCollator(base, seed=0, p=1.0)(forward)
    expected = tokenizer([reverse_complement(s) for s in sequences], padding=True, return_tensors="pt")
    assert torch.equal(always["input_ids"], expected["input_ids"])
    assert always["labels"].tolist() == [1, 1]
    never = RandomStrandCollator(base, seed=0, p=0.0)(forward)
    assert torch.equal(
        never["input_ids"], tokenizer(sequences, padding=True, return_tensors="pt")["input_ids"]
    )
    flips = RandomStrandCollator(base, seed=0).rng.random(4000) < 0.5
    assert 0.45 < flips.mean() < 0.55


def test_rc_average_is_strand_symmetric():
    rng = np.random.default_rng(0)
    forward, reverse = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    np.testing.assert_allclose(
        rc_averaged_probabilities(forward, reverse), rc_averaged_probabilities(reverse, forward)
    )
    np.testing.assert_allclose(rc_averaged_probabilities(forward, reverse).sum(-1), 1.0)
    with pytest.raises(ValueError, match="differ in shape"):
        rc_averaged_probabilities(forward, reverse[:5])


def test_fine_tune_from_pretrained_encoder(task_dir, tmp_path):
    """--model_name_or_path: the MLM encoder's weights are the starting point; the card says so."""
    from safetensors.torch import load_file

    from hf_genomics import DnaEncoderConfig, DnaEncoderForMaskedLM, KmerTokenizer

    tokenizer = KmerTokenizer(k=3)
    config = DnaEncoderConfig.from_preset("tiny", vocab_size=len(tokenizer), position_embedding_type="alibi")
    mlm_dir = tmp_path / "mlm"
    DnaEncoderForMaskedLM(config).save_pretrained(mlm_dir)
    tokenizer.save_pretrained(mlm_dir)
    out = tmp_path / "ft"
    args, training = parse(
        ["--task_dir", str(task_dir), "--model_name_or_path", str(mlm_dir), "--output_dir", str(out)]
        + ["--seeds", "1", "--max_train_samples", "32", *TINY[2:]]
        + ["--base_model", "me/dna-mlm", "--num_train_epochs", "1", "--learning_rate", "0"]
    )
    results = classification.run_classification(args, training)
    assert results["position_embedding_type"] == "alibi" and results["base_model"] == "me/dna-mlm"
    pretrained, tuned = load_file(mlm_dir / "model.safetensors"), load_file(out / "model.safetensors")
    key = "model.embeddings.word_embeddings.weight"
    assert torch.equal(pretrained[key], tuned[key])  # lr 0: the encoder is exactly the pretrained one
    assert "base_model: me/dna-mlm" in (out / "README.md").read_text()
