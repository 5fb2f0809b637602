"""One training step of the GUE recipe's CNN: pooling by slices against pooling by masks.

The recipe's CNN (64 channels × 4 blocks, 3-6-mer bag, mean and max over the row and over 4
position bins) on a batch of 64 rows of 101 nt (tf tasks' length), one thread, AdamW; the two arms
interleaved in the same run (median of ``--repeats``):

* ``sliced``: the model as it is; rows of one length (no padding) pool each bin as a slice;
* ``masked``: the same weights, pooling forced through the masked path (a mask of ones), as the
  model did before.

Both arms start each step from the same seed, so dropout draws alike: their losses must agree
(|diff| < 1e-5) or the benchmark fails. Output: ``benchmarks/results/bench_cnn_step.json``.

    nice -n 10 .venv/bin/python benchmarks/bench_cnn_step.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_seconds  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "bench_cnn_step.json"


def recipe_cnn(length: int):
    """The recipe's classifier at its default size, on one-base tokens, built as the recipe builds it."""
    from hf_genomics.tokenization.spec import build_tokenizer
    from hf_genomics.training.classification import ClassificationArguments, build_model
    from hf_genomics.training.gue_recipe import CNN_RECIPE

    recipe = CNN_RECIPE
    args = ClassificationArguments(
        task_dir="unused",
        tokenizer_name=recipe["tokenizer"],
        architecture="cnn",
        preset=recipe["preset"],
        hidden_size=recipe["hidden_size"],
        num_hidden_layers=recipe["num_hidden_layers"],
        cnn_kmer_sizes=list(recipe["cnn_kmer_sizes"]),
        cnn_position_bins=recipe["position_bins"],
        cnn_block_dropout=recipe["block_dropout"],
    )
    tokenizer = build_tokenizer(recipe["tokenizer"])
    return tokenizer, build_model(args, tokenizer, 2, length + 2)


def force_masked_pooling(model) -> None:
    """Route the model's pooling through the masked path, as before the sliced one existed."""
    from hf_genomics.models.cnn.modeling_dna_cnn import binned_pool, masked_pool

    base = model.model

    def pool(hidden, input_ids, attention_mask, mask):
        pooled = masked_pool(hidden, mask, base.config.pooling)
        binned = binned_pool(hidden, mask, base.config.pooling, base.config.position_bins)
        return torch.cat([pooled, binned, base.kmer_bag(input_ids, attention_mask)], dim=-1)

    base.pool = pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=101)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer, sliced = recipe_cnn(args.length)
    _, masked = recipe_cnn(args.length)
    masked.load_state_dict(sliced.state_dict())
    force_masked_pooling(masked)
    rows = ["".join("ACGT"[i] for i in torch.randint(0, 4, (args.length,))) for _ in range(args.batch)]
    batch = tokenizer(rows, return_tensors="pt")
    batch["labels"] = torch.randint(0, 2, (args.batch,))
    optimizers = {
        name: torch.optim.AdamW(model.parameters(), lr=1e-3)
        for name, model in (("sliced", sliced), ("masked", masked))
    }
    models = {"sliced": sliced.train(), "masked": masked.train()}
    losses = {}

    def step(name: str) -> None:
        torch.manual_seed(1)
        loss = models[name](**batch).loss
        loss.backward()
        optimizers[name].step()
        optimizers[name].zero_grad()
        losses[name] = float(loss.detach())

    for name in models:  # warm-up, and the two arms' first losses must agree
        step(name)
    if abs(losses["sliced"] - losses["masked"]) > 1e-5:
        raise SystemExit(f"the two poolings disagree: {losses}")
    seconds = {name: [] for name in models}
    for _ in range(args.repeats):  # interleaved: both arms see the same machine
        for name in models:
            seconds[name].append(median_seconds(lambda name=name: step(name), 1))
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    result = {
        "benchmark": "bench_cnn_step",
        "batch": args.batch,
        "length_nt": args.length,
        "threads": 1,
        "repeats": args.repeats,
        "median_step_seconds": medians,
        "masked_over_sliced": medians["masked"] / medians["sliced"],
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
