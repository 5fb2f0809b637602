"""``make demo`` section *viruses*: DNA walks, the sub-speciation simulation and a toy generation evaluation.

With real data: the norovirus genomes' walks coloured by host, and a tiny GPT-NeoX (``dnallm``
vocabulary) trained for a few steps on norovirus windows, prompted with the first half of held-in
and held-out (Zika) windows. Without: the same on generated genomes (random founders and their
mutated copies), said so in the summary. Every number stands beside its trivial baseline: the loss beside a uniform guess over A/C/G/T,\nthe generation scores beside continuations drawn from the prompt's base composition. Budget:\nwell under a minute on two cores.
"""

from __future__ import annotations

import math
import time
from pathlib import Path


def _table(rows: list[dict], columns: list[str]) -> str:
    def fmt(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def run(data_dir: Path | None, out_dir: Path) -> str:
    import torch
    from transformers import GPTNeoXForCausalLM

    from hf_genomics.data.simulation import subspeciation
    from hf_genomics.data.toy import generated_genomes
    from hf_genomics.data.viruses import load_shared_viruses, split_windows, window_genomes, windows_per_group
    from hf_genomics.evaluation.generation import (
        composition_continuations,
        evaluate_generation,
        score_rows,
        summarize,
    )
    from hf_genomics.evaluation.walk_plots import plot_subspeciation, plot_walks
    from hf_genomics.models.pythia import pythia_config
    from hf_genomics.tokenization.spec import build_tokenizer

    torch.set_num_threads(1)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    if data_dir is not None:
        genomes = load_shared_viruses(data_dir)
        noro = genomes.filter(lambda row: row["species"] == "Norovirus")
        walk_png = plot_walks(
            noro["sequence"], noro["host"], out_dir / "norovirus_walks_by_host.png",
            title=f"{len(noro)} norovirus genomes coloured by host", legend_title="host",
        )  # fmt: skip
        ood, source = ["Zika virus"], f"real genomes from {data_dir}/viruses"
        windows = window_genomes(genomes)
    else:
        genomes = generated_genomes()
        walk_png = plot_walks(genomes["sequence"], genomes["species"], out_dir / "generated_walks.png")
        ood, source = (
            ["generated species 2"],
            "no real data: generated genomes (random founders + 1% substitutions)",
        )
        windows = window_genomes(genomes, window=1024, overlap=200, min_length=500)
    lines.append(f"Data: {source}. Walk plot: `{walk_png.name}`.")

    start = time.perf_counter()
    sim = subspeciation(n_founders=10, copies=200, length=10_000, mutation_rate=1e-5, seed=0)
    sim_png = plot_subspeciation(sim, out_dir / "subspeciation_walks.png", copies_per_founder=20)
    lines.append(
        f"Simulation: 10 founders x 200 copies x 10,000 nt at 1e-5 substitutions/site: "
        f"{int(sim.substitutions.sum())} substitutions (expected {10 * 200 * 10_000 * 1e-5:.0f}), "
        f"{time.perf_counter() - start:.1f} s; plot `{sim_png.name}`."
    )

    splits = split_windows(windows, ood_values=ood, seed=0)
    tokenizer = build_tokenizer("dnallm", causal=True)
    torch.manual_seed(0)
    config = pythia_config(
        "tiny", vocab_size=len(tokenizer), bos_token_id=0, eos_token_id=1, pad_token_id=tokenizer.pad_token_id
    )
    model = GPTNeoXForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    train = splits["train"].shuffle(seed=0)
    context = 256
    losses = []
    for step in range(60):
        rows = train.select([(step * 8 + i) % len(train) for i in range(8)])
        batch = torch.tensor(
            tokenizer([s[:context] for s in rows["sequence"]], padding=True, add_eos_token=True)["input_ids"]
        )
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    held_out = held_out_loss(model, tokenizer, splits["test"], context)
    verdict = "better than" if held_out < UNIFORM_NATS else "NOT better than"
    lines.append(
        f"Tiny GPT-NeoX ({model.num_parameters():,} parameters, dnallm vocabulary) trained 60 steps on "
        f"{context}-nt chunks: training loss {losses[0]:.3f} -> {losses[-1]:.3f} nats/token; on 16 "
        f"held-in test windows {held_out:.3f} nats/token, {verdict} a uniform guess over A/C/G/T "
        f"(ln 4 = {UNIFORM_NATS:.3f}). Sixty steps teach it little more than base composition."
    )
    evaluation = [
        {**row, "split": name, "sequence": row["sequence"][:256]}
        for name in ("test", "ood")
        for row in splits[name].shuffle(seed=0).select(range(min(4, len(splits[name]))))
    ]
    scores = evaluate_generation(
        model,
        tokenizer,
        evaluation,
        training_counts=windows_per_group(splits["train"], "species"),
        metadata_columns=("accession", "species", "split"),
        do_sample=True,
    )
    summary = [{**row, "generator": "tiny GPT-NeoX"} for row in summarize(scores, by="split")]
    baseline = score_rows(
        evaluation,
        composition_continuations([row["sequence"] for row in evaluation], seed=0),
        metadata_columns=("accession", "species", "split"),
    )
    summary += [{**row, "generator": "prompt composition"} for row in summarize(baseline, by="split")]
    lines.append(
        "Generation from the first 128 nt (sampled, specials banned), scored on the next 128 nt, beside "
        "the trivial baseline that draws each base from the prompt's own base frequencies. Lower is "
        "better for the walk distances and the 3-mer Jensen-Shannon divergence; the GC difference is "
        "signed (closer to 0 is better):\n"
    )
    columns = [
        "split",
        "generator",
        "n",
        "walk_max_mean",
        "walk_mean_mean",
        "gc_difference_mean",
        "kmer3_js_mean",
    ]
    lines.append(_table(sorted(summary, key=lambda row: row["split"]), columns))
    lines.append(verdicts(summary) + " (4 windows per split: a small, noisy sample.)")
    return "\n\n".join(lines)


def verdicts(summary: list[dict]) -> str:
    """Per split, where the model is worse than the prompt-composition baseline, said in words."""
    said = []
    for split in sorted({row["split"] for row in summary}):
        model, base = (
            next(r for r in summary if r["split"] == split and r["generator"] == name)
            for name in ("tiny GPT-NeoX", "prompt composition")
        )
        worse = [m for m in ("walk_max_mean", "walk_mean_mean", "kmer3_js_mean") if model[m] > base[m]]
        if abs(model["gc_difference_mean"]) > abs(base["gc_difference_mean"]):
            worse.append("gc_difference_mean")
        said.append(
            f"{split}: the model is worse than the baseline on {', '.join(worse)}"
            if worse
            else f"{split}: the model beats the baseline on every score"
        )
    return "Against that baseline: " + "; ".join(said) + "."


UNIFORM_NATS = math.log(4)  # nats per base of a model that knows nothing


def held_out_loss(model, tokenizer, rows, context: int, n: int = 16) -> float:
    """Mean next-token loss (nats) over the first ``n`` windows' first ``context`` nt, no gradients."""
    import torch

    sequences = [s[:context] for s in rows.select(range(min(n, len(rows))))["sequence"]]
    batch = tokenizer(sequences, padding=True, add_eos_token=True, return_tensors="pt")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    model.eval()
    with torch.no_grad():
        loss = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss
    model.train()
    return float(loss)
