"""Speed and memory of the DNA encoder (each position type) against transformers' own encoders.

Same size for every model (hidden 256, 4 layers, 4 heads, FFN 1024, vocab 4101, dropout 0, sdpa),
batch 8 at sequence lengths 128 and 512: training tokens/s (forward + backward + AdamW step with
15% of positions labelled, as in MLM), inference tokens/s (masked-LM forward, all positions) and
peak RSS. Speed: all models of one length live in one process and are timed round-robin, median of
``--repeats`` steps after warm-up each. Peak RSS: each (model, length) alone in a fresh process. Then tokens/s against sequence length
128..4096 for our three position types at 2,048 tokens per step (one 4,096 sequence at 4,096).

The machine is shared, so read the ratios to BERT measured in the same run, not absolute numbers.

    nice -n 10 .venv/bin/python benchmarks/bench_encoder.py --threads 1   # -> benchmarks/results/encoder.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "encoder.json"
SIZE = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024)
VOCAB = 4101
OURS = ("dna_encoder-sinusoidal", "dna_encoder-alibi", "dna_encoder-rope")
PEERS = ("bert", "modernbert", "esm-rotary")


def build(name: str, max_len: int):
    """A masked-LM model of the shared size; dropout 0 everywhere, sdpa attention."""
    import transformers

    import hf_genomics  # noqa: F401

    positions = max(512, max_len)
    if name.startswith("dna_encoder"):
        config = hf_genomics.DnaEncoderConfig(
            **SIZE,
            vocab_size=VOCAB,
            position_embedding_type=name.split("-")[1],
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            max_position_embeddings=positions,
        )
        return hf_genomics.DnaEncoderForMaskedLM(config)
    if name == "bert":
        config = transformers.BertConfig(
            **SIZE,
            vocab_size=VOCAB,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            max_position_embeddings=positions,
        )
        return transformers.BertForMaskedLM(config)
    if name == "modernbert":
        config = transformers.ModernBertConfig(
            **SIZE,
            vocab_size=VOCAB,
            max_position_embeddings=positions,
            layer_types=["full_attention"] * SIZE["num_hidden_layers"],  # global attention everywhere
            pad_token_id=0,
            bos_token_id=2,
            eos_token_id=3,
            cls_token_id=2,
            sep_token_id=3,
        )
        return transformers.ModernBertForMaskedLM(config)
    if name == "esm-rotary":
        config = transformers.EsmConfig(
            **SIZE,
            vocab_size=VOCAB,
            position_embedding_type="rotary",
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            max_position_embeddings=positions,
            pad_token_id=0,
            mask_token_id=4,
        )
        return transformers.EsmForMaskedLM(config)
    raise ValueError(name)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_batch(seq_len: int, batch: int):
    """Random ids, a full attention mask and MLM labels at 15% of positions (fixed seed)."""
    import torch

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(10, VOCAB, (batch, seq_len), generator=g)
    labels = ids.masked_fill(torch.rand(ids.shape, generator=g) > 0.15, -100)
    return ids, torch.ones_like(ids), labels


def measure_speed(names: list[str], seq_len: int, batch: int, repeats: int, threads: int) -> list[dict]:
    """Median tokens/s per model; models are timed round-robin in one process so that load from
    other users of the machine hits every model alike."""
    import torch

    torch.set_num_threads(threads)
    ids, mask, labels = make_batch(seq_len, batch)
    models, optimizers = {}, {}
    for name in names:
        torch.manual_seed(0)
        models[name] = build(name, seq_len)
        optimizers[name] = torch.optim.AdamW(models[name].parameters(), lr=1e-4)

    def train_step(name):
        optimizers[name].zero_grad(set_to_none=True)
        models[name](input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        optimizers[name].step()

    def infer_step(name):
        with torch.inference_mode():
            models[name](input_ids=ids, attention_mask=mask)

    times = {name: {"train": [], "infer": []} for name in names}
    for mode, step in (("train", train_step), ("infer", infer_step)):
        for name in names:
            models[name].train(mode == "train")
            for _ in range(2):  # warm-up
                step(name)
        for round_index in range(repeats):
            order = names[round_index % len(names) :] + names[: round_index % len(names)]
            for name in order:
                start = time.perf_counter()
                step(name)
                times[name][mode].append(time.perf_counter() - start)
    tokens = batch * seq_len
    return [
        {
            "model": name,
            "seq_len": seq_len,
            "batch": batch,
            "threads": threads,
            "n_parameters": sum(p.numel() for p in models[name].parameters()),
            "train_tokens_per_s": tokens / statistics.median(times[name]["train"]),
            "infer_tokens_per_s": tokens / statistics.median(times[name]["infer"]),
            "train_step_s": times[name]["train"],
            "infer_step_s": times[name]["infer"],
        }
        for name in names
    ]


def measure_memory(name: str, seq_len: int, batch: int, threads: int) -> dict:
    """Peak RSS of one training step and one inference step, alone in a fresh process."""
    import torch

    torch.set_num_threads(threads)
    baseline = rss_mb()
    ids, mask, labels = make_batch(seq_len, batch)
    model = build(name, seq_len)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
    optimizer.step()
    with torch.inference_mode():
        model.eval()(input_ids=ids, attention_mask=mask)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"baseline_rss_mb": baseline, "peak_rss_mb": peak}


def in_subprocess(kind: str, payload: dict) -> object:
    command = [sys.executable, __file__, "--worker", kind, json.dumps(payload)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def markdown_tables(report: dict) -> str:
    """The comparison (with ratios to BERT) and the scaling table, as markdown."""
    ratio = {(r["model"], r["seq_len"]): r for r in report["ratios"]}
    lines = [
        "| model | seq | train tok/s | × BERT | infer tok/s | × BERT | peak RSS MB | × BERT |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["comparison"]:
        r = ratio[(row["model"], row["seq_len"])]
        lines.append(
            f"| {row['model']} | {row['seq_len']} | {row['train_tokens_per_s']:,.0f} | {r['train_vs_bert']:.2f} "
            f"| {row['infer_tokens_per_s']:,.0f} | {r['infer_vs_bert']:.2f} | {row['peak_rss_mb']:,.0f} "
            f"| {r['peak_rss_vs_bert']:.2f} |"
        )
    lengths = sorted({row["seq_len"] for row in report["scaling"]})
    by = {(row["model"], row["seq_len"]): row for row in report["scaling"]}
    lines += ["", "| position | " + " | ".join(f"{n} (train / infer)" for n in lengths) + " |"]
    lines.append("|---|" + "---:|" * len(lengths))
    for name in OURS:
        cells = [
            f"{by[(name, n)]['train_tokens_per_s']:,.0f} / {by[(name, n)]['infer_tokens_per_s']:,.0f}"
            for n in lengths
        ]
        lines.append(f"| {name.split('-')[1]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lengths", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--scaling_lengths", type=int, nargs="+", default=[128, 512, 1024, 2048, 4096])
    parser.add_argument("--scaling_tokens", type=int, default=2048)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true", help="print the README tables from --output and exit")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        print(markdown_tables(json.loads(args.output.read_text())))
        return
    if args.worker:
        kind, payload = args.worker[0], json.loads(args.worker[1])
        print(json.dumps(measure_speed(**payload) if kind == "speed" else measure_memory(**payload)))
        return

    import torch
    import transformers

    names = [*PEERS, *OURS]
    report = {
        "description": __doc__.split("\n\n")[0],
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_encoder.py " + " ".join(sys.argv[1:]),
        "torch_threads": args.threads,
        "repeats": args.repeats,
        "machine": {"cpu": platform.processor() or platform.machine(), "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "gpu": None,
        "comparison": [],
        "ratios": [],
        "scaling": [],
    }

    def save() -> None:  # after every stage, so an interrupted run keeps what it measured
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2))

    for seq_len in args.lengths:
        rows = in_subprocess(
            "speed",
            dict(names=names, seq_len=seq_len, batch=args.batch, repeats=args.repeats, threads=args.threads),
        )
        for row in rows:
            memory = dict(name=row["model"], seq_len=seq_len, batch=args.batch, threads=args.threads)
            row.update(in_subprocess("memory", memory))
            print(json.dumps({k: v for k, v in row.items() if not k.endswith("step_s")}), flush=True)
        bert = next(row for row in rows if row["model"] == "bert")
        for row in rows:
            report["ratios"].append(
                {
                    "model": row["model"],
                    "seq_len": seq_len,
                    "train_vs_bert": row["train_tokens_per_s"] / bert["train_tokens_per_s"],
                    "infer_vs_bert": row["infer_tokens_per_s"] / bert["infer_tokens_per_s"],
                    "peak_rss_vs_bert": row["peak_rss_mb"] / bert["peak_rss_mb"],
                }
            )
        report["comparison"].extend(rows)
        save()
    for seq_len in args.scaling_lengths:
        batch = max(1, args.scaling_tokens // seq_len)
        rows = in_subprocess(
            "speed",
            dict(names=list(OURS), seq_len=seq_len, batch=batch, repeats=args.repeats, threads=args.threads),
        )
        for row in rows:
            print(json.dumps({k: v for k, v in row.items() if not k.endswith("step_s")}), flush=True)
        report["scaling"].extend(rows)
        save()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
