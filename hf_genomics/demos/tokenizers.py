"""Demo section: tokenize real (or generated) DNA with every tokenizer kind and compare them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from hf_genomics.tokenization.spec import build_tokenizer

SPECS = ["char", "kmer:3", "kmer:6", "kmer:6:1", "bpe:1024"]


def _sequences(data_dir: Path | None) -> tuple[list[str], str]:
    if data_dir is None:
        rng = np.random.default_rng(0)
        return [
            "".join(rng.choice(list("ACGT"), 300)) for _ in range(3000)
        ], "3,000 generated random 300 nt sequences"
    from hf_genomics.data.gue import read_gue_csv

    seqs = read_gue_csv(data_dir / "gue" / "prom" / "prom_300_tata" / "train.csv")["sequence"]
    return seqs, f"GUE prom_300_tata train split ({len(seqs):,} x 300 nt)"


def run(data_dir: Path | None, out_dir: Path) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    seqs, source = _sequences(data_dir)
    total_nt = sum(map(len, seqs))
    rows = []
    for spec in SPECS:
        start = time.perf_counter()
        tokenizer = build_tokenizer(spec, train_sequences=seqs)
        build_seconds = time.perf_counter() - start
        start = time.perf_counter()
        ids = tokenizer(seqs, add_special_tokens=False)["input_ids"]
        seconds = time.perf_counter() - start
        lossless = tokenizer.batch_decode(ids[:200]) == seqs[:200]
        tokens = np.array([len(row) for row in ids])
        rows.append(
            {
                "tokenizer": spec,
                "vocab": len(tokenizer),
                "tokens_per_sequence": float(tokens.mean()),
                "nt_per_token": total_nt / tokens.sum(),
                "M_nt_per_s": total_nt / seconds / 1e6,
                "build_s": build_seconds,
                "decode_is_lossless": lossless,
            }
        )
    (out_dir / "tokenizers.json").write_text(json.dumps({"data": source, "rows": rows}, indent=2))
    lines = [
        f"Data: {source}",
        "",
        "| tokenizer | vocab | tokens/seq | nt/token | M nt/s | build (s) | lossless |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['tokenizer']} | {r['vocab']:,} | {r['tokens_per_sequence']:.1f} | {r['nt_per_token']:.2f} | "
        f"{r['M_nt_per_s']:.1f} | {r['build_s']:.2f} | {'yes' if r['decode_is_lossless'] else 'NO'} |"
        for r in rows
    ]
    table = "\n".join(lines)
    (out_dir / "tokenizers.md").write_text(table + "\n")
    return table
