"""GUE (Genome Understanding Evaluation, DNABERT-2) task folders as ``datasets.DatasetDict``.

A GUE task is a folder ``<group>/<task>/{train,dev,test}.csv`` with header ``sequence,label``
(or, for pair tasks, two sequence columns then ``label``). We read the CSV ourselves instead of
through ``datasets``' csv builder so that every bad row is reported with its file and line, and
every sequence goes through the package's one normalisation policy (:mod:`hf_genomics.alphabet`).
``dev.csv`` becomes the ``validation`` split, as in the Trainer examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from hf_genomics.alphabet import normalize
from hf_genomics.data.io import SequenceFileError, read_table

SPLIT_FILES = {"train": "train.csv", "validation": "dev.csv", "test": "test.csv"}


class GueFormatError(SequenceFileError):
    """A GUE file that does not follow the benchmark's layout, located by file and line."""

    def __init__(self, path: Path | str, line: int | str | None, message: str) -> None:
        where = None if line is None else (line if isinstance(line, str) else f"line {line}")
        super().__init__(path, where, message)
        self.path, self.line = Path(path), line


@dataclass(frozen=True)
class GueTask:
    """One benchmark task: where it lives under the GUE root, how many classes, sequence length (nt)."""

    group: str
    name: str
    num_classes: int
    length_nt: int
    description: str

    @property
    def path(self) -> str:
        return f"{self.group}/{self.name}"


def _registry() -> dict[str, GueTask]:
    """The 28 GUE tasks (DNABERT-2 paper, Table 8): lengths are the benchmark's nominal lengths."""
    tasks = [
        GueTask("EMP", mark, 2, 500, f"yeast epigenetic mark {mark}")
        for mark in (
            "H3",
            "H3K14ac",
            "H3K36me3",
            "H3K4me1",
            "H3K4me2",
            "H3K4me3",
            "H3K79me3",
            "H3K9ac",
            "H4",
            "H4ac",
        )
    ]
    for region, length in (("core", 70), ("300", 300)):
        for subset in ("all", "notata", "tata"):
            tasks.append(
                GueTask("prom", f"prom_{region}_{subset}", 2, length, f"human promoter ({region}, {subset})")
            )
    tasks += [GueTask("tf", str(i), 2, 101, f"human transcription-factor binding site {i}") for i in range(5)]
    tasks += [
        GueTask("mouse", str(i), 2, 101, f"mouse transcription-factor binding site {i}") for i in range(5)
    ]
    tasks.append(GueTask("splice", "reconstructed", 3, 400, "splice site (donor / acceptor / none)"))
    tasks.append(GueTask("virus", "covid", 9, 1000, "SARS-CoV-2 variant classification"))
    return {task.path: task for task in tasks}


GUE_TASKS: dict[str, GueTask] = _registry()


def _aliases() -> dict[str, str]:
    """Short names: ``prom_core_tata``, ``H3K4me3``, ``tf_0``, ``mouse_0``, ``splice``, ``covid``."""
    aliases: dict[str, str] = {}
    for path, task in GUE_TASKS.items():
        aliases[path.lower()] = path
        aliases[f"{task.group}_{task.name}".lower()] = path
        if not task.name.isdigit():
            aliases[task.name.lower()] = path
    aliases["splice"] = "splice/reconstructed"
    return aliases


_ALIASES = _aliases()


def get_task(name: str) -> GueTask:
    """Look a task up by path (``tf/0``), short name (``prom_core_tata``) or ``group_name`` (``tf_0``)."""
    key = name.strip().strip("/").lower()
    if key not in _ALIASES:
        raise KeyError(f"unknown GUE task {name!r}; known tasks: {', '.join(sorted(GUE_TASKS))}")
    return GUE_TASKS[_ALIASES[key]]


def find_task_dir(task: str | Path, root: str | Path | None = None) -> Path:
    """A task folder from a path, or from a task name under ``root`` (default: shared data ``gue/``)."""
    candidate = Path(task)
    if (candidate / "train.csv").is_file() or (root is None and candidate.is_dir()):
        return candidate
    meant_as_folder = candidate.is_absolute() or len(candidate.parts) > 2  # not a task name like tf/0
    if meant_as_folder and root is None:
        raise FileNotFoundError(f"{task}: no such GUE task folder (train.csv, dev.csv, test.csv)")
    if root is None:
        from hf_genomics.paths import shared_data_dir

        shared = shared_data_dir()
        if shared is None:
            raise FileNotFoundError(f"{task!r} is not a folder and no GUE root was given or found")
        root = shared / "gue"
    root = Path(root)
    if (root / str(task) / "train.csv").is_file():  # a folder under the root that is not a GUE task
        return root / str(task)
    try:
        folder = root / get_task(str(task)).path
    except KeyError:
        if meant_as_folder:
            raise FileNotFoundError(
                f"{task}: no such GUE task folder (train.csv, dev.csv, test.csv)"
            ) from None
        raise
    if not folder.is_dir():
        raise FileNotFoundError(f"GUE task {task!r} not found: expected the folder {folder}")
    return folder


