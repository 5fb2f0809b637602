"""``hf-genomics study genes``: generative LMs on human genes (arXiv 2307.10634), reproduced.

Trains n-gram models (N = 1..8, MLE and Laplace; beyond the study: tuned add-k, modified
Kneser-Ney and Kneser-Ney mixed with a long-repeat copy expert) on ``validation.csv`` (the study's
training splits are not public), evaluates every model on ``test.csv`` on *both* of the study's
perplexity definitions (:mod:`hf_genomics.evaluation.study_definitions`), scores the study's own
real-vs-mutated pairs (``mutation_pairs/``, 3 seeds x MAX 1/5/10, 1,000 pairs each) in both modes
with its per-family formula, answers the seed's open questions with n-grams (ranking vs training-set
size and vs gene length) and writes ``results.json``, ``perplexity.csv``, ``mutation.csv``,
``open_questions.csv``, ``README.md`` (the study's HEAD numbers beside ours) and ``genes_study.png``.

Neural models (our LSTM and GPT-NeoX decoder, the study-faithful ``genes-study`` LSTM and
GenesTransformer) are scored from their folders when present (``--train-neural`` trains our two,
time-boxed, through :func:`hf_genomics.training.clm.run`). Rows of an earlier ``results.json`` whose
model is absent are carried over, marked, never deleted. Options: :class:`GenesStudyConfig`.

This module runs the study; its parts live beside it: ``genes_published`` (the study's numbers),
``genes_scoring`` (n-gram rows, mutation pairs, score cache, open questions), ``genes_neural``
(training and loading the neural models) and ``genes_report`` (tables, curves, plots).
Tables give mean ± *sample* standard deviation over seeds (:mod:`hf_genomics.evaluation.report`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hf_genomics.paths import shared_data_dir
from hf_genomics.studies.genes_neural import (
    NEURAL_KINDS,
    STUDY_SEQ_LEN,
    load_trained,
    needs_training,
    train_neural,
)
from hf_genomics.studies.genes_published import (
    MAX_MUTATIONS,
    PUBLISHED_DEFINITION,
    PUBLISHED_MUTATION,
    PUBLISHED_PERPLEXITY,
    STUDY_COUNTERPART,
    STUDY_SEEDS,
    published_mutation,
    published_perplexity,
)
from hf_genomics.studies.genes_report import markdown_report, plot_report, write_report
from hf_genomics.studies.genes_scoring import (
    _accuracies,
    definition_row,
    mutation_cells,
    ngram_rows,
    open_question_rows,
    repeat_mixture,
    score_cache_path,
    score_unique,
    tuned_add_k_row,
)
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)


@dataclass
class GenesStudyConfig:
    """Options of ``hf-genomics study genes`` (each is a ``--flag``; dashes or underscores)."""

    data_dir: Path | None = field(
        default=None, metadata={"help": "folder with validation.csv and test.csv (default: shared data)"}
    )
    output_dir: Path = field(
        default=Path("runs/genes"),
        metadata={"help": "tables, plot, results.json (the committed ones: --output_dir docs/results/genes)"},
    )
    pairs: str = field(
        default="study",
        metadata={
            "help": "'study': the study's own pair files (<data-dir>/mutation_pairs); 'generate': ours"
        },
    )
    pair_swaps: bool = field(
        default=False,
        metadata={"help": "generated pairs also swap adjacent bases (the study's files do not)"},
    )
    pairs_dir: Path = field(
        default=Path("runs/genes/pairs"), metadata={"help": "generated mutation-pair CSVs"}
    )
    ngram_orders: list[int] = field(
        default_factory=lambda: list(range(1, 9)), metadata={"help": "n-gram N values"}
    )
    mutation_ngram_orders: list[int] = field(
        default_factory=lambda: [6, 7, 8], metadata={"help": "Laplace N values scored on the mutation task"}
    )
    kneser_ney_orders: list[int] = field(
        default_factory=lambda: [4, 6, 8],
        metadata={"help": "modified Kneser-Ney N values (beyond the study)"},
    )
    mutation_kneser_ney_orders: list[int] = field(
        default_factory=lambda: [8], metadata={"help": "Kneser-Ney N values scored on the mutation task"}
    )
    repeat_expert: bool = field(
        default=True,
        metadata={"help": "Kneser-Ney-8 mixed with a long-repeat copy expert (beyond the study)"},
    )
    open_questions: bool = field(
        default=True, metadata={"help": "n-gram ranking vs training-set size and vs gene length"}
    )
    seeds: list[int] = field(
        default_factory=lambda: list(STUDY_SEEDS), metadata={"help": "mutation-pair seeds"}
    )
    max_mutations: list[int] = field(
        default_factory=lambda: list(MAX_MUTATIONS), metadata={"help": "MAX edits per mutated gene"}
    )
    n_pairs: int = field(default=1000, metadata={"help": "pairs per (seed, MAX) cell"})
    neural_pairs: int | None = field(
        default=None, metadata={"help": "pairs per cell scored by neural models"}
    )
    neural_test_genes: int | None = field(
        default=None, metadata={"help": "test genes scored by neural models"}
    )
    lstm_dir: Path = field(default=Path("runs/genes/lstm"), metadata={"help": "trained LSTM folder"})
    decoder_dir: Path = field(default=Path("runs/genes/decoder"), metadata={"help": "trained decoder folder"})
    lstm_study_dir: Path = field(
        default=Path("runs/genes/lstm-study"),
        metadata={"help": "the study-faithful LSTM (genes-study preset: learned positions, ~8.1 M)"},
    )
    genes_transformer_dir: Path = field(
        default=Path("runs/genes/genes-transformer"),
        metadata={"help": "the study-faithful Transformer decoder (GenesTransformerForCausalLM)"},
    )
    train_neural: bool = field(
        default=False,
        metadata={
            "help": "train missing neural models, and continue the study-faithful ones until early "
            "stopping or 40 epochs (run_clm's code, resumed, --train-minutes per call)"
        },
    )
    train_minutes: float = field(default=25.0, metadata={"help": "time box per neural model"})
    lstm_preset: str = field(default="small", metadata={"help": "DnaLstmConfig preset"})
    decoder_preset: str = field(default="genes-paper", metadata={"help": "pythia_config preset"})
    threads: int = field(default=1, metadata={"help": "torch.set_num_threads"})
    batch_size: int = field(default=64, metadata={"help": "scoring batch size"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, GenesStudyConfig)


# ---------------------------------------------------------------------------- pieces


# ---------------------------------------------------------------------------- report


# ---------------------------------------------------------------------------- run
def carry_over(previous: dict, results: dict) -> list[str]:
    """Rows of an earlier ``results.json`` whose model this run did not compute (a trained model
    that is not shipped) are kept, marked ``carried_over``; returns their model names."""
    computed = {row["model"] for row in results["perplexity"]} | {row["model"] for row in results["mutation"]}
    kept = sorted(
        (
            {row["model"] for row in previous.get("perplexity", [])}
            | {r["model"] for r in previous.get("mutation", [])}
        )
        - computed
    )
    for key in ("perplexity", "mutation"):
        results[key] += [
            {**row, "carried_over": True} for row in previous.get(key, []) if row["model"] in kept
        ]
    for name, info in previous.get("neural", {}).items():
        if name in kept:
            results["neural"][name] = {**info, "carried_over": True}
    if kept:
        results["notes"].append(
            f"Carried over unchanged from the earlier results.json (their models are not in this checkout, so "
            f"they were not recomputed): {', '.join(kept)}. Rows without a 'pairs' label were scored on our "
            "earlier generated pairs (with swaps) and with the end token in both modes."
        )
    return kept


def run_study(config: GenesStudyConfig | argparse.Namespace) -> dict:
    """The whole study (see the module docstring); returns the results written to ``output_dir``.
    Holds the output folder's lock throughout (a second run on it fails at once, naming the holder)."""
    from hf_genomics.output_lock import lock_output_dir

    args = config_from(config, GenesStudyConfig)
    with lock_output_dir(args.output_dir):
        return _run_study(args)


