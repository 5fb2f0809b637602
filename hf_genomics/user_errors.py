"""Which exceptions mean "the input is wrong" (not "the program is wrong"), and the one way every
command reports them: one line on stderr and exit status 2, as argparse's own usage errors do.

``hf-genomics`` (``cli.py``) and the training scripts (``scripts/run_*.py``) both go through
:func:`exit_status`, so a bad option, a refused config value or a missing/malformed data file reads
the same everywhere; ``HF_GENOMICS_TRACEBACK=1`` re-raises instead, for bug reports. Any other
exception is a bug and propagates with its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from hf_genomics.output_lock import OutputDirLocked

USER_ERRORS = (
    FileNotFoundError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
    ValueError,
    KeyError,
    OutputDirLocked,  # another run holds the output folder
)
EXIT_USER_ERROR = 2
TRACEBACK_VARIABLE = "HF_GENOMICS_TRACEBACK"


def _config_validation_error_type() -> type[BaseException] | None:
    """huggingface_hub's ``@strict`` dataclass error (a config value its validators refused), looked
    up only once huggingface_hub is loaded: such an error cannot exist before, and importing it
    eagerly would slow ``hf-genomics --help``."""
    errors = sys.modules.get("huggingface_hub.errors")
    return getattr(errors, "StrictDataclassError", None)


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` reports bad input (a file, a value, a config field) rather than a bug."""
    config_error = _config_validation_error_type()
    return isinstance(error, USER_ERRORS) or (config_error is not None and isinstance(error, config_error))


def user_error_message(error: BaseException) -> str:
    """The one line a user reads: a KeyError's key without repr quotes, a refused config value's own
    reason (not huggingface_hub's two-line wrapper), and no line breaks."""
    config_error = _config_validation_error_type()
    if config_error is not None and isinstance(error, config_error) and error.__cause__ is not None:
        error = error.__cause__
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    return " ".join(line.strip() for line in str(message).splitlines() if line.strip())


def exit_status(prog: str, run: Callable[[], object]) -> int:
    """``run()``'s status (its int result, else 0), or :data:`EXIT_USER_ERROR` after printing
    ``<prog>: error: <message>`` when it raised a user error."""
    try:
        result = run()
    except Exception as error:
        if not is_user_error(error) or os.environ.get(TRACEBACK_VARIABLE):
            raise
        print(f"{prog}: error: {user_error_message(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    return result if isinstance(result, int) else 0


def run_as_script(main: Callable[[], object]) -> NoReturn:
    """The ``if __name__ == "__main__"`` body of ``scripts/run_*.py``: ``main()``, exiting with
    :func:`exit_status` (``main(argv)`` called from Python still raises, and returns its results)."""
    sys.exit(exit_status(Path(sys.argv[0]).name, main))


__all__ = [
    "EXIT_USER_ERROR",
    "TRACEBACK_VARIABLE",
    "USER_ERRORS",
    "exit_status",
    "is_user_error",
    "run_as_script",
    "user_error_message",
]
