"""``hf-genomics study pretraining``: unlabelled corpus from training rows only, one pretrained encoder
per tokenizer × position, scratch vs pretrained fine-tunes with the same tokenizer, reuse and refusal."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest

from hf_genomics.cli import build_parser
from hf_genomics.data.io import read_fasta
from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.studies import coding_schemes
from hf_genomics.studies import pretraining as study
from tests.plot_content import assert_plot_has_content

TASK = "prom/prom_core_tata"
TINY = replace(coding_schemes.PRESETS["tiny"], tasks=(TASK,), max_train_samples=48, max_eval_samples=24)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shared")
    write_planted_motif_task(root / "gue" / TASK, sizes=(64, 32, 32))
    return root


def _config(tmp_path: Path, data_dir: Path, **changes) -> study.PretrainingStudyConfig:
    config = study.PretrainingStudyConfig(
        output_dir=tmp_path / "results" / "pretraining",
        work_dir=tmp_path / "work",
        data_dir=data_dir,
        tokenizers=["kmer:3", "bpe:64"],
        positions=["rope"],
        tasks=[TASK],
        seeds=[1],
        fine_tune_preset="tiny-test",
        depth=1,
        pretrain_steps=4,
        pretrain_batch_size=8,
        window_nt=128,
    )
    return replace(config, **changes)


def _rows(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_study_end_to_end_reuse_and_refusal(tmp_path, data_dir, monkeypatch):
    monkeypatch.setitem(coding_schemes.PRESETS, "tiny-test", TINY)
    config = _config(tmp_path, data_dir)
    results = study.run_study(config)

    # the corpus holds the task's training rows, unlabelled, and none of dev/test
    corpus = read_fasta(config.work_dir / "corpus.fasta")["sequence"]
    splits = {
        name: [
            line.split(",")[0] for line in (data_dir / "gue" / TASK / f"{name}.csv").read_text().split()[1:]
        ]
        for name in ("train", "dev", "test")
    }
    assert sorted(corpus) == sorted(splits["train"])
    assert not set(corpus) & (set(splits["dev"]) | set(splits["test"]))

    # one encoder per tokenizer x position; scratch and pretrained fine-tunes for each, same vocabulary
    assert set(results["pretraining"]) == {"kmer3__rope", "bpe64__rope"}
    rows = _rows(config.output_dir / "results.csv")
    assert sorted((r["tokenizer"], r["start"]) for r in rows) == sorted(
        (t, s) for t in ("kmer:3", "bpe:64") for s in ("scratch", "pretrained")
    )
    for tokenizer in ("kmer3", "bpe64"):
        cell = f"{TASK.replace('/', '_')}__{tokenizer}__rope__L1__seed1"
        scratch, pretrained = (
            json.loads((config.output_dir / "cells" / start / cell / "results.json").read_text())
            for start in ("scratch", "pretrained")
        )
        model_dir = str(config.work_dir / "models" / f"{tokenizer}__rope")
        assert scratch["vocab_size"] == pretrained["vocab_size"]
        assert scratch["model_name_or_path"] is None and pretrained["model_name_or_path"] == model_dir
    markdown = (config.output_dir / "results.md").read_text()
    assert "from pretrained" in markdown and "| kmer:3 | rope |" in markdown and "mean over tasks" in markdown
    assert_plot_has_content(config.output_dir / "pretraining.png")

    # a rerun reuses every encoder and fine-tune (nothing retrained: files untouched)
    stamps = {p: p.stat().st_mtime_ns for p in config.output_dir.glob("cells/*/*/results.json")}
    study.run_study(config)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps

    # other pretraining settings on the same work folder are refused, not mixed
    with pytest.raises(coding_schemes.StudySettingsConflict, match="other settings"):
        study.run_study(replace(config, pretrain_steps=5))


def test_cli_is_wired(tmp_path):
    args = build_parser().parse_args(
        ["study", "pretraining", "--output_dir", str(tmp_path), "--tokenizers", "kmer:4", "--seeds", "3"]
    )
    config = study.config_from(args, study.PretrainingStudyConfig)
    assert config.tokenizers == ["kmer:4"] and config.seeds == [3] and config.positions == ["rope", "alibi"]
