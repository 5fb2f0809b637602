"""``hf-genomics``: a thin command line over library functions.

Every sub-command lives in a module exposing ``add_arguments(parser)`` and ``run(args) -> int``;
this file only wires them, importing only the module of the command being run (or asked for
``--help``), so ``hf-genomics --help`` imports no command module at all.

User errors (a missing file or folder, a malformed spec, an unknown column, a config value its
validation refuses) end with one line on stderr and exit status 2, as argparse's own usage errors
do; ``HF_GENOMICS_TRACEBACK=1`` shows the traceback instead (:mod:`hf_genomics.user_errors`, shared
with ``scripts/run_*.py``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hf_genomics.help_format import DefaultsHelpFormatter
from hf_genomics.quiet import quiet_output
from hf_genomics.user_errors import EXIT_USER_ERROR, exit_status

DESCRIPTION = "DNA language models on the Hugging Face stack. Every command has --help; docs: docs/index.md"

# command path -> (module, one-line help)
COMMANDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("demo",): ("hf_genomics.demo", "short tour of the three studies at toy scale"),
    ("study", "coding-schemes"): (
        "hf_genomics.studies.coding_schemes",
        "k-mer/BPE x position x depth on GUE",
    ),
    ("study", "genes"): ("hf_genomics.studies.genes", "generative LMs on human genes"),
    ("study", "viral-scaling"): (
        "hf_genomics.studies.viral_scaling",
        "Pythia ladder on viral genomes",
    ),
    ("study", "motifs"): (
        "hf_genomics.studies.motifs",
        "attributions and BPE tokens vs JASPAR on GUE",
    ),
    ("study", "length-extrapolation"): (
        "hf_genomics.studies.length_extrapolation",
        "MLM loss of sinusoidal/ALiBi/RoPE encoders at 1x..16x the training length (viral genomes)",
    ),
    ("study", "pretraining"): (
        "hf_genomics.studies.pretraining",
        "does MLM pretraining change which tokenizer/position wins on GUE (CPU scale)",
    ),
    ("baseline",): (
        "hf_genomics.evaluation.kmer_baseline",
        "bag-of-k-mers logistic regression on a GUE task folder",
    ),
    ("gue-recipe",): (
        "hf_genomics.training.gue_recipe",
        "best measured CPU recipe on a GUE-layout folder within a time budget, beside the k-mer baseline",
    ),
    ("benchmark", "gue"): (
        "hf_genomics.training.gue_benchmark",
        "fine-tune any model on every GUE task with the DNABERT-2 protocol: Table-4-shaped results",
    ),
    ("ngram", "fit"): (
        "hf_genomics.training.ngram_fit",
        "count an n-gram LM from sequence files (FASTA, CSV, Parquet, ...) and save it",
    ),
    ("push",): ("hf_genomics.hub", "push a run folder or dataset to the Hugging Face Hub"),
    ("predict",): ("hf_genomics.analysis.commands.predict", "class probabilities for FASTA records"),
    ("embed",): ("hf_genomics.analysis.commands.embed", "embeddings of FASTA records (Parquet)"),
    ("score-variants",): ("hf_genomics.analysis.commands.score_variants", "zero-shot VCF variant effects"),
    ("benchmark", "vep"): (
        "hf_genomics.analysis.commands.benchmark_vep",
        "zero-shot variant-effect benchmark (BRCA1 SGE or any assay CSV): AUROC/AUPRC with intervals",
    ),
    ("ism",): ("hf_genomics.analysis.commands.ism", "saturation mutagenesis: L x 4 maps, logos"),
    ("attribute",): ("hf_genomics.analysis.commands.attribute", "integrated gradients per nucleotide"),
    ("convert",): (
        "hf_genomics.convert.cli",
        "convert a community checkpoint (DNABERT-2, ...) to a native folder",
    ),
}


HelpFormatter = DefaultsHelpFormatter  # every default shown once, None defaults left out


def selected_command(argv: list[str]) -> tuple[str, ...] | None:
    """The command path named by ``argv`` (its leading words), or ``None`` when none is named."""
    words = []
    for token in argv:
        if token.startswith("-"):
            break
        words.append(token)
    for path in COMMANDS:
        if tuple(words[: len(path)]) == path:
            return path
    return None


def build_parser(only: tuple[str, ...] | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """The parser; with ``lazy`` only the command ``only`` gets its arguments (its module imported)."""
    parser = argparse.ArgumentParser(
        prog="hf-genomics", description=DESCRIPTION, formatter_class=HelpFormatter
    )
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for path, (module_name, help_text) in COMMANDS.items():
        if len(path) == 1:
            sub = top.add_parser(
                path[0], help=help_text, description=help_text, formatter_class=HelpFormatter
            )
        else:
            if path[0] not in groups:
                groups[path[0]] = top.add_parser(
                    path[0], help=f"{path[0]} commands", formatter_class=HelpFormatter
                ).add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
            sub = groups[path[0]].add_parser(
                path[1], help=help_text, description=help_text, formatter_class=HelpFormatter
            )
        sub.set_defaults(_module=module_name, _path=path)
        if lazy and path != only:
            continue
        try:
            importlib.import_module(module_name).add_arguments(sub)
        except ModuleNotFoundError as error:  # a command whose module is not built yet
            if error.name != module_name:
                raise
            sub.set_defaults(_missing=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(selected_command(argv), lazy=True)
    args = parser.parse_args(argv)
    command = " ".join(args._path)
    if getattr(args, "_missing", False):
        print(f"hf-genomics {command}: command not available ({args._module} is missing)", file=sys.stderr)
        return EXIT_USER_ERROR

    def run_command() -> object:
        with quiet_output(getattr(args, "quiet", False)):  # one meaning of --quiet for every command
            return importlib.import_module(args._module).run(args)

    return exit_status(f"hf-genomics {command}", run_command)  # user errors: one line, status 2


if __name__ == "__main__":
    sys.exit(main())
