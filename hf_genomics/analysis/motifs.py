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


def seqlet_motif_enrichment(
    sequences: Sequence[str] | np.ndarray,
    hypothetical: np.ndarray,
    targets: Sequence[JasparMotif],
    window_size: int = 15,
    flank: int = 5,
    pad: int = 20,
    fimo_threshold: float = 1e-4,
    target_fdr: float = 0.2,
    seed: int = 0,
) -> tuple[list[dict], dict]:
    """Which JASPAR motifs occur more often in high-attribution seqlets than in random windows?

    The clustering-free half of the attribution -> motif question, for maps where TF-MoDISco-lite
    finds no cluster: seqlets are called by modisco-lite's own caller (FDR ``target_fdr`` against
    its Laplace null, positive-attribution seqlets only) on the sequences padded with ``pad``
    empty positions each side (a motif at the very edge of a short sequence otherwise cannot
    be the centre of a window); each seqlet gets a control window of the same length at a uniformly
    random offset of the same padded sequence. Both sets are scanned with memelite's FIMO
    (``p < fimo_threshold``, both strands); per motif, windows with >= 1 hit are compared with a
    one-sided Fisher exact test, BH over motifs.
    """
    from scipy.stats import fisher_exact

    extract = require("modiscolite.extract_seqlets", "seqlet calling (TF-MoDISco-lite)")
    fimo = require("memelite.fimo", "FIMO motif scanning (memelite)").fimo
    encoded = sequences if isinstance(sequences, np.ndarray) else one_hot(sequences)
    encoded = np.pad(np.asarray(encoded, dtype=np.float32), ((0, 0), (pad, pad), (0, 0)))
    hypothetical = np.pad(np.asarray(hypothetical, dtype=np.float32), ((0, 0), (pad, pad), (0, 0)))
    contribution = (encoded * hypothetical).sum(axis=2)
    seqlets, _ = extract.extract_seqlets(
        attribution_scores=contribution,
        window_size=window_size,
        flank=flank,
        suppress=int(0.5 * window_size) + flank,
        target_fdr=target_fdr,
        min_passing_windows_frac=0.03,
        max_passing_windows_frac=0.2,
        weak_threshold_for_counting_sign=0.8,
    )
    seqlets = [s for s in seqlets if contribution[s.example_idx, s.start : s.end].sum() > 0]
    if not seqlets:
        return [], {"seqlets": 0}
    length = seqlets[0].end - seqlets[0].start
    rng = np.random.default_rng(seed)
    padded_length = encoded.shape[1]
    windows = np.stack([encoded[s.example_idx, s.start : s.start + length] for s in seqlets])
    control_starts = rng.integers(0, padded_length - length + 1, len(seqlets))
    controls = np.stack([encoded[s.example_idx, c : c + length] for s, c in zip(seqlets, control_starts)])
    motifs = {t.matrix_id: t.ppm for t in targets if t.width <= length}
    hit_sets = []
    for batch in (windows, controls):
        frames = fimo(motifs, batch.transpose(0, 2, 1).copy(), threshold=fimo_threshold)
        hit_sets.append({name: set(frame["sequence_name"]) for name, frame in zip(motifs, frames)})
    names = {t.matrix_id: t.name for t in targets}
    rows = []
    n = len(seqlets)
    for matrix_id in motifs:
        a, c = len(hit_sets[0][matrix_id]), len(hit_sets[1][matrix_id])
        table = [[a, n - a], [c, n - c]]
        rows.append(
            {
                "jaspar_id": matrix_id,
                "jaspar_name": names[matrix_id],
                "seqlets_with_hit": a,
                "controls_with_hit": c,
                "windows": n,
                "odds_ratio": ((a + 0.5) * (n - c + 0.5)) / ((n - a + 0.5) * (c + 0.5)),
                "p_value": float(fisher_exact(table, alternative="greater").pvalue),
            }
        )
    q_values = benjamini_hochberg([row["p_value"] for row in rows])
    for row, q in zip(rows, q_values):
        row["q_value"] = float(q)
    rows.sort(key=lambda row: (row["p_value"], -row["odds_ratio"]))
    positions = np.array([s.start + length // 2 - pad for s in seqlets])
    return rows, {"seqlets": n, "window_nt": length, "seqlet_centre_median": float(np.median(positions))}


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
    "seqlet_motif_enrichment",
    "tomtom_against_jaspar",
]
