"""GENERator tokenizer throughput: our Rust ``GeneratorTokenizer`` against GenerTeam's ``DNAKmerTokenizer``
(the Python regex loop the Hub ships as remote code), same inputs, same run, ids checked equal.

The original is not part of this repository: pass the folder holding its ``tokenizer.py`` (with
``vocab.txt``, ``tokenizer_config.json``; see tests/fixtures/ports/make_generator_fixtures.py), which is
loaded with ``trust_remote_code=True`` under the installed transformers. Inputs: ``--n-seqs``
windows of ``--length`` nt of real DNA from ../shared/data (``bench_tokenizers.real_windows``, as the
other tokenizer benchmarks; random DNA when absent), normalised, ``N`` kept. Median of ``--repeats``
runs, one thread.

    .venv/bin/python benchmarks/bench_generator_tokenizer.py --original /work/tmp/generator/original
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import transformers

from hf_genomics.tokenization.generator import GeneratorTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from bench_tokenizers import real_windows  # noqa: E402
from timing import median_seconds  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "generator_tokenizer.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", type=Path, required=True, help="folder with GenerTeam's tokenizer.py")
    parser.add_argument("--n-seqs", type=int, default=1000)
    parser.add_argument("--length", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from transformers import AutoTokenizer

    original = AutoTokenizer.from_pretrained(str(args.original), trust_remote_code=True)
    assert type(original).__name__ == "DNAKmerTokenizer", type(original)
    ours = GeneratorTokenizer()  # default: the vectorised numpy path (tags in the text go to Rust)
    rust = GeneratorTokenizer()
    rust.use_fast_path = False  # the Rust tokenizers pipeline alone
    sequences, source = real_windows(args.n_seqs, args.length)
    expected = original(sequences, add_special_tokens=False)["input_ids"]
    for tokenizer in (ours, rust):
        assert tokenizer(sequences, add_special_tokens=False)["input_ids"] == expected, "ids differ"
    seconds = {
        "original DNAKmerTokenizer (Python)": median_seconds(
            lambda: original(sequences, add_special_tokens=False), args.repeats
        ),
        "GeneratorTokenizer (default: numpy)": median_seconds(
            lambda: ours(sequences, add_special_tokens=False), args.repeats
        ),
        "GeneratorTokenizer (Rust pipeline)": median_seconds(
            lambda: rust(sequences, add_special_tokens=False), args.repeats
        ),
    }
    total_nt = args.n_seqs * args.length
    result = {
        "inputs": f"{args.n_seqs} x {args.length} nt, {source}",
        "ids_equal": True,
        "seconds": seconds,
        "mb_per_s": {name: total_nt / value / 1e6 for name, value in seconds.items()},
        "speedup": {
            name: seconds["original DNAKmerTokenizer (Python)"] / value
            for name, value in seconds.items()
            if name.startswith("GeneratorTokenizer")
        },
        "repeats": args.repeats,
        "transformers": transformers.__version__,
        "machine": f"{platform.processor() or platform.machine()}, shared 2-core machine, 1 thread",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| tokenizer | seconds | Mnt/s |\n|---|---|---|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.2f} | {total_nt / value / 1e6:.2f} |")
    shown = ", ".join(f"{name} {value:.1f}x" for name, value in result["speedup"].items())
    print(f"speed-up over the original: {shown}; ids equal on all {args.n_seqs} inputs")


if __name__ == "__main__":
    main()
