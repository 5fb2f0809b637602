"""Export our code next to saved models and tokenizers so folders load with ``trust_remote_code=True``
where ``hf_genomics`` is not installed.

Exported files are generated from the package's own modules by one function,
:func:`_bundle_with_dependencies` (the modules a root imports from ``hf_genomics``, recursively,
concatenated in dependency order with the imports between them removed), so remote code and
native code can never drift apart. Models get it through :class:`RemoteCodeMixin`; tokenizers
through :func:`export_tokenizer_code`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import ClassVar

TOKENIZER_CODE_FILE = "tokenization_hf_genomics.py"
# every tokenizer class goes into the one exported file, with what these modules import
TOKENIZER_ROOTS = [
    "hf_genomics.tokenization.kmer",
    "hf_genomics.tokenization.bpe",
    "hf_genomics.tokenization.dnallm",
]


def export_tokenizer_code(save_directory: str | Path, tokenizer: object) -> Path:
    """Write the tokenizer code file and a complete ``auto_map`` into a saved tokenizer folder."""
    save_directory = Path(save_directory)
    module = sys.modules[type(tokenizer).__module__]
    if type(tokenizer).__module__.startswith("hf_genomics"):
        roots = [*TOKENIZER_ROOTS, type(tokenizer).__module__]  # + a ported family's own tokenizer module
        code = _bundle_with_dependencies([importlib.import_module(name) for name in dict.fromkeys(roots)], {})
        compile(code, TOKENIZER_CODE_FILE, "exec")  # a broken bundle must fail here, not on the Hub
    else:  # we are ourselves running as remote code: the module is the bundle
        code = inspect.getsource(module)
    target = save_directory / TOKENIZER_CODE_FILE
    target.write_text(code)
    config_path = save_directory / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    class_ref = f"{TOKENIZER_CODE_FILE[:-3]}.{type(tokenizer).__name__}"
    config["auto_map"] = {"AutoTokenizer": [None, class_ref]}
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return target


# ----------------------------------------------------------------------------------------------
# Models: configuration_<family>.py + modeling_<family>.py, each bundled with what it imports
# ----------------------------------------------------------------------------------------------


def _resolve_module_name(module: ModuleType, node: ast.ImportFrom) -> str:
    """Absolute name of the module an ``ImportFrom`` node (possibly relative) reads from."""
    if not node.level:
        return node.module or ""
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _defining_module(module_name: str, name: str) -> str:
    """The module that defines ``name`` when it is imported from a package ``__init__``."""
    module = importlib.import_module(module_name)
    value = getattr(module, name)
    if not hasattr(module, "__path__"):
        # a class or function re-exported by another module is bundled from where it is defined
        # (importing one shared layer must not inline a whole model file)
        home = getattr(value, "__module__", None)
        if (
            isinstance(home, str)
            and home != module_name
            and home.startswith("hf_genomics.")
            and getattr(importlib.import_module(home), name, None) is value
        ):
            return home
        return module_name
    if isinstance(value, ModuleType):
        raise ValueError(f"remote-code export cannot inline a module import ({module_name}.{name})")
    return value.__module__


def _bundle_with_dependencies(roots: ModuleType | list[ModuleType], kept_modules: dict[str, str]) -> str:
    """``roots`` and every ``hf_genomics`` module they import (recursively), as one file.

    ``kept_modules`` maps module names to sibling file stems that stay separate files: imports of
    them become relative imports (``from .configuration_x import XConfig``) instead of inlining.
    """
    ordered: list[tuple[str, str]] = []  # (module name, rewritten source), dependencies first
    seen: set[str] = set()

    def visit(module: ModuleType) -> None:
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        source = inspect.getsource(module)
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import) and any(a.name.startswith("hf_genomics") for a in node.names):
                raise ValueError(
                    f"{module.__name__}: use 'from hf_genomics... import name' for exported code"
                )
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _resolve_module_name(module, node)
            if node.module == "__future__" and not node.level:
                replacement = ["pass"]
            elif target.startswith("hf_genomics"):
                replacement = []
                for alias in node.names:
                    defining = _defining_module(target, alias.name)
                    if defining in kept_modules:
                        as_name = f" as {alias.asname}" if alias.asname else ""
                        replacement.append(f"from .{kept_modules[defining]} import {alias.name}{as_name}")
                    else:
                        visit(importlib.import_module(defining))
                        if alias.asname and alias.asname != alias.name:
                            replacement.append(f"{alias.asname} = {alias.name}")
                replacement = replacement or ["pass"]
            else:
                continue
            indent = lines[node.lineno - 1][: node.col_offset]
            lines[node.lineno - 1] = "; ".join(indent + r if i == 0 else r for i, r in enumerate(replacement))
            for index in range(node.lineno, node.end_lineno):
                lines[index] = ""
        ordered.append((module.__name__, "\n".join(lines)))

    for root in roots if isinstance(roots, list) else [roots]:
        visit(root)
    parts = [
        '"""Generated by hf_genomics.remote_code from the hf-genomics sources: do not edit."""',
        "from __future__ import annotations",
    ]
    for name, source in ordered:
        parts.append(f"\n# ---- {name} ----\n")
        parts.append(source)
    return "\n".join(parts) + "\n"


def export_model_code(save_directory: str | Path, model_class: type) -> list[Path]:
    """Write ``configuration_*.py`` and ``modeling_*.py`` for ``model_class`` into a saved folder."""
    save_directory = Path(save_directory)
    modeling = sys.modules[model_class.__module__]
    configuration = sys.modules[model_class.config_class.__module__]
    config_stem = configuration.__name__.rpartition(".")[2]
    model_stem = modeling.__name__.rpartition(".")[2]
    if modeling.__name__.startswith("hf_genomics"):
        files = {
            config_stem: _bundle_with_dependencies(configuration, {}),
            model_stem: _bundle_with_dependencies(modeling, {configuration.__name__: config_stem}),
        }
    else:  # we are ourselves running as remote code: the modules are the bundles
        files = {config_stem: inspect.getsource(configuration), model_stem: inspect.getsource(modeling)}
    written = []
    for stem, code in files.items():
        target = save_directory / f"{stem}.py"
        target.write_text(code)
        written.append(target)
    return written


class RemoteCodeMixin:
    """Put first in a family's ``PreTrainedModel`` bases: ``save_pretrained`` then also writes a
    complete ``auto_map`` (every Auto class of the family, not only the saved one) and the family's
    code files, so the folder loads with ``trust_remote_code=True`` without ``hf_genomics``.

    ``remote_code_auto_map`` maps Auto class names to ``"<file stem>.<ClassName>"``, e.g.
    ``{"AutoConfig": "configuration_dna_encoder.DnaEncoderConfig",
    "AutoModel": "modeling_dna_encoder.DnaEncoderModel"}``.
    """

    remote_code_auto_map: ClassVar[dict[str, str]] = {}

    def save_pretrained(self, save_directory, *args, **kwargs) -> None:
        self.config.auto_map = dict(self.remote_code_auto_map)
        super().save_pretrained(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            export_model_code(save_directory, type(self))
