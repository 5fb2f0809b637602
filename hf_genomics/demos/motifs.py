"""Demo section: ISM logo of a prom_core_tata promoter and how its hottest window matches JASPAR
(k-mer baseline classifier, exact ISM, FIMO-style p-values). Without real data, a toy set with a
planted TATA box stands in.

The window is the 8 nt with the largest summed ISM importance of the most confident positive test
sequence. It is scored against every JASPAR CORE vertebrates matrix; the report names the best
match among the TATA-box matrices (those named TBP*/TATA*, i.e. TBP, MA0108, in JASPAR2024), its
p-value and rank among all matrices, and the overall best matches beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _toy(rng, n=600, length=70):
    codes = rng.integers(0, 4, (n, length))
    labels = np.arange(n) % 2
    site = np.array(["ACGT".index(b) for b in "TATAAAAG"])
    for i in np.flatnonzero(labels):
        start = rng.integers(20, 40)
        codes[i, start : start + 8] = site
    return ["".join("ACGT"[c] for c in row) for row in codes], labels


def run(data_dir: Path | None, out_dir: Path) -> str:
    from sklearn.preprocessing import MaxAbsScaler

    from hf_genomics.analysis.jaspar import load_jaspar
    from hf_genomics.analysis.kmer_model_ism import kmer_model_ism
    from hf_genomics.analysis.kmer_motif_match import score_kmers
    from hf_genomics.analysis.plots import save_map_figure
    from hf_genomics.evaluation.kmer_baseline import fit_kmer_baseline, kmer_frequency_matrix

    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    task = data_dir / "gue" / "prom" / "prom_core_tata" if data_dir else None
    if task and task.is_dir():
        from hf_genomics.data.gue import load_gue

        data = load_gue(task, max_samples={"train": 2000, "validation": 300, "test": 300})
        split = {name: (list(data[name]["sequence"]), np.asarray(data[name]["label"])) for name in data}
        source = "GUE prom_core_tata (first 2,000 training rows)"
    else:
        sequences, labels = _toy(rng)
        split = {"train": (sequences[:400], labels[:400]), "validation": (sequences[400:], labels[400:])}
        split["test"] = split["validation"]
        source = "toy sequences with a planted TATAAAAG"
    baseline = fit_kmer_baseline(split["train"], split["validation"], split["test"], cs=(0.1, 1.0))
    scaler = MaxAbsScaler().fit(kmer_frequency_matrix(split["train"][0]))
    test_sequences, test_labels = split["test"]
    positives = [s for s, y in zip(test_sequences, test_labels) if y == 1][:50]
    scores = baseline.model.decision_function(scaler.transform(kmer_frequency_matrix(positives)))
    sequence = positives[int(np.argmax(scores))]
    ism = kmer_model_ism(baseline.model, scaler, [sequence])[0]
    save_map_figure(ism, sequence, out_dir / "ism_logo.png", mode="importance", title="k-mer baseline ISM")
    importance = -ism.sum(axis=1) / 3
    window = 8
    start = int(np.argmax(np.convolve(importance, np.ones(window), mode="valid")))
    hottest = sequence[start : start + window]
    jaspar = load_jaspar()
    p_values = score_kmers([hottest], jaspar).p_value[0]
    order = np.argsort(p_values, kind="stable")
    rank = {int(m): r for r, m in enumerate(order, start=1)}
    tata = [m for m, motif in enumerate(jaspar) if is_tata_box_matrix(motif.name)]
    best_tata = min(tata, key=lambda m: p_values[m])
    verdict = "a match" if p_values[best_tata] <= MATCH_P else f"not a match at p <= {MATCH_P:g}"
    lines = [
        f"Data: {source}; classifier: 3-6-mer logistic regression, test MCC {baseline.test['mcc']:.3f}.",
        f"Window: the {window} nt with the largest summed ISM importance of the most confident positive "
        f"test sequence, `{hottest}` at {start}.",
        f"Best TATA-box matrix for it (JASPAR CORE vertebrates matrices named TBP*/TATA*: "
        f"{', '.join(f'{jaspar[m].name} {jaspar[m].matrix_id}' for m in tata)}; chosen by the smallest "
        f"FIMO-style exact p of the window at its best placement, both strands): "
        f"**{jaspar[best_tata].name} {jaspar[best_tata].matrix_id}, p = {p_values[best_tata]:.1e}** "
        f"({verdict}), rank {rank[best_tata]} of {len(jaspar)} matrices.",
        "",
        "Beside it, the window's best matches among all matrices (at p <= 1e-3 almost any 8-mer matches "
        "something, so a top match alone says little; `hf-genomics study motifs` tests TBP enrichment "
        "against matched random k-mers):",
        "",
        "| JASPAR | name | p | rank |",
        "|---|---|---|---|",
        *[
            f"| {jaspar[m].matrix_id} | {jaspar[m].name} | {p_values[m]:.1e} | {rank[int(m)]} |"
            for m in order[:3]
        ],
        "",
        f"Logo: {out_dir / 'ism_logo.png'}",
    ]
    return "\n".join(lines)


MATCH_P = 1e-3  # the study's match threshold (hf_genomics.analysis.kmer_motif_match)


def is_tata_box_matrix(name: str) -> bool:
    """JASPAR matrices of TATA-box binders, by name (TBP and any TBP-like or TATA-named matrix)."""
    return name.upper().startswith(("TBP", "TATA"))
