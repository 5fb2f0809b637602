"""Indels and SNVs score alike on a neutral sequence, for character, k-mer and BPE tokenizers.

A neutral sequence is i.i.d. uniform over A/C/G/T: no variant changes how likely it is, so a
calibrated model's mean score must be about 0 for SNVs, insertions and deletions alike. For each
tokenizer (characters; non-overlapping 3-mers; BPE with 64 tokens learned on the sequence) a tiny
LSTM causal LM is trained for ``--steps`` steps on random windows of a 200 kb neutral sequence;
then ``--variants`` random SNVs, insertions (1-5 bp) and deletions (1-5 bp) of a fresh neutral
sequence are scored with :func:`score_variants` (equal-length windows, ``--window-nt``). Reported
per tokenizer and class: mean score with a 95 % interval (normal approximation), mean |score|,
and the mean token-count difference ALT - REF (0 for characters and k-mers on equal windows;
BPE may split the two windows differently, and the score is deliberately not corrected for it).

Output: ``benchmarks/results/bench_vep_neutral.json``.

    nice -n 10 .venv/bin/python benchmarks/bench_vep_neutral.py [--steps 300] [--variants 150]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_vep_neutral.json"


def tokenizers(training: str):
    from hf_genomics.tokenization.bpe import train_dna_bpe
    from hf_genomics.tokenization.kmer import KmerTokenizer

    chunks = [training[i : i + 1000] for i in range(0, len(training), 1000)]
    return {
        "char": KmerTokenizer(k=1, add_bos_eos=True),
        "kmer3": KmerTokenizer(k=3, add_bos_eos=True),
        "bpe64": train_dna_bpe(chunks, vocab_size=64, add_bos_eos=True),
    }


def train_lstm(tokenizer, training: str, steps: int, window: int, seed: int):
    from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
    from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    config = DnaLstmConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = DnaLstmForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for _ in range(steps):
        starts = rng.integers(0, len(training) - window, 32)
        batch = tokenizer(
            [training[s : s + window] for s in starts], return_tensors="pt", padding=True, add_eos_token=True
        )
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        loss = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    model.eval()
    return model, float(np.mean(losses[-20:]))


def random_variants(contig: str, n: int, rng) -> list:
    from hf_genomics.analysis.variant_effects import Variant

    variants = []
    for kind in ("snv", "insertion", "deletion"):
        for _ in range(n):
            pos = int(rng.integers(300, len(contig) - 300))
            size = int(rng.integers(1, 6))
            ref = contig[pos - 1]
            if kind == "snv":
                alt = str(rng.choice([b for b in "ACGT" if b != ref]))
            elif kind == "insertion":
                alt = ref + "".join(rng.choice(list("ACGT"), size))
            else:
                ref = contig[pos - 1 : pos + size]
                alt = ref[0]
            variants.append(Variant("neutral", pos, ref, alt, id=kind))
    return variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--variants", type=int, default=150, help="per class")
    parser.add_argument("--window-nt", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from hf_genomics.analysis.variant_effects import score_variants

    rng = np.random.default_rng(args.seed)
    training = "".join(rng.choice(list("ACGT"), 200_000))
    contig = "".join(rng.choice(list("ACGT"), 20_000))
    variants = random_variants(contig, args.variants, rng)
    results = {}
    for name, tokenizer in tokenizers(training).items():
        started = time.perf_counter()
        model, loss = train_lstm(tokenizer, training, args.steps, 96, args.seed)
        table = score_variants(
            model, tokenizer, {"neutral": contig}, variants, window_nt=args.window_nt, progress=False
        )
        per_class = {}
        for kind in ("snv", "insertion", "deletion"):
            rows = table[table["id"] == kind]
            score = rows["score"].to_numpy(float)
            half = 1.96 * score.std(ddof=1) / np.sqrt(len(score))
            per_class[kind] = {
                "n": int(len(score)),
                "mean_score": float(score.mean()),
                "ci95": [float(score.mean() - half), float(score.mean() + half)],
                "mean_abs_score": float(np.abs(score).mean()),
                "mean_token_difference": float(
                    (rows["alt_tokens"] - rows["ref_tokens"]).astype(float).mean()
                ),
            }
        results[name] = {
            "final_train_loss_nats_per_token": loss,
            "seconds": round(time.perf_counter() - started, 1),
            "classes": per_class,
        }
        print(name, json.dumps({k: round(v["mean_score"], 4) for k, v in per_class.items()}))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "mean variant score on a neutral (i.i.d. uniform) sequence, by variant class",
                "window_nt": args.window_nt,
                "steps": args.steps,
                "variants_per_class": args.variants,
                "model": "DnaLstmForCausalLM tiny preset, trained on a 200 kb neutral sequence",
                "machine": platform.platform(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
