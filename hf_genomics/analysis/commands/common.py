"""Arguments and helpers shared by the analysis commands."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path


def add_model_arguments(parser: argparse.ArgumentParser, kinds: tuple[str, ...] = ("auto",)) -> None:
    # the help formatter is the CLI's (every default shown once, None defaults left out)
    parser.add_argument("--model", required=True, help="folder of a saved model (with its tokenizer)")
    parser.add_argument(
        "--kind",
        default="auto",
        choices=["auto", "classifier", "masked", "causal", "base"],
        help="which head to load; auto reads config.architectures",
    )
    parser.add_argument(
        "--window-nt",
        type=positive_int,
        default=None,
        help="window in nucleotides; unset: the training length recorded with the model",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=32, help="sequences (windows) per forward pass"
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress or loading bars and no log lines below errors (ours and transformers')",
    )


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (0 or less is a usage error, never "the default")."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def load(args):
    from hf_genomics.analysis.loading import load_model_and_tokenizer

    quiet = getattr(args, "quiet", False)  # the CLI silences the libraries (hf_genomics.quiet)
    level = logging.ERROR if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    return load_model_and_tokenizer(args.model, kind=args.kind)


def read_records(path: str, max_records: int | None = None) -> tuple[list[str], list[str]]:
    from hf_genomics.analysis.fasta import read_fasta

    ids, sequences = [], []
    for record_id, sequence in read_fasta(path):
        ids.append(record_id)
        sequences.append(sequence)
        if max_records is not None and len(ids) >= max_records:
            break
    return ids, sequences


def check_not_an_input(output: str | Path, args: argparse.Namespace) -> None:
    """Refuse an output that would replace the input FASTA/VCF/reference or land in the model folder."""
    target = Path(output).resolve()
    for name in ("fasta", "regions", "vcf", "reference"):
        source = getattr(args, name, None)
        if source is not None and Path(source).resolve() == target:
            raise ValueError(f"the output {output} is the input --{name}; choose another path")
    model = getattr(args, "model", None)
    if model is not None:
        folder = Path(model).resolve()
        if target == folder or target.is_relative_to(folder):
            raise ValueError(f"the output {output} is inside the model folder {model}; choose another path")


def prepare_output(path: str, args: argparse.Namespace | None = None) -> Path:
    """The output file's path, its folder created; refuses a folder, an input, or a file in the way."""
    output = Path(path)
    if output.is_dir():
        raise IsADirectoryError(f"--output {output} is a folder; give a file name")
    if args is not None:
        check_not_an_input(output, args)
    prepare_output_dir(output.parent)
    return output


