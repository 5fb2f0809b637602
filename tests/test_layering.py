"""The one-way data flow of the package, checked on its source: a layer never imports a layer above.

raw files -> data/ -> tokenization/ + models/ -> evaluation/ + analysis/ -> training/ -> studies/.
Every import counts (module level, inside functions, under ``TYPE_CHECKING``), absolute or relative.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hf_genomics"

# layer -> layers it must never import
FORBIDDEN: dict[str, set[str]] = {
    "models": {"data", "evaluation", "analysis", "training", "studies"},
    "tokenization": {"data", "evaluation", "analysis", "training", "studies"},
    "data": {"evaluation", "analysis", "training", "studies"},
    "evaluation": {"training", "studies"},
    "analysis": {"training", "studies"},
    "training": {"studies"},
}


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``path`` (relative ones resolved)."""
    package_parts = path.relative_to(root.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from hf_genomics import training`` imports a layer too
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "hf_genomics" else None


def violations(root: Path = PACKAGE) -> list[str]:
    """One line per upward import: ``file:line (layer) imports module``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        layer = path.relative_to(root).parts[0]
        forbidden = FORBIDDEN.get(layer, set())
        reported = set()
        for line, module in imported_modules(path, root):
            target = layer_of(module)
            if target in forbidden and (line, target) not in reported:
                reported.add((line, target))
                problems.append(f"{path.relative_to(root.parent)}:{line} ({layer}) imports {module}")
    return problems


def test_no_layer_imports_a_layer_above():
    assert violations() == []


def test_the_checker_sees_violations(tmp_path):
    """The rule is live: planted upward imports (relative inside a function, absolute) are reported,
    an allowed downward import is not."""
    fake = tmp_path / "hf_genomics"
    for layer, text in {
        "data": "def f():\n    from ..training import clm\n",
        "models": "import hf_genomics.evaluation.units\n",
        "studies": "from hf_genomics.training import clm\n",
        "evaluation": "from hf_genomics import studies\n",
    }.items():
        (fake / layer).mkdir(parents=True)
        (fake / layer / "planted.py").write_text(text)
    found = violations(fake)
    assert len(found) == 3, found
    assert any("data/planted.py:2" in item and "hf_genomics.training" in item for item in found)
    assert any("models/planted.py:1" in item for item in found)
    assert any("evaluation/planted.py:1" in item and "studies" in item for item in found)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_every_layer_exists_or_is_planned(layer):
    assert (PACKAGE / layer).is_dir() or layer == "analysis"
