"""``hf-genomics study genes``: generative LMs on human genes (arXiv 2307.10634), reproduced.

Trains n-gram models (N = 1..8, MLE and Laplace) on ``validation.csv`` (the study's 13,731-gene
training split is not public; ``validation.csv`` has a third of that), evaluates every model on
``test.csv`` with one harness (perplexity per predicted token and bits per nucleotide), runs the
real-vs-mutated task (3 seeds x MAX 1/5/10, 1,000 pairs each, both scoring modes) and writes
``results.json``, ``perplexity.csv``, ``mutation.csv``, ``README.md`` (tables with the study's
published numbers beside ours) and ``genes_study.png``.

The LSTM and the GPT-NeoX decoder are trained by the code of ``scripts/run_clm.py``
(:func:`hf_genomics.training.clm.run`; ``--train-neural`` calls it from here, time-boxed) into
``--lstm-dir``/``--decoder-dir``; finished folders are reused, so an interrupted study resumes where
it stopped. Neural scoring covers each unique sequence once. Options: :class:`GenesStudyConfig`.
Tables give mean ± *sample* standard deviation over seeds (:mod:`hf_genomics.evaluation.report`).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hf_genomics.evaluation.report import (
    format_mean_sd,
    mean_sd,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from hf_genomics.paths import shared_data_dir
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)

STUDY_SEEDS = (419432, 623598, 638453)  # the seeds of the study's syntheticMutationDataset files
MAX_MUTATIONS = (1, 5, 10)

# Published test-set perplexities (paper; Laplace also in the repository's results) and the
# repository's MLE results (nGram/results.txt); the study trained on 13,731 genes.
PUBLISHED_PERPLEXITY = {
    ("ngram-mle", 1): 3.9971,
    ("ngram-mle", 2): 3.9298,
    ("ngram-mle", 3): 3.9073,
    ("ngram-mle", 4): 3.8920,
    ("ngram-mle", 5): 3.8787,
    ("ngram-mle", 6): math.inf,
    ("ngram-laplace", 6): 3.8617,
    ("ngram-laplace", 7): 3.8390,
    ("ngram-laplace", 8): 3.8263,
    ("lstm", None): 3.2878,
    ("decoder", None): 3.6905,
}
# syntheticMutationDataset/results.txt: accuracy of its 3 runs per cell (the file does not say which seed is which)
PUBLISHED_MUTATION = {
    "perplexity": {
        "ngram-laplace-8": {1: (0.685, 0.707, 0.652), 5: (0.763, 0.736, 0.758), 10: (0.806, 0.811, 0.813)},
        "lstm": {1: (0.748, 0.724, 0.698), 5: (0.791, 0.800, 0.803), 10: (0.850, 0.849, 0.851)},
        "decoder": {1: (0.668, 0.661, 0.651), 5: (0.725, 0.714, 0.733), 10: (0.766, 0.757, 0.776)},
    },
    "probability": {
        "ngram-laplace-8": {1: (0.681, 0.651, 0.624), 5: (0.728, 0.706, 0.731), 10: (0.770, 0.764, 0.773)},
        "lstm": {1: (0.720, 0.668, 0.667), 5: (0.762, 0.778, 0.776), 10: (0.808, 0.816, 0.790)},
        "decoder": {1: (0.648, 0.639, 0.637), 5: (0.704, 0.661, 0.704), 10: (0.711, 0.734, 0.700)},
    },
}


@dataclass
class GenesStudyConfig:
    """Options of ``hf-genomics study genes`` (each is a ``--flag``; dashes or underscores)."""

    data_dir: Path | None = field(
        default=None, metadata={"help": "folder with validation.csv and test.csv (default: shared data)"}
    )
    output_dir: Path = field(
        default=Path("docs/results/genes"), metadata={"help": "tables, plot, results.json"}
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
    train_neural: bool = field(
        default=False, metadata={"help": "train a missing LSTM/decoder (run_clm's code)"}
    )
    train_minutes: float = field(default=25.0, metadata={"help": "time box per neural model"})
    lstm_preset: str = field(default="small", metadata={"help": "DnaLstmConfig preset"})
    decoder_preset: str = field(default="genes-paper", metadata={"help": "pythia_config preset"})
    threads: int = field(default=1, metadata={"help": "torch.set_num_threads"})
    batch_size: int = field(default=64, metadata={"help": "scoring batch size"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, GenesStudyConfig)


# ---------------------------------------------------------------------------- pieces
def ngram_rows(train: list[str], test: list[str], orders: list[int]) -> tuple[list[dict], dict]:
    """Test perplexity of every (smoothing, N); returns the rows and the fitted Laplace models."""
    from hf_genomics.evaluation.perplexity import evaluate_perplexity
    from hf_genomics.models.ngram import NGramLM

    rows, laplace = [], {}
    for smoothing in ("mle", "laplace"):
        for n in orders:
            logger.info("n-gram %s N=%d", smoothing, n)
            start = time.perf_counter()
            model = NGramLM(n, smoothing).fit(train)
            summary = evaluate_perplexity(model, test)
            name = f"ngram-{smoothing}"
            rows.append(
                {
                    "model": name,
                    "n": n,
                    **summary,
                    "published_perplexity": PUBLISHED_PERPLEXITY.get((name, n)),
                    "seconds": time.perf_counter() - start,
                }
            )
            if smoothing == "laplace":
                laplace[n] = model
    return rows, laplace


def tuned_add_k_row(train: list[str], test: list[str], orders=(5, 6, 7, 8), ks=(1.0, 0.3, 0.1, 0.03)) -> dict:
    """Beyond the study: N and add-k chosen on the last 10% of the training genes, then refit on all."""
    from hf_genomics.evaluation.perplexity import evaluate_perplexity
    from hf_genomics.models.ngram import NGramLM

    cut = len(train) - len(train) // 10
    scores = {(n, k): NGramLM(n, k).fit(train[:cut]).perplexity(train[cut:]) for n in orders for k in ks}
    n, k = min(scores, key=scores.get)
    return {
        "model": f"ngram-add-{k:g} (tuned)",
        "n": n,
        **evaluate_perplexity(NGramLM(n, k).fit(train), test),
        "published_perplexity": None,
        "held_out_perplexity": scores[(n, k)],
    }


def mutation_cells(
    test: list[str], ids: list[int], seeds, maxima, n_pairs: int, pairs_dir: Path
) -> list[dict]:
    """The study's pairs for every (seed, MAX), written in its CSV format."""
    from hf_genomics.data.mutations import make_mutation_pairs, write_mutation_pairs

    cells = []
    for seed in seeds:
        for maximum in maxima:
            pairs = make_mutation_pairs(test, ids, n_pairs=n_pairs, max_mutations=maximum, seed=seed)
            path = pairs_dir / f"synthetic_{seed}_{maximum}_{n_pairs}.csv"
            write_mutation_pairs(path, pairs["NCBIGeneID"], pairs["real"], pairs["mutated"])
            cells.append({"seed": seed, "max_mutations": maximum, "pairs": pairs, "file": str(path)})
    return cells


