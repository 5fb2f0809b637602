"""Nucleotide Transformer v2: native forward vs the original's PyTorch path, CPU, one thread.

The original (the Hub's ESM + gated-FFN remote code, reproduced as transformers 4.44.2's ESM with
NT's two feed-forward classes; see tests/fixtures/ports/make_nucleotide_transformer_fixtures.py)
needs transformers 4.x, so it runs in a child process started with ``--original-python`` (a
virtualenv with transformers 4.44.2 and the same torch). The child builds a seeded random model of
the real nucleotide-transformer-v2-50m-multi-species shape in the original layout and times it; this
process converts that very checkpoint with ``hf_genomics.convert`` and times the native model on the
same token ids. Masked-LM forward (logits), batch 1, 1 kb and 8 kb of random DNA (168 and 1,335
tokens), median of ``--repeats`` after one warm-up, the original and the native model (SDPA and
eager) timed in turn within each repeat. Outputs of both are compared too.

    nice -n 10 .venv/bin/python benchmarks/bench_ports_nucleotide_transformer.py \
        --original-python /work/scratch/nt/venv/bin/python
    # -> benchmarks/results/ports_nucleotide_transformer.json

The machine is shared: read the ratios measured in the same run, not absolute times.
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

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ports_nucleotide_transformer.json"
LENGTHS_NT = (1000, 8000)
SHAPE = "nucleotide-transformer-v2-50m-multi-species"

CHILD = textwrap.dedent(
    """
    import json, sys, time
    import torch
    from safetensors.torch import load_file, save_file

    fixtures, folder, ids_file, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sys.path.insert(0, fixtures)
    import make_nucleotide_transformer_fixtures as fx
    import transformers
    from transformers import EsmConfig

    torch.set_num_threads(threads)
    modeling_esm = fx.nt_v2_classes()
    config_dict = json.loads(open(folder + "/config.json").read())
    config = EsmConfig(**config_dict)
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = modeling_esm.EsmForMaskedLM(config).eval()
    fx.perturb(model, seed=7)
    fx.save_original(model, __import__("pathlib").Path(folder), config_dict)
    inputs = load_file(ids_file)
    outputs = {}
    print(json.dumps({"ready": True, "transformers": transformers.__version__}), flush=True)
    for line in sys.stdin:  # one forward per request, so the parent can interleave the two models
        name = line.strip()
        if name == "quit":
            break
        with torch.inference_mode():
            start = time.perf_counter()
            logits = model(input_ids=inputs[name]).logits
            elapsed = time.perf_counter() - start
        outputs.setdefault(name, logits[0, :, :64].contiguous())
        print(json.dumps({"seconds": elapsed}), flush=True)
    save_file(outputs, folder + "/original_logits.safetensors")
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--original-python", required=True, help="interpreter with transformers 4.44.2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import numpy as np
    import torch
    import transformers
    from safetensors.torch import load_file, save_file
    from transformers import AutoModelForMaskedLM

    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "ports"))
    import hf_genomics  # noqa: F401
    from hf_genomics.convert import convert_checkpoint
    from hf_genomics.models.nucleotide_transformer import (
        NT_V2_SHAPES,
        NucleotideTransformerTokenizer,
        nt_vocab,
    )

    torch.set_num_threads(args.threads)
    hidden, layers, heads, intermediate = NT_V2_SHAPES[SHAPE]
    tiny = json.loads(
        (ROOT / "tests/fixtures/ports/nucleotide_transformer/nt_v2_tiny/config.json").read_text()
    )
    config = {
        **tiny,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "max_position_embeddings": 2050,
        "vocab_size": 4107,
    }
    tokenizer = NucleotideTransformerTokenizer(vocab=nt_vocab(6, 2))
    rng = np.random.default_rng(0)
    inputs = {}
    for length in LENGTHS_NT:
        dna = "".join(rng.choice(list("ACGT"), size=length))
        inputs[f"{length // 1000}kb"] = torch.tensor([tokenizer(dna)["input_ids"]])

    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "original"
        original.mkdir()
        (original / "config.json").write_text(json.dumps(config))
        (original / "vocab.txt").write_text("\n".join(nt_vocab(6, 2)) + "\n")
        save_file(inputs, Path(tmp) / "ids.safetensors")
        child = subprocess.Popen(
            [
                args.original_python,
                "-c",
                CHILD,
                str(ROOT / "tests" / "fixtures" / "ports"),
                str(original),
                str(Path(tmp) / "ids.safetensors"),
                str(args.threads),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

        def original_forward(name: str) -> float:
            child.stdin.write(name + "\n")
            child.stdin.flush()
            return json.loads(child.stdout.readline())["seconds"]

        hello = json.loads(child.stdout.readline())  # the child has built and saved the original
        native_dir = Path(tmp) / "native"
        convert_checkpoint(original, native_dir)
        natives = {
            implementation: AutoModelForMaskedLM.from_pretrained(
                native_dir, attn_implementation=implementation
            ).eval()
            for implementation in ("sdpa", "eager")
        }
        timings: dict[tuple[str, str], list[float]] = {}
        native_logits = {}
        with torch.inference_mode():
            for name, ids in inputs.items():
                original_forward(name)  # warm-up
                for model in natives.values():
                    model(input_ids=ids)
                for _ in range(args.repeats):  # interleaved, so load changes hit all three alike
                    timings.setdefault(("original", name), []).append(original_forward(name))
                    for implementation, model in natives.items():
                        start = time.perf_counter()
                        logits = model(input_ids=ids).logits
                        timings.setdefault((implementation, name), []).append(time.perf_counter() - start)
                        native_logits[(implementation, name)] = logits[0, :, :64]
        child.stdin.write("quit\n")
        child.stdin.flush()
        if child.wait(timeout=300):
            raise SystemExit("the original's process failed")
        original_logits = load_file(original / "original_logits.safetensors")
        rows = []
        for (implementation, name), runs in timings.items():
            if implementation == "original":
                continue
            diff = float((native_logits[(implementation, name)] - original_logits[name]).abs().max())
            scale = float(original_logits[name].abs().max())  # seeded N(0, 0.2) weights: large logits
            original_s = statistics.median(timings[("original", name)])
            native_s = statistics.median(runs)
            rows.append(
                {
                    "length": name,
                    "tokens": int(inputs[name].shape[1]),
                    "native_attention": implementation,
                    "original_s": original_s,
                    "native_s": native_s,
                    "speedup_native_vs_original": original_s / native_s,
                    "original_runs_s": timings[("original", name)],
                    "native_runs_s": runs,
                    "logits_max_abs_diff_first_64_columns": diff,
                    "logits_max_abs_first_64_columns": scale,
                    "logits_max_relative_diff": diff / scale,
                }
            )
            print(f"{name} {implementation}: original {original_s:.3f}s native {native_s:.3f}s "
                  f"x{original_s / native_s:.2f} diff {diff:.2e} (max |logit| {scale:.1f})")  # fmt: skip

    result = {
        "description": __doc__.split("\n")[0],
        "command": " ".join(["benchmarks/bench_ports_nucleotide_transformer.py", *sys.argv[1:]]),
        "shape": {
            "name": SHAPE,
            "hidden": hidden,
            "layers": layers,
            "heads": heads,
            "intermediate": intermediate,
        },
        "threads": args.threads,
        "repeats": args.repeats,
        "machine": {"cpu": platform.machine(), "python": platform.python_version()},
        "versions": {
            "torch": torch.__version__,
            "transformers_native": transformers.__version__,
            "transformers_original": hello["transformers"],
        },
        "original_attention": "eager (transformers 4.44.2 ESM)",
        "rows": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("wrote", RESULTS)


if __name__ == "__main__":
    main()
