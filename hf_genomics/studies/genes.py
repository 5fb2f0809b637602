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

# Published numbers of the study's repository at HEAD ccc8133 (deduplicated data, the same
# validation.csv/test.csv as ours). n-grams: NLTK definition (bases + one end symbol), trained on
# train+validation (18,308 genes); LSTM/Transformer: keras_nlp definition (bases only), trained on
# train (13,731 genes).
PUBLISHED_PERPLEXITY = {
    ("ngram-mle", 1): 3.995892,
    ("ngram-mle", 2): 3.921454,
    ("ngram-mle", 3): 3.898480,
    ("ngram-mle", 4): 3.883381,
    ("ngram-mle", 5): 3.872285,
    ("ngram-mle", 6): math.inf,
    ("ngram-laplace", 6): 3.861649,
    ("ngram-laplace", 7): 3.839023,
    ("ngram-laplace", 8): 3.826298,
    ("lstm", None): 3.2878,
    ("decoder", None): 3.6905,
}
PUBLISHED_DEFINITION = {"lstm": "keras", "decoder": "keras"}  # every other published row: "ngram"
# the study's model each of ours is compared with (our LSTMs with its RNN, our decoders with its Transformer)
STUDY_COUNTERPART = {
    "lstm": "lstm",
    "lstm-study": "lstm",
    "decoder": "decoder",
    "genes-transformer": "decoder",
}
# Real-vs-mutated accuracy, mean of its 3 seeds, MAX = 1/5/10, on its pairs (mutation_pairs/).
PUBLISHED_MUTATION = {
    "perplexity": {
        "ngram-laplace-8": (0.650, 0.740, 0.787),
        "lstm": (0.731, 0.805, 0.846),
        "decoder": (0.652, 0.700, 0.755),
    },
    "probability": {
        "ngram-laplace-8": (0.606, 0.684, 0.719),
        "lstm": (0.676, 0.745, 0.783),
        "decoder": (0.630, 0.666, 0.696),
    },
}


def published_perplexity(model: str, n: int | None) -> float | None:
    return PUBLISHED_PERPLEXITY.get((STUDY_COUNTERPART.get(model, model), n))


def published_mutation(model: str, mode: str) -> tuple[float, ...] | None:
    return PUBLISHED_MUTATION[mode].get(STUDY_COUNTERPART.get(model, model))


