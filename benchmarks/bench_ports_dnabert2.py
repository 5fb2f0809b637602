"""DNABERT-2 forward speed on CPU: our native port against the original MosaicBERT code's PyTorch path.

Both run the same randomly initialised DNABERT-2-117M-size encoder (the real ``config.json``), one thread,
batch 1, on real DNA (the first 1 kb and 8 kb of a Zika genome, tokenized by the real tokenizer), plus a
padded batch of 8 GUE prom_300_tata sequences. The original runs in its own environment (transformers 4.x
and einops; ``--original-python``) in a child process of this same run: it creates the checkpoint in the
original layout, which this process converts with ``convert_checkpoint``, so both time identical weights;
the outputs are compared as well (a full-size parity figure). Median of ``--repeats`` forwards after one
warm-up; read the ratio, the machine is shared.

    nice -n 10 .venv/bin/python benchmarks/bench_ports_dnabert2.py \
        --original /path/to/DNABERT-S --original-python /path/to/scratch/venv/bin/python
    # -> benchmarks/results/ports_dnabert2.json
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package when this file runs as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

RESULTS = Path(__file__).resolve().parent / "results" / "ports_dnabert2.json"
LENGTHS_NT = (1_000, 8_000)
BATCH_TASK, BATCH_SIZE = "prom/prom_300_tata", 8


def time_forwards(model, inputs: dict, repeats: int) -> tuple[list[float], object]:
    """Seconds per forward and the last hidden state (``[0]`` of a tuple or a ModelOutput)."""
    import torch

    with torch.inference_mode():
        out = model(**inputs)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            out = model(**inputs)
            times.append(time.perf_counter() - start)
    return times, out[0]


# ---- child process: the original code, in its own environment ---------------------------------------


def run_original(original: Path, work: Path, repeats: int, threads: int) -> None:
    import importlib

    import torch
    from safetensors.torch import load_file, save_file

    torch.set_num_threads(threads)
    package = work / "pkg" / "dnabert2_original"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in ("bert_layers.py", "bert_padding.py", "configuration_bert.py"):
        shutil.copy(original / name, package / name)
    sys.path.insert(0, str(package.parent))
    layers = importlib.import_module("dnabert2_original.bert_layers")
    layers.flash_attn_qkvpacked_func = None  # the PyTorch path: what CPU users get
    config_module = importlib.import_module("dnabert2_original.configuration_bert")

    config = config_module.BertConfig.from_pretrained(str(original))
    torch.manual_seed(0)
    model = layers.BertModel(config, add_pooling_layer=False).eval()
    checkpoint = work / "checkpoint"
    model.save_pretrained(checkpoint, safe_serialization=False)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(original / name, checkpoint / name)

    inputs = load_file(work / "inputs.safetensors")
    timings, outputs = {}, {}
    for case in json.loads((work / "cases.json").read_text()):
        batch = {"input_ids": inputs[f"{case}.input_ids"], "attention_mask": inputs[f"{case}.attention_mask"]}
        times, out = time_forwards(model, batch, repeats)
        timings[case] = times
        outputs[case] = out.contiguous()
    save_file(outputs, work / "original_outputs.safetensors")
    (work / "original_times.json").write_text(json.dumps(timings))


# ---- parent: inputs, the original in a child, our model, the report -----------------------------------


def make_inputs(original: Path, shared_data: Path) -> dict:
    import torch
    from Bio import SeqIO

    from hf_genomics.convert.dnabert2 import load_tokenizer

    tokenizer = load_tokenizer(original)
    genome = str(next(SeqIO.parse(shared_data / "viruses" / "zika" / "sequences.fasta", "fasta")).seq)
    cases, tensors = {}, {}
    for length in LENGTHS_NT:
        name = f"{length // 1000}kb"
        encoded = tokenizer(genome[:length], return_tensors="pt")
        cases[name] = {"nucleotides": length, "batch": 1, "tokens": int(encoded["input_ids"].shape[1])}
        tensors[f"{name}.input_ids"] = encoded["input_ids"]
        tensors[f"{name}.attention_mask"] = encoded["attention_mask"]
    import csv

    with open(shared_data / "gue" / BATCH_TASK / "test.csv", newline="") as handle:
        rows = [row["sequence"] for row in list(csv.DictReader(handle))[:BATCH_SIZE]]
    encoded = tokenizer(rows, padding=True, return_tensors="pt")
    name = f"gue_batch{BATCH_SIZE}"
    cases[name] = {
        "nucleotides": sum(map(len, rows)),
        "batch": BATCH_SIZE,
        "tokens": int(encoded["attention_mask"].sum()),
        "padded_tokens": int(encoded["input_ids"].numel()),
    }
    tensors[f"{name}.input_ids"] = encoded["input_ids"]
    tensors[f"{name}.attention_mask"] = encoded["attention_mask"].to(torch.long)
    return {"cases": cases, "tensors": tensors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--original", type=Path, required=True, help="folder with bert_layers.py, config.json, ..."
    )
    parser.add_argument("--original-python", default=sys.executable, help="python of the original's env")
    parser.add_argument("--shared-data", type=Path, default=None, help="default: ../shared/data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        run_original(args.original, args.worker, args.repeats, args.threads)
        return

    import torch
    import transformers
    from safetensors.torch import load_file, save_file

    from hf_genomics.convert import convert_checkpoint
    from hf_genomics.paths import shared_data_dir

    torch.set_num_threads(args.threads)
    shared_data = args.shared_data or shared_data_dir()
    if shared_data is None:
        raise SystemExit("real data folder not found: pass --shared-data or set HF_GENOMICS_DATA")
    with tempfile.TemporaryDirectory(prefix="bench-dnabert2-") as tmp:
        work = Path(tmp)
        made = make_inputs(args.original, shared_data)
        save_file(made["tensors"], work / "inputs.safetensors")
        (work / "cases.json").write_text(json.dumps(list(made["cases"])))
        command = [
            args.original_python,
            __file__,
            "--original",
            str(args.original),
            "--worker",
            str(work),
            "--repeats",
            str(args.repeats),
            "--threads",
            str(args.threads),
        ]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(f"original run failed:\n{child.stderr[-3000:]}")
        original_times = json.loads((work / "original_times.json").read_text())
        original_outputs = load_file(work / "original_outputs.safetensors")

        convert_checkpoint(work / "checkpoint", work / "native")
        results = []
        for attn in ("sdpa", "eager"):
            model = transformers.AutoModel.from_pretrained(work / "native", attn_implementation=attn).eval()
            for case, info in made["cases"].items():
                batch = {
                    "input_ids": made["tensors"][f"{case}.input_ids"],
                    "attention_mask": made["tensors"][f"{case}.attention_mask"],
                }
                times, out = time_forwards(model, batch, args.repeats)
                ours, theirs = statistics.median(times), statistics.median(original_times[case])
                results.append(
                    {
                        "case": case,
                        **info,
                        "attn_implementation": attn,
                        "native_s": times,
                        "original_s": original_times[case],
                        "native_median_s": ours,
                        "original_median_s": theirs,
                        "speedup_vs_original": theirs / ours,
                        "max_abs_diff": float((out - original_outputs[case]).abs().max()),
                    }
                )
                print(
                    f"{case:>10} {attn:>5}: native {ours:.3f} s, original {theirs:.3f} s, x{theirs / ours:.2f}"
                )

    report = {
        "description": __doc__.splitlines()[0],
        "command": " ".join(["nice -n 10 python benchmarks/bench_ports_dnabert2.py", *sys.argv[1:]]),
        "model": "DNABERT-2-117M size (real config.json), random weights, BertModel (no head)",
        "original_code": "DNABERT-2 Hub bert_layers.py (MosaicBERT), PyTorch attention path (no triton)",
        "torch_threads": args.threads,
        "repeats": args.repeats,
        "machine": {"cpu": platform.machine(), "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "results": results,
        "ratios": {
            f"{r['case']}/{r['attn_implementation']}": round(r["speedup_vs_original"], 3) for r in results
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
