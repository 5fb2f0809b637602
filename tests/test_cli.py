"""The ``hf-genomics`` command line: light help, defaults and help text shown, one-line user errors."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from hf_genomics import cli

# study runners are being moved to typed dataclass arguments (issue 9); their help texts come with that


def subparser(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for word in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser


def test_top_level_help_imports_no_command_module():
    code = (
        "import sys\n"
        "from hf_genomics import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "watched = ['torch', 'transformers', 'huggingface_hub', 'numpy', *{m for m, _ in cli.COMMANDS.values()}]\n"
        "print('LOADED', [m for m in watched if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "push" in result.stdout and "study" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "LOADED []"


@pytest.mark.parametrize(
    "path",
    list(cli.COMMANDS),
    ids=" ".join,
)
def test_every_option_has_help_text_and_shows_its_default(path):
    parser = subparser(cli.build_parser(path, lazy=True), path)
    undocumented = [a.dest for a in parser._actions if not (a.help and a.help.strip())]
    assert not undocumented, f"{' '.join(path)}: options without help text: {undocumented}"
    text = parser.format_help()
    for action in parser._actions:
        shown = action.default not in (None, False, argparse.SUPPRESS)
        if shown and action.option_strings:
            assert f"(default: {action.default}" in " ".join(text.split()), (action.dest, text)


def test_lazy_parser_builds_only_the_selected_command():
    assert cli.selected_command(["study", "genes", "--help"]) == ("study", "genes")
    assert cli.selected_command(["--help"]) is None
    parser = cli.build_parser(("push",), lazy=True)
    assert "--repo-id" in subparser(parser, ("push",)).format_help()
    assert "--output-dir" not in subparser(parser, ("demo",)).format_help()


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    assert cli.main(["push", str(tmp_path / "missing"), "--repo-id", "me/x", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"hf-genomics push: error: not a folder: {tmp_path / 'missing'}"
    (tmp_path / "run").mkdir()
    assert cli.main(["push", str(tmp_path / "run"), "--repo-id", "me/x"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no README.md card" in err and "Traceback" not in err


def test_user_error_as_a_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hf_genomics.cli", "push", str(tmp_path / "nope"), "--repo-id", "me/x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"hf-genomics push: error: not a folder: {tmp_path / 'nope'}"
    ]
