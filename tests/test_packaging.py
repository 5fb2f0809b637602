"""The built wheel works outside the source tree: package data (card templates) travels with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import json, sys
    import hf_genomics
    from hf_genomics import hub

    results = json.loads(sys.argv[1])
    card = hub.render_model_card(results, repo_id="me/run")
    dataset = hub.render_dataset_card(
        [{"config": "c", "path": "c", "train": 1, "validation": 1, "test": 1}], "me/ds", "test"
    )
    print(json.dumps({"file": hf_genomics.__file__, "card": str(card), "dataset": str(dataset)}))
    """
)


RESULTS = {
    "task": "prom/prom_core_tata",
    "num_labels": 2,
    "tokenizer": "kmer:6",
    "position_embedding_type": "rope",
    "model_config": {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2},
    "per_seed": [{"seed": 1}, {"seed": 2}],
    "test": {"mcc": {"mean": 0.5, "sd": 0.01}},
}


def test_wheel_renders_cards_outside_the_source_tree(tmp_path):
    # build from a copy: setuptools writes build/ and *.egg-info beside the sources it builds
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "hf_genomics", source / "hf_genomics", ignore=shutil.ignore_patterns("__pycache__")
    )
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = wheels.glob("hf_genomics-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "hf_genomics/templates/sequence_classification.md" in names
        assert "hf_genomics/templates/gue_dataset.md" in names
        assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
        site = tmp_path / "site"
        archive.extractall(site)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(RESULTS)],
        cwd=tmp_path,  # not the source tree: nothing can be read from beside the sources
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(site)
    assert "gue-prom_prom_core_tata-kmer6-rope-L2" in report["card"]
    assert 'from_pretrained("me/run")' in report["card"]
    assert "| Matthews correlation | 0.5000 | 0.0100 |" in report["card"]
    assert "config_name: c" in report["dataset"]
