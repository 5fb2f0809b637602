"""The shared ``main()`` of the transformers-examples-style training scripts.

Parses argument dataclasses from the command line (or one ``.json`` file), runs, and tears the
process group down when launched distributed (``accelerate launch``), so every script ends the
same way on CPU/gloo and GPU/NCCL.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any


def parse_and_run(
    dataclass_types: Sequence[type], run: Callable[..., Any], argv: list[str] | None = None
) -> Any:
    """``run(*parsed_dataclasses)`` with arguments from ``argv`` (default ``sys.argv[1:]``)."""
    import torch
    from transformers import HfArgumentParser

    parser = HfArgumentParser(tuple(dataclass_types))
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0].endswith(".json"):
        parsed = parser.parse_json_file(argv[0])
    else:
        parsed = parser.parse_args_into_dataclasses(args=argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    result = run(*parsed)
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return result


__all__ = ["parse_and_run"]
