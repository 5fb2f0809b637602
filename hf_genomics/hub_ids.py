"""The one rule that tells a Hugging Face Hub id from a local path.

Every command that accepts "a folder or a Hub id" asks :func:`is_hub_id`, so the answer is the same
everywhere (``convert``, tokenizer specs, the card's ``base_model``):

* an existing path (file, folder or link, even a dangling one) is never a Hub id;
* a Hub id has the form ``owner/name`` with the Hub's own characters (letters, digits, ``-``, ``_``,
  ``.``; no ``--`` or ``..``; not starting or ending with ``-``/``.``); dots are allowed, so
  ``InstaDeepAI/nucleotide-transformer-2.5b-multi-species`` is a Hub id when no such path exists;
* anything written as a path is a path: starting with ``.``, ``/`` or ``~``, holding a backslash or
  more than one ``/``, or whose first component is an existing folder (``runs/typo`` is a typo in
  ``runs/``, not a repository of a user called ``runs``) -- so a typo never downloads someone
  else's repository.

Bare names without an owner (the Hub's legacy ``gpt2``-style ids) are treated as paths: every DNA
model is published under an owner, and a missing folder name should fail as a missing folder.
"""

from __future__ import annotations

import re
from pathlib import Path

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
_HUB_ID = re.compile(rf"^{_PART}/{_PART}$")


def is_hub_id(text: str | Path) -> bool:
    """True when ``text`` names a Hub repository (``owner/name``) and not a local path."""
    if isinstance(text, Path):
        return False  # a Path object is a path by construction
    text = str(text)
    if not text or text.startswith((".", "/", "~")) or "\\" in text:
        return False
    path = Path(text)
    if path.exists() or path.is_symlink():
        return False
    if not _HUB_ID.match(text) or "--" in text or ".." in text or text.endswith(".git"):
        return False
    return not Path(text.split("/", 1)[0]).is_dir()


def hub_id_or_none(text: str | Path | None) -> str | None:
    """``text`` when it is a Hub id (for a card's ``base_model``), else ``None``."""
    return str(text) if text is not None and is_hub_id(text) else None


__all__ = ["hub_id_or_none", "is_hub_id"]
