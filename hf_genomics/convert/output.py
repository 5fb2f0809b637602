"""Where ``convert`` may write, and how: never over its input, never through a link, all or nothing.

* OUT may not be SRC, lie inside SRC (links resolved: a Hub-cache snapshot is never written into) or
  contain SRC; OUT may not be a file or a symbolic link.
* OUT must be empty or new. One holding a model (``config.json`` or weights) is replaced only with
  ``overwrite=True``, which clears it first (links in it are removed, never followed); a folder holding
  anything else is never cleared.
* The folder is locked for the whole run with :mod:`hf_genomics.output_lock` (a second conversion
  into it fails at once), the model is written into a staging folder next to OUT and renamed into
  place entry by entry (``os.replace`` replaces a name, it never writes through a link), so a failed
  or killed conversion leaves no half-written model in OUT.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from hf_genomics.convert.base import ConversionError
from hf_genomics.output_lock import LOCK_NAME, SIDECAR_NAME, OutputDirLock

LOCK_FILES = {LOCK_NAME, SIDECAR_NAME}
MODEL_MARKERS = ("config.json", "*.safetensors", "*.bin", "*.ckpt", "tokenizer.json")


class OutputError(ConversionError):
    """OUT cannot receive the converted model (it is SRC, a file, a link, or holds something)."""


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_path(out: Path, src: Path | None) -> Path:
    """The absolute OUT after the refusals that need no lock (file, link, SRC overlap)."""
    out = Path(out).expanduser()
    if out.is_symlink():
        raise OutputError(
            f"{out}: is a symbolic link; pass the folder it points to (links are never written through)"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file; the output must be a folder (new or empty)")
    target = out.resolve()
    if src is not None:
        source = Path(src).resolve()
        if target == source:
            raise OutputError(f"{out}: is the source folder itself; write the converted model elsewhere")
        if _is_within(target, source):
            raise OutputError(
                f"{out}: lies inside the source folder {src}; write the converted model elsewhere"
            )
        if _is_within(source, target):
            raise OutputError(f"{out}: contains the source folder {src}; write the converted model elsewhere")
    return target


def _entries(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir() if entry.name not in LOCK_FILES)


def _holds_model(entries: list[Path]) -> bool:
    return any(entry.match(pattern) for entry in entries for pattern in MODEL_MARKERS)


def clear_folder(folder: Path) -> None:
    """Remove every entry but the lock files; links are unlinked, never followed."""
    for entry in _entries(folder):
        if entry.is_symlink() or not entry.is_dir():
            entry.unlink()
        else:
            shutil.rmtree(entry)


def _remove_if_unused(folder: Path) -> None:
    with contextlib.suppress(OSError):
        for name in LOCK_FILES:
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()


@contextlib.contextmanager
def staged_output(out: Path, src: Path | None, overwrite: bool = False) -> Iterator[Path]:
    """Lock OUT and yield a staging folder; on success its entries are renamed into OUT.

    The caller writes the whole model into the yielded folder. Refusals (see the module docstring)
    happen before anything is written.
    """
    target = check_output_path(out, src)
    created = not target.exists()
    lock = OutputDirLock(target)
    try:
        with lock:
            entries = _entries(target)
            if entries and not _holds_model(entries):
                names = ", ".join(entry.name for entry in entries[:4])
                raise OutputError(
                    f"{out}: holds files that are not a model ({names}{' ...' if len(entries) > 4 else ''}); "
                    "choose a new or empty folder"
                )
            if entries and not overwrite:
                raise OutputError(
                    f"{out}: already holds a model ({', '.join(e.name for e in entries[:4])}); "
                    "choose a new folder, or pass --overwrite to replace it"
                )
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
            try:
                yield staging
                stray = [p for p in staging.rglob("*") if p.is_symlink()]
                if stray:
                    raise OutputError(f"refusing to publish links written by the converter: {stray[:3]}")
                if entries:
                    clear_folder(target)
                for entry in sorted(staging.iterdir()):
                    os.replace(entry, target / entry.name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        if created:
            _remove_if_unused(target)
        raise


def write_staged(out: Path, src: Path | None, write: Callable[[Path], None], overwrite: bool = False) -> Path:
    """``write(folder)`` into a staging folder, then publish it as OUT (see :func:`staged_output`)."""
    with staged_output(out, src, overwrite) as staging:
        write(staging)
    return Path(out)


__all__ = ["OutputError", "check_output_path", "clear_folder", "staged_output", "write_staged"]