def _accuracies(score_of, cell: dict, limit: int | None) -> dict[str, float]:
    """Both modes from per-sequence ``(nll, n_predicted)`` looked up by sequence."""
    real = cell["pairs"]["real"][:limit]
    mutated = cell["pairs"]["mutated"][:limit]
    real_nll, real_n = np.array([score_of[s] for s in real]).T
    mut_nll, mut_n = np.array([score_of[s] for s in mutated]).T
    return {
        "perplexity": float(np.mean(real_nll / real_n < mut_nll / mut_n)),
        "probability": float(np.mean(real_nll < mut_nll)),
        "n_pairs": len(real),
    }


def score_unique(
    model, sequences: list[str], tokenizer=None, batch_size: int = 64, cache: Path | None = None
) -> dict[str, tuple[float, int]]:
    """Score each distinct sequence once: ``{sequence: (nll_nats, n_predicted_tokens)}``.

    With ``cache`` (an ``.npz`` of sequence hashes and scores), sequences scored by an earlier run
    are not scored again, so an interrupted or extended study resumes where it stopped.
    """
    import hashlib

    from hf_genomics.evaluation.perplexity import sequence_log_likelihoods

    def key(seq: str) -> str:
        return hashlib.sha1(seq.encode()).hexdigest()

    known: dict[str, tuple[float, int]] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as stored:
            known = {h: (float(v), int(n)) for h, v, n in zip(stored["keys"], stored["nll"], stored["n"])}
    unique = [seq for seq in dict.fromkeys(sequences) if key(seq) not in known]
    if unique:
        scores = sequence_log_likelihoods(model, unique, tokenizer, batch_size=batch_size)
        for seq, nll, n in zip(unique, scores.nll_nats, scores.n_predicted_tokens):
            known[key(seq)] = (float(nll), int(n))
        if cache is not None:
            values = np.array(list(known.values()))
            np.savez(cache, keys=np.array(list(known)), nll=values[:, 0], n=values[:, 1].astype(np.int64))
    return {seq: known[key(seq)] for seq in sequences}


