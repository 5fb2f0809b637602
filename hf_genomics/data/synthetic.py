"""Synthetic composite-function sequences of "Attention is not enough" (dna-llm).

Why: a sequence whose generating function is known lets one ask whether a decoder learns the
function (periodicities, trend) rather than local statistics, with out-of-distribution tests on
parameter values never seen in training.

On ``x = linspace(0, L, L)`` (``L = 4096``)::

    y = amp * cos(2 sin(2 cos(2 pi (x + shift) / wl2)))
      + amp * ratio * sin(2 pi x / wl)
      + amp * sin(2 pi x / wl2) * cos(1.1 pi x / wl2c)
      + direction * k * x ** power
      + noise

with ``wl = L / wavelength``, ``wl2 = L / second_wavelength``,
``wl2c = L / (second_wavelength_cos * 10 * u)``, ``u ~ U(0, 1)`` per sequence, ``shift = L / 10``,
``k = 0.00019`` and ``noise = 2 * N(0, 1) * Bernoulli(0.5)`` per position.

The grid ``direction {-1, 1} x power {1.6, 1.7, 1.8, 1} x wavelength, second_wavelength,
second_wavelength_cos in 1..10 x amplitude {10, ..., 50} x amplitude_ratio {1, 1.5, 2, 3, 5, 6}``
has 240,000 parameter sets. Values become tokens by truncation to ``int`` (the study) or by
shift-and-clip into a fixed vocabulary ``0 .. vocab_size - 1``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np

LENGTH = 4096
K = 0.00019
GRID_VALUES: dict[str, tuple[float, ...]] = {
    "direction": (-1, 1),
    "power": (1.6, 1.7, 1.8, 1),
    "wavelength": tuple(range(1, 11)),
    "second_wavelength": tuple(range(1, 11)),
    "second_wavelength_cos": tuple(range(1, 11)),
    "amplitude": (10, 20, 30, 40, 50),
    "amplitude_ratio": (1, 1.5, 2, 3, 5, 6),
}
PARAMETER_NAMES = tuple(GRID_VALUES)
Tokenization = Literal["truncate", "shift_clip"]


def parameter_grid() -> np.ndarray:
    """All 240,000 parameter sets as a structured array (one named float field per parameter)."""
    dtype = [(name, np.float64) for name in PARAMETER_NAMES]
    rows = list(itertools.product(*GRID_VALUES.values()))
    return np.array(rows, dtype=dtype)


def _get(params: Mapping[str, Any] | np.void, name: str) -> float:
    return float(params[name])


def composite_values(
    params: Mapping[str, Any] | np.void,
    length: int = LENGTH,
    seed: int | Sequence[int] | None = 0,
    *,
    noise_scale: float = 2.0,
) -> np.ndarray:
    """The real-valued composite function (``float64``, shape ``(length,)``).

    The random draws, in order: ``u`` (unless ``params`` has a ``"u"`` entry), the normal noise,
    then the Bernoulli(0.5) mask. ``noise_scale=0`` gives the noiseless function.
    """
    rng = np.random.default_rng(seed)
    names = params.dtype.names if isinstance(params, np.void) else params
    u = _get(params, "u") if "u" in names else rng.uniform(0.0, 1.0)
    direction, power = _get(params, "direction"), _get(params, "power")
    amp, ratio = _get(params, "amplitude"), _get(params, "amplitude_ratio")
    wl = length / _get(params, "wavelength")
    wl2 = length / _get(params, "second_wavelength")
    wl2c = length / (_get(params, "second_wavelength_cos") * 10 * u)
    shift = length / 10
    x = np.linspace(0, length, length)
    y = amp * np.cos(2 * np.sin(2 * np.cos(2 * np.pi * (x + shift) / wl2)))
    y += amp * ratio * np.sin(2 * np.pi * x / wl)
    y += amp * np.sin(2 * np.pi * x / wl2) * np.cos(1.1 * np.pi * x / wl2c)
    y += direction * K * x**power
    noise = rng.standard_normal(length) * rng.binomial(1, 0.5, size=length)
    return y + noise_scale * noise


def to_tokens(
    values: np.ndarray,
    method: Tokenization = "truncate",
    *,
    vocab_size: int = 4096,
    offset: int | None = None,
) -> np.ndarray:
    """Integer tokens: ``"truncate"`` is ``int(y)`` (toward zero; may be negative, as in the study);
    ``"shift_clip"`` is ``clip(int(y) + offset, 0, vocab_size - 1)`` with ``offset = vocab_size // 2``.
    """
    truncated = np.trunc(values).astype(np.int64)
    if method == "truncate":
        return truncated
    if method == "shift_clip":
        shift = vocab_size // 2 if offset is None else offset
        return np.clip(truncated + shift, 0, vocab_size - 1)
    raise ValueError(f"method must be 'truncate' or 'shift_clip', got {method!r}")


def composite_sequence(
    params: Mapping[str, Any] | np.void,
    length: int = LENGTH,
    seed: int | Sequence[int] | None = 0,
    *,
    method: Tokenization = "truncate",
    vocab_size: int = 4096,
) -> np.ndarray:
    """One synthetic token sequence (``int64``, shape ``(length,)``) for a parameter set."""
    return to_tokens(composite_values(params, length, seed), method, vocab_size=vocab_size)


def iter_synthetic(
    grid: np.ndarray,
    indices: Sequence[int] | np.ndarray | None = None,
    *,
    length: int = LENGTH,
    seed: int = 0,
    method: Tokenization = "shift_clip",
    vocab_size: int = 4096,
) -> Iterator[dict[str, Any]]:
    """Stream rows ``{"input_ids", <parameters>, "grid_index"}``; row ``i`` is seeded by ``(seed, i)``
    so any subset or order reproduces the same sequences."""
    for index in range(len(grid)) if indices is None else indices:
        params = grid[int(index)]
        tokens = composite_sequence(params, length, (seed, int(index)), method=method, vocab_size=vocab_size)
        yield {
            "input_ids": tokens.tolist(),
            "grid_index": int(index),
            **{name: float(params[name]) for name in PARAMETER_NAMES},
        }


def synthetic_dataset(grid: np.ndarray, indices: Sequence[int] | np.ndarray | None = None, **kwargs):
    """:func:`iter_synthetic` collected into an in-memory ``datasets.Dataset`` (``Dataset.from_list``;
    no cache, so changed arguments never return stale rows)."""
    from datasets import Dataset

    rows = list(iter_synthetic(grid, indices, **kwargs))
    return Dataset.from_list(rows)


def ood_split(grid: np.ndarray, held_out: Mapping[str, Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(in_distribution, out_of_distribution)``: a set is OOD when any of its parameters
    takes a held-out value, e.g. ``{"wavelength": [10], "amplitude": [50]}``."""
    ood = np.zeros(len(grid), dtype=bool)
    for name, values in held_out.items():
        if name not in PARAMETER_NAMES:
            raise ValueError(f"unknown parameter {name!r}; choose from {PARAMETER_NAMES}")
        ood |= np.isin(grid[name], np.asarray(values, dtype=np.float64))
    return np.flatnonzero(~ood), np.flatnonzero(ood)
