"""Scoring of the human-genes study: n-gram rows on both perplexity definitions, the real-vs-mutated
pair cells, the score cache, and the open questions (ranking vs training size and gene length)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from hf_genomics.studies.genes_published import PUBLISHED_DEFINITION, STUDY_COUNTERPART, published_perplexity

logger = logging.getLogger(__name__)


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
