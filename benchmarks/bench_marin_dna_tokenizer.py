"""MarinDNA tokenizer throughput: ``MarinDnaTokenizer`` against the original tokenizer files, same run.

``--n-seqs`` windows of 255 bp (the models' window) of real DNA (``bench_tokenizers.real_windows``:
human genes, GUE, viral genomes from ../shared/data; random DNA without it), tokenized as one batch
with padding to a tensor, median of ``--repeats`` runs. The original is transformers'
``PreTrainedTokenizerFast`` on the committed ``marin-dna/tokenizer-char-bos`` files (what
``AutoTokenizer`` loads from an original folder); ours runs its vectorised path (default) and its
Rust path. The ids of all three are checked equal first. One Rust thread (``RAYON_NUM_THREADS=1``).
Results: ``benchmarks/results/marin_dna_tokenizer.json`` and a table on stdout.

    RAYON_NUM_THREADS=1 .venv/bin/python benchmarks/bench_marin_dna_tokenizer.py [--n-seqs 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")

import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402

from hf_genomics.models.marin_dna import MarinDnaTokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_tokenizers import real_windows  # noqa: E402
from timing import median_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL = ROOT / "tests" / "fixtures" / "ports" / "marin_dna" / "tokenizer-char-bos"
RESULTS = Path(__file__).parent / "results" / "marin_dna_tokenizer.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seqs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    texts, source = real_windows(args.n_seqs, 255)
    original = PreTrainedTokenizerFast.from_pretrained(str(ORIGINAL))
    ours = MarinDnaTokenizer()
    rust = MarinDnaTokenizer()
    rust.use_fast_path = False
    runs = {
        "original (PreTrainedTokenizerFast, tokenizer-char-bos files)": original,
        "MarinDnaTokenizer (vectorised path)": ours,
        "MarinDnaTokenizer (Rust path)": rust,
    }
    reference = original(texts, padding=True, return_tensors="np")["input_ids"]
    for name, tokenizer in runs.items():
        ids = tokenizer(texts, padding=True, return_tensors="np")["input_ids"]
        if not (ids == reference).all():
            raise SystemExit(f"{name}: ids differ from the original's")
    seconds = {
        name: median_seconds(lambda t=tokenizer: t(texts, padding=True, return_tensors="np"), args.repeats)
        for name, tokenizer in runs.items()
    }
    base = seconds[next(iter(runs))]
    rows = [
        {"tokenizer": name, "seconds": s, "bp_per_s": args.n_seqs * 255 / s, "speed_vs_original": base / s}
        for name, s in seconds.items()
    ]
    result = {
        "what": f"{args.n_seqs} x 255 bp, one padded batch to numpy, median of {args.repeats}",
        "data": source,
        "ids_equal": True,
        "rows": rows,
        "versions": {
            "tokenizers": tokenizers.__version__,
            "transformers": transformers.__version__,
            "python": platform.python_version(),
        },
        "machine": f"{platform.machine()}, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}",
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| tokenizer | s | Mbp/s | vs original |\n|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['tokenizer']} | {row['seconds']:.3f} | {row['bp_per_s'] / 1e6:.2f} | "
            f"{row['speed_vs_original']:.2f}× |"
        )


if __name__ == "__main__":
    main()
