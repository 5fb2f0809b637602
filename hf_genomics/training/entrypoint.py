"""The shared ``main()`` of the transformers-examples-style training scripts, and typed configs for
``hf-genomics`` sub-commands.

Parses argument dataclasses from the command line (or one ``.json`` file), runs, and tears the
process group down when launched distributed (``accelerate launch``), so every script ends the
same way on CPU/gloo and GPU/NCCL. :func:`add_dataclass_arguments` / :func:`config_from` give the
CLI's sub-commands the same typed dataclass configs (``HfArgumentParser`` field rules:
``--name`` and ``--name-with-dashes``, ``list`` fields take several values, ``bool`` fields work
bare).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

ConfigT = TypeVar("ConfigT")


def parse_and_run(
    dataclass_types: Sequence[type], run: Callable[..., Any], argv: list[str] | None = None
) -> Any:
    """``run(*parsed_dataclasses)`` with arguments from ``argv`` (default ``sys.argv[1:]``)."""
    import torch
    from transformers import HfArgumentParser

    from hf_genomics.help_format import DefaultsHelpFormatter

    # each default shown once ("(default: None)" and doubled defaults left out), as in hf-genomics
    parser = HfArgumentParser(tuple(dataclass_types), formatter_class=DefaultsHelpFormatter)
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0].endswith(".json"):
        parsed = parser.parse_json_file(argv[0])
    else:
        parsed = parser.parse_args_into_dataclasses(args=argv)
    setup_logging()
    result = run(*parsed)
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return result


def setup_logging(level: int = logging.INFO, quiet_weight_bars: bool = True) -> None:
    """Log to stderr with timestamps, for command entry points (a no-op if logging is configured).

    ``quiet_weight_bars`` turns off transformers' per-call "Loading weights" / "Writing model
    shards" bars, which every checkpoint save and reload would repeat; Trainer's own training bar
    and the data steps' bars stay.
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    for noisy in ("httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if quiet_weight_bars:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()


def _string_to_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ("yes", "true", "t", "y", "1"):
        return True
    if value.lower() in ("no", "false", "f", "n", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (true/false), got {value!r}")


def add_dataclass_arguments(parser: argparse.ArgumentParser, config_type: type) -> None:
    """Add one option per field of ``config_type`` to ``parser`` with ``HfArgumentParser``'s rules
    (``--name`` and ``--name-with-dashes``; ``X | None`` is ``X``; lists take one or more values;
    a ``bool`` works bare or with true/false), without importing transformers (``--help`` stays fast).

    A field's ``metadata`` may give ``help``, ``choices``, ``metavar`` and ``nargs`` (e.g. ``"*"`` so a
    list option also works without values).
    """
    hints = get_type_hints(config_type)
    for field in dataclasses.fields(config_type):
        if not field.init:
            continue
        kind = hints[field.name]
        if get_origin(kind) in (Union, types.UnionType) and type(None) in get_args(kind):
            kind = next(arg for arg in get_args(kind) if arg is not type(None))
        kwargs: dict[str, Any] = {
            key: value
            for key, value in field.metadata.items()
            if key in ("help", "choices", "metavar", "nargs")
        }
        if field.default is not dataclasses.MISSING:
            kwargs["default"] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            kwargs["default"] = field.default_factory()
        else:
            kwargs["required"] = True
        if kind is bool:
            kwargs.update(type=_string_to_bool, nargs="?", const=True)
        elif get_origin(kind) is list:
            kwargs["type"] = get_args(kind)[0]
            kwargs.setdefault("nargs", "+")
        elif get_origin(kind) is Literal:
            kwargs.update(choices=get_args(kind), type=type(get_args(kind)[0]))
        else:
            kwargs["type"] = kind
        options = [f"--{field.name}"]
        if "_" in field.name:
            options.append(f"--{field.name.replace('_', '-')}")
        aliases = field.metadata.get("aliases", [])
        options += [aliases] if isinstance(aliases, str) else list(aliases)
        parser.add_argument(*options, dest=field.name, **kwargs)


def config_from(args: argparse.Namespace | ConfigT, config_type: type[ConfigT]) -> ConfigT:
    """``config_type`` from parsed arguments (a config passes through unchanged)."""
    if isinstance(args, config_type):
        return args
    names = {field.name for field in dataclasses.fields(config_type) if field.init}
    return config_type(**{name: value for name, value in vars(args).items() if name in names})


__all__ = ["add_dataclass_arguments", "config_from", "parse_and_run", "setup_logging"]
