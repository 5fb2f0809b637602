"""The one report helper: mean ± sample standard deviation, atomic file writes, markdown/CSV tables.

Every table of the package (classification seeds, the three studies) summarises repeated runs with
:func:`mean_sd`, which uses the *sample* standard deviation (``n - 1``; 0 for a single run), and
writes its files through :func:`write_json_atomic` / :func:`write_csv_atomic` /
:func:`write_text_atomic`, so a kill never leaves half a file and two processes never share a
temporary name.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import socket
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple


class MeanSd(NamedTuple):
    mean: float
    sd: float
    n: int


def mean_sd(values: Iterable[float]) -> MeanSd:
    """Mean and sample standard deviation (0 for one value); NaN for no values."""
    values = [float(v) for v in values]
    if not values:
        return MeanSd(math.nan, math.nan, 0)
    mean = statistics.fmean(values)
    return MeanSd(mean, statistics.stdev(values) if len(values) > 1 else 0.0, len(values))


def format_mean_sd(values: Iterable[float] | MeanSd, digits: int = 3, scale: float = 1.0) -> str:
    """``"0.731 ± 0.012"`` (values times ``scale``); ``"–"`` when there are none."""
    summary = values if isinstance(values, MeanSd) else mean_sd(values)
    if summary.n == 0:
        return "–"
    return f"{scale * summary.mean:.{digits}f} ± {scale * summary.sd:.{digits}f}"


def temporary_name(path: Path) -> Path:
    """A hidden sibling of ``path`` unique to this process (host and pid: shared filesystems too)."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write through a per-process temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def write_json_atomic(path: str | Path, content: Any, indent: int = 2) -> Path:
    """JSON (``default=str`` for paths and the like), written atomically."""
    return write_text_atomic(path, json.dumps(content, indent=indent, default=str) + "\n")


def write_csv_atomic(
    path: str | Path, rows: Iterable[Mapping[str, Any] | Sequence[Any]], fields: Sequence[str]
) -> Path:
    """CSV with header ``fields``; rows are dicts (extra keys ignored) or sequences."""
    buffer = io.StringIO(newline="")
    dict_writer = csv.DictWriter(
        buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\r\n"
    )
    dict_writer.writeheader()
    plain_writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        if isinstance(row, Mapping):
            dict_writer.writerow(row)
        else:
            plain_writer.writerow(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    tmp.write_text(buffer.getvalue(), newline="")
    os.replace(tmp, path)
    return path


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub markdown table (cells converted with ``str``)."""
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


__all__ = [
    "MeanSd",
    "format_mean_sd",
    "markdown_table",
    "mean_sd",
    "write_csv_atomic",
    "write_json_atomic",
    "write_text_atomic",
]
