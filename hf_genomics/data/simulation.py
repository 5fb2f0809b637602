"""Simulated viral sub-speciation ("Attention is not enough", Figure 1B).

Why: random founder genomes copied with rare mutations give groups whose walks stay together
(copies of one founder) while different founders drift apart — the pattern real viral species
show, with a known ground truth.

Every site of every copy mutates independently with probability ``mutation_rate`` (a
substitution to one of the three other bases, uniformly). The mutated sites are drawn exactly
and without a per-site random array: the gaps between successive mutated sites over the flattened
``founders x copies x length`` sites are geometric, so memory scales with the number of
mutations, not of sites. Optional indels (``indel_rate``) insert a random base or delete the
base at a site, with equal probability.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hf_genomics.alphabet import CODE_TO_BASE


class Subspeciation(NamedTuple):
    """Founders and their copies as strings, plus the per-copy event counts (founders x copies)."""

    founders: list[str]
    copies: list[list[str]]
    substitutions: np.ndarray
    indels: np.ndarray


def bernoulli_sites(n_sites: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of the sites (out of ``n_sites``) hit by independent Bernoulli(``rate``) events."""
    if rate <= 0 or n_sites == 0:
        return np.zeros(0, dtype=np.int64)
    if rate >= 1:
        return np.arange(n_sites, dtype=np.int64)
    expected = n_sites * rate
    chunks, position = [], -1
    while True:
        size = int(expected + 6 * np.sqrt(expected) + 16)
        sites = position + np.cumsum(rng.geometric(rate, size=size))
        chunks.append(sites[sites < n_sites])
        if sites[-1] >= n_sites:
            return np.concatenate(chunks).astype(np.int64)
        position = int(sites[-1])


def _decode_rows(codes: np.ndarray) -> list[str]:
    text = CODE_TO_BASE[codes].tobytes().decode("ascii")
    width = codes.shape[-1]
    return [text[i : i + width] for i in range(0, len(text), width)]


def subspeciation(
    n_founders: int = 10,
    copies: int = 1000,
    length: int = 10_000,
    mutation_rate: float = 1e-5,
    seed: int = 0,
    *,
    indel_rate: float = 0.0,
) -> Subspeciation:
    """``n_founders`` uniform random genomes, each copied ``copies`` times with substitutions
    (and optional indels) at per-site probability ``mutation_rate`` (``indel_rate``)."""
    rng = np.random.default_rng(seed)
    founders = rng.integers(0, 4, size=(n_founders, length), dtype=np.uint8)
    flat = np.repeat(founders[:, None, :], copies, axis=1).reshape(-1)
    hit = bernoulli_sites(flat.size, mutation_rate, rng)
    flat[hit] = (flat[hit] + rng.integers(1, 4, size=hit.size, dtype=np.uint8)) % 4
    grid = (n_founders, copies)
    substitutions = np.bincount(hit // length, minlength=n_founders * copies).reshape(grid)
    copy_codes = flat.reshape(n_founders * copies, length)
    strings = _decode_rows(copy_codes) if length else [""] * (n_founders * copies)

    indel_sites = bernoulli_sites(flat.size, indel_rate, rng)
    indels = np.bincount(indel_sites // length, minlength=n_founders * copies).reshape(grid)
    if indel_sites.size:
        insert = rng.random(indel_sites.size) < 0.5
        new_bases = CODE_TO_BASE[rng.integers(0, 4, size=indel_sites.size)]
        rows = indel_sites // length
        for row in np.unique(rows):  # only the few copies that have an indel
            seq = strings[row]
            pieces, previous = [], 0
            for k in np.flatnonzero(rows == row):
                site = int(indel_sites[k] % length)
                pieces.append(seq[previous:site])
                pieces.append(chr(new_bases[k]) + seq[site] if insert[k] else "")
                previous = site + 1
            pieces.append(seq[previous:])
            strings[row] = "".join(pieces)
    return Subspeciation(
        founders=_decode_rows(founders) if length else [""] * n_founders,
        copies=[strings[f * copies : (f + 1) * copies] for f in range(n_founders)],
        substitutions=substitutions,
        indels=indels,
    )