def _corpus(score_of: dict, sequences: list[str]) -> dict[str, float]:
    from hf_genomics.evaluation.units import bits_per_nucleotide, perplexity

    nll = sum(score_of[s][0] for s in sequences)
    tokens = sum(score_of[s][1] for s in sequences)
    bases = sum(len(s) for s in sequences)
    return {
        "perplexity": perplexity(nll, tokens),
        "bits_per_nucleotide": bits_per_nucleotide(nll, bases),
        "nll_nats": nll,
        "n_predicted_tokens": tokens,
        "n_nucleotides": bases,
        "n_sequences": len(sequences),
    }


def train_neural(kind: str, folder: Path, train_file: Path, preset: str, minutes: float) -> None:
    """Time-boxed causal-LM training of the LSTM or decoder (char tokenizer, study selection rule),
    through the same function as ``scripts/run_clm.py``."""
    from transformers import TrainingArguments

    from hf_genomics.training.clm import ClmDataArguments, ClmModelArguments
    from hf_genomics.training.clm import run as run_clm

    model_type, learning_rate = ("lstm", 2e-3) if kind == "lstm" else ("gpt_neox", 1e-3)
    logger.info("training the %s (%s preset) for at most %.0f min into %s", kind, preset, minutes, folder)
    run_clm(
        ClmModelArguments(model_type=model_type, preset=preset, tokenizer_name="char"),
        ClmDataArguments(
            train_file=str(train_file),
            validation_split_percentage=5,
            max_train_minutes=minutes,
            selection_threshold=0.02,
        ),
        TrainingArguments(
            output_dir=str(folder),
            num_train_epochs=50,
            per_device_train_batch_size=32,
            per_device_eval_batch_size=64,
            learning_rate=learning_rate,
            warmup_steps=0.02,
            lr_scheduler_type="constant_with_warmup",
            train_sampling_strategy="group_by_length",
            eval_strategy="steps",
            eval_steps=200,
            save_steps=200,
            save_total_limit=2,
            logging_steps=20,
            use_cpu=True,
            report_to="none",
            seed=42,
            dataloader_num_workers=0,
            disable_tqdm=True,
        ),
    )


