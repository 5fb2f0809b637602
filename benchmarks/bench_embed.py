"""Embedding throughput: ``hf_genomics.analysis.embed`` against a plain transformers forward loop.

Same model (our encoder, ``small`` preset: hidden 256, 4 layers; random weights -- speed does not
depend on them), same tokenizer (non-overlapping 6-mers), same sequences (human genes of
../shared/data, 100-1,000 nt, or random sequences of those lengths without the data), same batch
size, mean pooling over content tokens. Peers, in the same run, interleaved round robin (median of
``--repeats``):

* ``plain_loop_batched``: ``tokenizer(batch, padding=True, return_tensors="pt")`` then
  ``model(**batch).last_hidden_state`` masked mean -- what a user writes by hand, in file order;
* ``plain_loop_one_by_one``: the same, one sequence per forward pass;
* ``embed_mean`` / ``embed_per_nucleotide``: ours (length-sorted batches, token->base mapping).

Results must agree (|embed - plain| < 1e-4) or the benchmark fails. Output:
``benchmarks/results/bench_embed.json``.

    nice -n 10 .venv/bin/python benchmarks/bench_embed.py [--n 256] [--batch-size 16] [--repeats 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package: keep this folder off the import path
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_embed.json"


def load_sequences(n: int, seed: int = 0) -> tuple[list[str], str]:
    from hf_genomics.paths import shared_data_dir

    rng = np.random.default_rng(seed)
    folder = shared_data_dir()
    if folder is not None and (folder / "human_genes" / "test.csv").is_file():
        from hf_genomics.data.genes import read_genes_csv

        genes = [
            s
            for s in read_genes_csv(folder / "human_genes" / "test.csv")["sequence"]
            if 100 <= len(s) <= 1000
        ]
        picks = rng.choice(len(genes), size=n, replace=False)
        return [genes[i].replace("N", "A") for i in picks], "human_genes/test.csv (100-1000 nt)"
    lengths = rng.integers(100, 1001, size=n)
    return ["".join(rng.choice(list("ACGT"), int(k))) for k in lengths], "random, 100-1000 nt"


def plain_loop(model, tokenizer, sequences, batch_size):
    out = []
    with torch.no_grad():
        for begin in range(0, len(sequences), batch_size):
            batch = tokenizer(sequences[begin : begin + batch_size], padding=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            special = torch.isin(batch["input_ids"], torch.tensor(tokenizer.all_special_ids))
            weights = (batch["attention_mask"].bool() & ~special).unsqueeze(-1).float()
            out.append(((hidden * weights).sum(1) / weights.sum(1)).numpy())
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="sequences")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from hf_genomics.analysis import embed, record_training_length
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderModel
    from hf_genomics.tokenization.kmer import KmerTokenizer

    sequences, source = load_sequences(args.n)
    tokenizer = KmerTokenizer(k=6)
    torch.manual_seed(0)
    config = DnaEncoderConfig.from_preset("small", vocab_size=len(tokenizer), hidden_dropout_prob=0.0)
    model = DnaEncoderModel(config).eval()
    record_training_length(model, tokenizer, 1000)
    nucleotides = sum(map(len, sequences))

    runs = {
        "plain_loop_batched": lambda: plain_loop(model, tokenizer, sequences, args.batch_size),
        "plain_loop_one_by_one": lambda: plain_loop(model, tokenizer, sequences, 1),
        "embed_mean": lambda: embed(model, tokenizer, sequences, batch_size=args.batch_size, progress=False),
        "embed_per_nucleotide": lambda: embed(
            model, tokenizer, sequences, pooling="per_nucleotide", batch_size=args.batch_size, progress=False
        ),
    }
    reference = runs["plain_loop_batched"]()
    check = float(np.abs(runs["embed_mean"]() - reference).max())
    if check > 1e-4:
        raise SystemExit(f"embed disagrees with the plain loop: max |diff| {check}")
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - started)
    rows = []
    base = statistics.median(seconds["plain_loop_batched"])
    for name, times in seconds.items():
        median = statistics.median(times)
        rows.append(
            {
                "method": name,
                "median_s": median,
                "nucleotides_per_s": nucleotides / median,
                "speedup_vs_plain_loop_batched": base / median,
                "runs_s": times,
            }
        )
        print(f"{name:24s} {nucleotides / median:12,.0f} nt/s  x{base / median:.2f} vs plain batched loop")
    result = {
        "description": __doc__.splitlines()[0],
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_embed.py " + " ".join(sys.argv[1:]),
        "sequences": source,
        "n_sequences": len(sequences),
        "nucleotides": nucleotides,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "model": "DnaEncoderModel small (hidden 256, 4 layers), 6-mer tokenizer",
        "max_abs_diff_embed_vs_plain": check,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
