"""A command-line option kept under its old name for a while: it still works, says on stderr
which option replaces it, and stays out of ``--help`` (one meaning per flag across commands)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


class DeprecatedAlias(argparse.Action):
    """Stores into the new option's ``dest`` after one warning line naming the new option."""

    def __init__(self, option_strings, dest, replacement: str, **kwargs: Any) -> None:
        self.replacement = replacement
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(
            f"{parser.prog}: warning: {option_string} is deprecated here, use {self.replacement}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def add_deprecated_alias(
    parser: argparse.ArgumentParser, old: str, replacement: str, dest: str, **kwargs: Any
) -> None:
    """Accept ``old`` as a hidden synonym of ``replacement`` (same ``dest``, ``type``, ``choices``)."""
    parser.add_argument(
        old,
        dest=dest,
        action=DeprecatedAlias,
        replacement=replacement,
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
        **kwargs,
    )


__all__ = ["DeprecatedAlias", "add_deprecated_alias"]
