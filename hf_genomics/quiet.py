"""``--quiet``: only errors, and no progress or loading bars from the libraries, for one command.

The state is restored afterwards, because tests (and notebooks) run commands in-process and the
next caller must not inherit a silenced logger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_output(enabled: bool = True) -> Iterator[None]:
    """Silence log lines below ERROR and transformers' / huggingface_hub's bars while inside."""
    if not enabled:
        yield
        return
    import huggingface_hub.utils as hub_utils
    from transformers.utils import logging as transformers_logging

    root = logging.getLogger()
    root_level = root.level
    verbosity = transformers_logging.get_verbosity()
    transformers_bars = transformers_logging.is_progress_bar_enabled()
    hub_bars = not hub_utils.are_progress_bars_disabled()
    root.setLevel(logging.ERROR)
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()  # "Loading weights", "Writing model shards"
    hub_utils.disable_progress_bars()
    try:
        yield
    finally:
        root.setLevel(root_level)
        transformers_logging.set_verbosity(verbosity)
        if transformers_bars:
            transformers_logging.enable_progress_bar()
        if hub_bars:
            hub_utils.enable_progress_bars()


__all__ = ["quiet_output"]
