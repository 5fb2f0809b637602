"""``hf-genomics``: a thin command line over library functions.

Every sub-command lives in a module exposing ``add_arguments(parser)`` and ``run(args) -> int``;
this file only wires them, importing each module when its command is used.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command path -> (module, one-line help)
COMMANDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("demo",): ("hf_genomics.demo", "short tour of the three studies at toy scale"),
    ("study", "coding-schemes"): (
        "hf_genomics.training.coding_schemes_study",
        "k-mer/BPE x position x depth on GUE",
    ),
    ("study", "genes"): ("hf_genomics.training.genes_study", "generative LMs on human genes"),
    ("study", "viral-scaling"): (
        "hf_genomics.training.viral_scaling_study",
        "Pythia ladder on viral genomes",
    ),
    ("push",): ("hf_genomics.hub", "push a run folder or dataset to the Hugging Face Hub"),
    ("convert",): (
        "hf_genomics.convert.cli",
        "convert a community checkpoint (DNABERT-2, ...) to a native folder",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hf-genomics", description=__doc__.splitlines()[0])
    top = parser.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for path, (module_name, help_text) in COMMANDS.items():
        if len(path) == 1:
            sub = top.add_parser(path[0], help=help_text)
        else:
            if path[0] not in groups:
                groups[path[0]] = top.add_parser(path[0], help=f"{path[0]} commands").add_subparsers(
                    dest="subcommand", required=True
                )
            sub = groups[path[0]].add_parser(path[1], help=help_text)
        sub.set_defaults(_module=module_name)
        try:
            importlib.import_module(module_name).add_arguments(sub)
        except ModuleNotFoundError as error:  # a command whose module is not built yet
            if error.name != module_name:
                raise
            sub.set_defaults(_missing=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "_missing", False):
        print(f"hf-genomics: command not available ({args._module} is missing)", file=sys.stderr)
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
