"""Native Caduceus forward vs the original modeling code on CPU, one thread, same run.

caduceus-ps_seqlen-131k_d_model-256_n_layer-16's architecture (16 RCPS BiMamba layers, d_model 256,
fused-add-norm wiring), random weights, batch 1, fp32, inference, at 1 kb and 8 kb (one token per
base plus [SEP]). The original cannot run on CPU as released (mamba-ssm's CUDA/Triton kernels); its
PyTorch path here is the one the parity fixtures use: the original ``modeling_caduceus.py`` over
mamba-ssm v1.2.0.post1's own reference ops (``selective_scan_ref``, ``F.conv1d``, ``rms_norm_ref``),
assembled by ``tests/fixtures/ports/make_caduceus_fixtures.py:build_shim``. It runs in a worker
under an interpreter with transformers 4.x and einops:

    nice -n 10 .venv/bin/python benchmarks/bench_ports_caduceus.py --original /path/to/caduceus \
        --mamba /path/to/mamba@v1.2.0.post1 --original-python /path/to/venv/bin/python
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package when this file runs as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ports_caduceus.json"
FIXTURE_SCRIPT = ROOT / "tests" / "fixtures" / "ports" / "make_caduceus_fixtures.py"
LENGTHS_NT = (1000, 8000)


def time_forward(model, ids, repeats: int, warm_up: bool) -> float:
    import torch

    with torch.inference_mode():
        if warm_up:
            model(input_ids=ids)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(input_ids=ids)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def inputs(length_nt: int):
    import torch

    generator = torch.Generator().manual_seed(length_nt)
    ids = torch.randint(7, 11, (1, length_nt + 1), generator=generator)
    ids[0, -1] = 1  # [SEP]
    return ids


def load_fixture_script():
    spec = importlib.util.spec_from_file_location("make_caduceus_fixtures", FIXTURE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(original: Path, mamba: Path, repeats: int) -> None:
    """Time the original implementation (transformers 4.x, shimmed mamba_ssm)."""
    import torch

    fixtures = load_fixture_script()
    with tempfile.TemporaryDirectory() as folder:
        sys.path[:0] = [str(fixtures.build_shim(mamba, Path(folder))), str(original)]
        from caduceus.configuration_caduceus import CaduceusConfig
        from caduceus.modeling_caduceus import Caduceus

        torch.set_num_threads(1)
        torch.manual_seed(0)
        config = CaduceusConfig(**{**fixtures.BASE, "d_model": 256, "n_layer": 16, "rcps": True})
        model = Caduceus(config).eval()
        seconds = [time_forward(model, inputs(n), repeats, warm_up=n <= 1000) for n in LENGTHS_NT]
    import transformers

    print(json.dumps({"seconds": seconds, "transformers": transformers.__version__}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", type=Path, required=True, help="checkout of kuleshov-group/caduceus")
    parser.add_argument(
        "--mamba", type=Path, required=True, help="checkout of state-spaces/mamba v1.2.0.post1"
    )
    parser.add_argument("--original-python", default=sys.executable, help="interpreter for the original")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.original, args.mamba, args.repeats)
        return

    import torch
    import transformers

    sys.path.insert(0, str(ROOT))
    from hf_genomics.convert.caduceus import native_config

    fixtures = load_fixture_script()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    original_config = {**fixtures.BASE, "d_model": 256, "n_layer": 16, "rcps": True, "model_type": "caduceus"}
    from hf_genomics.models.caduceus import CaduceusModel

    native = CaduceusModel(native_config(original_config)).eval()
    native_seconds = [time_forward(native, inputs(n), args.repeats, warm_up=n <= 1000) for n in LENGTHS_NT]
    command = [args.original_python, __file__, "--worker", "--original", str(args.original)]
    command += ["--mamba", str(args.mamba), "--repeats", str(args.repeats)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    original = json.loads(done.stdout.strip().splitlines()[-1])
    rows = [
        {
            "length_nt": length,
            "tokens": length + 1,
            "native_s": round(ours, 4),
            "original_s": round(theirs, 4),
            "speedup_native_vs_original": round(theirs / ours, 3),
        }
        for length, ours, theirs in zip(LENGTHS_NT, native_seconds, original["seconds"])
    ]
    result = {
        "description": __doc__.splitlines()[0],
        "command": "nice -n 10 python benchmarks/bench_ports_caduceus.py --original CADUCEUS --mamba MAMBA "
        "--original-python PY",
        "original": "kuleshov-group/caduceus@0060a6d caduceus/ + state-spaces/mamba@v1.2.0.post1 reference ops",
        "torch_threads": 1,
        "repeats": args.repeats,
        "statistic": "median seconds per forward (one warm-up at 1 kb)",
        "scan": "native: chunked selective scan (chunk 32, block 2048); original: selective_scan_ref (per step)",
        "versions": {
            "torch": torch.__version__,
            "transformers_native": transformers.__version__,
            "transformers_original": original["transformers"],
            "python": platform.python_version(),
        },
        "rows": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