def prepare_output_dir(path: str | Path, args: argparse.Namespace | None = None) -> Path:
    """The output folder, created if missing; one error line when a file (or an input) is in the way."""
    folder = Path(path)
    if args is not None:
        check_not_an_input(folder, args)
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(f"{parent} is a file, not a folder: cannot write into {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_replacing(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a hidden temporary sibling, then ``os.replace`` it onto ``path``.

    A symbolic link already at ``path`` is replaced by the file, never written through, and a
    failed write leaves no half file behind.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()
    return path


def safe_name(record_id: str) -> str:
    """A file-name-safe version of a record id (no separators, no leading dot, at most 100 chars)."""
    name = "".join(c if c.isalnum() and c.isascii() or c in "-_." else "_" for c in record_id)[:100]
    return ("_" + name[1:] if name.startswith(".") else name) or "record"


def record_file_stems(ids: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """A distinct file stem per record id, and the ``(id, stem)`` pairs that had to be renamed.

    Ids that sanitise to the same name (``a/b`` and ``a_b``; names compared case-insensitively, as
    macOS and Windows disks do) would overwrite each other's files. An id that is already safe keeps
    its name; the others get ``<name>-<8 hex digits of the id's SHA-1>`` (then ``-2``, ``-3``...).
    """
    stems: list[str | None] = [None] * len(ids)
    taken: set[str] = set()
    order = sorted(range(len(ids)), key=lambda i: safe_name(ids[i]) != ids[i])  # stable: safe ids first
    renamed = []
    for index in order:
        record_id = ids[index]
        stem = safe_name(record_id)
        if stem.lower() in taken:
            base = f"{stem[:90]}-{hashlib.sha1(record_id.encode()).hexdigest()[:8]}"
            stem, counter = base, 2
            while stem.lower() in taken:
                stem, counter = f"{base}-{counter}", counter + 1
            renamed.append((record_id, stem))
        taken.add(stem.lower())
        stems[index] = stem
    return [str(stem) for stem in stems], renamed


def write_record_index(folder: Path, ids: list[str], stems: list[str], suffix: str) -> Path:
    """``<folder>/index<suffix>.tsv``: which file holds which record (ids with tabs/newlines escaped)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["id", "file"])
    writer.writerows([record_id, f"{stem}{suffix}.npz"] for record_id, stem in zip(ids, stems))
    path = folder / f"index{suffix}.tsv"
    return write_replacing(path, lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8"))


def renaming_note(renamed: list[tuple[str, str]], index: Path) -> str:
    """The closing line's note on renamed files (empty when none was)."""
    if not renamed:
        return ""
    first_id, first_stem = renamed[0]
    return (
        f" ({len(renamed)} record ids shared a file name with another, e.g. {first_id!r} -> {first_stem}; "
        f"{index.name} maps ids to files)"
    )


def add_record_map_arguments(parser: argparse.ArgumentParser, written: str) -> None:
    """The options ``ism`` and ``attribute`` share (maps written by :func:`write_record_maps`):
    model, inputs, strands, ``--output-dir`` (``written``: its help, what lands there), the
    classifier target, a record limit and ``--no-plots``."""
    from hf_genomics.analysis.commands.inputs import add_input_arguments

    add_model_arguments(parser)
    add_input_arguments(parser)
    parser.add_argument(
        "--strands",
        default="forward",
        choices=["forward", "both"],
        help="both: average with the reverse complement's map, turned back onto the forward strand",
    )
    parser.add_argument("--output-dir", required=True, help=written)
    parser.add_argument(
        "--target", type=int, default=None, help="class index for classifiers (default: last)"
    )
    parser.add_argument("--max-records", type=positive_int, default=None, help="only the first N records")
    parser.add_argument("--no-plots", action="store_true", help="arrays only")


def write_record_maps(
    args: argparse.Namespace,
    compute: Callable[[str], object],
    suffix: str,
    label: str,
    figure: dict,
    run_extras: dict,
    desc: str | None = None,
) -> int:
    """What ``ism`` and ``attribute`` share: read the records, compute one map per record
    (an object with ``.save`` and ``.scores``), write ``<stem><suffix>.npz``
    (+ ``.png`` with ``save_map_figure(**figure)``), ``run.json``, the id -> file index and one closing line.

    ``compute(model, tokenizer, sequence, single_record=...)``; the output folder is refused before any work.
    """
    from functools import partial

    from tqdm.auto import tqdm

    from hf_genomics.analysis.commands.inputs import read_inputs, run_record, write_run_record
    from hf_genomics.analysis.plots import save_map_figure

    folder = prepare_output_dir(args.output_dir, args)  # refused before any work
    ids, sequences, _ = read_inputs(args, args.max_records)
    model, tokenizer = load(args)
    stems, renamed = record_file_stems(ids)
    records = tqdm(
        zip(ids, sequences, stems),
        total=len(ids),
        desc=desc or label,
        unit="record",
        disable=args.quiet or len(ids) < 2,
    )
    for record_id, sequence, stem in records:
        result = compute(model, tokenizer, sequence, single_record=len(ids) == 1)
        write_replacing(folder / f"{stem}{suffix}.npz", result.save)
        if not args.no_plots:
            write_replacing(
                folder / f"{stem}{suffix}.png",
                partial(save_map_figure, result.scores, sequence, title=record_id, **figure),
            )
    write_run_record(folder / "run.json", run_record(args, model, tokenizer, **run_extras))
    index = write_record_index(folder, ids, stems, suffix)
    print(f"{len(ids)} {label} maps -> {folder}{renaming_note(renamed, index)}")
    return 0
