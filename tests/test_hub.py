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
    sent = out.split("left out")[0]  # the dry run also names what it leaves out, and why
    assert "model.safetensors" in sent and "training_args.bin" not in sent and "model-index" in out


def test_cli_push_offline_fails_fast_with_message(tmp_path, capsys, monkeypatch):
    from hf_genomics.cli import main

    folder = make_run_folder(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["push", str(folder), "--repo-id", "me/gue-run"]) == 1
    assert "(HF_HUB_OFFLINE is set): nothing was pushed" in capsys.readouterr().out


def plant_secrets(folder: Path) -> None:
    """What a hostile or careless folder holds beside the artefacts."""
    (folder / ".secrets.json").write_text('{"token": "hf_secret"}')
    (folder / "credentials.json").write_text('{"aws": "secret"}')
    (folder / "hf_token.txt").write_text("hf_secret")
    (folder / "notes.md").write_text("private notes")
    (folder / "passwd.json").symlink_to("/etc/passwd")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "data.parquet").write_bytes(b"PAR1")
    (folder / "stray").mkdir()
    (folder / "stray" / "part-0.parquet").write_bytes(b"PAR1")
    (folder / "linked").symlink_to(folder / "stray", target_is_directory=True)
    (folder / "modeling_evil.py").write_text("import os")  # a .py no auto_map declares


def test_push_sends_only_the_allow_list(tmp_path):
    folder = make_run_folder(tmp_path)
    config = {"auto_map": {"AutoModel": "modeling_dna_encoder.DnaEncoderModel"}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_dna_encoder.py").write_text("# exported code")
    plant_secrets(folder)
    plan = hub.plan_push(folder)
    assert plan.files == [
        "README.md",
        "config.json",
        "model.safetensors",
        "modeling_dna_encoder.py",
        "results.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    assert plan.left_out[".secrets.json"] == "dotfile"
    assert plan.left_out[".cache"] == "dotfile"
    assert plan.left_out["passwd.json"] == "symbolic link"
    assert plan.left_out["linked"] == "symbolic link"
    assert plan.left_out["stray/part-0.parquet"] == "undeclared subfolder"
    assert plan.left_out["checkpoint-10/optimizer.pt"] == "undeclared subfolder"
    for name in ("credentials.json", "hf_token.txt", "notes.md", "modeling_evil.py", "training_args.bin"):
        assert plan.left_out[name] == "not an artefact name"
    api = FakeApi()
    hub.push_run_to_hub(folder, "me/gue-run", api=api)
    operations = api.calls[1][2]
    assert sorted(op.path_in_repo for op in operations) == plan.files
    sent = b"".join(op.path_or_fileobj for op in operations)
    assert b"secret" not in sent and b"root:" not in sent


def test_declared_artefact_that_is_a_link_is_refused_before_anything_is_written(tmp_path):
    folder = make_run_folder(tmp_path)
    (folder / "tokenizer.json").unlink()
    (folder / "tokenizer.json").symlink_to("/etc/passwd")
    before = (folder / "README.md").read_text()
    api = FakeApi()
    with pytest.raises(ValueError, match="symbolic link"):
        hub.push_run_to_hub(folder, "me/other-repo", api=api)
    assert api.calls == [] and (folder / "README.md").read_text() == before


def test_dataset_push_sends_only_declared_files(tmp_path):
    folder = tmp_path / "ds"
    (folder / "cfg").mkdir(parents=True)
    for split in ("train", "validation", "test"):
        (folder / "cfg" / f"{split}.parquet").write_bytes(b"PAR1")
    (folder / "cfg" / "extra.parquet").write_bytes(b"PAR1")
    (folder / "other").mkdir()
    (folder / "other" / "x.parquet").write_bytes(b"PAR1")
    card = hub.render_dataset_card(
        [{"config": "cfg", "path": "cfg", "train": 2, "validation": 0, "test": 2}], "me/ds", "test"
    )
    (folder / "README.md").write_text(str(card))
    plant_secrets(folder)
    plan = hub.plan_push(folder, "dataset")
    assert plan.files == ["README.md", "cfg/test.parquet", "cfg/train.parquet", "cfg/validation.parquet"]
    assert plan.left_out["cfg/extra.parquet"] == "undeclared subfolder"
    assert plan.left_out["other/x.parquet"] == "undeclared subfolder"
    (folder / "cfg" / "test.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="declares cfg/test.parquet"):
        hub.plan_push(folder, "dataset")


def test_cli_dry_run_writes_nothing_and_lists_left_out_files(tmp_path, capsys):
    from hf_genomics.cli import main

    folder = make_run_folder(tmp_path)
    plant_secrets(folder)
    (folder / "README.md").unlink()  # a dry run must not (re)write the card

    def snapshot():
        return {
            str(p.relative_to(folder)): (p.lstat().st_mtime_ns, p.lstat().st_size)
            for p in sorted(folder.rglob("*"))
        }

    before = snapshot()
    assert main(["push", str(folder), "--repo-id", "me/gue-run", "--dry-run"]) == 0
    assert snapshot() == before and not (folder / "README.md").exists()
    out = capsys.readouterr().out
    listed = out.split("left out")[0]
    assert "README.md" in listed and "model.safetensors" in listed
    for name in (".secrets.json", "credentials.json", "hf_token.txt", "passwd.json", "stray/part-0.parquet"):
        assert name not in listed and name in out
    assert "model-index" in out.split("card metadata:")[1]
