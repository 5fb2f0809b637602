"""Checks that a saved plot shows something: decoded pixels, not file size."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_pixels(path: Path) -> np.ndarray:
    """The PNG's RGB pixels (floats in 0..1)."""
    import matplotlib.image

    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return matplotlib.image.imread(path)[..., :3]


def distinct_colours(path: Path, min_pixels: int = 30) -> set[tuple[int, int, int]]:
    """Saturated colours (not white/grey/black) covering at least ``min_pixels`` pixels."""
    pixels = (plot_pixels(path) * 255).round().astype(np.int64).reshape(-1, 3)
    saturated = pixels[(pixels.max(axis=1) - pixels.min(axis=1)) > 60] // 32  # coarse bins
    colours, counts = np.unique(saturated, axis=0, return_counts=True)
    return {tuple(c) for c, n in zip(colours.tolist(), counts) if n >= min_pixels}


def assert_plot_has_content(path: Path, min_colours: int = 1, min_ink: float = 0.01) -> None:
    """At least ``min_ink`` of the pixels are not background and ``min_colours`` data colours show."""
    pixels = plot_pixels(path)
    ink = (pixels.min(axis=-1) < 0.9).mean()
    assert ink >= min_ink, f"{path}: only {ink:.1%} of the pixels are drawn"
    colours = distinct_colours(path)
    assert len(colours) >= min_colours, f"{path}: {len(colours)} data colours, expected >= {min_colours}"
