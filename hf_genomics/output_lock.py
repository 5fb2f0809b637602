"""One run per output folder: an exclusive lock with a sidecar that names its holder.

Two runs writing one folder interleave their files (one run's weights beside the other's optimizer,
a study cell deleted under a live trainer) and both exit 0. Every command that writes an output
folder (``run_mlm``/``run_clm``/``run_classification``, the study runners) holds this lock for its
whole run; a second one fails at once, naming the folder and the holder (pid, host, start time,
command) written in ``.hf_genomics.lock.json``.

The lock is an OS file lock (``filelock``): the kernel drops it when the holder dies, even by
SIGKILL, so a killed run never leaves a folder locked; a stale sidecar is simply overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

LOCK_NAME = ".hf_genomics.lock"
SIDECAR_NAME = ".hf_genomics.lock.json"


class OutputDirLocked(RuntimeError):
    """Another process holds the output folder."""


def _holder_description(sidecar: Path) -> str:
    try:
        holder = json.loads(sidecar.read_text())
        itself = holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        return (
            f"pid {holder['pid']} on host {holder['host']}, since {holder['started']}, "
            f"command: {holder['command']}"
            + ("; that is this very process: two outputs of one run share this folder" if itself else "")
        )
    except (OSError, ValueError, KeyError, TypeError):
        return f"holder unknown: {sidecar} is missing or being written"


class OutputDirLock:
    """Exclusive, non-blocking lock on ``folder`` (created if missing); use as a context manager."""

    def __init__(self, folder: str | os.PathLike) -> None:
        from filelock import FileLock

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sidecar = self.folder / SIDECAR_NAME
        self._lock = FileLock(self.folder / LOCK_NAME, timeout=0, thread_local=False)

    def acquire(self) -> OutputDirLock:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise OutputDirLocked(
                f"output folder {self.folder} is in use by another run ({_holder_description(self.sidecar)}); "
                "wait for it to finish or choose another output folder"
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(sys.argv),
        }
        tmp = self.sidecar.with_name(f"{SIDECAR_NAME}.{socket.gethostname()}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(holder) + "\n")
        os.replace(tmp, self.sidecar)
        logger.debug("locked %s", self.folder)
        return self

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        try:
            self.sidecar.unlink(missing_ok=True)  # ours: nobody else can write it while we hold the lock
        finally:
            self._lock.release(force=True)

    @property
    def is_locked(self) -> bool:
        return self._lock.is_locked

    def __enter__(self) -> OutputDirLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def lock_output_dir(folder: str | os.PathLike) -> OutputDirLock:
    """``with lock_output_dir(folder): ...`` -- raises :class:`OutputDirLocked` if another run holds it."""
    return OutputDirLock(folder)


__all__ = ["LOCK_NAME", "SIDECAR_NAME", "OutputDirLock", "OutputDirLocked", "lock_output_dir"]
