"""Variant-effect scoring throughput (variants per second) on BRCA1 SGE SNVs: batched against one pair at a time.

For each model -- a Kneser-Ney 8-gram, a GPT-NeoX causal LM (``14m`` preset, 3 layers, character
tokens) and a masked encoder (2 layers, hidden 128, character tokens); random weights for the
neural ones (speed does not depend on them) -- the first ``--sites`` assayed positions (3 SNVs
each) are scored on ``--window-nt`` windows of the BRCA1 locus, in the same run, interleaved
(median of ``--repeats``):

* ``batched``: ``score_variants(..., batch_size=32)`` -- REF and ALT windows of all variants in
  padded batches; a position's three SNVs share one REF window (scored once) and, for masked LMs,
  one masked forward pass (masked marginal); a causal LM runs the left part the REF and ALT windows
  share once (KV cache) and only their suffixes;
* ``batched_whole_windows``: the same, with the causal LM's shared-prefix KV cache switched off
  (every window run whole) -- what the cache buys;
* ``one_pair_at_a_time``: the same function called once per variant with ``batch_size=1``.

All must give the same scores (|diff| < 1e-3, float32 sums) or the benchmark fails. Output:
``benchmarks/results/bench_vep.json``. Needs the shared data folder (``HF_GENOMICS_DATA``).

    nice -n 10 .venv/bin/python benchmarks/bench_vep.py [--sites 8] [--window-nt 256] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_vep.json"


def build_models(locus: str):
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
    from hf_genomics.models.ngram_kneser_ney import KneserNeyLM
    from hf_genomics.models.pythia import pythia_config
    from hf_genomics.tokenization.kmer import KmerTokenizer

    torch.manual_seed(0)
    causal_tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    from transformers import GPTNeoXForCausalLM

    causal = GPTNeoXForCausalLM(
        pythia_config(
            "14m",
            len(causal_tokenizer),
            num_hidden_layers=3,
            max_position_embeddings=2048,
            bos_token_id=causal_tokenizer.bos_token_id,
            eos_token_id=causal_tokenizer.eos_token_id,
            pad_token_id=causal_tokenizer.pad_token_id,
        )
    ).eval()
    masked_tokenizer = KmerTokenizer(k=1)
    masked = DnaEncoderForMaskedLM(
        DnaEncoderConfig.from_preset(
            "small",
            vocab_size=len(masked_tokenizer),
            pad_token_id=masked_tokenizer.pad_token_id,
            num_hidden_layers=2,
            hidden_size=128,
            intermediate_size=512,
            max_position_embeddings=2048,
        )
    ).eval()
    ngram = KneserNeyLM(8).fit([locus[:500_000]])
    return {
        "kneser_ney_8gram": (ngram, None),
        "gpt_neox_14m_3layer_char": (causal, causal_tokenizer),
        "encoder_masked_2layer_char": (masked, masked_tokenizer),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--window-nt", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    import pandas as pd

    from hf_genomics.analysis.reference_genome import ReferenceGenome
    from hf_genomics.analysis.variant_effects import score_variants
    from hf_genomics.analysis.vep_benchmark import load_vep_data
    from hf_genomics.paths import shared_data_dir

    folder = shared_data_dir()
    if folder is None:
        sys.exit("needs the shared data folder (HF_GENOMICS_DATA)")
    fasta = folder / "vep" / "brca1" / "brca1_locus_grch38.fa"
    genome = ReferenceGenome(fasta)
    contig = genome.contigs()[0]
    data = load_vep_data(folder / "vep" / "brca1" / "brca1_sge.csv", contig, 42_425_000)
    table = pd.DataFrame({"pos": [v.pos for v in data.variants]})
    sites = table["pos"].drop_duplicates().iloc[: args.sites]
    variants = [v for v in data.variants if v.pos in set(sites)]
    locus = genome.fetch(contig, 0, genome.length(contig))
    results = {}
    for name, (model, tokenizer) in build_models(locus).items():

        def batched(model=model, tokenizer=tokenizer):
            return score_variants(
                model, tokenizer, genome, variants, args.window_nt, batch_size=32, progress=False
            )

        def batched_whole_windows(model=model, tokenizer=tokenizer):
            import hf_genomics.analysis.shared_prefix as shared_prefix

            supports = shared_prefix._supports_cache
            shared_prefix._supports_cache = lambda model: False  # every window run whole
            try:
                return batched(model, tokenizer)
            finally:
                shared_prefix._supports_cache = supports

        def one_at_a_time(model=model, tokenizer=tokenizer):
            rows = [
                score_variants(model, tokenizer, genome, [v], args.window_nt, batch_size=1, progress=False)
                for v in variants
            ]
            return pd.concat(rows, ignore_index=True)

        timings = {"batched": [], "batched_whole_windows": [], "one_pair_at_a_time": []}
        outputs = {}
        for _ in range(args.repeats):
            modes = (("batched", batched), ("batched_whole_windows", batched_whole_windows))
            for label, function in (*modes, ("one_pair_at_a_time", one_at_a_time)):
                started = time.perf_counter()
                outputs[label] = function()
                timings[label].append(time.perf_counter() - started)
        scores = {label: table["score"].to_numpy(float) for label, table in outputs.items()}
        difference = max(float(np.max(np.abs(scores["batched"] - other))) for other in scores.values())

        if difference > 1e-3:  # float32 sums over whole windows
            sys.exit(f"{name}: batched and one-at-a-time scores differ by {difference}")
        seconds = {label: statistics.median(values) for label, values in timings.items()}
        results[name] = {
            "seconds": seconds,
            "variants_per_second": {label: len(variants) / s for label, s in seconds.items()},
            "speedup_batched": seconds["one_pair_at_a_time"] / seconds["batched"],
            "speedup_shared_prefix": seconds["batched_whole_windows"] / seconds["batched"],
            "max_abs_difference": difference,
        }
        print(
            name, json.dumps(results[name]["variants_per_second"]), f"x{results[name]['speedup_batched']:.2f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "variant-effect scoring throughput, BRCA1 SGE SNVs",
                "variants": len(variants),
                "sites": len(sites),
                "window_nt": args.window_nt,
                "repeats": args.repeats,
                "threads": torch.get_num_threads(),
                "machine": platform.platform(),
                "note": "shared 2-core machine under load from other jobs: ratios within one run are the claim",
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
