"""The output-folder lock of a training run, also under ``accelerate launch``.

Only the main process takes the lock (its ranks share the folder); it tells the other ranks
whether it got it, so a refused launch fails on every rank instead of leaving them waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hf_genomics.output_lock import OutputDirLock, OutputDirLocked


@contextmanager
def output_dir_lock(training_args) -> Iterator[None]:
    """Hold the lock on ``training_args.output_dir`` for the body (see :mod:`hf_genomics.output_lock`)."""
    import torch

    distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
    lock, refusal = None, None
    if training_args.process_index == 0:
        lock = OutputDirLock(training_args.output_dir)
        try:
            lock.acquire()
        except OutputDirLocked as error:
            if not distributed:
                raise
            refusal = str(error)
    if distributed:
        message = [refusal]
        torch.distributed.broadcast_object_list(message, src=0)
        if message[0]:
            raise OutputDirLocked(message[0])
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


__all__ = ["output_dir_lock"]
