"""PNG plots of DNA walks: a 3D view coloured by a metadata column and its 2D projections.

Why three panels: the 3D walk shows the shape, but the two perspectives of the study — GC
(G minus C) and TAU (T minus A) against position — are where groups (hosts, species, founders)
separate visibly. Matplotlib's Agg backend is used, so plots work without a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hf_genomics.evaluation.walk import dna_walks

if TYPE_CHECKING:
    from hf_genomics.data.simulation import Subspeciation


def _thin(walk: np.ndarray, max_points: int) -> np.ndarray:
    walk = walk[~np.isnan(walk).any(axis=-1)]
    step = max(1, len(walk) // max_points)
    return walk[::step]


def plot_walks(
    walks: Sequence[str] | np.ndarray,
    labels: Sequence[str],
    out_path: str | Path,
    *,
    title: str = "DNA walks",
    legend_title: str = "",
    max_points: int = 1500,
    alpha: float = 0.5,
) -> Path:
    """Plot walks (sequences or a ``(B, L, 3)`` array) coloured by ``labels``; returns the PNG path.

    Panels: 3D walk, GC perspective vs position, TAU perspective vs position, GC vs TAU.
    Groups are drawn largest first so that rare labels (e.g. non-human hosts) stay visible.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    array = dna_walks(list(walks)) if not isinstance(walks, np.ndarray) else np.asarray(walks, dtype=float)
    labels = [str(label) if label not in (None, "") else "unknown" for label in labels]
    if len(labels) != len(array):
        raise ValueError(f"{len(labels)} labels for {len(array)} walks")
    groups, counts = np.unique(labels, return_counts=True)
    order = groups[np.argsort(-counts, kind="stable")]
    cmap = plt.get_cmap("tab10" if len(order) <= 10 else "tab20")
    colours = {group: cmap(i % cmap.N) for i, group in enumerate(order)}

    fig = plt.figure(figsize=(16, 4.2))
    ax3d = fig.add_subplot(1, 4, 1, projection="3d")
    ax_gc, ax_tau, ax_plane = (fig.add_subplot(1, 4, i) for i in (2, 3, 4))
    label_array = np.asarray(labels)
    for group in order:
        first = True
        for index in np.flatnonzero(label_array == group):
            walk = _thin(array[index], max_points)
            kwargs = {"color": colours[group], "alpha": alpha, "linewidth": 0.7}
            name = f"{group} ({int(counts[groups == group][0])})" if first else None
            ax3d.plot(walk[:, 0], walk[:, 1], walk[:, 2], **kwargs)
            ax_gc.plot(walk[:, 2], walk[:, 0], label=name, **kwargs)
            ax_tau.plot(walk[:, 2], walk[:, 1], **kwargs)
            ax_plane.plot(walk[:, 0], walk[:, 1], **kwargs)
            first = False
    ax3d.set_xlabel("G - C")
    ax3d.set_ylabel("T - A")
    ax3d.set_zlabel("position")
    ax_gc.set(xlabel="position (nt)", ylabel="G - C", title="GC perspective")
    ax_tau.set(xlabel="position (nt)", ylabel="T - A", title="TAU perspective")
    ax_plane.set(xlabel="G - C", ylabel="T - A", title="GC vs TAU")
    ax_gc.legend(title=legend_title or None, fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


def plot_subspeciation(result: Subspeciation, out_path: str | Path, copies_per_founder: int = 25) -> Path:
    """The walks of (a sample of) each founder's copies of :func:`hf_genomics.data.simulation.subspeciation`,
    coloured by founder (Figure 1B)."""
    seqs, labels = [], []
    for index, group in enumerate(result.copies):
        seqs += group[:copies_per_founder]
        labels += [f"founder {index}"] * min(copies_per_founder, len(group))
    n_copies = len(result.copies[0]) if result.copies else 0
    return plot_walks(
        seqs,
        labels,
        out_path,
        title=f"Simulated sub-speciation: {len(result.founders)} founders x {n_copies} copies "
        f"({copies_per_founder} shown each)",
        legend_title="founder",
        alpha=0.3,
    )