def task_info(task_dir: str | Path) -> GueTask | None:
    """The registry entry for a task folder (matched on ``<group>/<task>``), or ``None``."""
    parts = Path(task_dir).resolve().parts
    return GUE_TASKS.get("/".join(parts[-2:]))


def read_gue_csv(path: str | Path, num_classes: int | None = None) -> dict[str, list]:
    """Columns of one GUE CSV: ``sequence`` (and ``sequence_2`` for pair files) and integer ``label``.

    The header must be ``sequence,label`` or ``sequence1,sequence2,label`` (case-insensitive);
    an empty sequence, a header-only file or a non-integer label raise naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"missing GUE split file: {path}")
    try:
        table, lines = read_table(path)
    except GueFormatError:
        raise
    except SequenceFileError as error:
        raise GueFormatError(path, error.where, error.problem) from None
    header = [column.lower() for column in table]
    if header not in (["sequence", "label"], ["sequence1", "sequence2", "label"]):
        raise GueFormatError(
            path, 1, f"bad header {header!r}: expected 'sequence,label' or 'sequence1,sequence2,label'"
        )
    if not lines:
        raise GueFormatError(path, None, "header only: no rows")
    raw_columns = list(table.values())
    n_sequences = len(header) - 1
    columns: list[list[str]] = [[] for _ in range(n_sequences)]
    labels: list[int] = []
    for index, line in enumerate(lines):  # one iteration per row; normalisation is vectorised
        value = raw_columns[-1][index]
        try:
            label = int(value)
        except ValueError:
            raise GueFormatError(path, line, f"label {value!r} is not an integer") from None
        if label < 0 or (num_classes is not None and label >= num_classes):
            raise GueFormatError(path, line, f"label {label} outside 0..{(num_classes or 1) - 1}")
        for column, raw in zip(columns, raw_columns):
            raw = raw[index].strip()
            if not raw:
                raise GueFormatError(path, line, "empty sequence")
            column.append(normalize(raw, record_id=f"line {line}", source=str(path)))
        labels.append(label)
    names = ["sequence", "sequence_2"][:n_sequences]
    return {**dict(zip(names, columns)), "label": labels}


def load_gue(
    task: str | Path,
    root: str | Path | None = None,
    *,
    splits: tuple[str, ...] = ("train", "validation", "test"),
    max_samples: dict[str, int] | None = None,
) -> DatasetDict:
    """Load a GUE task folder (or a task name under ``root``) as train / validation / test.

    ``label`` is a :class:`datasets.ClassLabel` whose size comes from the registry when the folder
    is a known task, else from the largest label seen. ``max_samples`` keeps the first N rows of a
    split (the files are already shuffled by the benchmark's authors).
    """
    folder = find_task_dir(task, root)
    info = task_info(folder)
    num_classes = info.num_classes if info else None
    columns = {split: read_gue_csv(folder / SPLIT_FILES[split], num_classes) for split in splits}
    widths = {tuple(sorted(data)) for data in columns.values()}
    if len(widths) != 1:
        raise GueFormatError(folder, None, "splits disagree on the number of sequence columns")
    if num_classes is None:
        num_classes = max(max(data["label"], default=0) for data in columns.values()) + 1
    features = {name: Value("string") for name in columns[splits[0]] if name != "label"}
    features["label"] = ClassLabel(num_classes=num_classes)
    result = DatasetDict()
    for split, data in columns.items():
        limit = (max_samples or {}).get(split)
        if limit is not None:
            data = {name: values[:limit] for name, values in data.items()}
        result[split] = Dataset.from_dict(data, features=Features(features))
    return result


__all__ = [
    "GUE_TASKS",
    "GueFormatError",
    "GueTask",
    "find_task_dir",
    "get_task",
    "load_gue",
    "read_gue_csv",
    "task_info",
]
