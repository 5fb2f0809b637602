"""Where the shared real data lives: ``$HF_GENOMICS_DATA`` or ``../shared/data`` beside the project."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The real-data folder if it exists, else ``None`` (callers fall back to generated data)."""
    override = os.environ.get("HF_GENOMICS_DATA")
    candidates = [Path(override)] if override else []
    candidates += [PROJECT_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None
