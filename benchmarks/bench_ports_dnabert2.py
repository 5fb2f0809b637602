"""DNABERT-2 forward speed on CPU: our native port against the original MosaicBERT code's PyTorch path.

Both run the same randomly initialised DNABERT-2-117M-size encoder (the real ``config.json``), one thread,
batch 1, on real DNA (the first 1 kb and 8 kb of a Zika genome, tokenized by the real tokenizer), plus a
padded batch of 8 GUE prom_300_tata sequences. The original runs in its own environment (transformers 4.x
and einops; ``--original-python``) in a child process of this same run: it creates the checkpoint in the
original layout, which this process converts with ``convert_checkpoint``, so both time identical weights;
the outputs are compared as well (a full-size parity figure). Each implementation lives in its own worker
process (the original's, native SDPA, native eager) answering one timed forward at a time, interleaved
round-robin so the shared machine's load hits all alike; median of ``--repeats`` forwards after a warm-up.

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


def timed_forward(model, inputs: dict) -> tuple[float, object]:
    """Seconds for one forward and its last hidden state (``[0]`` of a tuple or a ModelOutput)."""
    import torch

    with torch.inference_mode():
        start = time.perf_counter()
        out = model(**inputs)
        return time.perf_counter() - start, out[0]


# ---- worker processes: one implementation each, timed one forward at a time on request -------------


def serve(model, work: Path, name: str) -> None:
    """Answer ``<case>`` lines on stdin with the seconds of one forward; ``save`` writes the outputs."""
    from safetensors.torch import load_file, save_file

    inputs = load_file(work / "inputs.safetensors")
    outputs = {}
    print("ready", flush=True)
    for line in sys.stdin:
        case = line.strip()
        if case == "save":
            save_file(outputs, work / f"outputs_{name}.safetensors")
            print("saved", flush=True)
            continue
        batch = {"input_ids": inputs[f"{case}.input_ids"], "attention_mask": inputs[f"{case}.attention_mask"]}
        seconds, out = timed_forward(model, batch)
        outputs[case] = out.contiguous()
        print(seconds, flush=True)


def original_model(original: Path, work: Path):
    """The original BertModel (random, seeded, real config); its checkpoint is written for conversion."""
    import importlib

    import torch

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
    return model


def native_model(work: Path, attn: str):
    import transformers

    import hf_genomics  # noqa: F401  (registers the native classes)

    return transformers.AutoModel.from_pretrained(work / "native", attn_implementation=attn).eval()


def run_worker(kind: str, original: Path, work: Path, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    model = original_model(original, work) if kind == "original" else native_model(work, kind)
    serve(model, work, kind)


class Worker:
    """A worker process and its line protocol."""

    def __init__(self, python: str, kind: str, args, work: Path):
        command = [python, __file__, "--original", str(args.original), "--worker", str(work), "--kind", kind]
        command += ["--threads", str(args.threads)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.kind = kind

    def answer(self) -> str:
        """The next protocol line (anything else the worker prints is skipped)."""
        for line in self.process.stdout:
            line = line.strip()
            if line in ("ready", "saved") or line.replace(".", "", 1).replace("e-", "", 1).isdigit():
                return line
        raise SystemExit(f"the {self.kind} worker stopped early (see its stderr above)")

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


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
    parser.add_argument("--kind", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        run_worker(args.kind, args.original, args.worker, args.threads)
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
        workers = {"original": Worker(args.original_python, "original", args, work)}
        workers["original"].answer()  # ready: the original checkpoint is written
        convert_checkpoint(work / "checkpoint", work / "native")
        for attn in ("sdpa", "eager"):
            workers[attn] = Worker(sys.executable, attn, args, work)
            workers[attn].answer()
        names = list(workers)
        times: dict[tuple[str, str], list[float]] = {}
        for case in made["cases"]:
            for worker in workers.values():
                worker.ask(case)  # warm-up
            for repeat in range(args.repeats):  # round-robin, rotating who goes first
                for name in names[repeat % 3 :] + names[: repeat % 3]:
                    times.setdefault((case, name), []).append(float(workers[name].ask(case)))
            print(case, {name: round(statistics.median(times[(case, name)]), 3) for name in names})
        outputs = {}
        for name, worker in workers.items():
            worker.ask("save")
            worker.close()
            outputs[name] = load_file(work / f"outputs_{name}.safetensors")

    results = []
    for case, info in made["cases"].items():
        theirs = statistics.median(times[(case, "original")])
        for attn in ("sdpa", "eager"):
            mine = statistics.median(times[(case, attn)])
            results.append(
                {
                    "case": case,
                    **info,
                    "attn_implementation": attn,
                    "native_s": times[(case, attn)],
                    "original_s": times[(case, "original")],
                    "native_median_s": mine,
                    "original_median_s": theirs,
                    "speedup_vs_original": theirs / mine,
                    "max_abs_diff": float((outputs[attn][case] - outputs["original"][case]).abs().max()),
                }
            )

    report = {
        "description": __doc__.splitlines()[0],
        "command": " ".join(["nice -n 10 python benchmarks/bench_ports_dnabert2.py", *sys.argv[1:]]),
        "model": "DNABERT-2-117M size (real config.json), random weights, BertModel (no head)",
        "original_code": "DNABERT-2 Hub bert_layers.py (MosaicBERT), PyTorch attention path (no triton)",
        "torch_threads": args.threads,
        "repeats": args.repeats,
        "timing": "three worker processes (original, native sdpa, native eager), one forward each per repeat, round-robin",
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
