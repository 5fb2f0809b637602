"""``hf-genomics study motifs``: which known motifs do a classifier and a BPE vocabulary find?

Two questions on the shared GUE tasks (arXiv 2507.15087 proposes the second and never ran it):

1. **Attributions -> motifs** (``--modisco-task``, default prom_core_tata): exact in-silico
   mutagenesis of the k-mer logistic-regression baseline (dev-selected C; chosen because it trains
   in seconds on 2 CPU cores, and its ISM is exact, see :mod:`hf_genomics.analysis.kmer_model_ism`)
   on positive sequences -> modisco-lite seqlets -> FIMO enrichment of JASPAR motifs in seqlets vs
   random windows (:func:`hf_genomics.analysis.motifs.seqlet_motif_enrichment`); with
   ``--run-modisco`` also TF-MoDISco-lite patterns -> Tomtom. The baseline's largest positive
   6-mer coefficients are scored against JASPAR too.
2. **BPE vocabulary <-> JASPAR**: a BPE vocabulary trained on each task's *training* sequences;
   every token of >= 5 nt is scored against every JASPAR matrix (FIMO-style exact p-value, see
   :mod:`hf_genomics.analysis.kmer_motif_match`); per matrix, tokens vs ``--controls`` length- and
   GC-matched random k-mers per token (odds ratio, stratified permutation p-value, BH); and
   class-conditional enrichment of tokens in positive training sequences (one-sided Fisher, BH),
   with whether those tokens are motif matches.

Writes to ``--output-dir`` (default ``runs/motifs``; the committed results in ``docs/results/motifs``
are only rewritten when asked for by name): ``matches.csv`` (modisco patterns' Tomtom matches,
baseline k-mers' and class-enriched tokens' JASPAR matches), ``enrichment.csv`` (per task x
vocabulary x JASPAR matrix), ``class_tokens.csv`` (class-enriched tokens),
``seqlet_enrichment.csv``, ``summary.json`` and ``logos/``. The folder is locked for the whole run and
the outputs are published together at the end (:class:`~hf_genomics.staged_output.StagedOutput`):
a rerun replaces every one of :data:`OUTPUTS` (nothing of an earlier run stays beside the new
one; other files in the folder are left alone), a killed run leaves the previous results or a
folder without ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from hf_genomics.deprecated_option import add_deprecated_alias

logger = logging.getLogger(__name__)

DEFAULT_TASKS = ("prom/prom_core_tata", "prom/prom_300_tata", "tf/0", "mouse/0")
TBP_ID = "MA0108"
# everything a run writes: a rerun replaces all of these, whichever it writes itself
OUTPUTS = (
    "matches.csv",
    "enrichment.csv",
    "class_tokens.csv",
    "seqlet_enrichment.csv",
    "summary.json",
    "logos",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    default_data = Path(os.environ.get("HF_GENOMICS_DATA", "../shared/data")) / "gue"
    parser.add_argument("--gue", type=Path, default=default_data, help="folder holding the GUE tasks")
    parser.add_argument(
        "--tasks", nargs="+", default=list(DEFAULT_TASKS), help="GUE tasks (paths under --gue)"
    )
    parser.add_argument(
        "--vocab-sizes", nargs="+", type=int, default=[4096], help="BPE vocabulary sizes trained per task"
    )
    parser.add_argument(
        "--output-dir", "--output_dir", type=Path, default=Path("runs/motifs"), help="results folder"
    )
    # every other command's --output is a file; the folder option is --output-dir everywhere
    add_deprecated_alias(parser, "--output", "--output-dir", dest="output_dir", type=Path)
    parser.add_argument(
        "--controls", type=int, default=5, help="length- and GC-matched random k-mers per token"
    )
    parser.add_argument(
        "--permutations", type=int, default=1000, help="permutations of the token/control test"
    )
    parser.add_argument("--threshold", type=float, default=1e-3, help="token-motif match p-value")
    parser.add_argument("--min-token-length", type=int, default=5, help="shorter tokens are not scored")
    parser.add_argument(
        "--modisco-task", default="prom/prom_core_tata", help="task of the attribution study ('' to skip it)"
    )
    parser.add_argument("--modisco-sequences", type=int, default=1500, help="positive sequences given ISM")
    parser.add_argument(
        "--run-modisco",
        action="store_true",
        help="also cluster seqlets with TF-MoDISco-lite (slow; found no pattern on the k-mer baseline's ISM)",
    )
    parser.add_argument("--jaspar-release", default="JASPAR2024", help="pyjaspar release name")
    parser.add_argument("--seed", type=int, default=0, help="random controls and permutations")


def _read_task(gue: Path, task: str):
    """``{split: (sequences, labels)}``; labels must be 0..C-1 with every class in train (the
    positives, label 1, are what the attributions and the class enrichment look at)."""
    from hf_genomics.data.gue import load_gue
    from hf_genomics.data.label_set import check_label_set

    data = load_gue(gue / task)
    column = next(name for name in data["train"].column_names if name != "label")
    splits = {split: (list(data[split][column]), np.asarray(data[split]["label"])) for split in data}
    check_label_set({split: labels for split, (_, labels) in splits.items()}, str(gue / task))
    return splits


def ism_logo_name(task: str) -> str:
    """The ISM example's file name, after the task it shows (``prom/prom_core_tata`` -> ``..._prom_prom_core_tata.png``)."""
    return "ism_example_" + task.strip("/").replace("/", "_") + ".png"


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse settings whose statistics are undefined (no controls: an odds ratio of 0/0)."""
    for name in ("controls", "permutations", "min_token_length", "modisco_sequences"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if not 0 < args.threshold <= 1:
        raise ValueError(f"--threshold must be a p-value in (0, 1], got {args.threshold}")
    if any(size < 8 for size in args.vocab_sizes):
        raise ValueError(
            f"--vocab-sizes must be at least 8 (4 bases + special tokens), got {args.vocab_sizes}"
        )
    if not args.tasks:
        raise ValueError("--tasks needs at least one task")


def _token_presence(tokenizer, sequences: list[str], vocab_size: int):
    from scipy.sparse import csr_matrix

    ids = tokenizer(sequences, add_special_tokens=False)["input_ids"]
    rows = np.repeat(np.arange(len(ids)), [len(row) for row in ids])
    cols = np.concatenate([np.asarray(row, dtype=np.int64) for row in ids])
    presence = csr_matrix((np.ones(len(cols), dtype=np.int8), (rows, cols)), shape=(len(ids), vocab_size))
    presence.data[:] = 1
    presence.sum_duplicates()
    presence.data = np.minimum(presence.data, 1)
    return presence


def vocabulary_study(
    task, splits, vocab_size, jaspar, args
) -> tuple[list[dict], list[dict], list[dict], dict]:
    """Enrichment rows, class-token rows, match rows and a summary for one task x vocabulary."""
    from hf_genomics.analysis.enrichment import (
        benjamini_hochberg,
        class_conditional_enrichment,
        gc_matched_random_kmers,
        vocabulary_enrichment,
    )
    from hf_genomics.analysis.kmer_motif_match import score_kmers
    from hf_genomics.tokenization.bpe import train_dna_bpe

    started = time.perf_counter()
    train_sequences, train_labels = splits["train"]
    logger.info("%s: training BPE %d on %d training sequences", task, vocab_size, len(train_sequences))
    tokenizer = train_dna_bpe(train_sequences, vocab_size=vocab_size)
    vocab = tokenizer.get_vocab()
    tokens = sorted(
        (t for t in vocab if set(t) <= set("ACGT") and len(t) >= args.min_token_length), key=vocab.__getitem__
    )
    controls = gc_matched_random_kmers(tokens, args.controls, seed=args.seed)
    logger.info(
        "%s bpe%d: scoring %d tokens and %d controls against %d JASPAR matrices, %d permutations",
        task, vocab_size, len(tokens), len(controls), len(jaspar), args.permutations,
    )  # fmt: skip
    scored = score_kmers(tokens + controls, jaspar)
    matched = scored.matches(args.threshold)
    token_matches, control_matches = matched[: len(tokens)], matched[len(tokens) :]
    control_matches = control_matches.reshape(len(tokens), args.controls, len(jaspar))
    # one extra column: "matches any JASPAR matrix"
    any_token = token_matches.any(axis=1, keepdims=True)
    any_control = control_matches.any(axis=2, keepdims=True)
    stats = vocabulary_enrichment(
        np.concatenate([token_matches, any_token], axis=1),
        np.concatenate([control_matches, any_control], axis=2),
        permutations=args.permutations,
        seed=args.seed,
    )
    source = f"bpe{vocab_size}:{task}"
    enrichment_rows = []
    for m, motif in enumerate([*jaspar, None]):
        enrichment_rows.append(
            {
                "task": task,
                "vocab_size": vocab_size,
                "jaspar_id": motif.matrix_id if motif else "any",
                "jaspar_name": motif.name if motif else "any JASPAR matrix",
                "tokens": len(tokens),
                "token_matches": int(stats["token_matches"][m]),
                "random_matches": int(stats["random_matches"][m]),
                "random_kmers": len(controls),
                "odds_ratio": float(stats["odds_ratio"][m]),
                "p_value": float(stats["p_value"][m]),
                "q_value": float(
                    stats["q_value"][-1] if motif is None else benjamini_hochberg(stats["p_value"][:-1])[m]
                ),
            }
        )
    # class-conditional: tokens over-represented in positive training sequences
    presence = _token_presence(tokenizer, train_sequences, len(vocab))
    token_ids = np.array([vocab[t] for t in tokens])
    classes = class_conditional_enrichment(presence[:, token_ids], train_labels)
    enriched = np.flatnonzero(classes["q_value"] < 0.05)
    pair_q = benjamini_hochberg(scored.p_value[: len(tokens)])
    tbp = next(i for i, motif in enumerate(jaspar) if motif.matrix_id.startswith(TBP_ID))
    class_rows, match_rows = [], []
    for i in enriched[np.argsort(classes["p_value"][enriched], kind="stable")]:
        best = int(np.argmin(scored.p_value[i]))
        class_rows.append(
            {
                "task": task,
                "vocab_size": vocab_size,
                "token": tokens[i],
                "positives_with": int(classes["positives_with"][i]),
                "negatives_with": int(classes["negatives_with"][i]),
                "odds_ratio": float(classes["odds_ratio"][i]),
                "p_value": float(classes["p_value"][i]),
                "q_value": float(classes["q_value"][i]),
                "matches_any_jaspar": bool(token_matches[i].any()),
                "best_jaspar_id": jaspar[best].matrix_id,
                "best_jaspar_name": jaspar[best].name,
                "best_jaspar_p": float(scored.p_value[i, best]),
                "tbp_p": float(scored.p_value[i, tbp]),
            }
        )
        for m in np.argsort(scored.p_value[i], kind="stable")[:3]:
            if scored.p_value[i, m] <= args.threshold:
                match_rows.append(
                    {
                        "source": source,
                        "token_or_motif": tokens[i],
                        "jaspar_id": jaspar[m].matrix_id,
                        "jaspar_name": jaspar[m].name,
                        "score": float(-np.log10(scored.p_value[i, m])),
                        "p_value": float(scored.p_value[i, m]),
                        "q_value": float(pair_q[i, m]),
                    }
                )
    is_enriched = np.zeros(len(tokens), bool)
    is_enriched[enriched] = True
    any_match = token_matches.any(axis=1)
    from scipy.stats import fisher_exact

    table = [
        [int((is_enriched & any_match).sum()), int((is_enriched & ~any_match).sum())],
        [int((~is_enriched & any_match).sum()), int((~is_enriched & ~any_match).sum())],
    ]
    tbp_row = enrichment_rows[tbp]
    summary = {
        "tokens_scored": len(tokens),
        "token_length_mean": float(np.mean([len(t) for t in tokens])),
        "tokens_matching_any": int(any_match.sum()),
        "random_matching_any_fraction": float(any_control.mean()),
        "any_match_odds_ratio": enrichment_rows[-1]["odds_ratio"],
        "any_match_permutation_p": enrichment_rows[-1]["p_value"],
        "motifs_enriched_q05": int(
            sum(r["q_value"] < 0.05 and r["odds_ratio"] > 1 for r in enrichment_rows[:-1])
        ),
        "motifs_depleted_or_below_1_q05": int(
            sum(r["q_value"] < 0.05 and r["odds_ratio"] < 1 for r in enrichment_rows[:-1])
        ),
        "class_enriched_tokens_q05": int(len(enriched)),
        "class_enriched_matching_any": table[0][0],
        "class_enriched_vs_rest_match_fisher": {
            "table": table,
            "odds_ratio": float(fisher_exact(table)[0]) if len(enriched) else None,
            "p_value": float(fisher_exact(table)[1]) if len(enriched) else None,
        },
        "tbp": {
            "tokens_matching": tbp_row["token_matches"],
            "random_matching": tbp_row["random_matches"],
            "odds_ratio": tbp_row["odds_ratio"],
            "p_value": tbp_row["p_value"],
            "q_value": tbp_row["q_value"],
            "class_enriched_tokens_matching": [
                r["token"] for r in class_rows if r["tbp_p"] <= args.threshold
            ],
        },
        "top_class_tokens": [
            {k: r[k] for k in ("token", "odds_ratio", "q_value", "best_jaspar_name", "best_jaspar_p")}
            for r in class_rows[:10]
        ],
        "seconds": time.perf_counter() - started,
    }
    return enrichment_rows, class_rows, match_rows, summary


def attribution_study(task, splits, jaspar, args, logos: Path) -> tuple[list[dict], dict]:
    """k-mer baseline -> exact ISM on positives -> TF-MoDISco-lite -> Tomtom vs JASPAR."""
    from sklearn.preprocessing import MaxAbsScaler

    from hf_genomics.analysis.jaspar import find_motif
    from hf_genomics.analysis.kmer_model_ism import kmer_model_ism
    from hf_genomics.analysis.kmer_motif_match import score_kmers
    from hf_genomics.analysis.motifs import (
        discover_motifs,
        hypothetical_from_ism,
        save_motif_logo,
        seqlet_motif_enrichment,
        tomtom_against_jaspar,
    )
    from hf_genomics.analysis.plots import save_map_figure
    from hf_genomics.evaluation.kmer_baseline import DEFAULT_KS, fit_kmer_baseline, kmer_frequency_matrix

    started = time.perf_counter()
    logger.info("%s: fitting the k-mer baseline (logistic regression, C chosen on validation)", task)
    baseline = fit_kmer_baseline(
        splits["train"], splits["validation"], splits["test"], seed=args.seed, source=task
    )
    scaler = MaxAbsScaler().fit(kmer_frequency_matrix(splits["train"][0], DEFAULT_KS))
    sequences = [s for split in ("train", "validation", "test") for s, y in zip(*splits[split]) if y == 1]
    sequences = sequences[: args.modisco_sequences]
    logger.info("%s: exact ISM of the baseline on %d positive sequences", task, len(sequences))
    ism = kmer_model_ism(baseline.model, scaler, sequences)
    hypothetical = hypothetical_from_ism(ism)
    save_map_figure(
        ism[0],
        sequences[0],
        logos / ism_logo_name(task),
        mode="importance",
        title=f"k-mer baseline ISM, {task}: first positive training sequence",
    )
    logger.info("%s: seqlets from the ISM, FIMO enrichment of %d JASPAR matrices", task, len(jaspar))
    seqlet_rows, seqlet_summary = seqlet_motif_enrichment(sequences, hypothetical, jaspar, seed=args.seed)
    rows = [
        {
            "source": f"seqlets:kmer-baseline-ism:{task}",
            "token_or_motif": f"{seqlet_summary['seqlets']} seqlets",
            "jaspar_id": r["jaspar_id"],
            "jaspar_name": r["jaspar_name"],
            "score": r["odds_ratio"],
            "p_value": r["p_value"],
            "q_value": r["q_value"],
        }
        for r in seqlet_rows
        if r["q_value"] < 0.05
    ]
    found = []
    if args.run_modisco:
        found = discover_motifs(
            sequences,
            hypothetical,
            sliding_window_size=15,
            flank_size=5,
            n_leiden_runs=10,
            max_seqlets_per_metacluster=5000,
        )
        rows += tomtom_against_jaspar(
            {m.name: m.ppm for m in found}, jaspar, source=f"modisco:kmer-baseline-ism:{task}"
        )
        for motif in found:
            save_motif_logo(
                motif.ppm,
                logos / f"modisco_{motif.name}.png",
                title=f"{motif.name} ({motif.n_seqlets} seqlets)",
            )
    tbp = find_motif(jaspar, TBP_ID)
    save_motif_logo(tbp.ppm, logos / "jaspar_MA0108_TBP.png", title=f"JASPAR {tbp.matrix_id} {tbp.name}")
    # the baseline's own largest 6-mer weights
    offset = sum(4**k for k in DEFAULT_KS if k < 6)
    weights = baseline.model.coef_[0][offset : offset + 4**6]
    top = np.argsort(weights)[::-1][:20]
    kmers = ["".join("ACGT"[(i >> (2 * (5 - j))) & 3] for j in range(6)) for i in top]
    kmer_scores = score_kmers(kmers, jaspar)
    tbp_index = jaspar.index(tbp)
    for i, kmer in enumerate(kmers):
        best = int(np.argmin(kmer_scores.p_value[i]))
        rows.append(
            {
                "source": f"kmer-baseline-coef:{task}",
                "token_or_motif": kmer,
                "jaspar_id": jaspar[best].matrix_id,
                "jaspar_name": jaspar[best].name,
                "score": float(weights[top[i]]),
                "p_value": float(kmer_scores.p_value[i, best]),
                "q_value": float("nan"),
            }
        )
    tbp_hits = [r for r in rows if r["jaspar_id"].startswith(TBP_ID)]
    summary = {
        "classifier": "bag of 3-6-mers + logistic regression (dev-selected C)",
        "chosen_C": baseline.chosen_c,
        "test_mcc": baseline.test["mcc"],
        "ism_sequences": len(sequences),
        "seqlets": {k: (float(v) if not isinstance(v, int) else v) for k, v in seqlet_summary.items()},
        "seqlet_top_motifs": seqlet_rows[:10],
        "modisco_run": bool(args.run_modisco),
        "patterns": [
            {"name": m.name, "seqlets": m.n_seqlets, "consensus": "".join("ACGT"[j] for j in m.ppm.argmax(0))}
            for m in found
        ],
        "tbp_matches": tbp_hits,
        "top_coef_6mers_matching_tbp": [
            k for i, k in enumerate(kmers) if kmer_scores.p_value[i, tbp_index] <= args.threshold
        ],
        "top_coef_6mers": kmers,
        "seconds": time.perf_counter() - started,
    }
    return rows, summary, seqlet_rows


def run(args: argparse.Namespace) -> int:
    from hf_genomics.staged_output import StagedOutput
    from hf_genomics.training.entrypoint import setup_logging

    setup_logging()
    check_arguments(args)
    with StagedOutput(
        args.output_dir,
        command="study motifs",
        completion="summary.json",
        owned=lambda folder: [folder / name for name in OUTPUTS],
        require_owned_folder=False,  # a results folder may hold other things (an ablation's subfolder)
    ) as staged:
        write_study(args, staged.staging)
        staged.publish()
    logger.info("results in %s", args.output_dir)
    return 0


def write_study(args: argparse.Namespace, output: Path) -> None:
    """The whole study, written into ``output`` (the staging area)."""
    import pandas as pd

    from hf_genomics.analysis.jaspar import load_jaspar

    logos = output / "logos"
    logos.mkdir(parents=True, exist_ok=True)
    tasks = {task: _read_task(args.gue, task) for task in args.tasks}  # bad input fails before the work
    logger.info("loading JASPAR (%s CORE vertebrates)", args.jaspar_release)
    jaspar = list(load_jaspar(args.jaspar_release))
    summary: dict = {
        "jaspar": f"{args.jaspar_release} CORE vertebrates, {len(jaspar)} matrices",
        "threshold": args.threshold,
        "controls_per_token": args.controls,
        "permutations": args.permutations,
        "tasks": {},
    }
    enrichment, classes, matches = [], [], []
    for task, splits in tasks.items():
        summary["tasks"][task] = {}
        if args.modisco_task and task == args.modisco_task:
            rows, attribution, seqlet_rows = attribution_study(task, splits, jaspar, args, logos)
            pd.DataFrame(seqlet_rows).to_csv(output / "seqlet_enrichment.csv", index=False)
            matches += rows
            summary["tasks"][task]["attribution"] = attribution
        for vocab_size in args.vocab_sizes:
            e, c, m, s = vocabulary_study(task, splits, vocab_size, jaspar, args)
            enrichment += e
            classes += c
            matches += m
            summary["tasks"][task][f"bpe{vocab_size}"] = s
            logger.info(
                "%s bpe%d: %s",
                task,
                vocab_size,
                {
                    k: s[k]
                    for k in ("tokens_matching_any", "any_match_odds_ratio", "class_enriched_tokens_q05")
                },
            )
    pd.DataFrame(matches).to_csv(output / "matches.csv", index=False)
    pd.DataFrame(enrichment).to_csv(output / "enrichment.csv", index=False)
    pd.DataFrame(classes).to_csv(output / "class_tokens.csv", index=False)
    (output / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
