"""The one settings fingerprint: a short hash of the settings that define a run, used to decide
whether finished work (a seed, a study cell, a pretraining run) can be reused by a rerun.

Key order does not matter; values JSON cannot encode become lists (sets, tuples) or strings
(paths, enums), which is what the training scripts and the studies hashed before they shared this
function, so every recorded fingerprint stays valid.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def settings_fingerprint(settings: dict[str, Any]) -> str:
    """16 hex digits of SHA-256 over ``settings`` as canonical JSON."""
    text = json.dumps(settings, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


__all__ = ["settings_fingerprint"]