def load_trained(folder: Path):
    """The selected model (study rule) if one was kept, else the final one; with its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import hf_genomics  # noqa: F401

    chosen = folder / "selected" if (folder / "selected" / "config.json").exists() else folder
    return AutoModelForCausalLM.from_pretrained(chosen).eval(), AutoTokenizer.from_pretrained(folder), chosen


# ---------------------------------------------------------------------------- report
def _mean(values) -> float:
    return mean_sd(values).mean


def write_report(results: dict, out_dir: Path) -> None:
    """CSV files, a markdown summary with the published numbers beside ours, and a plot."""
    write_json_atomic(out_dir / "results.json", results)
    fields = ["model", "n", "perplexity", "bits_per_nucleotide", "published_perplexity", "n_predicted_tokens"]
    write_csv_atomic(out_dir / "perplexity.csv", results["perplexity"], fields)
    write_csv_atomic(
        out_dir / "mutation.csv",
        (
            [row["model"], row["seed"], row["max_mutations"], mode, row[mode], row["n_pairs"]]
            for row in results["mutation"]
            for mode in ("perplexity", "probability")
        ),
        ["model", "seed", "max_mutations", "mode", "accuracy", "n_pairs"],
    )
    write_text_atomic(out_dir / "README.md", markdown_report(results))
    plot_report(results, out_dir / "genes_study.png")


def _fmt(value) -> str:
    if value is None:
        return "–"
    return "inf" if math.isinf(value) else f"{value:.4f}"


def markdown_report(results: dict) -> str:
    meta = results["meta"]
    lines = [
        "# Generative LMs on human genes (arXiv 2307.10634): reproduction",
        "",
        f"Training genes: {meta['n_train']} (`validation.csv`; the study trained on 13,731), "
        f"test genes: {meta['n_test']} (`test.csv`). Perplexity per predicted token (each gene: its "
        "bases + one end symbol), bits per nucleotide from the same totals.",
        "",
        "## Test perplexity",
        "",
        "| model | N | ours: perplexity | ours: bits/nt | published perplexity |",
        "|---|---|---|---|---|",
    ]
    for row in results["perplexity"]:
        n = "" if row.get("n") is None else row["n"]
        lines.append(
            f"| {row['model']} | {n} | {_fmt(row['perplexity'])} | {_fmt(row['bits_per_nucleotide'])} "
            f"| {_fmt(row.get('published_perplexity'))} |"
        )
    lines += [
        "",
        "## Real vs mutated genes: accuracy (mean ± sample sd over seeds; per-seed values in mutation.csv)",
        "",
        "| model | mode | MAX=1 | MAX=5 | MAX=10 | published MAX=1/5/10 |",
        "|---|---|---|---|---|---|",
    ]
    for model in dict.fromkeys(row["model"] for row in results["mutation"]):
        for mode in ("perplexity", "probability"):
            cells = []
            for maximum in MAX_MUTATIONS:
                values = [
                    r[mode]
                    for r in results["mutation"]
                    if r["model"] == model and r["max_mutations"] == maximum
                ]
                cells.append(format_mean_sd(values, digits=3))
            published = PUBLISHED_MUTATION[mode].get(model)
            reference = "/".join(f"{_mean(published[m]):.3f}" for m in MAX_MUTATIONS) if published else "–"
            lines.append(f"| {model} | {mode} | {' | '.join(cells)} | {reference} |")
    lines += ["", "## Neural models", ""]
    for name, info in results.get("neural", {}).items():
        lines.append(f"- **{name}**: {info.get('note', '')}")
    lines += [
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in results.get("notes", [])],
        "",
        f"Command: `{meta['command']}` ({meta['seconds']:.0f} s).",
        "",
    ]
    return "\n".join(lines)


def plot_report(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, color in (("ngram-mle", "tab:blue"), ("ngram-laplace", "tab:orange")):
        rows = [r for r in results["perplexity"] if r["model"] == name]
        xs = [r["n"] for r in rows]
        left.plot(xs, [min(r["perplexity"], 5.0) for r in rows], "o-", color=color, label=f"{name} (ours)")
        published = [(n, v) for (model, n), v in PUBLISHED_PERPLEXITY.items() if model == name]
        if published:
            left.plot(
                *zip(*[(n, min(v, 5.0)) for n, v in published]), "x--", color=color, label=f"{name} (study)"
            )
    for row in results["perplexity"]:
        if row["model"] in ("lstm", "decoder"):
            left.axhline(row["perplexity"], color="tab:green" if row["model"] == "lstm" else "tab:red",
                         label=f"{row['model']} (ours)")  # fmt: skip
    for model, color in (("lstm", "tab:green"), ("decoder", "tab:red")):
        left.axhline(
            PUBLISHED_PERPLEXITY[(model, None)], color=color, linestyle=":", label=f"{model} (study)"
        )
    lowest = min([3.0, *(r["perplexity"] for r in results["perplexity"])])
    left.set(
        xlabel="N", ylabel="test perplexity (capped at 5)", ylim=(lowest - 0.05, 5.05), title="Perplexity"
    )
    left.legend(fontsize=7)
    models = list(dict.fromkeys(r["model"] for r in results["mutation"]))
    for index, model in enumerate(models):
        means = [
            _mean(
                [
                    r["perplexity"]
                    for r in results["mutation"]
                    if r["model"] == model and r["max_mutations"] == m
                ]
            )
            for m in MAX_MUTATIONS
        ]
        right.plot(MAX_MUTATIONS, means, "o-", color=f"C{index}", label=f"{model} (ours)")
        published = PUBLISHED_MUTATION["perplexity"].get(model)
        if published:
            right.plot(MAX_MUTATIONS, [_mean(published[m]) for m in MAX_MUTATIONS], "x--", color=f"C{index}",
                       label=f"{model} (study)")  # fmt: skip
    right.set(xlabel="MAX mutations", ylabel="accuracy (perplexity mode)", title="Real vs mutated")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------- run
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
    rows, laplace = ngram_rows(train, test, args.ngram_orders)
    logger.info("tuning add-k n-gram on held-out training genes")
    rows.append(tuned_add_k_row(train, test))
    logger.info(
        "mutation pairs: seeds %s x MAX %s, %d pairs each", args.seeds, args.max_mutations, args.n_pairs
    )
    cells = mutation_cells(test, test_ids, args.seeds, args.max_mutations, args.n_pairs, args.pairs_dir)
    mutation = []
    for n in args.mutation_ngram_orders:
        score_of = score_unique(laplace[n], [*test, *(s for c in cells for s in c["pairs"]["mutated"])])
        for cell in cells:
            mutation.append({"model": f"ngram-laplace-{n}", "seed": cell["seed"],
                             "max_mutations": cell["max_mutations"], **_accuracies(score_of, cell, None)})  # fmt: skip

    neural_info: dict[str, dict] = {}
    notes = [
        "ngram-add-k (tuned) goes beyond the study: N and k chosen on the last 10% of the training genes "
        "(never on test), then refitted on all training genes.",
        "Mutation pairs are drawn with our seeded generator using the study's seed values; the study's own "
        "pair files were built from its (unpublished) test split, so pairs differ.",
    ]
    for kind, folder, preset in (
        ("lstm", args.lstm_dir, args.lstm_preset),
        ("decoder", args.decoder_dir, args.decoder_preset),
    ):
        if not (folder / "config.json").exists() and args.train_neural:
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
        score_of = score_unique(
            model, pool, tokenizer, args.batch_size, cache=chosen / "genes_study_scores.npz"
        )
        clm = (
            json.loads((folder / "clm_results.json").read_text())
            if (folder / "clm_results.json").exists()
            else {}
        )
        rows.append({"model": kind, "n": None, **_corpus(score_of, scored_test),
                     "published_perplexity": PUBLISHED_PERPLEXITY[(kind, None)]})  # fmt: skip
        for cell in cells:
            mutation.append({"model": kind, "seed": cell["seed"], "max_mutations": cell["max_mutations"],
                             **_accuracies(score_of, cell, limit)})  # fmt: skip
        minutes = clm.get("train_seconds", float("nan")) / 60
        neural_info[kind] = {
            "folder": str(chosen),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "train_minutes": minutes,
            "epochs": clm.get("epochs"),
            "global_step": clm.get("global_step"),
            "selection": clm.get("selection", {}) and clm["selection"].get("selected"),
            "scoring_seconds": time.perf_counter() - start,
            "note": (
                f"{clm.get('model_args', {}).get('preset', preset)} preset, "
                f"{sum(p.numel() for p in model.parameters()):,} parameters, char tokenizer; trained "
                f"{minutes:.1f} min on 1 shared CPU thread ({clm.get('epochs') or 0:.2f} epochs, "
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
            "pair_files": [c["file"] for c in cells],
            "command": "hf-genomics study genes " + " ".join(sys.argv[3:]),
            "seconds": time.perf_counter() - started,
        },
    }
    write_report(results, args.output_dir)
    return results


def run(args: argparse.Namespace) -> int:
    config = config_from(args, GenesStudyConfig)
    setup_logging()
    results = run_study(config)
    logger.info("tables:\n%s", (config.output_dir / "README.md").read_text())
    logger.info("results: %s (%.0f s)", config.output_dir, results["meta"]["seconds"])
    return 0


__all__ = ["GenesStudyConfig", "add_arguments", "run", "run_study", "score_unique", "write_report"]
