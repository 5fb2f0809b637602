"""Motifs from attribution / ISM maps: seqlets -> clusters -> PWMs (TF-MoDISco-lite), matched to
JASPAR with Tomtom (memelite).

Why TF-MoDISco-lite: it is the one maintained tool that does all three steps the question needs
(seqlet calling with an FDR on the attribution track, affinity-based Leiden clustering, and
aggregation into contribution-weighted PWMs); tangermeme calls seqlets but leaves clustering to
the user, and gReLU wraps modisco-lite for the same job. Why memelite's Tomtom: a numba
reimplementation of MEME's Tomtom ("complete" score, both strands) that works on in-memory
matrices and is what modisco-lite's own reports use, so no MEME install and no temp files.

Inputs follow the analysis layer's convention: ``L x 4`` arrays with columns ``A, C, G, T``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hf_genomics.alphabet import encode
from hf_genomics.analysis.enrichment import benjamini_hochberg
from hf_genomics.analysis.jaspar import JasparMotif
from hf_genomics.analysis.optional import require

logger = logging.getLogger(__name__)


@dataclass
class DiscoveredMotif:
    """One modisco pattern: ``ppm`` and ``contribution`` are ``4 x W`` (rows A, C, G, T)."""

    name: str
    ppm: np.ndarray
    contribution: np.ndarray
    n_seqlets: int


def one_hot(sequences: Sequence[str]) -> np.ndarray:
    """``(N, L, 4)`` float32 one-hot of equal-length sequences (``N`` rows stay all-zero)."""
    lengths = {len(sequence) for sequence in sequences}
    if len(lengths) != 1:
        raise ValueError(
            f"sequences must share one length for motif discovery, got lengths {sorted(lengths)[:5]}"
        )
    codes = np.stack([encode(sequence, record_id=str(i)) for i, sequence in enumerate(sequences)])
    return np.eye(5, 4, dtype=np.float32)[codes]


def hypothetical_from_ism(ism: np.ndarray) -> np.ndarray:
    """ISM ``(N, L, 4)`` effects (0 at the reference base) -> hypothetical contributions.

    The reference base's contribution is minus the mean effect of mutating it away, the usual
    mean-centring (``x - mean over bases``) that makes the four columns sum to 0 per position.
    """
    ism = np.asarray(ism, dtype=np.float32)
    return ism - ism.mean(axis=-1, keepdims=True)


def _trim(contribution: np.ndarray, fraction: float) -> slice:
    strength = np.abs(contribution).sum(axis=0)
    keep = np.flatnonzero(strength >= fraction * strength.max())
    return slice(int(keep[0]), int(keep[-1]) + 1)


def discover_motifs(
    sequences: Sequence[str] | np.ndarray,
    hypothetical: np.ndarray,
    trim_fraction: float = 0.3,
    **modisco_kwargs,
) -> list[DiscoveredMotif]:
    """Run TF-MoDISco-lite on ``hypothetical`` contributions ``(N, L, 4)`` of ``sequences``.

    ``sequences``: strings or an ``(N, L, 4)`` one-hot array. Patterns are trimmed to the span
    whose per-position total |contribution| reaches ``trim_fraction`` of the maximum.
    ``modisco_kwargs`` go to ``modiscolite.tfmodisco.TFMoDISco`` (e.g. ``sliding_window_size``,
    ``max_seqlets_per_metacluster``, ``n_leiden_runs``).
    """
    tfmodisco = require("modiscolite.tfmodisco", "motif discovery (TF-MoDISco-lite)")
    encoded = sequences if isinstance(sequences, np.ndarray) else one_hot(sequences)
    encoded = np.asarray(encoded, dtype=np.float32)
    hypothetical = np.asarray(hypothetical, dtype=np.float32)
    if encoded.shape != hypothetical.shape or encoded.ndim != 3 or encoded.shape[2] != 4:
        raise ValueError(
            f"one-hot {encoded.shape} and hypothetical {hypothetical.shape} must both be (N, L, 4)"
        )
    positive, negative = tfmodisco.TFMoDISco(
        one_hot=encoded, hypothetical_contribs=hypothetical, **modisco_kwargs
    )
    found = []
    for sign, patterns in (("pos", positive), ("neg", negative)):
        for index, pattern in enumerate(patterns or []):
            contribution = np.asarray(pattern.contrib_scores).T
            span = _trim(contribution, trim_fraction)
            ppm = np.asarray(pattern.sequence).T[:, span]
            ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
            found.append(
                DiscoveredMotif(f"{sign}_pattern_{index}", ppm, contribution[:, span], len(pattern.seqlets))
            )
    logger.info("TF-MoDISco-lite: %d patterns", len(found))
    return found


def tomtom_against_jaspar(
    queries: dict[str, np.ndarray], targets: Sequence[JasparMotif], source: str, top: int = 5
) -> list[dict]:
    """Tomtom p-values of each ``4 x W`` query against every target; the ``top`` best per query.

    ``q_value`` is Benjamini-Hochberg over all query x target p-values of this call (Tomtom's own
    q-values are over all pairs too, with Storey's estimator). ``score`` is Tomtom's alignment
    score (higher = more similar).
    """
    tomtom = require("memelite.tomtom", "Tomtom motif comparison (memelite)").tomtom
    names = list(queries)
    if not names:
        return []
    result = tomtom([np.asarray(queries[name], dtype=np.float64) for name in names], [t.ppm for t in targets])
    p_values, scores = np.asarray(result[0]), np.asarray(result[1])
    p_values = np.clip(np.nan_to_num(p_values, nan=1.0), 0.0, 1.0)
    q_values = benjamini_hochberg(p_values)
    rows = []
    for i, name in enumerate(names):
        for j in np.argsort(p_values[i], kind="stable")[:top]:
            rows.append(
                {
                    "source": source,
                    "token_or_motif": name,
                    "jaspar_id": targets[j].matrix_id,
                    "jaspar_name": targets[j].name,
                    "score": float(scores[i, j]),
                    "p_value": float(p_values[i, j]),
                    "q_value": float(q_values[i, j]),
                }
            )
    return rows


def save_motif_logo(matrix: np.ndarray, path, title: str | None = None, information: bool = True) -> None:
    """A logomaker logo of a ``4 x W`` matrix (probabilities shown in bits when ``information``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    logomaker = require("logomaker", "sequence logos")
    frame = pd.DataFrame(np.asarray(matrix, dtype=float).T, columns=list("ACGT"))
    if information:
        frame = logomaker.transform_matrix(frame, from_type="probability", to_type="information")
    figure, ax = plt.subplots(figsize=(max(3.0, 0.35 * len(frame)), 1.8))
    logomaker.Logo(frame, ax=ax, color_scheme="classic")
    ax.set_ylabel("bits" if information else "")
    if title:
        ax.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


__all__ = [
    "DiscoveredMotif",
    "discover_motifs",
    "hypothetical_from_ism",
    "one_hot",
    "save_motif_logo",
    "tomtom_against_jaspar",
]
