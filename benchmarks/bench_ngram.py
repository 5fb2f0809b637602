"""N-gram LM speed: ``hf_genomics.NGramLM`` against NLTK's ``Laplace`` as the genes study used it.

Same run, same data (train ``validation.csv``, test ``test.csv`` of ../shared/data/human_genes):
fit + test perplexity for N = 6, 7, 8, ours and NLTK interleaved (round robin, so both see the same
machine load), median of ``--repeats`` runs; the perplexities must be identical (|diff| < 1e-9) or
the benchmark fails. Then our fit time against corpus size up to 10^8 nucleotides (genes drawn
with replacement from the real files), with NLTK on the sizes it finishes in reasonable time.

    .venv/bin/python benchmarks/bench_ngram.py [--repeats 5] [--max-corpus 100000000]

Results: ``benchmarks/results/ngram.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nltk
import numpy as np

from hf_genomics.data.genes import read_genes_csv
from hf_genomics.models.ngram import NGramLM
from hf_genomics.models.ngram_nltk import nltk_fit, nltk_perplexity
from hf_genomics.paths import shared_data_dir

RESULTS = Path(__file__).resolve().parent / "results" / "ngram.json"


def ours(train: list[str], test: list[str], n: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    model = NGramLM(n, "laplace").fit(train)
    fitted = time.perf_counter()
    perplexity = model.perplexity(test)
    return perplexity, fitted - start, time.perf_counter() - fitted


def theirs(train: list[str], test: list[str], n: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    model = nltk_fit(train, n, "laplace")
    fitted = time.perf_counter()
    perplexity = nltk_perplexity(model, test, n)
    return perplexity, fitted - start, time.perf_counter() - fitted


def compare(train: list[str], test: list[str], orders: list[int], repeats: int) -> list[dict]:
    rows = []
    for n in orders:
        times: dict[str, list[tuple[float, float]]] = {"ours": [], "nltk": []}
        perplexities: dict[str, set[float]] = {"ours": set(), "nltk": set()}
        for _ in range(repeats):
            for name, function in (("ours", ours), ("nltk", theirs)):
                perplexity, fit_s, eval_s = function(train, test, n)
                times[name].append((fit_s, eval_s))
                perplexities[name].add(perplexity)
        ours_ppl, nltk_ppl = perplexities["ours"].pop(), perplexities["nltk"].pop()
        assert abs(ours_ppl - nltk_ppl) < 1e-9, f"N={n}: ours {ours_ppl!r} != NLTK {nltk_ppl!r}"
        row = {
            "n": n,
            "perplexity_ours": ours_ppl,
            "perplexity_nltk": nltk_ppl,
            "abs_diff": abs(ours_ppl - nltk_ppl),
        }
        for name in ("ours", "nltk"):
            row[f"{name}_fit_s"] = statistics.median(t[0] for t in times[name])
            row[f"{name}_eval_s"] = statistics.median(t[1] for t in times[name])
            row[f"{name}_total_s"] = statistics.median(t[0] + t[1] for t in times[name])
        row["speedup_total"] = row["nltk_total_s"] / row["ours_total_s"]
        row["speedup_fit"] = row["nltk_fit_s"] / row["ours_fit_s"]
        row["speedup_eval"] = row["nltk_eval_s"] / row["ours_eval_s"]
        rows.append(row)
        print(
            f"N={n}: perplexity {ours_ppl:.12f} (NLTK {nltk_ppl:.12f}); ours {row['ours_total_s']:.3f} s, "
            f"NLTK {row['nltk_total_s']:.2f} s -> {row['speedup_total']:.0f}x",
            flush=True,
        )
    return rows


COLD_CALL = """
import sys, time
from hf_genomics.data.genes import read_genes_csv
from hf_genomics.models.ngram import NGramLM
train = read_genes_csv(sys.argv[1])["sequence"]
test = read_genes_csv(sys.argv[2])["sequence"]
start = time.perf_counter()
NGramLM(int(sys.argv[3])).fit(train).perplexity(test)
print(time.perf_counter() - start)
"""


def cold_user_call(train_path: Path, test_path: Path, n: int, repeats: int) -> float:
    """Median time of a user's *first* fit + perplexity in a fresh process (files already read):
    what a user waits for, page faults and first-touch allocations included."""
    times = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-c", COLD_CALL, str(train_path), str(test_path), str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def scaling(genes: list[str], sizes: list[int], n: int, repeats: int, nltk_limit: int) -> list[dict]:
    """Fit time vs corpus size (nucleotides); genes drawn with replacement from the real ones."""
    rng = np.random.default_rng(0)
    lengths = np.array([len(g) for g in genes])
    rows = []
    for size in sizes:
        count = int(size / lengths.mean()) + 1
        corpus = [genes[i] for i in rng.integers(0, len(genes), count)]
        nucleotides = sum(map(len, corpus))
        times = []
        for _ in range(repeats if size < 10**8 else max(1, repeats // 2)):
            start = time.perf_counter()
            model = NGramLM(n).fit(corpus)
            times.append(time.perf_counter() - start)
        row = {"target_nt": size, "nucleotides": nucleotides, "ours_fit_s": statistics.median(times),
               "distinct_ngrams": int(len(model.ngram_codes))}  # fmt: skip
        if size <= nltk_limit:
            start = time.perf_counter()
            nltk_fit(corpus, n)
            row["nltk_fit_s"] = time.perf_counter() - start
        row["ours_nt_per_s"] = nucleotides / row["ours_fit_s"]
        rows.append(row)
        print(f"fit N={n} on {nucleotides:>11,} nt: ours {row['ours_fit_s']:.3f} s"
              + (f", NLTK {row['nltk_fit_s']:.2f} s" if "nltk_fit_s" in row else ""), flush=True)  # fmt: skip
        del corpus
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--orders", type=int, nargs="+", default=[6, 7, 8])
    parser.add_argument("--max-corpus", type=int, default=10**8)
    parser.add_argument("--nltk-scaling-limit", type=int, default=10**6)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    data = shared_data_dir()
    if data is None:
        raise SystemExit("benchmarks/bench_ngram.py needs ../shared/data/human_genes (or $HF_GENOMICS_DATA)")
    train = read_genes_csv(data / "human_genes" / "validation.csv")["sequence"]
    test = read_genes_csv(data / "human_genes" / "test.csv")["sequence"]
    comparison = compare(train, test, args.orders, args.repeats)
    for row in comparison:
        row["ours_cold_total_s"] = cold_user_call(
            data / "human_genes" / "validation.csv", data / "human_genes" / "test.csv", row["n"], args.repeats
        )
        row["speedup_cold"] = row["nltk_total_s"] / row["ours_cold_total_s"]
        print(
            f"N={row['n']}: a user's first call {row['ours_cold_total_s']:.3f} s -> {row['speedup_cold']:.0f}x NLTK"
        )
    sizes = [size for size in (10**5, 10**6, 10**7, 10**8) if size <= args.max_corpus]
    growth = scaling(train, sizes, 8, args.repeats, args.nltk_scaling_limit)
    results = {
        "description": "fit + test perplexity, NGramLM vs nltk.lm.Laplace (study recipe), same run; medians",
        "train": "human_genes/validation.csv",
        "test": "human_genes/test.csv",
        "repeats": args.repeats,
        "comparison": comparison,
        "fit_scaling_n8": growth,
        "versions": {"nltk": nltk.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "machine": f"{platform.machine()}, shared CPU (other jobs running); ratios are what counts",
        "command": "python benchmarks/bench_ngram.py "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "output"
        ),  # fmt: skip
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print("\n| N | perplexity (both) | ours fit+eval s | NLTK fit+eval s | speed-up |\n|---|---|---|---|---|")
    for row in comparison:
        print(f"| {row['n']} | {row['perplexity_ours']:.10f} | {row['ours_total_s']:.3f} | {row['nltk_total_s']:.2f} "
              f"| {row['speedup_total']:.0f}x |")  # fmt: skip
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
