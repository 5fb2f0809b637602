"""The viral dataset builder writes Parquet splits that load back with the card's configs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from datasets import load_dataset

ROOT = Path(__file__).resolve().parent.parent


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_viral_dataset", ROOT / "dataset_scripts" / "build_viral_dataset.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.real_data
def test_build_viral_dataset(shared_data, tmp_path):
    builder = load_builder()
    assert builder.main(["--data_dir", str(shared_data), "--output_dir", str(tmp_path)]) == 0
    card = (tmp_path / "README.md").read_text()
    assert "config_name: windows" in card and "Zika virus" in card
    windows = load_dataset("parquet", data_files={"ood": str(tmp_path / "windows" / "ood.parquet")})["ood"]
    assert set(windows["species"]) == {"Zika virus"}
    assert {"host", "date", "relative_position", "sequence"} <= set(windows.column_names)
