"""HyenaDNA on CPU: the native port's forward against the original PyTorch code, same weights and inputs.

Model: the hyenadna-small-32k-seqlen shape (width 256, 4 layers, MLP 1024, max 32,770 tokens), random
seeded weights made by the original ``-hf`` code (``modeling_hyena.py``) and saved in its layout; the
native model is ``convert_checkpoint`` of that folder. One sequence of 1 kb, 8 kb and 32 kb, one torch
thread, fp32, ``inference_mode``. The originals need transformers 4.x, so they live in a child
process of this run (``--original-python``: a scratch environment, see
tests/fixtures/ports/make_hyenadna_fixtures.py) that times a forward on request: the -hf
``HyenaDNAForCausalLM`` and the repository's ``standalone_hyenadna.HyenaDNAModel`` backbone (same
shape, its own random weights: timing only). Timings are round-robin (original-hf, standalone, native,
repeated), so all three share the machine's load of the moment; medians of ``--repeats`` rounds after
a warm-up round. Logits are compared at 1 kb (max-abs-diff). Memory, measured first: peak RSS of one
bare forward (no LM head) at 8, 16 and 32 kb above the process's RSS before them, high-water mark
reset before each (Linux ``clear_refs``), native and -hf original alike: linear in L, no L x L tensor.

    nice -n 10 .venv/bin/python benchmarks/bench_ports_hyenadna.py --original /work/scratch/hyena-orig \\
        --hf-code /work/scratch/hyena/hf_code --original-python /work/scratch/hyena/venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import platform
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
    import importlib, json, re, shutil, statistics, sys, tempfile, time, types
    from pathlib import Path
    import torch
    import transformers  # before the torchvision stub (transformers probes for torchvision)

    original, hf_code, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    shape, lengths = json.loads(sys.argv[4]), json.loads(sys.argv[5])
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
    with torch.inference_mode():
        torch.save(hf(inputs[lengths[0]]).logits, out / "hf_logits.pt")
    runs = {"original-hf": lambda x: hf(x).logits, "original-standalone": lambda x: backbone(x)}
    bare = {"original-hf": lambda x: hf.hyena(x), "original-standalone": lambda x: backbone(x)}

    def kib(field):
        return int(re.search(field + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))

    baseline = kib("VmRSS")
    print(json.dumps({"ready": True, "transformers": transformers.__version__}), flush=True)
    for line in sys.stdin:
        command, name, n = line.split()
        ids = inputs[int(n)] if int(n) in inputs else torch.randint(7, 12, (1, int(n)), generator=generator)
        with torch.inference_mode():
            if command == "time":
                start = time.perf_counter(); runs[name](ids); answer = time.perf_counter() - start
            else:  # peak-RSS growth of one bare forward
                Path("/proc/self/clear_refs").write_text("5")
                bare[name](ids); answer = (kib("VmHWM") - baseline) / 1024
        print(json.dumps(answer), flush=True)
    """
)


def _kib(field: str) -> int:
    import re

    return int(re.search(field + r":\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def native_peak_growth_mb(model, n: int, baseline_kib: int) -> float:
    """Peak RSS (MB) of one bare forward above the process's RSS before any long forward: the
    high-water mark is reset first (Linux clear_refs); lengths are measured in increasing order."""
    import torch

    ids = torch.randint(7, 12, (1, n))
    Path("/proc/self/clear_refs").write_text("5")
    with torch.inference_mode():
        model.model(ids)
    return (_kib("VmHWM") - baseline_kib) / 1024


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


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
    parser.add_argument("--memory-lengths", type=int, nargs="+", default=[8192, 16384, 32768])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from transformers import AutoModelForCausalLM

    from hf_genomics.convert import convert_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        original_folder, native_folder = Path(tmp) / "hf", Path(tmp) / "native"
        original_folder.mkdir()
        child = subprocess.Popen(
            [
                args.original_python, "-c", CHILD, args.original, args.hf_code, str(original_folder),
                json.dumps(SHAPE), json.dumps(args.lengths),
            ],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )  # fmt: skip

        def ask(command: str, name: str, n: int):
            child.stdin.write(f"{command} {name} {n}\n")
            line = child.stdout.readline()
            if not line:
                raise SystemExit("the original-code process died")
            return json.loads(line)

        hello = json.loads(child.stdout.readline())
        convert_checkpoint(original_folder, native_folder)
        inputs = torch.load(original_folder / "inputs.pt", weights_only=True)
        reference = torch.load(original_folder / "hf_logits.pt", weights_only=True)
        model = AutoModelForCausalLM.from_pretrained(native_folder).eval()
        with torch.inference_mode():
            parity = float((model(inputs[args.lengths[0]]).logits - reference).abs().max())
        rows, memory = [], []
        baseline = _kib("VmRSS")
        for n in sorted(args.memory_lengths):  # before any timing: increasing lengths
            memory.append(
                {
                    "length_nt": n,
                    "native_forward_peak_above_baseline_mb": round(
                        native_peak_growth_mb(model, n, baseline), 1
                    ),
                    "original_hf_forward_peak_above_baseline_mb": round(ask("memory", "original-hf", n), 1),
                }
            )
        names = ("original-hf", "original-standalone")
        for n in args.lengths:  # round-robin, so the three share the machine's load of the moment
            samples: dict[str, list[float]] = {"native": [], **{name: [] for name in names}}
            for repeat in range(args.repeats + 1):  # the first round warms up
                for name in names:
                    seconds = ask("time", name, n)
                    if repeat:
                        samples[name].append(seconds)
                with torch.inference_mode():
                    seconds = timed(lambda ids=inputs[n]: model(ids))
                if repeat:
                    samples["native"].append(seconds)
            native, hf, standalone = (statistics.median(samples[k]) for k in ("native", *names))
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
        child.stdin.close()
        child.wait()
    result = {
        "description": __doc__.split("\n")[0],
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_ports_hyenadna.py " + " ".join(sys.argv[1:]),
        "model_shape": SHAPE,
        "torch_threads": 1,
        "repeats": args.repeats,
        "machine": {"cpu": platform.machine(), "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "original_transformers": hello["transformers"]},
        "parity_max_abs_diff_logits_1kb": parity,
        "forward": rows,
        "memory": memory,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
