"""Long inputs in bounded memory: Caduceus at 131 kb and HyenaDNA at 450 kb on a CPU (issue #19).

Models (random weights: memory and time do not depend on them):

* ``caduceus_131k``: the released ``caduceus-ps_seqlen-131k_d_model-256_n_layer-16`` shape (hidden
  256, d_inner 512, state 16, RCPS: both strands) with ``--caduceus-layers`` BiMamba layers (16 in
  the release; fewer keep the run short: memory per layer is what is bounded, time is linear in
  layers);
* ``hyenadna_450k``: the ``hyenadna-medium-450k-seqlen`` shape (hidden 256, MLP 1024, filters
  450,002 long) with ``--hyenadna-layers`` blocks (8 in the release).

Fewer layers than released keep the run short on a shared 2-core machine: every layer holds the
same bounded working memory (one at a time), and time is linear in layers.

Each measurement runs in a child process (one forward, ``torch.no_grad``, one thread) and reports
its peak resident memory (``resource.getrusage(...).ru_maxrss``), the resident memory before the
forward (model built, input made) and the forward's wall time. ``chunked`` is the default
(``mixer_chunk_size`` 4,096 / ``long_input_chunk_size`` 16,384); ``unchunked`` sets them to None (every
length at once, the previous behaviour). Unchunked runs are measured at the lengths where they fit
next to the other work on the machine; at each length measured both ways the outputs must agree
(max |difference| reported; the run fails above 1e-4). A child is skipped, and says so, when the
machine's available memory is below ``--min-free-gb``.

Output: ``benchmarks/results/long_inputs.json``.

    nice -n 10 .venv/bin/python benchmarks/bench_long_inputs.py [--caduceus-layers 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "long_inputs.json"

CHILD = r"""
import json, resource, sys, time
import numpy as np
import torch

torch.set_num_threads(1)
family, length, chunked, layers, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5]
torch.manual_seed(0)
if family == "caduceus_131k":
    from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
    from hf_genomics.models.caduceus.modeling_caduceus import CaduceusModel

    config = CaduceusConfig(hidden_size=256, num_hidden_layers=layers, rcps=True, vocab_size=16,
                            mixer_chunk_size=4096 if chunked else None)
    model = CaduceusModel(config).eval()
    ids = torch.randint(7, 11, (1, length))
else:
    from hf_genomics.models.hyenadna.configuration_hyenadna import HyenaDnaConfig
    from hf_genomics.models.hyenadna.modeling_hyenadna import HyenaDnaModel

    config = HyenaDnaConfig.from_preset("medium-450k", n_layer=layers, long_input_chunk_size=16384 if chunked else None)
    model = HyenaDnaModel(config).eval()
    ids = torch.randint(7, 11, (1, length))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
with torch.no_grad():
    hidden = model(input_ids=ids).last_hidden_state
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
np.save(out_path, hidden[0, :: max(1, length // 4096)].float().numpy())  # a sample of positions, to compare
print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak), "rss_before_forward_mb": round(before),
                  "forward_peak_increase_mb": round(peak - before), "hidden_shape": list(hidden.shape),
                  "finite": bool(torch.isfinite(hidden).all())}))
