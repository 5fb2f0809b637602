"""What a finished run wrote, by content: the manifest in its completion file, and the check that
a folder still holds exactly that run.

:class:`hf_genomics.staged_output.StagedOutput` records ``{relative path: sha256}`` of every file a
run published under ``"files"`` in its completion JSON (``results.json``, ``summary.json``). A folder
whose files no longer match -- a file missing or changed, a model from another run beside them, a
stale ``extra_seeds/seed-3`` -- is *mixed*, and :func:`check_run_folder` refuses it with the reason
(``push`` calls it before sending anything). Dotfiles (locks, the owner marker, temporaries) and the
card (``README.md``, re-rendered from the completion file) are not part of a manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

MANIFEST_KEY = "files"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listed_files(folder: Path) -> Iterable[str]:
    """Relative POSIX paths of the regular files under ``folder``; dot entries and links skipped."""
    for path in sorted(folder.rglob("*")):
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if any(part.startswith(".") for part in relative.parts) or path.is_symlink():
            continue
        if any(parent.is_symlink() for parent in path.relative_to(folder).parents if str(parent) != "."):
            continue
        if path.is_file():
            yield str(relative)


def file_manifest(folder: str | Path, exclude: Iterable[str] = ()) -> dict[str, str]:
    """``{relative path: sha256}`` of every regular, non-dot file under ``folder`` but ``exclude``."""
    folder = Path(folder)
    skipped = set(exclude)
    return {name: sha256_of(folder / name) for name in _listed_files(folder) if name not in skipped}


def check_run_folder(folder: str | Path, completion: str = "results.json") -> dict[str, str] | None:
    """The manifest of a finished run in ``folder`` (``None`` when its completion file has none),
    after checking that the folder holds exactly that run: raises :class:`ValueError` naming the
    first missing, changed or foreign file, or that the run never finished."""
    from hf_genomics.staged_output import OWNER_NAME

    folder = Path(folder)
    owner = folder / OWNER_NAME
    done = folder / completion
    if not done.is_file():
        if owner.is_file():
            command = json.loads(owner.read_text()).get("command", "?")
            raise ValueError(
                f"{folder} holds an unfinished `hf-genomics {command}` run (no {completion}: it was killed "
                "or failed): rerun the command into this folder"
            )
        return None
    results = json.loads(done.read_text())
    manifest = results.get(MANIFEST_KEY) if isinstance(results, dict) else None
    if not isinstance(manifest, dict):
        if isinstance(results, dict) and "recipe" in results and "blend" in results:
            raise ValueError(
                f"{folder} was written by a gue-recipe that did not record its files: its baseline and "
                "extra seeds cannot be checked against the results; rerun gue-recipe into a new folder"
            )
        return None
    present = set(_listed_files(folder)) - {completion, "README.md"}
    for name, digest in sorted(manifest.items()):
        path = folder / name
        if name not in present:
            raise ValueError(
                f"{folder} is incomplete: {name}, written by the run of {completion}, is missing"
            )
        if sha256_of(path) != digest:
            raise ValueError(
                f"{folder} is mixed: {name} is not the file the run of {completion} wrote (it changed since)"
            )
    foreign = sorted(present - set(manifest))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ValueError(
            f"{folder} is mixed: {shown} were not written by the run of {completion}; rerun the command "
            "into an empty folder"
        )
    return manifest


__all__ = ["MANIFEST_KEY", "check_run_folder", "file_manifest", "sha256_of"]
