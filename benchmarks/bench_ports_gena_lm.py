"""Native GENA-LM forward vs the original ``modeling_bert.py`` on CPU, one thread, same run.

gena-lm-bert-base-t2t's architecture (12 pre-LN layers, hidden 768, 32k vocabulary), random weights,
batch 1, fp32, inference. Inputs: the first 1 kb and 8 kb of a real Zika genome tokenized with the
real GENA-LM BPE (~9 nt per token). The released models have 512 learned positions (~4.5 kb);
the benchmark model gets 2,048 so that 8 kb fits in one forward, for both implementations.
Both sides run as worker processes, alternated over ``--rounds`` (the machine is shared).

The original no longer imports under transformers 5 (``find_pruneable_heads_and_indices`` is
gone), so it runs in a worker process under an interpreter with the transformers it supports:

    nice -n 10 .venv/bin/python benchmarks/bench_ports_gena_lm.py --original /path/to/GENA_LM \
        --original-python /path/to/venv-with-transformers-4.56/bin/python
"""

from __future__ import annotations

import argparse
import json
import lzma
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package when this file runs as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ports_gena_lm.json"
TOKENIZER = ROOT / "tests" / "fixtures" / "ports" / "gena_lm" / "tokenizer.json.xz"
BASE = dict(
    vocab_size=32000,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    max_position_embeddings=2048,
    type_vocab_size=2,
    pad_token_id=3,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    layer_norm_eps=1e-12,
)
LENGTHS_NT = (1000, 8000)


def time_forward(model, ids, repeats: int) -> float:
    import torch

    with torch.inference_mode():
        model(input_ids=ids)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(input_ids=ids)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker(original: Path, token_counts: list[int], repeats: int) -> None:
    """Time the original implementation (runs under the original's transformers)."""
    import torch

    sys.path.insert(0, str(original / "src"))
    from gena_lm.modeling_bert import BertModel
    from transformers import BertConfig

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = BertModel(BertConfig(**BASE, pre_layer_norm=True, last_layer_norm=False), add_pooling_layer=False)
    model.eval()
    seconds = [time_forward(model, torch.randint(5, 32000, (1, n)), repeats) for n in token_counts]
    import transformers

    print(json.dumps({"seconds": seconds, "transformers": transformers.__version__}))


def real_token_counts() -> list[int]:
    from Bio import SeqIO
    from tokenizers import Tokenizer

    fasta = ROOT.parent / "shared" / "data" / "viruses" / "zika" / "sequences.fasta"
    if not fasta.exists():
        fasta = Path("/work/shared/data/viruses/zika/sequences.fasta")
    genome = str(next(SeqIO.parse(fasta, "fasta")).seq).upper()
    tokenizer = Tokenizer.from_str(lzma.decompress(TOKENIZER.read_bytes()).decode())
    return [len(tokenizer.encode(genome[:n]).ids) for n in LENGTHS_NT]


def native_worker(token_counts: list[int], repeats: int) -> None:
    """Time the native implementation (this repository, current transformers)."""
    import torch
    import transformers

    sys.path.insert(0, str(ROOT))
    from hf_genomics.models.gena_lm import GenaLmConfig, GenaLmModel

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = GenaLmModel(GenaLmConfig(**BASE, pre_layer_norm=True), add_pooling_layer=False).eval()
    seconds = [time_forward(model, torch.randint(5, 32000, (1, n)), repeats) for n in token_counts]
    print(json.dumps({"seconds": seconds, "transformers": transformers.__version__}))


def run_worker(python: str, kind: str, original: Path, counts: list[int], repeats: int) -> dict:
    command = [python, __file__, "--worker", kind, "--original", str(original), "--repeats", str(repeats)]
    command += ["--tokens", *map(str, counts)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", type=Path, required=True, help="checkout of AIRI-Institute/GENA_LM")
    parser.add_argument("--original-python", default=sys.executable, help="interpreter for the original")
    parser.add_argument("--repeats", type=int, default=2, help="timed forwards per worker and length")
    parser.add_argument("--rounds", type=int, default=3, help="alternating native/original worker pairs")
    parser.add_argument("--worker", choices=["native", "original"], help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=int, nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "original":
        worker(args.original, args.tokens, args.repeats)
        return
    if args.worker == "native":
        native_worker(args.tokens, args.repeats)
        return

    import torch

    counts = real_token_counts()
    samples: dict[str, list[list[float]]] = {"native": [], "original": []}
    versions = {}
    for _ in range(args.rounds):  # alternate, so that load on the shared machine hits both sides alike
        for kind, python in (("native", sys.executable), ("original", args.original_python)):
            report = run_worker(python, kind, args.original, counts, args.repeats)
            samples[kind].append(report["seconds"])
            versions[kind] = report["transformers"]
    rows = []
    for index, (length, tokens) in enumerate(zip(LENGTHS_NT, counts)):
        ours = statistics.median(run[index] for run in samples["native"])
        theirs = statistics.median(run[index] for run in samples["original"])
        rows.append(
            {
                "length_nt": length,
                "tokens": tokens,
                "native_s": round(ours, 4),
                "original_s": round(theirs, 4),
                "speedup_native_vs_original": round(theirs / ours, 3),
            }
        )
    result = {
        "description": __doc__.splitlines()[0],
        "command": "nice -n 10 python benchmarks/bench_ports_gena_lm.py --original GENA_LM --original-python PY",
        "original": "AIRI-Institute/GENA_LM@4a884630 src/gena_lm/modeling_bert.py",
        "torch_threads": 1,
        "rounds": args.rounds,
        "repeats": args.repeats,
        "statistic": "median over rounds of each worker's median seconds per forward (one warm-up each)",
        "attention": "native: sdpa (transformers ALL_ATTENTION_FUNCTIONS); original: eager matmul-softmax",
        "versions": {
            "torch": torch.__version__,
            "transformers_native": versions["native"],
            "transformers_original": versions["original"],
            "python": platform.python_version(),
        },
        "samples_seconds": samples,
        "rows": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
