"""The command line's help layout, shared by every command (some add their own description layout)."""

from __future__ import annotations

import argparse


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default once; leaves ``None`` defaults and flags unadorned."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or isinstance(action, argparse._StoreConstAction):
            return action.help or ""
        return super()._get_help_string(action)


class RawDescriptionDefaultsHelpFormatter(argparse.RawDescriptionHelpFormatter, DefaultsHelpFormatter):
    """The same, keeping a description's own line breaks."""


__all__ = ["DefaultsHelpFormatter", "RawDescriptionDefaultsHelpFormatter"]
