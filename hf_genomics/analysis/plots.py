"""Figures for per-nucleotide maps: a sequence logo (logomaker) and a heatmap (matplotlib).

Both take an ``L x 4`` array in ``A, C, G, T`` order, e.g. ``MutagenesisResult.scores`` or
``Attribution.scores``. For ISM maps the logo shows, at each position, the reference base with
height ``-mean(effect of mutating it)`` (``mode="importance"``: tall letters are bases the model
needs, negative ones bases it would rather change); ``mode="matrix"`` draws the array as it is.
"""

from __future__ import annotations

import numpy as np

from hf_genomics.alphabet import encode
from hf_genomics.analysis.optional import require

_BASES = list("ACGT")


def _as_matrix(values) -> np.ndarray:
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] != 4:
        raise ValueError(f"expected an L x 4 array (A, C, G, T), got shape {matrix.shape}")
    return matrix


def ism_importance_matrix(scores, sequence: str) -> np.ndarray:
    """``L x 4`` with ``-mean(mutation effects)`` in the reference base's column, 0 elsewhere."""
    scores = _as_matrix(scores)
    codes = encode(sequence)
    if len(codes) != len(scores):
        raise ValueError(f"sequence of {len(codes)} nt for {len(scores)} rows")
    mutants = np.where(codes < 4, 3, 4)
    importance = -scores.sum(axis=1) / mutants
    out = np.zeros_like(scores)
    canonical = np.flatnonzero(codes < 4)
    out[canonical, codes[canonical]] = importance[canonical]
    return out


def plot_logo(values, sequence: str | None = None, mode: str = "matrix", ax=None, title: str | None = None):
    """Draw a logomaker logo of an ``L x 4`` array; ``mode="importance"`` needs the ISM ``sequence``."""
    import matplotlib.pyplot as plt
    import pandas as pd

    logomaker = require("logomaker", "sequence logos")
    matrix = _as_matrix(values)
    if mode == "importance":
        if sequence is None:
            raise ValueError("mode='importance' needs the sequence")
        matrix = ism_importance_matrix(matrix, sequence)
    elif mode != "matrix":
        raise ValueError(f"mode must be 'matrix' or 'importance', got {mode!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, len(matrix) / 6), 2.2))
    logomaker.Logo(pd.DataFrame(matrix, columns=_BASES), ax=ax, color_scheme="classic")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("position (nt)")
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(
    values, sequence: str | None = None, ax=None, title: str | None = None, label: str = "effect"
):
    """Bases (rows A, C, G, T) x positions heatmap, diverging colours centred at 0."""
    import matplotlib.pyplot as plt

    matrix = _as_matrix(values)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, len(matrix) / 6), 2.0))
    limit = float(np.nanmax(np.abs(matrix))) or 1.0
    image = ax.imshow(
        matrix.T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
    )
    ax.set_yticks(range(4), _BASES)
    if sequence is not None and len(sequence) <= 120:
        ax.set_xticks(range(len(sequence)), list(sequence), fontsize=6)
    else:
        ax.set_xlabel("position (nt)")
    ax.figure.colorbar(image, ax=ax, label=label, fraction=0.03)
    if title:
        ax.set_title(title)
    return ax


def save_map_figure(values, sequence: str, path, mode: str = "matrix", title: str | None = None) -> None:
    """Logo above heatmap in one PNG/SVG/PDF (the format follows the file suffix)."""
    import matplotlib.pyplot as plt

    width = max(8.0, len(sequence) / 6)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(width, 4.6), constrained_layout=True)
    plot_logo(values, sequence, mode=mode, ax=top, title=title)
    plot_heatmap(values, sequence, ax=bottom)
    figure.savefig(path, dpi=150)
    plt.close(figure)


__all__ = ["ism_importance_matrix", "plot_heatmap", "plot_logo", "save_map_figure"]
