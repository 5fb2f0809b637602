"""Start-up cost: ``import hf_genomics`` and ``hf-genomics ... --help`` wall time, fresh processes.

Each command runs in a new interpreter (nothing cached in ``sys.modules``), commands interleaved
round robin so all see the same machine load, median of ``--repeats`` runs. Peers in the same run:
an empty interpreter, ``import torch`` and ``from transformers import AutoModel`` (what the package
imported eagerly before registration became lazy). Target: ≤ 2 s for every row.

    .venv/bin/python benchmarks/bench_import.py [--repeats 5]

Results: ``benchmarks/results/import.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "import.json"
CLI = [sys.executable, "-m", "hf_genomics.cli"]
CASES: dict[str, list[str]] = {
    "python (empty interpreter, peer)": [sys.executable, "-c", "pass"],
    "import torch (peer)": [sys.executable, "-c", "import torch"],
    "from transformers import AutoModel (peer)": [sys.executable, "-c", "from transformers import AutoModel"],
    "import hf_genomics": [sys.executable, "-c", "import hf_genomics"],
    "hf-genomics --help": [*CLI, "--help"],
    "hf-genomics push --help": [*CLI, "push", "--help"],
    "hf-genomics demo --help": [*CLI, "demo", "--help"],
    "hf-genomics study coding-schemes --help": [*CLI, "study", "coding-schemes", "--help"],
    "hf-genomics study genes --help": [*CLI, "study", "genes", "--help"],
    "hf-genomics study viral-scaling --help": [*CLI, "study", "viral-scaling", "--help"],
}
OURS = [name for name in CASES if "(peer)" not in name]
TARGET_S = 2.0


def time_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per command (median reported)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.repeats):
        for name, command in CASES.items():
            times[name].append(time_once(command))
    rows = {
        name: {"median_s": round(statistics.median(values), 3), "runs_s": [round(v, 3) for v in values]}
        for name, values in times.items()
    }
    results = {
        "benchmark": "start-up wall time, fresh interpreter per run",
        "repeats": args.repeats,
        "target_s": TARGET_S,
        "all_within_target": all(rows[name]["median_s"] <= TARGET_S for name in OURS),
        "rows": rows,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, shared (other jobs running)",
        "python": platform.python_version(),
        "command": "python benchmarks/bench_import.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print("| command | median s |\n|---|---:|")
    for name, row in rows.items():
        print(f"| {name} | {row['median_s']:.2f} |")
    return 0 if results["all_within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
