"""Whole-command output folders: locked from the first write, staged, published at the end.

A command that writes several files into one folder (``gue-recipe``, ``study motifs``) can be killed
or raced half way. Writing straight into the folder then leaves one run's baseline beside another
run's results, or last week's logo beside today's table, and both runs exit 0. :class:`StagedOutput`
makes the folder either the previous complete result or the new complete result:

1. the folder's lock (:mod:`hf_genomics.output_lock`) is taken before anything is written, and held
   until the end: a second run fails at once and has touched nothing;
2. the run writes into ``<folder>/.staging/`` (left by a killed run? removed first: we hold the lock);
3. :meth:`StagedOutput.publish` records every staged file's SHA-256 in the completion file (a JSON
   such as ``results.json``), removes the *completion file first*, then the previous run's outputs
   (:attr:`StagedOutput.owned`), moves the staged entries in and the completion file *last*.

A kill before step 3 leaves the previous result untouched (and a ``.staging/`` the next run removes);
a kill during step 3 leaves a folder without its completion file, which every reader
(:func:`hf_genomics.run_manifest.check_run_folder`, ``push``) treats as unfinished, and the next run
replaces. A run that fails with an exception publishes nothing. A marker (``.hf_genomics.owner.json``)
names the command that owns the folder, so a rerun may clear what an earlier run left there.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from hf_genomics.output_lock import LOCK_NAME, SIDECAR_NAME, OutputDirLock
from hf_genomics.run_manifest import MANIFEST_KEY, file_manifest

logger = logging.getLogger(__name__)

STAGING_NAME = ".staging"
OWNER_NAME = ".hf_genomics.owner.json"
BOOKKEEPING = frozenset({LOCK_NAME, SIDECAR_NAME, STAGING_NAME, OWNER_NAME})


def _remove(path: Path) -> None:
    """Remove a file, a link (never its target) or a folder tree."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)


class StagedOutput:
    """``with StagedOutput(folder, command=..., completion="results.json") as out:`` write under
    ``out.staging``, then ``out.publish()``; see the module docstring.

    ``owned(folder) -> paths``: the previous run's outputs a publish replaces (default: everything
    in the folder but the lock, marker and staging area). ``claim`` decides whether a non-empty folder
    may be taken over: by default only one whose marker names ``command`` or that ``legacy(folder)``
    recognises as this command's older output; anything else is refused before any write.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        command: str,
        completion: str,
        owned: Callable[[Path], Iterable[Path]] | None = None,
        legacy: Callable[[Path], bool] | None = None,
        require_owned_folder: bool = True,
    ) -> None:
        self.folder = Path(folder)
        if self.folder.is_symlink():
            raise ValueError(f"output folder {self.folder} is a symbolic link: give the real folder")
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"output folder {self.folder} exists and is not a folder")
        self.command = command
        self.completion = completion
        self.staging = self.folder / STAGING_NAME
        self._owned = owned or (lambda folder: [p for p in folder.iterdir() if p.name not in BOOKKEEPING])
        self._legacy = legacy or (lambda folder: False)
        self._require_owned = require_owned_folder
        self._lock = OutputDirLock(self.folder)
        self.published = False

    # ---- claiming
    def _check_ownership(self) -> None:
        marker = self.folder / OWNER_NAME
        if marker.is_file() and not marker.is_symlink():
            try:
                owner = json.loads(marker.read_text()).get("command")
            except (ValueError, AttributeError):
                owner = None
            if owner == self.command:
                return
            raise ValueError(
                f"output folder {self.folder} belongs to `hf-genomics {owner}` ({marker}); "
                f"choose another folder for `hf-genomics {self.command}`"
            )
        if not self._require_owned:
            return
        entries = sorted(p.name for p in self.folder.iterdir() if p.name not in BOOKKEEPING)
        if entries and not self._legacy(self.folder):
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise ValueError(
                f"output folder {self.folder} is not empty ({shown}) and was not written by "
                f"`hf-genomics {self.command}`: choose a new or empty folder"
            )

    def __enter__(self) -> StagedOutput:
        self._lock.acquire()  # creates the folder; nothing else is written before we hold it
        try:
            self._check_ownership()
            if self.staging.is_symlink() or self.staging.exists():
                logger.info("removing %s left by an earlier, interrupted run", self.staging)
                _remove(self.staging)
            self.staging.mkdir()
            marker = self.folder / OWNER_NAME
            if marker.is_symlink():
                marker.unlink()
            tmp = self.folder / f"{OWNER_NAME}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"command": self.command}) + "\n")
            os.replace(tmp, marker)
        except BaseException:
            self._lock.release()
            raise
        return self

    # ---- publishing
    def publish(self) -> dict[str, str]:
        """Record the staged files in the completion file and swap them in (see the module docstring);
        returns the manifest ``{relative path: sha256}``."""
        staged_completion = self.staging / self.completion
        if not staged_completion.is_file():
            raise FileNotFoundError(f"{self.command} wrote no {self.completion}: nothing to publish")
        for root, _dirs, names in os.walk(self.staging):  # nested runs' released locks are not outputs
            for name in names:
                if name in (LOCK_NAME, SIDECAR_NAME):
                    Path(root, name).unlink()
        manifest = file_manifest(self.staging, exclude={self.completion, "README.md"})
        content = json.loads(staged_completion.read_text())
        content[MANIFEST_KEY] = manifest
        tmp = self.staging / f".{self.completion}.tmp"
        tmp.write_text(json.dumps(content, indent=2, default=str) + "\n")
        os.replace(tmp, staged_completion)

        _remove(self.folder / self.completion)  # from here until the end the folder reads "unfinished"
        for path in self._owned(self.folder):
            if path.name not in BOOKKEEPING and path.name != self.completion:
                _remove(path)
        for entry in sorted(self.staging.iterdir()):
            if entry.name == self.completion:
                continue
            self._move_in(entry, self.folder / entry.name)
        self._move_in(staged_completion, self.folder / self.completion)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.published = True
        logger.info("published %d files in %s", len(manifest) + 1, self.folder)
        return manifest

    @staticmethod
    def _move_in(entry: Path, target: Path) -> None:
        if target.is_symlink() or target.exists():
            _remove(target)  # a name not in ``owned`` that the run writes anyway: the run's wins
        os.replace(entry, target)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if not self.published:
                shutil.rmtree(self.staging, ignore_errors=True)  # a failed run leaves the last result
        finally:
            self._lock.release()


__all__ = ["BOOKKEEPING", "OWNER_NAME", "STAGING_NAME", "StagedOutput"]
