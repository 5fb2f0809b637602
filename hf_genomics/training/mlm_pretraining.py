"""Masked-LM pretraining of the DNA encoder with ``Trainer`` (the body of ``scripts/run_mlm.py``).

transformers-examples style: three argument dataclasses parsed by ``HfArgumentParser``. Runs
unchanged under ``accelerate launch`` (DDP over gloo on CPU, NCCL on GPU). The final evaluation
(loss per masked token, perplexity, bits per nucleotide) is written as JSON.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from torch.utils.data import DataLoader
from transformers import (
    AutoModelForMaskedLM,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

from hf_genomics.analysis.training_length import record_training_length
from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.entrypoint import parse_and_run
from hf_genomics.training.mlm_collator import DnaMlmCollator, MaskingEpochCallback, default_span
from hf_genomics.training.mlm_data import (
    SEQUENCE_COLUMN,
    load_sequences,
    max_tokens_for,
    nucleotides_per_token,
    split_records,
    tokenize_windows,
)
from hf_genomics.training.mlm_evaluation import masked_lm_totals, summarize

logger = logging.getLogger(__name__)


@dataclass
class ModelArguments:
    tokenizer: str = field(
        default="kmer:6",
        metadata={
            "help": "kmer:K | kmer:K:S (S<K overlapping) | char | bpe:V (trained on train split) | path"
        },
    )
    preset: str = field(default="small", metadata={"help": "paper-L3/6/12/24, small, tiny"})
    position_embedding_type: str = field(default="rope", metadata={"help": "sinusoidal, alibi or rope"})
    config_overrides: str | None = field(
        default=None,
        metadata={"help": "comma-separated config fields, e.g. 'hidden_size=64,num_hidden_layers=2'"},
    )
    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "continue from a saved DnaEncoderForMaskedLM instead of a fresh preset"},
    )
    attn_implementation: str = field(default="sdpa", metadata={"help": "sdpa, eager or flash_attention_2"})


@dataclass
class DataArguments:
    train_file: str = field(
        metadata={"help": "FASTA(.gz) / CSV / TSV / Parquet / .txt or a save_to_disk folder"}
    )
    validation_file: str | None = field(default=None, metadata={"help": "same formats; default: split train"})
    sequence_column: str = field(default=SEQUENCE_COLUMN, metadata={"help": "column holding sequences"})
    validation_split_percentage: float = field(default=5.0, metadata={"help": "records held out if no file"})
    max_length_nt: int = field(default=1000, metadata={"help": "window length in nucleotides"})
    min_window_nt: int = field(default=16, metadata={"help": "drop tails shorter than this (nucleotides)"})
    mlm_probability: float = field(default=0.15)
    mask_span: int | None = field(
        default=None, metadata={"help": "tokens per masked span; default k for overlapping k-mers, else 1"}
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "keep the first N windows"})
    max_eval_samples: int | None = field(default=None, metadata={"help": "keep the first N windows"})
    results_file: str | None = field(
        default=None, metadata={"help": "default: <output_dir>/mlm_results.json"}
    )


def parse_overrides(text: str | None) -> dict:
    """``'a=1,b=x'`` -> ``{'a': 1, 'b': 'x'}`` (values parsed as JSON where possible)."""
    overrides = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        key, _, value = item.partition("=")
        try:
            overrides[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.strip()] = value.strip()
    return overrides


def build_model(
    args: ModelArguments, tokenizer: PreTrainedTokenizerBase, max_tokens: int
) -> DnaEncoderForMaskedLM:
    """A fresh encoder sized to the tokenizer, or a saved one."""
    if args.model_name_or_path:
        return AutoModelForMaskedLM.from_pretrained(
            args.model_name_or_path, attn_implementation=args.attn_implementation
        )
    config = DnaEncoderConfig.from_preset(
        args.preset,
        **{
            "vocab_size": len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id,
            "cls_token_id": tokenizer.cls_token_id,
            "sep_token_id": tokenizer.sep_token_id,
            "mask_token_id": tokenizer.mask_token_id,
            "max_position_embeddings": max_tokens,
            "position_embedding_type": args.position_embedding_type,
            **parse_overrides(args.config_overrides),
        },
    )
    config._attn_implementation = args.attn_implementation
    return DnaEncoderForMaskedLM(config)


def resolve_checkpoint(training_args: TrainingArguments) -> str | None:
    """``--resume_from_checkpoint last`` picks the newest checkpoint in output_dir."""
    resume = training_args.resume_from_checkpoint
    if resume in ("last", "latest", "True", "true"):
        resume = get_last_checkpoint(training_args.output_dir)
        if resume is None:
            raise FileNotFoundError(f"no checkpoint to resume from in {training_args.output_dir}")
    return resume


def run(model_args: ModelArguments, data_args: DataArguments, training_args: TrainingArguments) -> dict:
    """Train, evaluate and write the results JSON; returns the results."""
    set_seed(training_args.seed)
    checkpoint = resolve_checkpoint(training_args)

    with training_args.main_process_first(desc="load sequences"):
        data = load_sequences(data_args.train_file, data_args.sequence_column)
        if hasattr(data, "keys"):  # a saved DatasetDict
            train = data["train"]
            validation = next((data[name] for name in ("validation", "test") if name in data), None)
        else:
            train, validation = data, None
        if data_args.validation_file:
            validation = load_sequences(data_args.validation_file, data_args.sequence_column)
        if validation is None:
            parts = split_records(train, data_args.validation_split_percentage / 100, training_args.seed)
            train, validation = parts["train"], parts["validation"]

    saved_tokenizer = checkpoint and (Path(checkpoint) / "tokenizer_config.json").exists()
    tokenizer = build_tokenizer(
        str(checkpoint) if saved_tokenizer else model_args.tokenizer, train_sequences=train[SEQUENCE_COLUMN]
    )
    max_tokens = max_tokens_for(tokenizer, data_args.max_length_nt)

    with training_args.main_process_first(desc="tokenize windows"):
        train_ids = tokenize_windows(train, tokenizer, data_args.max_length_nt, data_args.min_window_nt)
        eval_ids = tokenize_windows(validation, tokenizer, data_args.max_length_nt, data_args.min_window_nt)
    if data_args.max_train_samples:
        train_ids = train_ids.select(range(min(data_args.max_train_samples, len(train_ids))))
    if data_args.max_eval_samples:
        eval_ids = eval_ids.select(range(min(data_args.max_eval_samples, len(eval_ids))))

    model = build_model(model_args, tokenizer, max_tokens)
    span = data_args.mask_span or default_span(tokenizer)
    collator = DnaMlmCollator(tokenizer, data_args.mlm_probability, span=span, seed=training_args.seed)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_ids,
        eval_dataset=eval_ids,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=[MaskingEpochCallback(collator)],
    )
    train_result = trainer.train(resume_from_checkpoint=checkpoint)
    record_training_length(trainer.model, tokenizer, data_args.max_length_nt)  # read back by analysis
    trainer.save_model()
    eval_metrics = trainer.evaluate()

    results: dict = {}
    if trainer.is_world_process_zero():
        # exact token-weighted totals with fixed masks (epoch 0), on one process over the whole set
        eval_collator = DnaMlmCollator(
            tokenizer, data_args.mlm_probability, span=span, seed=training_args.seed
        )
        loader = DataLoader(
            eval_ids, batch_size=training_args.per_device_eval_batch_size, collate_fn=eval_collator
        )
        final = summarize(masked_lm_totals(trainer.model, loader, nucleotides_per_token(tokenizer)))
        results = {
            "eval": final,
            "trainer_eval": eval_metrics,
            "train": train_result.metrics,
            "loss_curve": [
                {"step": entry["step"], "loss": entry["loss"]}
                for entry in trainer.state.log_history
                if "loss" in entry
            ],
            "n_train_windows": len(train_ids),
            "n_eval_windows": len(eval_ids),
            "max_length_nt": data_args.max_length_nt,
            "max_length_tokens": max_tokens,
            "mask_span": span,
            "world_size": training_args.world_size,
            "model_args": asdict(model_args),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "command": " ".join(sys.argv),
        }
        path = Path(data_args.results_file or Path(training_args.output_dir) / "mlm_results.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str))
        logger.info(
            "eval loss %.4f  perplexity %.3f  bits/nt %.4f -> %s",
            final["loss"],
            final["perplexity"],
            final["bits_per_nucleotide"],
            path,
        )
        if not math.isfinite(final["loss"]):
            raise RuntimeError("evaluation loss is not finite")
    trainer.accelerator.wait_for_everyone()
    return results


def main(argv: list[str] | None = None) -> dict:
    """Parse arguments (or a single .json file) and run; tears the process group down when distributed."""
    return parse_and_run((ModelArguments, DataArguments, TrainingArguments), run, argv)
