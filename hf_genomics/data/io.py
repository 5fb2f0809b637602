"""The one reader (and FASTA writer) for every sequence file format the package accepts.

Formats, chosen by file name (``.gz`` allowed for every text format):

* FASTA (``.fa .fasta .fna .ffn .fas``): a strict line reader (see :func:`iter_fasta`);
* GenBank (``.gb .gbk .gbff .genbank``): Biopython's parser, records checked to end with ``//``;
* CSV / TSV (``.csv .tsv``): Python's ``csv`` module with the field-size limit lifted (a genome
  is longer than its 131,072-character default); every cell is a string, so ``NA``/``nan`` stay
  the valid DNA they are instead of becoming missing values;
* Parquet (``.parquet``): read with pyarrow straight into a ``datasets.Dataset``;
* text (``.txt``): one sequence per line;
* a folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``.

Datasets are built in memory from the file's current content (``Dataset.from_dict``), never from a
cache keyed on the file name, so an edited file is always read afresh.

What is normalised (documented, not silent): a UTF-8 byte-order mark is skipped; blank lines
between FASTA records and in ``.txt`` files are skipped; sequences go through
:func:`hf_genomics.alphabet.normalize_record` (case, ``U`` -> ``T``, IUPAC -> ``N``, whitespace
inside file records removed). What raises :class:`SequenceFileError` (a ``ValueError``) naming the
file and the line or record: a missing file, an unknown file type, binary or non-UTF-8 content, a
truncated gzip stream, an empty file, text before the first FASTA header, a header without an id,
a record without sequence, duplicate record ids, a GenBank record cut before ``//``, a missing
column, a row with more or fewer fields than the header, an empty or missing sequence cell. Bad
characters raise :class:`hf_genomics.alphabet.InvalidSequenceError` naming file, record and
position.
"""

from __future__ import annotations

import csv
import gzip
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from datasets import Dataset, DatasetDict

from hf_genomics.alphabet import InvalidSequenceError, normalize_record

SEQUENCE_COLUMN = "sequence"
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".ffn", ".fas")
GENBANK_SUFFIXES = (".gb", ".gbk", ".gbff", ".genbank")
TABLE_SUFFIXES = (".csv", ".tsv")
FileKind = Literal["fasta", "genbank", "csv", "tsv", "parquet", "text", "saved"]


class SequenceFileError(ValueError):
    """A malformed sequence file: names the file and, when known, the line or record."""

    def __init__(self, path: str | Path, where: str | None, problem: str) -> None:
        self.path, self.where, self.problem = str(path), where, problem
        super().__init__(f"{path}{f', {where}' if where else ''}: {problem}")


def _plain_name(path: Path) -> str:
    name = path.name.lower()
    return name[: -len(".gz")] if name.endswith(".gz") else name


def file_kind(path: str | Path) -> FileKind:
    """The format of ``path`` from its name (or ``"saved"`` for a ``save_to_disk`` folder)."""
    path = Path(path)
    if path.is_dir():
        return "saved"
    if not path.exists():
        raise SequenceFileError(path, None, "no such file or folder")
    name = _plain_name(path)
    if name.endswith(FASTA_SUFFIXES):
        return "fasta"
    if name.endswith(GENBANK_SUFFIXES):
        return "genbank"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".tsv"):
        return "tsv"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".txt"):
        return "text"
    raise SequenceFileError(
        path,
        None,
        "unknown sequence file type (FASTA, GenBank, CSV/TSV, Parquet, .txt, optionally .gz, "
        "or a save_to_disk folder)",
    )


