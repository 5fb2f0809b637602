"""JASPAR position frequency matrices from the SQLite database that pyjaspar ships in its wheel.

pyjaspar bundles every JASPAR release as a local SQLite file, so loading needs no network. The
release is pinned (``JASPAR2024`` by default) so results do not drift when pyjaspar adds one.
Matrices are returned as ``4 x W`` probability matrices in ``A, C, G, T`` row order (the layout
memelite's Tomtom and FIMO expect).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from hf_genomics.analysis.optional import require

DEFAULT_RELEASE = "JASPAR2024"


@dataclass(frozen=True)
class JasparMotif:
    """One JASPAR matrix: ``ppm`` is ``4 x W`` (rows A, C, G, T; columns sum to 1)."""

    matrix_id: str
    name: str
    ppm: np.ndarray

    @property
    def width(self) -> int:
        return self.ppm.shape[1]


def counts_to_ppm(counts: np.ndarray, pseudocount: float = 0.8) -> np.ndarray:
    """Column-normalised probabilities with ``pseudocount`` spread evenly over the 4 bases."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != 4:
        raise ValueError(f"expected a 4 x W count matrix, got shape {counts.shape}")
    padded = counts + pseudocount / 4.0
    return padded / padded.sum(axis=0, keepdims=True)


@functools.lru_cache(maxsize=4)
def load_jaspar(
    release: str = DEFAULT_RELEASE, collection: str = "CORE", tax_group: str = "vertebrates"
) -> tuple[JasparMotif, ...]:
    """Every latest-version matrix of ``collection``/``tax_group`` in ``release`` (cached)."""
    pyjaspar = require("pyjaspar", "matching motifs to JASPAR")
    if release not in pyjaspar.jaspar_releases:
        raise ValueError(
            f"unknown JASPAR release {release!r}; pyjaspar has {sorted(pyjaspar.jaspar_releases)}"
        )
    database = pyjaspar.jaspardb(release=release)
    records = database.fetch_motifs(collection=collection, tax_group=[tax_group])
    motifs = []
    for record in records:
        counts = np.array([record.counts[base] for base in "ACGT"], dtype=float)
        motifs.append(JasparMotif(record.matrix_id, record.name, counts_to_ppm(counts)))
    if not motifs:
        raise ValueError(f"no JASPAR matrices for collection={collection!r}, tax_group={tax_group!r}")
    return tuple(motifs)


def find_motif(motifs: tuple[JasparMotif, ...], matrix_id_prefix: str) -> JasparMotif:
    """The matrix whose id starts with ``matrix_id_prefix`` (e.g. ``"MA0108"`` for TBP)."""
    for motif in motifs:
        if motif.matrix_id.split(".")[0] == matrix_id_prefix.split(".")[0]:
            return motif
    raise KeyError(f"no JASPAR matrix {matrix_id_prefix!r} among {len(motifs)}")


__all__ = ["DEFAULT_RELEASE", "JasparMotif", "counts_to_ppm", "find_motif", "load_jaspar"]