def _run_study(config: GenesStudyConfig) -> dict:
    import torch

    from hf_genomics.data.genes import read_genes_csv

    args = config_from(config, GenesStudyConfig)

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    data_dir = args.data_dir or (shared_data_dir() / "human_genes" if shared_data_dir() else None)
    if data_dir is None or not (data_dir / "test.csv").exists():
        raise FileNotFoundError("no human_genes data: pass --data-dir with validation.csv and test.csv")
    train_data, test_data = read_genes_csv(data_dir / "validation.csv"), read_genes_csv(data_dir / "test.csv")
    train, test, test_ids = train_data["sequence"], test_data["sequence"], test_data["NCBIGeneID"]

    logger.info(
        "%d training genes, %d test genes; fitting n-grams N=%s", len(train), len(test), args.ngram_orders
    )
    rows, fitted = ngram_rows(train, test, args.ngram_orders, args.kneser_ney_orders)
    logger.info("tuning add-k n-gram on held-out training genes")
    rows.append(tuned_add_k_row(train, test))
    if args.repeat_expert:
        from hf_genomics.evaluation.study_definitions import two_definition_scores

        logger.info("Kneser-Ney + long-repeat expert, tuned on held-out training genes")
        start = time.perf_counter()
        mixture, grid = repeat_mixture(train)
        name = f"ngram-kn-8+repeat-{mixture.order}"
        row = definition_row(name, 8, two_definition_scores(mixture, test), time.perf_counter() - start)
        row["held_out_grid"] = grid
        row["beta"] = mixture.beta
        rows.append(row)
        fitted[name] = mixture
    if args.pairs not in ("study", "generate"):
        raise ValueError(f"--pairs must be 'study' or 'generate', got {args.pairs!r}")
    study_pairs = data_dir / "mutation_pairs" if args.pairs == "study" else None
    logger.info("mutation pairs (%s): seeds %s x MAX %s", args.pairs, args.seeds, args.max_mutations)
    cells = mutation_cells(
        test,
        test_ids,
        args.seeds,
        args.max_mutations,
        args.n_pairs,
        args.pairs_dir,
        study_pairs,
        args.pair_swaps,
    )
    pair_pool = [s for c in cells for s in (*c["pairs"]["real"], *c["pairs"]["mutated"])]
    mutation = []
    scored = [f"ngram-laplace-{n}" for n in args.mutation_ngram_orders]
    scored += [f"ngram-kn-{n}" for n in args.mutation_kneser_ney_orders]
    scored += [name for name in fitted if "+repeat" in name]
    for name in scored:
        if name not in fitted:
            raise ValueError(f"{name} is scored on the mutation task but was not fitted (check the N lists)")
        scores, index_of = score_unique(fitted[name], pair_pool)
        for cell in cells:
            mutation.append({"model": name, "seed": cell["seed"], "max_mutations": cell["max_mutations"],
                             **_accuracies(scores, index_of, cell, "ngram", None)})  # fmt: skip

    neural_info: dict[str, dict] = {}
    notes = [
        "ngram-add-k (tuned) goes beyond the study: N and k chosen on the last 10% of the training genes "
        "(never on test), then refitted on all training genes.",
        "ngram-kn: interpolated modified Kneser-Ney (Chen & Goodman), beyond the study. ngram-kn-8+repeat-M: "
        "KN-8 mixed with an M-gram copy expert weighted c(h)/(c(h)+beta) by its context's training count "
        "(hf_genomics.models.ngram_repeat); M and beta chosen on the last 10% of the training genes.",
        "Mutation pairs: "
        + (
            "the study's own files (mutation_pairs/, HEAD ccc8133)."
            if study_pairs
            else "drawn by our seeded generator with the study's seed values."
        ),  # fmt: skip
    ]
    neural = (
        ("lstm", args.lstm_dir, args.lstm_preset),
        ("decoder", args.decoder_dir, args.decoder_preset),
        ("lstm-study", args.lstm_study_dir, "genes-study"),
        ("genes-transformer", args.genes_transformer_dir, "genes-study"),
    )
    for kind, folder, preset in neural:
        if args.train_neural and needs_training(kind, folder):
            train_neural(kind, folder, data_dir / "validation.csv", preset, args.train_minutes)
        if not (folder / "config.json").exists():
            neural_info[kind] = {"note": f"not trained (no model in {folder})"}
            continue
        model, tokenizer, chosen = load_trained(folder)
        logger.info("scoring test genes and mutation pairs with the %s from %s", kind, chosen)
        scored_test = test[: args.neural_test_genes]
        limit = args.neural_pairs
        pool = [
            *scored_test,
            *(s for c in cells for s in (*c["pairs"]["real"][:limit], *c["pairs"]["mutated"][:limit])),
        ]
        start = time.perf_counter()
        scores, index_of = score_unique(
            model, pool, tokenizer, args.batch_size, cache=score_cache_path(chosen)
        )
        clm = (
            json.loads((folder / "clm_results.json").read_text())
            if (folder / "clm_results.json").exists()
            else {}
        )
        rows.append(definition_row(kind, None, scores.subset(np.array([index_of[s] for s in scored_test]))))
        for cell in cells:
            mutation.append({"model": kind, "seed": cell["seed"], "max_mutations": cell["max_mutations"],
                             **_accuracies(scores, index_of, cell, "neural", limit)})  # fmt: skip
        minutes = clm.get("train_seconds", float("nan")) / 60
        n_parameters = sum(p.numel() for p in model.parameters())
        neural_info[kind] = {
            "folder": str(chosen),
            "n_parameters": n_parameters,
            "train_minutes": minutes,
            "epochs": clm.get("epochs"),
            "global_step": clm.get("global_step"),
            "selection": clm.get("selection", {}) and clm["selection"].get("selected"),
            "scoring_seconds": time.perf_counter() - start,
            "curves": {
                "train_loss": clm.get("loss_curve", []),
                "validation": clm.get("eval_curve", []),
                "early_stopping": clm.get("early_stopping"),
            },
            "note": (
                f"{clm.get('model_args', {}).get('preset', preset)} preset, {n_parameters:,} parameters, char "
                f"tokenizer; trained {minutes:.1f} min on shared CPUs ({clm.get('epochs') or 0:.2f} epochs, "
                f"step {clm.get('global_step')}); scored on {len(scored_test)} test genes and "
                f"{limit or args.n_pairs} pairs per cell; model: {chosen}"
            ),
        }
    results = {
        "perplexity": rows,
        "mutation": mutation,
        "neural": neural_info,
        "notes": notes,
        "meta": {
            "n_train": len(train),
            "n_test": len(test),
            "seeds": args.seeds,
            "n_pairs": args.n_pairs,
            "pairs": args.pairs,
            "pair_files": [c["file"] for c in cells],
            "command": "hf-genomics study genes " + " ".join(sys.argv[3:]),
        },
    }
    if args.open_questions:
        results["open_questions"] = open_question_rows(train, test)
    previous_file = args.output_dir / "results.json"
    if previous_file.exists():
        carry_over(json.loads(previous_file.read_text()), results)
    results["meta"]["seconds"] = time.perf_counter() - started
    write_report(results, args.output_dir)
    return results


def run(args: argparse.Namespace) -> int:
    config = config_from(args, GenesStudyConfig)
    setup_logging()
    results = run_study(config)
    logger.info("tables:\n%s", (config.output_dir / "README.md").read_text())
    logger.info("results: %s (%.0f s)", config.output_dir, results["meta"]["seconds"])
    return 0


# the study's pieces, importable from here as before the split
__all__ = [
    "MAX_MUTATIONS",
    "NEURAL_KINDS",
    "PUBLISHED_DEFINITION",
    "PUBLISHED_MUTATION",
    "PUBLISHED_PERPLEXITY",
    "STUDY_COUNTERPART",
    "STUDY_SEEDS",
    "STUDY_SEQ_LEN",
    "GenesStudyConfig",
    "add_arguments",
    "carry_over",
    "definition_row",
    "load_trained",
    "markdown_report",
    "mutation_cells",
    "needs_training",
    "ngram_rows",
    "open_question_rows",
    "plot_report",
    "published_mutation",
    "published_perplexity",
    "repeat_mixture",
    "run",
    "run_study",
    "score_cache_path",
    "score_unique",
    "train_neural",
    "tuned_add_k_row",
    "write_report",
]