def _raw_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(1-based line number, decoded line with its end)``, decoded line by line so that a
    non-UTF-8 byte, a NUL byte (binary file) or a broken gzip stream is reported on its line."""
    if not path.is_file():
        raise SequenceFileError(path, None, "no such file")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):  # one iteration per line, not per base
                if b"\x00" in raw:
                    raise SequenceFileError(
                        path, f"line {number}", "binary content (NUL byte): not a text file"
                    )
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise SequenceFileError(
                        path,
                        f"line {number}",
                        f"not UTF-8 text (byte {raw[error.start]:#04x} at column {error.start + 1})",
                    ) from None
                yield number, line.removeprefix("\ufeff") if number == 1 else line
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise SequenceFileError(
            path, f"line {number + 1}", f"truncated or corrupt gzip stream ({error})"
        ) from None


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """``(1-based line number, line without its end)``; binary content and broken gzip raise by name."""
    for number, line in _raw_lines(Path(path)):
        yield number, line.rstrip("\r\n")


def _csv_lines(path: Path) -> Iterator[str]:
    """Lines with their ends (for quoted multi-line fields), checked like :func:`iter_lines`."""
    for _, line in _raw_lines(path):
        yield line


# ---------------------------------------------------------------------------- FASTA
@dataclass(frozen=True)
class FastaRecord:
    """One FASTA record as written in the file (sequence lines joined, not yet normalised)."""

    id: str
    description: str
    sequence: str
    line: int  # line of the header


def iter_fasta(path: str | Path) -> Iterator[FastaRecord]:
    """Records of a FASTA file, strictly: every problem names the file and the line.

    A line-based reader rather than Biopython's ``SimpleFastaParser`` because the latter silently
    skips text before the first header and cannot say on which line a record starts.
    """
    path = Path(path)
    header: str | None = None
    header_line = 0
    chunks: list[str] = []
    seen: dict[str, int] = {}
    count = 0

    def finish() -> FastaRecord:
        record_id = header.split(maxsplit=1)[0] if header.strip() else ""
        if not record_id:
            raise SequenceFileError(path, f"line {header_line}", "FASTA header '>' without a record id")
        if record_id in seen:
            raise SequenceFileError(
                path,
                f"line {header_line}",
                f"duplicate record id {record_id!r} (first on line {seen[record_id]})",
            )
        sequence = "".join(chunks)
        if not sequence:
            raise SequenceFileError(path, f"line {header_line}", f"record {record_id!r} has no sequence")
        seen[record_id] = header_line
        return FastaRecord(record_id, header.strip(), sequence, header_line)

    for number, line in iter_lines(path):
        if line.startswith(">"):
            if header is not None:
                count += 1
                yield finish()
            header, header_line, chunks = line[1:], number, []
        elif header is None:
            if line.strip():
                raise SequenceFileError(path, f"line {number}", "text before the first FASTA header ('>')")
        else:
            chunks.append(line.strip())
    if header is not None:
        count += 1
        yield finish()
    if count == 0:
        raise SequenceFileError(path, None, "no FASTA records (empty file?)")


def read_fasta(path: str | Path) -> Dataset:
    """FASTA (optionally ``.gz``) as a Dataset: ``id``, ``description``, normalised ``sequence``."""
    columns: dict[str, list[str]] = {"id": [], "description": [], SEQUENCE_COLUMN: []}
    for record in iter_fasta(path):
        columns["id"].append(record.id)
        columns["description"].append(record.description)
        columns[SEQUENCE_COLUMN].append(
            normalize_record(record.sequence, record_id=record.id, source=f"{path} (line {record.line})")
        )
    return Dataset.from_dict(columns)


def write_fasta(records: Iterable[tuple[str, str]], path: str | Path, line_width: int = 60) -> Path:
    """Write ``(header, sequence)`` pairs as FASTA (``.gz`` compresses); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for header, sequence in records:
            if not header or "\n" in header:
                raise ValueError(f"FASTA header must be one non-empty line, got {header!r}")
            handle.write(f">{header}\n")
            for start in range(0, len(sequence), line_width):  # one iteration per line written
                handle.write(sequence[start : start + line_width] + "\n")
    return path