"""


def available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024**2
    return float("inf")


def run_child(
    family: str,
    length: int,
    chunked: bool,
    layers: int,
    folder: Path,
    min_free_gb: float,
    wait_minutes: float,
) -> dict:
    deadline = time.monotonic() + 60 * wait_minutes
    while (free := available_gb()) < min_free_gb and time.monotonic() < deadline:
        time.sleep(10)  # a shared machine: wait for the others' peaks to pass
    record = {
        "family": family,
        "length": length,
        "mode": "chunked" if chunked else "unchunked",
        "layers": layers,
    }
    if free < min_free_gb:
        return {**record, "skipped": f"only {free:.1f} GB available (< {min_free_gb} GB)"}
    sample = folder / f"{family}_{length}_{int(chunked)}.npy"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, family, str(length), "1" if chunked else "0", str(layers), str(sample)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {
            **record,
            "failed": (done.stderr.strip().splitlines() or ["?"])[-1],
            "returncode": done.returncode,
        }
    record.update(json.loads(done.stdout.strip().splitlines()[-1]), available_gb_at_start=round(free, 1))
    record["_sample"] = str(sample)
    print(json.dumps(record), flush=True)
    return record


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caduceus-layers", type=int, default=1)
    parser.add_argument("--hyenadna-layers", type=int, default=2)
    parser.add_argument(
        "--caduceus-lengths", default="8192,131072", help="chunked at each; unchunked at the first"
    )
    parser.add_argument(
        "--hyenadna-lengths", default="32768,450000", help="chunked at each; unchunked at the first"
    )
    parser.add_argument(
        "--unchunked-at-full-length", action="store_true", help="also unchunked at the longest"
    )
    parser.add_argument("--min-free-gb", type=float, default=3.0)
    parser.add_argument("--wait-minutes", type=float, default=15.0, help="for that much free memory")
    parser.add_argument(
        "--families", default="hyenadna_450k,caduceus_131k", help="earlier runs of others are kept"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import numpy as np
    import torch

    plan = []
    for family, lengths, layers in (
        ("hyenadna_450k", args.hyenadna_lengths, args.hyenadna_layers),
        ("caduceus_131k", args.caduceus_lengths, args.caduceus_layers),
    ):
        if family not in args.families.split(","):
            continue
        values = [int(value) for value in lengths.split(",")]
        for index, length in enumerate(values):
            plan.append((family, length, True, layers))
            if index == 0 or args.unchunked_at_full_length:
                plan.append((family, length, False, layers))
    records = []
    with tempfile.TemporaryDirectory() as folder:
        for family, length, chunked, layers in plan:
            records.append(
                run_child(family, length, chunked, layers, Path(folder), args.min_free_gb, args.wait_minutes)
            )
        comparisons = []
        by_key = {(r["family"], r["length"], r["mode"]): r for r in records if "_sample" in r}
        for (family, length, mode), record in by_key.items():
            other = by_key.get((family, length, "unchunked"))
            if mode != "chunked" or other is None:
                continue
            diff = float(np.abs(np.load(record["_sample"]) - np.load(other["_sample"])).max())
            comparisons.append(
                {
                    "family": family,
                    "length": length,
                    "max_abs_difference": diff,
                    "peak_rss_ratio_unchunked_over_chunked": round(
                        other["peak_rss_mb"] / record["peak_rss_mb"], 2
                    ),
                    "forward_increase_ratio_unchunked_over_chunked": round(
                        other["forward_peak_increase_mb"] / max(record["forward_peak_increase_mb"], 1), 2
                    ),
                    "time_ratio_chunked_over_unchunked": round(record["seconds"] / other["seconds"], 2),
                }
            )
            if diff > 1e-4:
                raise SystemExit(f"{family} at {length}: chunked and unchunked outputs differ by {diff}")
    for record in records:
        record.pop("_sample", None)
    if args.out.is_file():  # keep the earlier measurements of the (family, length, mode)s not run this time
        previous = json.loads(args.out.read_text())
        mine = {(record["family"], record["length"], record["mode"]) for record in records}
        compared = {(comparison["family"], comparison["length"]) for comparison in comparisons}
        records = [
            r for r in previous.get("runs", []) if (r["family"], r["length"], r["mode"]) not in mine
        ] + records
        comparisons = [
            c for c in previous.get("chunked_vs_unchunked", []) if (c["family"], c["length"]) not in compared
        ] + comparisons
        records.sort(key=lambda r: (r["family"], r["length"], r["mode"]))
    result = {
        "benchmark": "long inputs in bounded memory (issue #19)",
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "threads": 1,
            "cpus": __import__("os").cpu_count(),
            "memory_gb": round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2, 1),
        },
        "note": "shared machine (other jobs running): times are indicative; peak RSS is per child process",
        "runs": records,
        "chunked_vs_unchunked": comparisons,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(comparisons, indent=2))
    return result


if __name__ == "__main__":
    main()
