"""The documentation site builds with ``mkdocs build --strict``, and every code block marked
runnable (a fenced block right after a line ``<!-- runnable -->``, in ``docs/`` or README.md) runs.

The blocks run offline in one child process (one torch/transformers import for all of them), each
in its own empty folder with a fresh namespace, so one block's files never help another.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- runnable -->"
FENCE = re.compile(r"^```(\w+)\s*$")
LANGUAGES = {"python"}


def runnable_blocks(path: Path) -> list[tuple[str, int, str]]:
    """(language, first code line, code) of every block marked runnable in one Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        opening = FENCE.match(lines[index + 1]) if index + 1 < len(lines) else None
        assert opening, f"{path}:{index + 1}: {MARKER} must be followed by a fenced code block"
        language = opening.group(1)
        assert language in LANGUAGES, f"{path}:{index + 2}: runnable blocks are {sorted(LANGUAGES)}"
        end = next(i for i in range(index + 2, len(lines)) if lines[i].startswith("```"))
        blocks.append((language, index + 3, "\n".join(lines[index + 2 : end])))
    return blocks


def documentation_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


BLOCKS = [
    (f"{path.relative_to(ROOT)}:{line}", code)
    for path in documentation_files()
    for _, line, code in runnable_blocks(path)
]

RUNNER = textwrap.dedent(
    """
    import json, os, sys, tempfile, traceback
    blocks, results = json.loads(sys.stdin.read()), {}
    for name, code in blocks:
        folder = tempfile.mkdtemp(prefix="doc-block-")
        os.chdir(folder)
        try:
            exec(compile(code, name, "exec"), {"__name__": "__main__"})
            results[name] = None
        except BaseException:
            results[name] = traceback.format_exc(limit=-6)
    print("RESULTS" + json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def block_results(tmp_path_factory) -> dict[str, str | None]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TMPDIR": str(tmp_path_factory.mktemp("blocks")),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(BLOCKS),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.rsplit("RESULTS", 1)[1])


def test_the_docs_have_runnable_blocks():
    assert len(BLOCKS) >= 3, [name for name, _ in BLOCKS]


@pytest.mark.parametrize("name", [name for name, _ in BLOCKS])
def test_runnable_block_runs(name, block_results):
    assert block_results[name] is None, f"{name} failed:\n{block_results[name]}"


def test_marker_parsing(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n<!-- runnable -->\n```python\nx = 1\ny = 2\n```\n\n```python\nnot run\n```\n")
    assert runnable_blocks(page) == [("python", 4, "x = 1\ny = 2")]
    page.write_text("<!-- runnable -->\ntext\n")
    with pytest.raises(AssertionError, match="must be followed by a fenced code block"):
        runnable_blocks(page)


def test_site_builds_strict(tmp_path):
    """`make docs`: every nav target exists, every link and anchor resolves, every API page renders."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "tokenizers.html").read_text().count("KmerTokenizer") > 1


def test_readme_fits_on_a_screen_and_links_into_the_docs():
    """README.md: at most 250 lines, the two set-up-free commands first, every docs/ link resolves."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make demo", "make test"]
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    missing = [link for link in links if not (ROOT / link).exists()]
    assert links and not missing, missing


def test_every_command_is_documented():
    """Each `hf-genomics` command is named in README.md's table or, for newer ones, on a docs page."""
    from hf_genomics.cli import COMMANDS

    text = "\n".join(path.read_text(encoding="utf-8") for path in documentation_files())
    missing = [" ".join(path) for path in COMMANDS if f"hf-genomics {' '.join(path)}" not in text]
    assert not missing, f"no README.md row or docs page names {missing}"
