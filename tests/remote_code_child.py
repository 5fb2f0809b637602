"""A child interpreter in which ``import hf_genomics`` fails.

Why: a saved folder must load with plain transformers (``trust_remote_code=True``) for users who
never install hf_genomics; blocking the package in a fresh process proves the folder's own code is
enough, and makes any leak back into hf_genomics fail loudly instead of passing by accident.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

# Prepended to every child body: ``json`` and ``sys`` are imported for the body's use.
BLOCK_HF_GENOMICS = textwrap.dedent(
    """
    import importlib.abc, json, sys

    class BlockHfGenomics(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "hf_genomics" or name.startswith("hf_genomics."):
                raise ImportError(f"blocked import of {name}")
            return None

    sys.meta_path.insert(0, BlockHfGenomics())
    """
)


def run_without_hf_genomics(body: str, args: list[str | Path], tmp_path: Path, timeout: int = 180) -> Any:
    """Run ``body`` (dedented, after ``BLOCK_HF_GENOMICS``) as ``python -c`` with ``args`` as ``sys.argv[1:]``.

    The child runs in ``tmp_path`` with no ``PYTHONPATH``, offline, and with its own remote-code module
    cache (``tmp_path / "modules"``); it must exit 0. Returns the JSON printed on its last stdout line.
    """
    env = {**os.environ, "HF_MODULES_CACHE": str(tmp_path / "modules"), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_HF_GENOMICS + textwrap.dedent(body), *map(str, args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
