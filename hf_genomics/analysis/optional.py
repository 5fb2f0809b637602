"""Import the analysis layer's optional libraries on first use, with an install hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, purpose: str) -> ModuleType:
    """``importlib.import_module(module)``, or an ImportError saying what needs it and how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = module.split(".")[0]
        raise ImportError(
            f"{purpose} needs {package}: pip install 'hf-genomics[analysis]' (or pip install {package})"
        ) from error


__all__ = ["require"]
