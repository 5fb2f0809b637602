"""The analysis layer imports no training/ or studies/ code, and its heavy libraries only lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent.parent / "hf_genomics" / "analysis"
FORBIDDEN = ("hf_genomics.training", "hf_genomics.studies")
LAZY = ("pysam", "captum", "logomaker", "pandas", "pyarrow", "matplotlib", "torch", "transformers")


def _imports(tree: ast.AST, top_level_only: bool) -> list[str]:
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_analysis_never_imports_training_or_studies():
    for path in ANALYSIS.rglob("*.py"):
        for name in _imports(ast.parse(path.read_text()), top_level_only=False):
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_heavy_libraries_are_imported_inside_functions():
    for path in ANALYSIS.rglob("*.py"):
        for name in _imports(ast.parse(path.read_text()), top_level_only=True):
            assert name.split(".")[0] not in LAZY, f"{path.name} imports {name} at module level"


def test_importing_the_analysis_modules_loads_none_of_the_optional_libraries():
    code = (
        "import sys, hf_genomics.analysis.variant_effects, hf_genomics.analysis.attributions, "
        "hf_genomics.analysis.plots, hf_genomics.analysis.mutagenesis;"
        "print(','.join(m for m in ('pysam', 'captum', 'logomaker') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