# ---------------------------------------------------------------------------- GenBank
def read_genbank(path: str | Path) -> Dataset:
    """GenBank flat files (optionally ``.gz``) via Biopython: id, name, description, organism, sequence."""
    from Bio import SeqIO

    path = Path(path)
    lines = [line for _, line in iter_lines(path)]  # decodes / checks the file once, naming it
    closed = sum(1 for line in lines if line.startswith("//"))
    loci = sum(1 for line in lines if line.startswith("LOCUS"))
    if loci == 0:
        raise SequenceFileError(path, None, "no GenBank records (no LOCUS line)")
    if closed < loci:
        raise SequenceFileError(
            path, f"record {closed + 1}", "GenBank record not terminated by '//' (truncated?)"
        )
    columns: dict[str, list] = {key: [] for key in ("id", "name", "description", "organism", SEQUENCE_COLUMN)}
    import io

    try:
        for index, record in enumerate(SeqIO.parse(io.StringIO("\n".join(lines) + "\n"), "genbank"), start=1):
            sequence = str(record.seq)
            if not sequence:
                raise SequenceFileError(path, f"record {index} ({record.id})", "record has no sequence")
            columns["id"].append(record.id)
            columns["name"].append(record.name)
            columns["description"].append(record.description)
            columns["organism"].append(record.annotations.get("organism", ""))
            columns[SEQUENCE_COLUMN].append(normalize_record(sequence, record_id=record.id, source=str(path)))
    except (SequenceFileError, InvalidSequenceError):
        raise
    except Exception as error:  # Biopython's parse errors do not name the file
        where = f"record {len(columns['id']) + 1}"
        raise SequenceFileError(path, where, f"malformed GenBank ({type(error).__name__}: {error})") from None
    return Dataset.from_dict(columns)


