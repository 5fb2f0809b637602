"""The label set a classifier can learn: ``0..C-1``, every class in the training split.

GUE-layout folders carry integer labels and the class count is read from them (the largest label
plus one), so labels ``{1, 2}`` silently mean three classes with an empty class 0, and a class seen
only in test has no row to learn from. Trainers then fail late and obscurely (a seed ensemble's
"probability shapes differ", scikit-learn's "cannot reshape array", a NaN statistic). Commands
call :func:`check_label_set` before training anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def check_label_set(
    labels: Mapping[str, Sequence[int]], source: str, num_classes: int | None = None, train: str = "train"
) -> int:
    """The number of classes ``C`` after checking that ``labels[train]`` holds every class of
    ``0..C-1`` (at least two) and that no other split holds a class outside it.

    ``labels``: ``{split: integer labels}``; ``num_classes`` the declared count (a registry, a
    ``ClassLabel``), else ``C`` is the number of distinct training labels. Raises :class:`ValueError`
    naming ``source`` (a folder or file) and the split.
    """
    present = {name: np.unique(np.asarray(values, dtype=np.int64)) for name, values in labels.items()}
    seen = present[train]
    count = len(seen) if num_classes is None else int(num_classes)
    if count < 2 or len(seen) < 2:
        raise ValueError(
            f"{source}: the {train} split has {len(seen)} class(es) {seen.tolist()}: a classifier needs at least two"
        )
    expected = np.arange(count)
    missing = np.setdiff1d(expected, seen)
    outside = seen[(seen < 0) | (seen >= count)]
    if missing.size or outside.size:
        raise ValueError(
            f"{source}: labels must be 0..C-1 with every class in {train}; {train} has {seen.tolist()}"
            + (f" (class(es) {missing.tolist()} never occur in {train})" if missing.size else "")
        )
    for name, values in present.items():
        foreign = np.setdiff1d(values, expected)
        if foreign.size:
            raise ValueError(
                f"{source}: the {name} split has label(s) {foreign.tolist()} that never occur in {train} "
                f"(classes 0..{count - 1}): a model cannot learn a class it never sees"
            )
    return count


__all__ = ["check_label_set"]
