"""Cards and push, tested at the boundary: a fake HfApi records exactly what would be sent."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml
from huggingface_hub import ModelCard
from huggingface_hub.repocard_data import model_index_to_eval_results

from hf_genomics import hub


def results(pretrained: str | None = None) -> dict:
    test = {name: {"mean": 0.5 + i / 10, "sd": 0.01} for i, name in enumerate(hub.METRIC_LABELS)}
    return {
        "task": "prom/prom_core_tata",
        "num_labels": 2,
        "tokenizer": "kmer:6",
        "vocab_size": 4106,
        "position_embedding_type": "rope",
        "model_config": {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2},
        "model_name_or_path": pretrained,
        "base_model": pretrained,
        "per_seed": [{"seed": 1}, {"seed": 2}],
        "test": test,
        "test_mcc": 0.5,
        "saved_seed": 1,
        "training": {"learning_rate": 1e-4, "weight_decay": 0.01, "num_train_epochs": 1, "batch_size": 8},
    }


def make_run_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(results()))
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_text("{}")
    (folder / "training_args.bin").write_bytes(b"pickle")  # must never be sent
    (folder / "checkpoint-10").mkdir()
    (folder / "checkpoint-10" / "optimizer.pt").write_bytes(b"pickle")
    hub.write_model_card(folder)
    return folder


class FakeApi:
    def __init__(self, fail_with: Exception | None = None):
        self.calls: list[tuple] = []
        self.fail_with = fail_with

    def create_repo(self, repo_id, **kwargs):
        if self.fail_with:
            raise self.fail_with
        self.calls.append(("create_repo", repo_id, kwargs))

    def create_commit(self, repo_id, operations, **kwargs):
        self.calls.append(("create_commit", repo_id, operations, kwargs))
        return argparse.Namespace(commit_url=f"https://hub/{repo_id}/commit/1")


def test_model_card_metadata_and_model_index(tmp_path):
    card = hub.render_model_card(results(pretrained="me/dna-mlm"), repo_id="me/gue-run")
    meta = yaml.safe_load(str(card).split("---")[1])
    assert meta["library_name"] == "transformers"
    assert meta["pipeline_tag"] == "text-classification"
    assert meta["base_model"] == "me/dna-mlm"
    assert meta["datasets"] == [hub.DEFAULT_DATASET_ID]
    assert meta["metrics"] == list(hub.METRIC_LABELS)
    assert {"hf-genomics", "dna", "tokenizer-kmer-6", "position-rope"} <= set(meta["tags"])
    name, evals = model_index_to_eval_results(meta["model-index"])
    assert name == "gue-prom_prom_core_tata-kmer6-rope-L2"
    assert {e.metric_type: e.metric_value for e in evals}["mcc"] == 0.5
    assert all(e.dataset_split == "test" and e.dataset_config == "prom_prom_core_tata" for e in evals)
    text = str(card)
    assert 'from_pretrained("me/gue-run")' in text and "trust_remote_code=True" in text
    assert "| Matthews correlation | 0.5000 | 0.0100 |" in text
    assert "base_model" not in yaml.safe_load(str(hub.render_model_card(results())).split("---")[1])


def test_push_sends_exactly_the_shareable_files(tmp_path):
    folder = make_run_folder(tmp_path)
    api = FakeApi()
    hub.push_run_to_hub(folder, "me/gue-run", api=api, private=True)
    (create, repo_id, kwargs), commit = api.calls
    assert (create, repo_id, kwargs) == (
        "create_repo",
        "me/gue-run",
        {"repo_type": "model", "private": True, "exist_ok": True},
    )
    sent = sorted(op.path_in_repo for op in commit[2])
    assert sent == sorted(
        [
            "README.md",
            "config.json",
            "model.safetensors",
            "results.json",
            "tokenizer.json",
            "tokenizer_config.json",
        ]
    )
    card = ModelCard.load(folder / "README.md")
    assert 'from_pretrained("me/gue-run")' in card.text


def test_push_refuses_pickle_only_and_offline(tmp_path, monkeypatch):
    folder = make_run_folder(tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises((FileNotFoundError, ValueError), match="safetensors"):
        hub.push_folder(folder, "me/x", api=FakeApi())
    (folder / "model.safetensors").write_text("{}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    api = FakeApi()
    with pytest.raises(hub.HubUnavailableError, match="HF_HUB_OFFLINE"):
        hub.push_folder(folder, "me/x", api=api)
    assert api.calls == []


def test_unreachable_hub_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    folder = make_run_folder(tmp_path)
    with pytest.raises(hub.HubUnavailableError, match="cannot reach the Hugging Face Hub"):
        hub.push_folder(folder, "me/x", api=FakeApi(fail_with=ConnectionError("name resolution failed")))


def test_dataset_builder_card_and_push(tmp_path):
    import importlib.util

    from hf_genomics.paths import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location(
        "build_gue", PROJECT_ROOT / "dataset_scripts" / "build_gue_dataset.py"
    )
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    task = tmp_path / "gue" / "prom" / "prom_core_tata"
    task.mkdir(parents=True)
    for name in ("train.csv", "dev.csv", "test.csv"):
        (task / name).write_text("sequence,label\nACGT,1\nGGCA,0\n")
    out = tmp_path / "built"
    builder.main(["--gue_root", str(tmp_path / "gue"), "--output_dir", str(out), "--repo_id", "me/GUE"])
    meta = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    assert meta["configs"][0]["config_name"] == "prom_prom_core_tata"
    assert {f["split"]: f["path"] for f in meta["configs"][0]["data_files"]}["validation"] == (
        "prom_prom_core_tata/validation.parquet"
    )
    from datasets import load_dataset

    reloaded = load_dataset("parquet", data_files=str(out / "prom_prom_core_tata" / "test.parquet"))["train"]
    assert reloaded["sequence"] == ["ACGT", "GGCA"]
    api = FakeApi()
    hub.push_dataset_to_hub(out, "me/GUE", api=api)
    assert api.calls[0][2]["repo_type"] == "dataset"
    assert sorted(op.path_in_repo for op in api.calls[1][2]) == [
        "README.md",
        *[f"prom_prom_core_tata/{s}.parquet" for s in ("test", "train", "validation")],
    ]


def test_cli_dry_run_lists_files(tmp_path, capsys):
    from hf_genomics.cli import main

    folder = make_run_folder(tmp_path)
    assert main(["push", str(folder), "--repo-id", "me/gue-run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "model.safetensors" in out and "training_args.bin" not in out and "model-index" in out


def test_cli_push_offline_fails_fast_with_message(tmp_path, capsys, monkeypatch):
    from hf_genomics.cli import main

    folder = make_run_folder(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["push", str(folder), "--repo-id", "me/gue-run"]) == 1
    assert "(HF_HUB_OFFLINE is set): nothing was pushed" in capsys.readouterr().out