# ---------------------------------------------------------------------------- tables
def _lift_csv_field_limit() -> None:
    limit = sys.maxsize
    while True:  # C long may be 32 bit on some platforms
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def read_table(
    path: str | Path, required: Iterable[str] = (), delimiter: str | None = None
) -> tuple[dict[str, list[str]], list[int]]:
    """A CSV/TSV file as ``({column: [str, ...]}, [file line of each row])``, strictly.

    Every cell stays a string (``NA`` is DNA, not a missing value); a row with more or fewer
    fields than the header raises naming its line; fully blank lines are skipped.
    """
    path = Path(path)
    _lift_csv_field_limit()
    if delimiter is None:
        delimiter = "\t" if _plain_name(path).endswith(".tsv") else ","
    reader = csv.reader(_csv_lines(path), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise SequenceFileError(path, "line 1", f"malformed header ({error})") from None
    if header is None or not any(name.strip() for name in header):
        raise SequenceFileError(path, None, "empty file: no header row")
    header = [name.strip() for name in header]
    if len(set(header)) != len(header):
        raise SequenceFileError(path, "line 1", f"duplicate column names in header {header}")
    missing = [name for name in required if name not in header]
    if missing:
        raise SequenceFileError(path, "line 1", f"no column {missing[0]!r} (columns: {header})")
    columns: dict[str, list[str]] = {name: [] for name in header}
    lines: list[int] = []
    row_start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise SequenceFileError(path, f"line {reader.line_num}", f"malformed CSV ({error})") from None
        if not row or (len(row) == 1 and not row[0].strip()):
            row_start = reader.line_num + 1
            continue
        if len(row) != len(header):
            raise SequenceFileError(
                path,
                f"line {row_start}",
                f"expected {len(header)} fields ({delimiter!r}-separated), found {len(row)}",
            )
        for name, value in zip(header, row):
            columns[name].append(value)
        lines.append(row_start)
        row_start = reader.line_num + 1
    return columns, lines


def _check_and_normalise(
    path: Path, sequences: list, where: list[str], source: str | None = None
) -> list[str]:
    """Normalised sequences; an empty or missing cell raises naming its row."""
    result = []
    for value, place in zip(sequences, where):  # one call per record; each call is vectorised
        if value is None or not str(value).strip():
            raise SequenceFileError(path, place, "empty sequence")
        result.append(normalize_record(str(value), record_id=place, source=source or str(path)))
    return result


def read_sequence_table(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset:
    """CSV/TSV with a sequence column -> Dataset (other columns kept as strings, ``column`` renamed
    to ``sequence`` and normalised)."""
    path = Path(path)
    columns, lines = read_table(path, required=[column])
    if not lines:
        raise SequenceFileError(path, None, "header only: no rows")
    columns[column] = _check_and_normalise(path, columns[column], [f"line {n}" for n in lines])
    if column != SEQUENCE_COLUMN:
        columns.pop(SEQUENCE_COLUMN, None)
        columns[SEQUENCE_COLUMN] = columns.pop(column)
    return Dataset.from_dict(columns)


def read_parquet(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset:
    """Parquet -> Dataset (pyarrow, no cache), ``column`` renamed to ``sequence`` and normalised."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow's errors do not always name the file
        raise SequenceFileError(path, None, f"not a readable Parquet file ({error})") from None
    data = Dataset(table)
    return _normalise_dataset(path, data, column)


def read_text(path: str | Path) -> Dataset:
    """One sequence per line (blank lines skipped) -> Dataset with a ``sequence`` column."""
    path = Path(path)
    numbers, sequences = [], []
    for number, line in iter_lines(path):
        if line.strip():
            numbers.append(number)
            sequences.append(line)
    if not sequences:
        raise SequenceFileError(path, None, "no sequences (empty file?)")
    return Dataset.from_dict(
        {SEQUENCE_COLUMN: _check_and_normalise(path, sequences, [f"line {n}" for n in numbers])}
    )


def _normalise_dataset(path: Path, data: Dataset, column: str) -> Dataset:
    if column not in data.column_names:
        raise SequenceFileError(path, None, f"no column {column!r} (columns: {data.column_names})")
    if len(data) == 0:
        raise SequenceFileError(path, None, "no rows")
    if column != SEQUENCE_COLUMN:
        if SEQUENCE_COLUMN in data.column_names:
            data = data.remove_columns(SEQUENCE_COLUMN)
        data = data.rename_column(column, SEQUENCE_COLUMN)
    source = str(path)

    def normalise(batch: dict[str, list], indices: list[int]) -> dict[str, list[str]]:
        return {
            SEQUENCE_COLUMN: _check_and_normalise(
                path, batch[SEQUENCE_COLUMN], [f"row {i}" for i in indices], source
            )
        }

    return data.map(normalise, batched=True, with_indices=True, keep_in_memory=True)


def read_saved(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset | DatasetDict:
    """A ``save_to_disk`` folder; its sequence column is normalised like any file's."""
    from datasets import load_from_disk

    path = Path(path)
    try:
        data = load_from_disk(str(path))
    except FileNotFoundError as error:
        raise SequenceFileError(path, None, f"not a save_to_disk folder ({error})") from None
    if isinstance(data, DatasetDict):
        return DatasetDict(
            {name: _normalise_dataset(path / name, part, column) for name, part in data.items()}
        )
    return _normalise_dataset(path, data, column)


# ---------------------------------------------------------------------------- one entry point
def is_genes_csv(path: str | Path) -> bool:
    """The genes study's CSV (a ``NucleotideSequence`` column wrapped in ``<`` ``>``)?"""
    path = Path(path)
    if not path.is_file() or not _plain_name(path).endswith(".csv"):
        return False
    for _, line in iter_lines(path):
        return "NucleotideSequence" in next(csv.reader([line]), [])
    return False


def load_sequences(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset | DatasetDict:
    """Any supported file (or saved folder) as a dataset with a normalised ``sequence`` column.

    The human-gene CSV of the genes study (``NucleotideSequence`` wrapped in ``<``/``>``) is
    recognised by its header and read by :func:`hf_genomics.data.genes.read_genes_csv`.
    """
    path = Path(path)
    kind = file_kind(path)
    if kind == "saved":
        return read_saved(path, column)
    if kind == "fasta":
        return read_fasta(path)
    if kind == "genbank":
        return read_genbank(path)
    if kind == "parquet":
        return read_parquet(path, column)
    if kind == "text":
        return read_text(path)
    if column == SEQUENCE_COLUMN and is_genes_csv(path):
        from hf_genomics.data.genes import read_genes_csv  # same floor; imported late (it imports us)

        return read_genes_csv(path)
    return read_sequence_table(path, column)


__all__ = [
    "FASTA_SUFFIXES",
    "GENBANK_SUFFIXES",
    "SEQUENCE_COLUMN",
    "FastaRecord",
    "SequenceFileError",
    "file_kind",
    "is_genes_csv",
    "iter_fasta",
    "iter_lines",
    "load_sequences",
    "read_fasta",
    "read_genbank",
    "read_parquet",
    "read_saved",
    "read_sequence_table",
    "read_table",
    "read_text",
    "write_fasta",
]
