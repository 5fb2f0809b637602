"""Timing shared by the benchmark scripts: the median wall time of repeated calls (the median, not the
best or the mean, so one slow run on the shared machine neither flatters nor sinks a contestant)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    """Median wall-clock seconds of ``repeats`` calls of ``function``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