@dataclass
class GenesStudyConfig:
    """Options of ``hf-genomics study genes`` (each is a ``--flag``; dashes or underscores)."""

    data_dir: Path | None = field(
        default=None, metadata={"help": "folder with validation.csv and test.csv (default: shared data)"}
    )
    output_dir: Path = field(
        default=Path("docs/results/genes"), metadata={"help": "tables, plot, results.json"}
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
def definition_row(model: str, n: int | None, scores, seconds: float | None = None) -> dict:
    """One perplexity row on both of the study's definitions (see hf_genomics.evaluation.study_definitions)."""
    from hf_genomics.evaluation.study_definitions import (
        keras_definition_perplexity,
        ngram_definition_perplexity,
    )
    from hf_genomics.evaluation.units import bits_per_nucleotide

    nll_bases = float(np.sum(scores.nll_bases))
    return {
        "model": model,
        "n": n,
        "perplexity": ngram_definition_perplexity(scores),
        "perplexity_keras": keras_definition_perplexity(scores),
        "bits_per_nucleotide": bits_per_nucleotide(nll_bases, int(np.sum(scores.n_bases))),
        "nll_nats": float(np.sum(scores.nll_with_end)),
        "nll_bases_nats": nll_bases,
        "n_predicted_tokens": int(np.sum(scores.n_with_end)),
        "n_nucleotides": int(np.sum(scores.n_bases)),
        "n_sequences": len(scores.nll_bases),
        "published_perplexity": published_perplexity(model, n),
        "published_definition": PUBLISHED_DEFINITION.get(STUDY_COUNTERPART.get(model, model), "ngram"),
        **({"seconds": seconds} if seconds is not None else {}),
    }


def ngram_rows(
    train: list[str], test: list[str], orders: list[int], kneser_ney_orders: list[int] = ()
) -> tuple[list[dict], dict]:
    """Test perplexity of every (smoothing, N) on both definitions, with fit + scoring seconds;
    returns the rows and the fitted models by name (``ngram-laplace-8``, ``ngram-kn-8``, ...)."""
    from hf_genomics.evaluation.study_definitions import two_definition_scores
    from hf_genomics.models.ngram import NGramLM
    from hf_genomics.models.ngram_kneser_ney import KneserNeyLM

    specs = [(f"ngram-{s}", n, lambda n=n, s=s: NGramLM(n, s)) for s in ("mle", "laplace") for n in orders]
    specs += [("ngram-kn", n, lambda n=n: KneserNeyLM(n, "modified")) for n in kneser_ney_orders]
    rows, models = [], {}
    for name, n, build in specs:
        logger.info("%s N=%d", name, n)
        start = time.perf_counter()
        model = build().fit(train)
        fitted = time.perf_counter()
        scores = two_definition_scores(model, test)
        row = definition_row(name, n, scores, time.perf_counter() - start)
        row["fit_seconds"] = fitted - start
        rows.append(row)
        models[f"{name}-{n}"] = model
    return rows, models


def tuned_add_k_row(train: list[str], test: list[str], orders=(5, 6, 7, 8), ks=(1.0, 0.3, 0.1, 0.03)) -> dict:
    """Beyond the study: N and add-k chosen on the last 10% of the training genes, then refit on all."""
    from hf_genomics.evaluation.study_definitions import two_definition_scores
    from hf_genomics.models.ngram import NGramLM

    cut = len(train) - len(train) // 10
    scores = {(n, k): NGramLM(n, k).fit(train[:cut]).perplexity(train[cut:]) for n in orders for k in ks}
    n, k = min(scores, key=scores.get)
    row = definition_row(f"ngram-add-{k:g} (tuned)", n, two_definition_scores(NGramLM(n, k).fit(train), test))
    row["held_out_perplexity"] = scores[(n, k)]
    return row


def repeat_mixture(
    train: list[str], base_order: int = 8, orders=(14, 16, 18, 20), betas=(0.25, 0.5, 1.0, 2.0)
) -> tuple[object, dict]:
    """Beyond the study: modified KN mixed with a long-repeat copy expert
    (:class:`~hf_genomics.models.ngram_repeat.RepeatMixtureLM`); its order and beta chosen on the
    last 10% of the training genes, then refitted on all. Returns the model and the held-out grid."""
    from hf_genomics.models.ngram import NGramLM
    from hf_genomics.models.ngram_kneser_ney import KneserNeyLM
    from hf_genomics.models.ngram_repeat import RepeatMixtureLM

    cut = len(train) - len(train) // 10
    base = KneserNeyLM(base_order).fit(train[:cut])
    grid = {"base": base.perplexity(train[cut:])}
    for order in orders:
        expert = NGramLM(order, "mle").fit(train[:cut])
        for beta in betas:
            mixture = RepeatMixtureLM(base, order, beta, repeat=expert)
            grid[f"order={order},beta={beta:g}"] = mixture.perplexity(train[cut:])
    best = min((k for k in grid if k != "base"), key=grid.get)
    order, beta = (float(part.split("=")[1]) for part in best.split(","))
    logger.info("repeat expert: held-out %s -> %.4f (KN alone %.4f)", best, grid[best], grid["base"])
    return RepeatMixtureLM(KneserNeyLM(base_order), int(order), beta).fit(train), grid


def mutation_cells(
    test: list[str],
    ids: list[int],
    seeds,
    maxima,
    n_pairs: int,
    pairs_dir: Path,
    study_pairs_dir: Path | None = None,
    swap: bool = False,
) -> list[dict]:
    """The real-vs-mutated pairs of every (seed, MAX): the study's own files when ``study_pairs_dir``
    holds them, else drawn by our generator (study-faithful: no swaps unless ``swap``) and written in
    its CSV format."""
    from hf_genomics.data.genes import read_mutation_pairs
    from hf_genomics.data.mutations import make_mutation_pairs, write_mutation_pairs

    cells = []
    for seed in seeds:
        for maximum in maxima:
            name = f"synthetic_{seed}_{maximum}_{n_pairs}.csv"
            if study_pairs_dir is not None:
                path = study_pairs_dir / name
                if not path.exists():
                    raise FileNotFoundError(
                        f"{path}: the study's pair file is missing (use --pairs generate)"
                    )
                table = read_mutation_pairs(path)
                pairs = {
                    "NCBIGeneID": table["NCBIGeneID"],
                    "real": table["real"],
                    "mutated": table["mutated"],
                }
                source = "study"
            else:
                pairs = make_mutation_pairs(
                    test, ids, n_pairs=n_pairs, max_mutations=maximum, seed=seed, swap=swap
                )
                path = pairs_dir / name
                write_mutation_pairs(path, pairs["NCBIGeneID"], pairs["real"], pairs["mutated"])
                source = "generated with swaps" if swap else "generated"
            cells.append({"seed": seed, "max_mutations": maximum, "pairs": pairs, "file": str(path),
                          "source": source})  # fmt: skip
    return cells


def _accuracies(scores, index_of: dict[str, int], cell: dict, family: str, limit: int | None) -> dict:
    """Both modes by the study's per-family formula (:func:`~hf_genomics.evaluation.study_definitions.pair_wins`)."""
    from hf_genomics.evaluation.study_definitions import pair_wins

    real = scores.subset(np.array([index_of[s] for s in cell["pairs"]["real"][:limit]]))
    mutated = scores.subset(np.array([index_of[s] for s in cell["pairs"]["mutated"][:limit]]))
    return {
        **{
            mode: float(np.mean(pair_wins(real, mutated, family, mode)))
            for mode in ("perplexity", "probability")
        },
        "n_pairs": len(real.nll_bases),
        "pairs": cell["source"],
        "formula": family,
    }


def score_cache_path(folder: Path) -> Path:
    """Where a trained model's pair/test scores are cached: named after a digest of its weights, so
    a model trained further (or replaced) is scored afresh instead of reusing stale numbers."""
    import hashlib

    digest = hashlib.sha1()
    for weights in sorted(folder.glob("*.safetensors")):
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return folder / f"genes_study_scores_{digest.hexdigest()[:16]}.npz"


def score_unique(
    model, sequences: list[str], tokenizer=None, batch_size: int = 64, cache: Path | None = None
):
    """Score each distinct sequence once on both definitions; returns the scores of the distinct
    sequences and ``{sequence: row}``.

    With ``cache`` (an ``.npz`` of sequence hashes and scores), sequences scored by an earlier run
    are not scored again, so an interrupted or extended study resumes where it stopped.
    """
    import hashlib

    from hf_genomics.evaluation.study_definitions import TwoDefinitionScores, two_definition_scores

    fields = ("nll_with_end", "n_with_end", "nll_bases", "n_bases")

    def key(seq: str) -> str:
        return hashlib.sha1(seq.encode()).hexdigest()

    distinct = list(dict.fromkeys(sequences))
    known: dict[str, tuple] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as stored:
            known = dict(zip(stored["keys"], zip(*(stored[f] for f in fields))))
    missing = [seq for seq in distinct if key(seq) not in known]
    if missing:
        scored = two_definition_scores(model, missing, tokenizer, batch_size=batch_size)
        for i, seq in enumerate(missing):
            known[key(seq)] = tuple(getattr(scored, f)[i] for f in fields)
        if cache is not None:
            columns = list(zip(*known.values()))
            np.savez(cache, keys=np.array(list(known)), **{f: np.array(c) for f, c in zip(fields, columns)})
    columns = list(zip(*(known[key(seq)] for seq in distinct)))
    scores = TwoDefinitionScores(
        np.array(columns[0], float), np.array(columns[1], np.int64), np.array(columns[2], float),
        np.array(columns[3], np.int64),
    )  # fmt: skip
    return scores, {seq: i for i, seq in enumerate(distinct)}


def open_question_rows(train: list[str], test: list[str], seed: int = 0) -> list[dict]:
    """The seed's open questions with cheap models: test perplexity (n-gram definition) and rank of
    Laplace and modified Kneser-Ney N = 4/6/8 vs training-set size (1/4, 1/2, all of the training
    genes, a seeded random subset) and vs gene length (train and test genes cut to their first
    100/500/1000 nt)."""
    from hf_genomics.models.ngram import NGramLM
    from hf_genomics.models.ngram_kneser_ney import KneserNeyLM

    builders = {
        **{f"ngram-laplace-{n}": (lambda n=n: NGramLM(n, "laplace")) for n in (4, 6, 8)},
        **{f"ngram-kn-{n}": (lambda n=n: KneserNeyLM(n, "modified")) for n in (4, 6, 8)},
    }
    order = np.random.default_rng(seed).permutation(len(train))
    conditions = [
        ("training genes", f"{label} ({size})", [train[i] for i in order[:size]], test)
        for label, size in (("1/4", len(train) // 4), ("1/2", len(train) // 2), ("all", len(train)))
    ]
    conditions += [
        ("gene length", f"first {cut} nt", [s[:cut] for s in train], [s[:cut] for s in test])
        for cut in (100, 500, 1000)
    ]
    rows = []
    for question, condition, train_part, test_part in conditions:
        logger.info("open question: %s = %s", question, condition)
        values = {name: build().fit(train_part).perplexity(test_part) for name, build in builders.items()}
        ranks = {name: rank for rank, name in enumerate(sorted(values, key=values.get), start=1)}
        rows += [{"question": question, "condition": condition, "model": name, "perplexity": value,
                  "rank": ranks[name]} for name, value in values.items()]  # fmt: skip
    return rows


# the study's Keras models take 2**10 - 1 positions ([BOS] + genes, mutated genes up to 1,010 nt)
STUDY_SEQ_LEN = 1023

# kind -> (run_clm model_type, learning rate, batch size, study-faithful?)
NEURAL_KINDS = {
    "lstm": ("lstm", 2e-3, 32, False),
    "decoder": ("gpt_neox", 1e-3, 32, False),
    "lstm-study": ("lstm", 1e-3, 64, True),
    "genes-transformer": ("genes_transformer", 1e-3, 64, True),
}


def train_neural(
    kind: str,
    folder: Path,
    train_file: Path,
    preset: str,
    minutes: float,
    config_overrides: str | None = None,
) -> None:
    """Time-boxed causal-LM training through the same function as ``scripts/run_clm.py`` (char
    tokenizer), resumed from the folder's last checkpoint when there is one. Our LSTM/decoder use
    our recipe (warm-up, batch 32, the paper's |train - val| < 0.02 selection rule); the
    study-faithful ones the study's code: Adam 1e-3 constant, batch 64, 40 epochs at most,
    validation loss each epoch with early stopping (patience 5, last weights kept). One CPU
    concession: batches are drawn grouped by length (``group_by_length``) rather than uniformly,
    which cuts the padded positions an LSTM must step through by ~2.7x on these genes (mean 365 nt,
    longest 1,000). ``config_overrides`` (``run_clm``'s, e.g. ``"init_scheme=keras"``) is for
    experiments beside the study's models."""
    from transformers import TrainingArguments

    from hf_genomics.training.clm import ClmDataArguments, ClmModelArguments
    from hf_genomics.training.clm import run as run_clm

    model_type, learning_rate, batch_size, faithful = NEURAL_KINDS[kind]
    logger.info("training the %s (%s preset) for at most %.0f min into %s", kind, preset, minutes, folder)
    resume = "last" if any(folder.glob("checkpoint-*")) else None
    run_clm(
        ClmModelArguments(
            model_type=model_type, preset=preset, tokenizer_name="char", config_overrides=config_overrides
        ),
        ClmDataArguments(
            train_file=str(train_file),
            validation_split_percentage=5,
            max_train_minutes=minutes,
            selection_threshold=None if faithful else 0.02,
            early_stopping_patience=5 if faithful else None,
        ),
        TrainingArguments(
            output_dir=str(folder),
            num_train_epochs=40 if faithful else 50,
            per_device_train_batch_size=batch_size,
            per_device_eval_batch_size=64,
            learning_rate=learning_rate,
            warmup_steps=0 if faithful else 0.02,
            lr_scheduler_type="constant" if faithful else "constant_with_warmup",
            train_sampling_strategy="group_by_length",
            eval_strategy="epoch" if faithful else "steps",
            eval_steps=None if faithful else 200,
            save_strategy="steps",
            save_steps=10 if faithful else 200,
            save_total_limit=2,
            logging_steps=2 if faithful else 20,
            use_cpu=True,
            report_to="none",
            seed=42,
            dataloader_num_workers=0,
            disable_tqdm=True,
            resume_from_checkpoint=resume,
        ),
    )


def needs_training(kind: str, folder: Path) -> bool:
    """A missing model always; a study-faithful one also until early stopping ends it or it reaches
    the study's 40 epochs (``--train-neural`` then continues it from its last checkpoint)."""
    if not (folder / "config.json").exists():
        return True
    if not NEURAL_KINDS[kind][3]:
        return False
    try:
        clm = json.loads((folder / "clm_results.json").read_text())
    except (OSError, ValueError):
        return True
    stopped = (clm.get("early_stopping") or {}).get("stopped_at_step") is not None
    return not stopped and (clm.get("epochs") or 0) < 40


def load_trained(folder: Path):
    """The selected model (study rule) if one was kept, else the final one; with its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import hf_genomics  # noqa: F401
    from hf_genomics.models.learned_positions import extend_learned_positions

    chosen = folder / "selected" if (folder / "selected" / "config.json").exists() else folder
    model = AutoModelForCausalLM.from_pretrained(chosen, trust_remote_code=False).eval()
    uses_learned_positions = getattr(
        model.config, "position_embedding", model.config.model_type == "genes_transformer"
    )
    if uses_learned_positions and extend_learned_positions(model, STUDY_SEQ_LEN):
        logger.info("%s: learned positions grown to the study's %d for mutated genes", chosen, STUDY_SEQ_LEN)
    return model, AutoTokenizer.from_pretrained(folder, trust_remote_code=False), chosen


# ---------------------------------------------------------------------------- report
def _mean(values) -> float:
    return mean_sd(values).mean


def write_report(results: dict, out_dir: Path) -> None:
    """CSV files, a markdown summary with the published numbers beside ours, and a plot."""
    write_json_atomic(out_dir / "results.json", results)
    fields = ["model", "n", "perplexity", "perplexity_keras", "bits_per_nucleotide", "published_perplexity",
              "published_definition", "n_predicted_tokens", "seconds", "carried_over"]  # fmt: skip
    write_csv_atomic(
        out_dir / "perplexity.csv", ([row.get(f) for f in fields] for row in results["perplexity"]), fields
    )
    write_csv_atomic(
        out_dir / "mutation.csv",
        (
            [
                row["model"],
                row["seed"],
                row["max_mutations"],
                mode,
                row[mode],
                row["n_pairs"],
                row.get("pairs", "generated with swaps (earlier run)"),
                row.get("formula", "end token"),
                row.get("carried_over", False),
            ]  # fmt: skip
            for row in results["mutation"]
            for mode in ("perplexity", "probability")
        ),
        ["model", "seed", "max_mutations", "mode", "accuracy", "n_pairs", "pairs", "formula", "carried_over"],
    )
    if results.get("open_questions"):
        write_csv_atomic(
            out_dir / "open_questions.csv",
            (
                [r["question"], r["condition"], r["model"], r["perplexity"], r["rank"]]
                for r in results["open_questions"]
            ),
            ["question", "condition", "model", "perplexity", "rank"],
        )
    write_text_atomic(out_dir / "README.md", markdown_report(results))
    plot_report(results, out_dir / "genes_study.png")
    if any(info.get("curves", {}).get("train_loss") for info in results.get("neural", {}).values()):
        plot_training_curves(results["neural"], out_dir / "training_curves.png")


def validation_losses(info: dict) -> list[tuple[int, float | None, float]]:
    """(step, epoch, validation loss) of a neural model's evaluation curve, one per step (a stop by
    the time budget can evaluate the same step twice)."""
    by_step = {}
    for entry in info.get("curves", {}).get("validation", []):
        loss = entry.get("eval_loss", entry.get("eval_validation_loss"))
        if loss is not None:
            by_step[entry["step"]] = (entry["step"], entry.get("epoch"), loss)
    return sorted(by_step.values())


def validation_by_epoch(info: dict) -> list[tuple[float, float]]:
    """(epoch, validation perplexity per predicted token) from a neural model's evaluation curve."""
    return [(float(epoch), math.exp(loss)) for _, epoch, loss in validation_losses(info) if epoch is not None]


def curve_summary(info: dict) -> str:
    """Where a trained model's validation perplexity landed and its slope over the last stretch."""
    points = validation_by_epoch(info)
    if not points:
        return ""
    text = "validation perplexity (held-out 5 % of the training genes, per predicted token incl. [EOS]) by epoch: "
    text += ", ".join(f"{epoch:.2f}: {value:.4f}" for epoch, value in points)
    if len(points) >= 2 and points[-1][0] > points[-2][0]:
        (e0, v0), (e1, v1) = points[-2], points[-1]
        text += f"; last slope {(v1 - v0) / (e1 - e0):+.4f} per epoch"
    rule = info.get("curves", {}).get("early_stopping")
    if rule:
        stopped = rule.get("stopped_at_step")
        text += f"; early stopping (patience {rule['patience']} epochs) " + (
            f"stopped at step {stopped}" if stopped else "did not trigger"
        )
    return text


def plot_training_curves(neural: dict, path: Path) -> None:
    """Training loss per logged step and validation loss per evaluation (nats/token), per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for index, (name, info) in enumerate(neural.items()):
        curves = info.get("curves", {})
        train = curves.get("train_loss") or []
        if not train:
            continue
        ax.plot([e["step"] for e in train], [e["loss"] for e in train], color=f"C{index}", alpha=0.5,
                label=f"{name} train")  # fmt: skip
        validation = [(step, loss) for step, _, loss in validation_losses(info)]
        if validation:
            ax.plot(*zip(*validation), "o-", color=f"C{index}", label=f"{name} validation")
    ax.set(
        xlabel="optimizer step (batch 64)",
        ylabel="loss (nats / token)",
        title="Study-faithful models: training",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _fmt(value) -> str:
    if value is None:
        return "–"
    return "inf" if math.isinf(value) else f"{value:.4f}"


def _published_cell(row: dict) -> str:
    value = row.get("published_perplexity")
    if value is None:
        return "–"
    definition = PUBLISHED_DEFINITION.get(STUDY_COUNTERPART.get(row["model"], row["model"]), "ngram")
    return f"{value} ({definition})"


def markdown_report(results: dict) -> str:
    meta = results["meta"]
    lines = [
        "# Generative LMs on human genes (arXiv 2307.10634): reproduction",
        "",
        f"Training genes: {meta['n_train']} (`validation.csv`; the study's n-grams trained on 18,308 genes, its "
        f"neural models on 13,731), test genes: {meta['n_test']} (`test.csv`, byte-identical to the study's).",
        "",
        "Two perplexity definitions, as the study used them (`hf_genomics.evaluation.study_definitions`): "
        "**ngram** = each gene's L bases + one end symbol, corpus exp(mean NLL) (NLTK; the study's n-gram "
        "numbers); **keras** = the L bases only, `[BOS]` input only, exp of the batch-size-weighted mean of "
        "per-batch token-mean NLL, batches of 64 in file order (keras_nlp `Perplexity`; the study's "
        "LSTM/Transformer numbers). Published numbers: the study's repository at HEAD `ccc8133`, labelled "
        "with their definition. Bits/nt: bases-only NLL over the bases.",
        "",
        "## Test perplexity",
        "",
        "| model | N | ours: ngram def. | ours: keras def. | bits/nt | published (definition) | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["perplexity"]:
        n = "" if row.get("n") is None else row["n"]
        seconds = f"{row['seconds']:.2f}" if row.get("seconds") is not None else "–"
        name = row["model"] + (" †" if row.get("carried_over") else "")
        keras = _fmt(row.get("perplexity_keras"))
        lines.append(
            f"| {name} | {n} | {_fmt(row['perplexity'])} | {keras} | {_fmt(row['bits_per_nucleotide'])} "
            f"| {_published_cell(row)} | {seconds} |"
        )
    lines += [
        "",
        "† carried over from an earlier run (model not in this checkout; see Notes): only the ngram "
        "definition was measured then.",
        "",
        "## Real vs mutated genes: accuracy (mean ± sample sd over seeds; per-seed values in mutation.csv)",
        "",
        "Per-family formula as in the study: n-grams compare ppl over L+1 tokens (perplexity mode) or the "
        "total NLL over L+1 tokens (probability mode); neural models compare the bases-only ppl (perplexity "
        "mode) or the L-token NLL × (L+1)/L (probability mode).",
        "",
        "| model | pairs | mode | MAX=1 | MAX=5 | MAX=10 | published MAX=1/5/10 |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in dict.fromkeys(row["model"] for row in results["mutation"]):
        model_rows = [r for r in results["mutation"] if r["model"] == model]
        source = model_rows[0].get("pairs", "generated with swaps (earlier run)")
        name = model + (" †" if model_rows[0].get("carried_over") else "")
        for mode in ("perplexity", "probability"):
            cells = [
                format_mean_sd([r[mode] for r in model_rows if r["max_mutations"] == m], digits=3)
                for m in MAX_MUTATIONS
            ]
            published = published_mutation(model, mode)
            reference = "/".join(f"{v:.3f}" for v in published) if published else "–"
            lines.append(f"| {name} | {source} | {mode} | {' | '.join(cells)} | {reference} |")
    if results.get("open_questions"):
        lines += [
            "",
            "## Open questions: n-gram ranking vs training-set size and vs gene length",
            "",
            "Test perplexity (ngram definition) and rank (1 = best) of each model; training subsets are a "
            "seeded random draw of the training genes; for length, training and test genes are cut to their "
            "first 100/500/1000 nt.",
            "",
        ]
        for question in dict.fromkeys(r["question"] for r in results["open_questions"]):
            part = [r for r in results["open_questions"] if r["question"] == question]
            conditions = list(dict.fromkeys(r["condition"] for r in part))
            lines += [f"| model | {' | '.join(conditions)} |", "|---|" + "---|" * len(conditions)]
            for model in dict.fromkeys(r["model"] for r in part):
                cells = [next(f"{_fmt(r['perplexity'])} ({r['rank']})" for r in part
                              if r["model"] == model and r["condition"] == c) for c in conditions]  # fmt: skip
                lines.append(f"| {model} | {' | '.join(cells)} |")
            lines.append("")
    lines += ["", "## Neural models", ""]
    for name, info in results.get("neural", {}).items():
        summary = curve_summary(info)
        lines.append(
            f"- **{name}**{' †' if info.get('carried_over') else ''}: {info.get('note', '')}"
            + (f"; {summary}" if summary else "")
        )
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
    for name, color in (
        ("ngram-mle", "tab:blue"),
        ("ngram-laplace", "tab:orange"),
        ("ngram-kn", "tab:purple"),
    ):
        rows = [r for r in results["perplexity"] if r["model"] == name]
        xs = [r["n"] for r in rows]
        left.plot(xs, [min(r["perplexity"], 5.0) for r in rows], "o-", color=color, label=f"{name} (ours)")
        published = [(n, v) for (model, n), v in PUBLISHED_PERPLEXITY.items() if model == name]
        if published:
            left.plot(
                *zip(*[(n, min(v, 5.0)) for n, v in published]), "x--", color=color, label=f"{name} (study)"
            )
    for row in results["perplexity"]:
        if "+repeat" in row["model"]:
            left.plot(row["n"], row["perplexity"], "*", color="tab:purple", markersize=12, label=row["model"])
        if row["model"] in STUDY_COUNTERPART:  # neural: the keras definition where measured
            value, definition = row.get("perplexity_keras"), "keras"
            if value is None:
                value, definition = row["perplexity"], "ngram"
            left.axhline(value, color="tab:green" if "lstm" in row["model"] else "tab:red",
                         linestyle="-" if "study" in row["model"] or "genes" in row["model"] else "-.",
                         label=f"{row['model']} (ours, {definition} def.)")  # fmt: skip
    for model, color in (("lstm", "tab:green"), ("decoder", "tab:red")):
        left.axhline(
            PUBLISHED_PERPLEXITY[(model, None)],
            color=color,
            linestyle=":",
            label=f"{model} (study, keras def.)",
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
        published = published_mutation(model, "perplexity")
        if published:
            right.plot(MAX_MUTATIONS, published, "x--", color=f"C{index}",
                       label=f"{model} (study)")  # fmt: skip
    right.set(xlabel="MAX mutations", ylabel="accuracy (perplexity mode)", title="Real vs mutated")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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


__all__ = ["GenesStudyConfig", "add_arguments", "run", "run_study", "score_unique", "write_report"]
