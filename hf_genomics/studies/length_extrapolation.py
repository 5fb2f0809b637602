"""``hf-genomics study length-extrapolation``: the coding-schemes paper's open question on long
inputs, at CPU scale — masked-LM loss of sinusoidal / ALiBi / RoPE encoders at 1×…16× the length
they were trained on.

Genomes are split first (seeded): encoders train on windows of ``train_length_nt`` bases from the
training genomes only; every factor is measured on the same held-out genomes (those long enough
for the longest window), cut into full windows only — the tail shorter than a window is dropped, so
longer factors cover somewhat less of each genome — with reproducible masks
(:func:`hf_genomics.evaluation.length_extrapolation.mlm_loss_by_length`). The shared viral genomes
are ≤ ~11 kb, so 16× needs a training length ≤ ~680 nt: the default trains at 512 nt and tests up
to 8,192 nt.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_genomics.evaluation.report import write_json_atomic, write_text_atomic
from hf_genomics.training.entrypoint import add_dataclass_arguments, config_from, setup_logging

logger = logging.getLogger(__name__)

POSITIONS = ("sinusoidal", "alibi", "rope")


@dataclass
class LengthExtrapolationConfig:
    """Options of ``hf-genomics study length-extrapolation``."""

    output_dir: Path = field(default=Path("runs/length_extrapolation"), metadata={"help": "results"})
    data_dir: Path | None = field(
        default=None, metadata={"help": "shared data root (default: HF_GENOMICS_DATA)"}
    )
    tokenizer: str = field(default="kmer:3", metadata={"help": "tokenizer spec"})
    positions: list[str] = field(
        default_factory=lambda: list(POSITIONS), metadata={"help": "position encodings", "nargs": "*"}
    )
    train_length_nt: int = field(default=512, metadata={"help": "training window (nucleotides)"})
    factors: list[int] = field(
        default_factory=lambda: [1, 2, 4, 8, 16],
        metadata={"help": "test lengths / training length", "nargs": "*"},
    )
    hidden_size: int = field(default=64, metadata={"help": "encoder width"})
    num_hidden_layers: int = field(default=2, metadata={"help": "encoder depth"})
    num_attention_heads: int = field(default=4, metadata={"help": "attention heads"})
    intermediate_size: int = field(default=256, metadata={"help": "feed-forward width"})
    max_steps: int = field(default=400, metadata={"help": "MLM training steps per encoder"})
    batch_size: int = field(default=16, metadata={"help": "training windows per step"})
    learning_rate: float = field(default=1e-3, metadata={"help": "peak learning rate (cosine)"})
    eval_genomes: int = field(default=8, metadata={"help": "held-out genomes measured at every factor"})
    seed: int = field(default=0, metadata={"help": "genome split, initialisation and masks"})
    threads: int = field(default=1, metadata={"help": "torch CPU threads"})


def split_genomes(sequences: list[str], longest_nt: int, eval_genomes: int, seed: int) -> tuple[list, list]:
    """(training genomes, held-out genomes): the held-out ones are drawn among those ≥ ``longest_nt``."""
    order = list(range(len(sequences)))
    random.Random(seed).shuffle(order)
    held = [i for i in order if len(sequences[i]) >= longest_nt][:eval_genomes]
    if not held:
        raise ValueError(f"no genome is {longest_nt} nt long: lower --train_length_nt or the factors")
    chosen = set(held)
    return [sequences[i] for i in order if i not in chosen], [sequences[i] for i in held]


def train_encoder(position: str, tokenizer, windows: list[str], config: LengthExtrapolationConfig):
    """A fresh masked-LM encoder trained ``max_steps`` steps on the training windows (Trainer)."""
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments, set_seed

    from hf_genomics.data.collators import DnaMlmCollator, default_span
    from hf_genomics.data.sequences import fit_windows, max_tokens_for
    from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
    from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
    from hf_genomics.training.callbacks import MaskingEpochCallback

    set_seed(config.seed)
    ids, _ = fit_windows(windows, tokenizer, max_tokens_for(tokenizer, config.train_length_nt))
    model_config = DnaEncoderConfig.from_preset(
        "small",
        vocab_size=len(tokenizer),
        position_embedding_type=position,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=max(512, max_tokens_for(tokenizer, config.train_length_nt)),
        pad_token_id=tokenizer.pad_token_id,
        cls_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        mask_token_id=tokenizer.mask_token_id,
    )
    model = DnaEncoderForMaskedLM(model_config)
    collator = DnaMlmCollator(tokenizer, 0.15, span=default_span(tokenizer), seed=config.seed)
    args = TrainingArguments(
        output_dir=str(config.output_dir / f"tmp-{position}"),
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.1,
        weight_decay=0.01,
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        seed=config.seed,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_dict({"input_ids": ids}),
        data_collator=collator,
        callbacks=[MaskingEpochCallback(collator)],
    )
    trainer.train()
    return trainer.model.eval()


def run_length_extrapolation(config: LengthExtrapolationConfig) -> dict[str, Any]:
    import torch

    from hf_genomics.data.sequences import cut_windows
    from hf_genomics.data.viruses import load_shared_viruses
    from hf_genomics.evaluation.length_extrapolation import mlm_loss_by_length
    from hf_genomics.paths import shared_data_dir
    from hf_genomics.tokenization.spec import build_tokenizer

    torch.set_num_threads(config.threads)
    data_dir = config.data_dir or shared_data_dir()
    if data_dir is None:
        raise FileNotFoundError("no shared data: set HF_GENOMICS_DATA or --data_dir")
    genomes = list(load_shared_viruses(data_dir)["sequence"])
    longest = max(config.factors) * config.train_length_nt
    train_genomes, held_out = split_genomes(genomes, longest, config.eval_genomes, config.seed)
    windows = cut_windows(train_genomes, config.train_length_nt, min_window_nt=config.train_length_nt)
    tokenizer = build_tokenizer(config.tokenizer)
    results: dict[str, Any] = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in config.__dict__.items()},
        "train_genomes": len(train_genomes),
        "train_windows": len(windows),
        "eval_genomes": len(held_out),
        "eval_genome_lengths": [len(s) for s in held_out],
        "positions": {},
    }
    for position in config.positions:
        start = time.perf_counter()
        model = train_encoder(position, tokenizer, windows, config)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            rows = mlm_loss_by_length(
                model,
                tokenizer,
                held_out,
                config.train_length_nt,
                config.factors,
                batch_size=4,
                seed=config.seed,
            )
        results["positions"][position] = {"train_seconds": round(seconds, 1), "rows": rows}
        logger.info("%s: %s", position, [(r["factor"], round(r["loss"], 4)) for r in rows])
        write_json_atomic(config.output_dir / "results.json", results)
    write_text_atomic(config.output_dir / "results.md", markdown(results))
    return results


def markdown(results: dict[str, Any]) -> str:
    config = results["config"]
    factors = config["factors"]
    lines = [
        "# Length extrapolation (masked-LM loss per token at 1×…16× the training length)",
        "",
        f"Encoders: hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, tokenizer "
        f"`{config['tokenizer']}`, trained {config['max_steps']} steps × batch {config['batch_size']} on "
        f"{results['train_windows']} windows of {config['train_length_nt']} nt from {results['train_genomes']} "
        f"viral genomes; measured on {results['eval_genomes']} held-out genomes "
        f"({min(results['eval_genome_lengths'])}–{max(results['eval_genome_lengths'])} nt), full windows "
        "only (tails shorter than a window dropped). Loss in nats per masked token.",
        "",
        "| position | "
        + " | ".join(f"{f}× ({f * config['train_length_nt']} nt)" for f in factors)
        + " | train s |",
        "|---" * (len(factors) + 2) + "|",
    ]
    for position, entry in results["positions"].items():
        by_factor = {row["factor"]: row["loss"] for row in entry["rows"]}
        lines.append(
            f"| {position} | "
            + " | ".join(f"{by_factor[f]:.4f}" if f in by_factor else "—" for f in factors)
            + f" | {entry['train_seconds']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataclass_arguments(parser, LengthExtrapolationConfig)


def run(args: argparse.Namespace | LengthExtrapolationConfig) -> int:
    import datasets

    config = config_from(args, LengthExtrapolationConfig)
    setup_logging()
    datasets.disable_progress_bars()
    results = run_length_extrapolation(config)
    print(json.dumps({p: [round(r["loss"], 4) for r in e["rows"]] for p, e in results["positions"].items()}))
    return 0


__all__ = ["LengthExtrapolationConfig", "run_length_extrapolation", "split_genomes"]
