"""In-silico mutagenesis: batched ``saturation_mutagenesis`` against one mutant at a time.

For each model -- our encoder classifier (``small`` preset, 3-mers), the same encoder as a masked
LM (character tokens, masked marginal) and the LSTM causal LM (``small`` preset, character
tokens); random weights, speed does not depend on them -- the saturation mutagenesis of GUE
prom_core_tata test sequences (70 nt, 210 mutants each; random 70 nt sequences without the data),
in the same run, interleaved (median of ``--repeats``):

* ``batched``: ``saturation_mutagenesis(..., batch_size=64)``;
* ``one_at_a_time``: the same function with ``batch_size=1`` (one forward pass per mutant or
  masked position);
* ``plain_loop``: a hand-written loop calling the model once per mutant (classifier only).

The batched and one-at-a-time maps must agree (|diff| < 1e-4) or the benchmark fails. Output:
``benchmarks/results/bench_ism.json``.

    nice -n 10 .venv/bin/python benchmarks/bench_ism.py [--n 4] [--repeats 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/tokenizers.py would shadow the `tokenizers` package: keep this folder off the import path
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import platform
import statistics
import time

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_ism.json"


def load_sequences(n: int) -> tuple[list[str], str]:
    from hf_genomics.paths import shared_data_dir

    folder = shared_data_dir()
    path = None if folder is None else folder / "gue" / "prom" / "prom_core_tata" / "test.csv"
    if path is not None and path.is_file():
        import pandas as pd

        return pd.read_csv(path)["sequence"].tolist()[:n], "gue/prom/prom_core_tata/test.csv"
    rng = np.random.default_rng(0)
    return ["".join(rng.choice(list("ACGT"), 70)) for _ in range(n)], "random 70 nt"


def build_models():
    from hf_genomics.analysis import record_training_length
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import (
        DnaEncoderForMaskedLM,
        DnaEncoderForSequenceClassification,
    )
    from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
    from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM
    from hf_genomics.tokenization.kmer import KmerTokenizer

    torch.manual_seed(0)
    kmer3, char, causal = KmerTokenizer(k=3), KmerTokenizer(k=1), KmerTokenizer(k=1, add_bos_eos=True)
    small = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    classifier = DnaEncoderForSequenceClassification(
        DnaEncoderConfig.from_preset("small", vocab_size=len(kmer3), num_labels=2, **small)
    ).eval()
    masked = DnaEncoderForMaskedLM(
        DnaEncoderConfig.from_preset("small", vocab_size=len(char), **small)
    ).eval()
    lstm = DnaLstmForCausalLM(
        DnaLstmConfig.from_preset(
            "small",
            vocab_size=len(causal),
            bos_token_id=causal.bos_token_id,
            eos_token_id=causal.eos_token_id,
        )
    ).eval()
    for model, tokenizer in ((classifier, kmer3), (masked, char), (lstm, causal)):
        record_training_length(model, tokenizer, 1000)
    return {
        "encoder_classifier_kmer3": (classifier, kmer3),
        "encoder_masked_lm_char": (masked, char),
        "lstm_causal_lm_char": (lstm, causal),
    }


def plain_loop(model, tokenizer, sequence):
    """One forward pass per mutant, written by hand (classifier logit of the last class)."""
    from hf_genomics.analysis.mutagenesis import mutant_sequences

    mutants, positions, bases = mutant_sequences(sequence)
    scores = np.zeros((len(sequence), 4))
    with torch.no_grad():
        reference = float(model(**tokenizer(sequence, return_tensors="pt")).logits[0, -1])
        for mutant, position, base in zip(mutants, positions, bases):
            scores[position, base] = (
                float(model(**tokenizer(mutant, return_tensors="pt")).logits[0, -1]) - reference
            )
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4, help="sequences per model")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from hf_genomics.analysis import saturation_mutagenesis

    sequences, source = load_sequences(args.n)
    rows = []
    for name, (model, tokenizer) in build_models().items():

        def ism(batch_size, model=model, tokenizer=tokenizer):
            return [
                saturation_mutagenesis(model, tokenizer, s, batch_size=batch_size, progress=False).scores
                for s in sequences
            ]

        runs = {"batched": lambda: ism(args.batch_size), "one_at_a_time": lambda: ism(1)}
        if name.startswith("encoder_classifier"):
            runs["plain_loop"] = lambda model=model, tokenizer=tokenizer: [
                plain_loop(model, tokenizer, s) for s in sequences
            ]
        outputs = {key: run() for key, run in runs.items()}
        diff = max(
            float(np.abs(a - b).max()) for key in outputs for a, b in zip(outputs["batched"], outputs[key])
        )
        if diff > 1e-4:
            raise SystemExit(f"{name}: batched and one-at-a-time ISM disagree (max |diff| {diff})")
        seconds: dict[str, list[float]] = {key: [] for key in runs}
        for _ in range(args.repeats):
            for key, run in runs.items():
                started = time.perf_counter()
                run()
                seconds[key].append(time.perf_counter() - started)
        base = statistics.median(seconds["one_at_a_time"])
        for key, times in seconds.items():
            median = statistics.median(times)
            rows.append(
                {
                    "model": name,
                    "method": key,
                    "median_s": median,
                    "sequences_per_s": len(sequences) / median,
                    "speedup_vs_one_at_a_time": base / median,
                    "max_abs_diff_vs_batched": diff,
                    "runs_s": times,
                }
            )
            print(f"{name:28s} {key:14s} {median:8.2f} s  x{base / median:6.2f} vs one at a time")
    result = {
        "description": __doc__.splitlines()[0],
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_ism.py " + " ".join(sys.argv[1:]),
        "sequences": source,
        "n_sequences": len(sequences),
        "sequence_length_nt": len(sequences[0]),
        "batch_size": args.batch_size,
        "threads": args.threads,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
