"""Shared fixtures. ``real_data`` tests skip without ../shared/data, but fail under CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hf_genomics.paths import shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skip (or fail under CI) when it is absent."""
    folder = shared_data_dir()
    if folder is None:
        message = "real data folder not found: set HF_GENOMICS_DATA or place it at ../shared/data"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(autouse=True)
def _few_threads():
    """Tests run two workers on two cores: one torch thread each keeps them from fighting."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    torch.set_num_threads(1)
    yield
