"""Kneser-Ney n-gram speed and quality: ``KneserNeyLM`` against NLTK's ``KneserNeyInterpolated``.

1. Speed, same run, interleaved: NLTK's KN scores by iterating over its count tables per query, so it
   runs on a subset (``--nltk-genes`` training genes, 20 test genes, N = 3, 4); the log-probabilities
   must agree (NLTK-compatible mode) or the benchmark fails.
2. Quality on the full files (train ``validation.csv``, test ``test.csv``): test perplexity with the
   end token (the n-gram study's definition) and over bases only (the neural models'), for modified
   KN at several N, plain KN (D = 0.75) and Laplace at N = 8, with fit + score time.

    python benchmarks/bench_ngram_kneser_ney.py [--nltk-genes 200]

Results: ``benchmarks/results/ngram_kneser_ney.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from hf_genomics.data.genes import read_genes_csv
from hf_genomics.models.ngram import NGramLM
from hf_genomics.models.ngram_kneser_ney import KneserNeyLM
from hf_genomics.models.ngram_nltk import nltk_test_ngrams
from hf_genomics.paths import shared_data_dir

RESULTS = Path(__file__).resolve().parent / "results" / "ngram_kneser_ney.json"


def bases_only_perplexity(model: NGramLM, sequences: list[str]) -> float:
    """exp(mean NLL) over the bases, the end-of-gene prediction left out."""
    log_probs, predictions = model.token_log_probs(sequences)
    keep = np.ones(len(log_probs), dtype=bool)
    keep[np.cumsum(predictions) - 1] = False
    return float(np.exp(-log_probs[keep].mean()))


def nltk_kn(train: list[str], n: int):
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import flatten, pad_both_ends
    from nltk.util import everygrams

    padded = [list(pad_both_ends(list(seq), n=n)) for seq in train]
    model = KneserNeyInterpolated(n, discount=0.1)
    model.fit((everygrams(p, max_len=n) for p in padded), flatten(padded))
    return model


def speed(train: list[str], test: list[str], orders: list[int]) -> list[dict]:
    rows = []
    for n in orders:
        start = time.perf_counter()
        ours = KneserNeyLM(n, 0.1, nltk_compatible=True).fit(train)
        ours_log_probs, _ = ours.token_log_probs(test)
        ours_seconds = time.perf_counter() - start
        start = time.perf_counter()
        reference = nltk_kn(train, n)
        theirs = np.array([reference.logscore(g[-1], g[:-1]) for g in nltk_test_ngrams(test, n)]) * np.log(2)
        nltk_seconds = time.perf_counter() - start
        difference = float(np.abs(ours_log_probs - theirs).max())
        if difference > 1e-9:
            raise SystemExit(f"N={n}: log-probabilities differ from NLTK by {difference}")
        rows.append(
            {
                "n": n,
                "ours_seconds": ours_seconds,
                "nltk_seconds": nltk_seconds,
                "speedup": nltk_seconds / ours_seconds,
                "max_abs_log_prob_diff": difference,
            }
        )
        print(
            f"N={n}: ours {ours_seconds:.3f} s, NLTK {nltk_seconds:.1f} s, {nltk_seconds / ours_seconds:.0f}x"
        )
    return rows


def quality(train: list[str], test: list[str]) -> list[dict]:
    models = [(f"KN modified N={n}", lambda n=n: KneserNeyLM(n)) for n in (6, 8, 10, 12, 14)]
    models += [
        ("KN D=0.75 N=8", lambda: KneserNeyLM(8, 0.75)),
        ("Laplace N=8", lambda: NGramLM(8, "laplace")),
    ]
    rows = []
    for name, build in models:
        start = time.perf_counter()
        model = build().fit(train)
        with_end = model.perplexity(test)
        seconds = time.perf_counter() - start
        bases = bases_only_perplexity(model, test)
        rows.append(
            {
                "model": name,
                "perplexity_with_end": with_end,
                "perplexity_bases_only": bases,
                "seconds": seconds,
            }
        )
        print(f"{name:20s} with end {with_end:.4f}  bases only {bases:.4f}  ({seconds:.1f} s)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nltk-genes", type=int, default=200)
    args = parser.parse_args()
    folder = shared_data_dir() / "human_genes"
    train = list(read_genes_csv(folder / "validation.csv")["sequence"])
    test = list(read_genes_csv(folder / "test.csv")["sequence"])
    result = {
        "machine": platform.platform(),
        "speed_vs_nltk": speed(train[: args.nltk_genes], test[:20], [3, 4]),
        "quality_full_files": quality(train, test),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
