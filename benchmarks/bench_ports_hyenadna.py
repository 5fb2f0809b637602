"""HyenaDNA on CPU: the native port's forward against the original PyTorch code, same weights and inputs.

Model: the hyenadna-small-32k-seqlen shape (width 256, 4 layers, MLP 1024, max 32,770 tokens), random
seeded weights made by the original ``-hf`` code (``modeling_hyena.py``) and saved in its layout; the
native model is ``convert_checkpoint`` of that folder. One sequence of 1 kb, 8 kb and 32 kb, one torch
thread, fp32, ``inference_mode``; median of ``--repeats`` forwards after a warm-up. The originals need
transformers 4.x, so they run in a child process of this run with ``--original-python`` (a scratch
environment, see tests/fixtures/ports/make_hyenadna_fixtures.py); the two paths timed there are the
-hf ``HyenaDNAForCausalLM`` and the repository's ``standalone_hyenadna.HyenaDNAModel`` backbone (same
shape, its own random weights: timing only). Peak RSS is each process's (the 32 kb forward dominates).
The logits of both are compared at 1 kb (max-abs-diff).

    nice -n 10 .venv/bin/python benchmarks/bench_ports_hyenadna.py --original /work/scratch/hyena-orig \\
        --hf-code /work/scratch/hyena/hf_code --original-python /work/scratch/hyena/venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package when this file runs as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

RESULTS = Path(__file__).resolve().parent / "results" / "ports_hyenadna.json"
SHAPE = dict(d_model=256, n_layer=4, d_inner=1024, max_seq_len=32770, emb_dim=5, filter_order=64)

CHILD = textwrap.dedent(
    """
    import importlib, json, resource, shutil, statistics, sys, tempfile, time, types
    from pathlib import Path
    import torch
    import transformers  # before the torchvision stub (transformers probes for torchvision)

    original, hf_code, out, lengths, repeats = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    shape = json.loads(sys.argv[6])
    lengths = [int(x) for x in lengths.split(",")]
    torch.set_num_threads(1)

    class StochasticDepth(torch.nn.Module):  # torchvision's, for p == 0 (all the released models use)
        def __init__(self, p, mode):
            super().__init__()
        def forward(self, x):
            return x
    tv = types.ModuleType("torchvision"); ops = types.ModuleType("torchvision.ops")
    ops.StochasticDepth = StochasticDepth; tv.ops = ops
    sys.modules["torchvision"], sys.modules["torchvision.ops"] = tv, ops

    package = Path(tempfile.mkdtemp()) / "hyena_hf_original"
    package.mkdir(); (package / "__init__.py").write_text("")
    for name in ("modeling_hyena.py", "configuration_hyena.py"):
        shutil.copy(hf_code / name, package / name)
    sys.path.insert(0, str(package.parent)); sys.path.insert(0, original)
    modeling = importlib.import_module("hyena_hf_original.modeling_hyena")
    configuration = importlib.import_module("hyena_hf_original.configuration_hyena")
    standalone = importlib.import_module("standalone_hyenadna")

    torch.manual_seed(0)
    config = configuration.HyenaConfig(vocab_size=12, activation_freq=10, pad_token_id=4, tie_word_embeddings=False, **shape)
    hf = modeling.HyenaDNAForCausalLM(config).eval()
    hf.save_pretrained(out, safe_serialization=True)
    layer = dict(_name_="hyena", emb_dim=shape["emb_dim"], filter_order=shape["filter_order"], l_max=shape["max_seq_len"], modulate=True, w=10)
    backbone = standalone.HyenaDNAModel(d_model=shape["d_model"], n_layer=shape["n_layer"], d_inner=shape["d_inner"],
                                        vocab_size=12, layer=layer, pad_vocab_size_multiple=8).eval()
    generator = torch.Generator().manual_seed(1)
    inputs = {n: torch.randint(7, 12, (1, n), generator=generator) for n in lengths}
    torch.save(inputs, out / "inputs.pt")
    report = {"timings": {}}
    with torch.inference_mode():
        for n in lengths:
            for name, run in (("original-hf", lambda x: hf(x).logits), ("original-standalone", lambda x: backbone(x))):
                run(inputs[n])
                times = []
                for _ in range(repeats):
                    start = time.perf_counter(); y = run(inputs[n]); times.append(time.perf_counter() - start)
                report["timings"][f"{name}@{n}"] = statistics.median(times)
                if name == "original-hf" and n == lengths[0]:
                    torch.save(y, out / "hf_logits.pt")
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["transformers"] = transformers.__version__
    print(json.dumps(report))
    """
)


def native_timings(folder: Path, inputs: dict, repeats: int) -> tuple[dict, object]:
    import torch
    from transformers import AutoModelForCausalLM

    import hf_genomics  # noqa: F401

    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    timings, first_logits = {}, None
    with torch.inference_mode():
        for n, ids in inputs.items():
            model(ids)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                logits = model(ids).logits
                times.append(time.perf_counter() - start)
            timings[f"native@{n}"] = statistics.median(times)
            if first_logits is None:
                first_logits = logits
    return timings, first_logits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--original", required=True, help="a HazyResearch/hyena-dna checkout")
    parser.add_argument(
        "--hf-code", required=True, help="folder with the -hf modeling_hyena.py, configuration_hyena.py"
    )
    parser.add_argument(
        "--original-python", required=True, help="python of an environment with transformers 4.x"
    )
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 8192, 32768])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from hf_genomics.convert import convert_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        original_folder, native_folder = Path(tmp) / "hf", Path(tmp) / "native"
        original_folder.mkdir()
        child = subprocess.run(
            [
                args.original_python, "-c", CHILD, args.original, args.hf_code, str(original_folder),
                ",".join(map(str, args.lengths)), str(args.repeats), json.dumps(SHAPE),
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            raise SystemExit(child.stderr[-3000:])
        original = json.loads(child.stdout.strip().splitlines()[-1])
        convert_checkpoint(original_folder, native_folder)
        inputs = torch.load(original_folder / "inputs.pt", weights_only=True)
        reference = torch.load(original_folder / "hf_logits.pt", weights_only=True)
        timings, logits = native_timings(native_folder, inputs, args.repeats)
    rows = []
    for n in args.lengths:
        native = timings[f"native@{n}"]
        hf, standalone = (
            original["timings"][f"original-hf@{n}"],
            original["timings"][f"original-standalone@{n}"],
        )
        rows.append(
            {
                "length_nt": n,
                "native_s": round(native, 4),
                "original_hf_s": round(hf, 4),
                "original_standalone_s": round(standalone, 4),
                "speedup_vs_original_hf": round(hf / native, 3),
                "speedup_vs_original_standalone": round(standalone / native, 3),
            }
        )
    result = {
        "description": __doc__.split("\n")[0],
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_ports_hyenadna.py " + " ".join(sys.argv[1:]),
        "model_shape": SHAPE,
        "torch_threads": 1,
        "repeats": args.repeats,
        "machine": {"cpu": platform.machine(), "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "original_transformers": original["transformers"]},
        "parity_max_abs_diff_logits_1kb": float((logits - reference).abs().max()),
        "peak_rss_mb": {
            "native_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "original_process": round(original["peak_rss_mb"], 1),
        },
        "forward": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
