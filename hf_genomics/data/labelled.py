"""Labelled sequence files for fine-tuning: a user's CSV/TSV/Parquet/saved dataset -> ``sequence``
(and ``sequence_2`` for pairs) + ``label``, with the problem type and label set inferred as
transformers' ``run_classification.py`` does.

Problem types:

* ``single_label_classification``: one label per row (integers or strings; ids follow the sorted
  labels of the training split — numerically when all are integers);
* ``multi_label_classification``: several labels per row, separated by ``label_separator``
  (default ``;``) in a text cell, or a list column in Parquet; labels become multi-hot float vectors;
* ``regression``: one number per row (float labels), ``num_labels = 1``.

Inference (when not given): a list column or a separator in any training label -> multi-label;
all labels numbers and at least one not an integer -> regression; else single-label. A label
unseen in training, an empty label cell or a non-number in regression raise naming file and row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, Features, List, Value

from hf_genomics.data.io import SEQUENCE_COLUMN, SequenceFileError, file_kind, load_sequences, read_table

PROBLEM_TYPES = ("single_label_classification", "multi_label_classification", "regression")


def read_labelled(
    path: str | Path,
    sequence_column: str = SEQUENCE_COLUMN,
    label_column: str = "label",
    second_sequence_column: str | None = None,
) -> Dataset:
    """``sequence`` (normalised; ``sequence_2`` too for pairs) and the raw ``label`` of every row."""
    path = Path(path)
    kind = file_kind(path)
    if kind in ("csv", "tsv"):
        required = [
            sequence_column,
            label_column,
            *([second_sequence_column] if second_sequence_column else []),
        ]
        read_table(path, required=required)  # header check naming the file before the full read
    data = load_sequences(path, sequence_column)
    if isinstance(data, DatasetDict):
        raise SequenceFileError(path, None, "a saved DatasetDict: pass one split folder per file option")
    if label_column not in data.column_names:
        raise SequenceFileError(
            path, None, f"no label column {label_column!r} (columns: {data.column_names})"
        )
    columns = {SEQUENCE_COLUMN: data[SEQUENCE_COLUMN], "label": data[label_column]}
    if second_sequence_column:
        columns["sequence_2"] = load_sequences(path, second_sequence_column)[SEQUENCE_COLUMN]
    return Dataset.from_dict(columns)


@dataclass(frozen=True)
class LabelSpec:
    """How labels map to model outputs."""

    problem_type: str
    labels: tuple[str, ...]  # class names (empty for regression)
    separator: str = ";"

    @property
    def num_labels(self) -> int:
        return 1 if self.problem_type == "regression" else len(self.labels)

    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels)) if self.labels else {0: "value"}


def _as_list(value: Any, separator: str) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value).split(separator) if part.strip()]


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _label_order(values: set[str]) -> tuple[str, ...]:
    if all(v.lstrip("-").isdigit() for v in values):
        return tuple(sorted(values, key=int))
    return tuple(sorted(values))


def infer_label_spec(
    train_labels: list[Any], problem_type: str | None = None, separator: str = ";"
) -> LabelSpec:
    """The problem type (see the module docstring) and label set from the training labels."""
    if problem_type is not None and problem_type not in PROBLEM_TYPES:
        raise ValueError(f"problem_type must be one of {PROBLEM_TYPES}, got {problem_type!r}")
    if problem_type is None:
        if any(isinstance(v, (list, tuple)) or (isinstance(v, str) and separator in v) for v in train_labels):
            problem_type = "multi_label_classification"
        elif all(_is_number(v) for v in train_labels) and any(
            not float(v).is_integer() for v in train_labels
        ):
            problem_type = "regression"
        else:
            problem_type = "single_label_classification"
    if problem_type == "regression":
        return LabelSpec(problem_type, (), separator)
    if problem_type == "multi_label_classification":
        names = {name for value in train_labels for name in _as_list(value, separator)}
    else:
        names = {_single(value) for value in train_labels}
    if len(names) < 2 and problem_type == "single_label_classification":
        raise ValueError(f"single-label classification needs at least 2 classes, found {sorted(names)}")
    return LabelSpec(problem_type, _label_order(names), separator)


def _single(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def encode_labels(data: Dataset, spec: LabelSpec, source: str = "data") -> Dataset:
    """Replace ``label`` by model targets: class ids, multi-hot vectors or floats."""
    index = {name: i for i, name in enumerate(spec.labels)}
    encoded: list[Any] = []
    for row, value in enumerate(data["label"]):  # one iteration per row
        where = f"{source}, row {row}"
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError(f"{where}: empty label")
        if spec.problem_type == "regression":
            if not _is_number(value):
                raise ValueError(f"{where}: label {value!r} is not a number (regression)")
            encoded.append(float(value))
        elif spec.problem_type == "multi_label_classification":
            vector = [0.0] * len(spec.labels)
            for name in _as_list(value, spec.separator):
                if name not in index:
                    raise ValueError(f"{where}: label {name!r} does not occur in the training split")
                vector[index[name]] = 1.0
            encoded.append(vector)
        else:
            name = _single(value)
            if name not in index:
                raise ValueError(f"{where}: label {name!r} does not occur in the training split")
            encoded.append(index[name])
    feature = {
        "regression": Value("float32"),
        "multi_label_classification": List(Value("float32")),
        "single_label_classification": Value("int64"),
    }[spec.problem_type]
    columns = {name: data[name] for name in data.column_names if name != "label"}
    features = {name: data.features[name] for name in columns}
    return Dataset.from_dict({**columns, "label": encoded}, features=Features({**features, "label": feature}))


__all__ = ["PROBLEM_TYPES", "LabelSpec", "encode_labels", "infer_label_spec", "read_labelled"]
