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
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)

from hf_genomics.analysis.training_length import record_training_length
from hf_genomics.data.collators import DnaMlmCollator, default_span
from hf_genomics.data.io import SEQUENCE_COLUMN, load_sequences
from hf_genomics.data.sequences import max_tokens_for, split_records, tokenize_windows
from hf_genomics.evaluation.masked_lm import masked_lm_totals, summarize
from hf_genomics.evaluation.report import write_json_atomic
from hf_genomics.evaluation.units import nucleotides_per_token
from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.arguments import SequenceDataArguments, first_records, tokenizer_name_field
from hf_genomics.training.callbacks import MaskingEpochCallback, TrainingMinutesCallback
from hf_genomics.training.checkpoints import resolve_checkpoint
from hf_genomics.training.entrypoint import parse_and_run
from hf_genomics.training.output_folder import output_dir_lock

logger = logging.getLogger(__name__)


@dataclass
class ModelArguments:
    tokenizer_name: str | None = tokenizer_name_field(None)
    preset: str = field(default="small", metadata={"help": "paper-L3/6/12/24, small, tiny"})
    position_embedding_type: str = field(default="rope", metadata={"help": "sinusoidal, alibi or rope"})
    config_overrides: str | None = field(
        default=None,
        metadata={"help": "comma-separated config fields, e.g. 'hidden_size=64,num_hidden_layers=2'"},
    )
    model_name_or_path: str | None = field(
        default=None,
        metadata={
            "help": "continue from a saved masked LM (ours or any transformers model) instead of a preset"
        },
    )
    attn_implementation: str = field(default="sdpa", metadata={"help": "sdpa, eager or flash_attention_2"})


@dataclass
class DataArguments(SequenceDataArguments):
    min_window_nt: int = field(default=16, metadata={"help": "drop tails shorter than this (nucleotides)"})
    mlm_probability: float = field(default=0.15)
    mask_span: int | None = field(
        default=None, metadata={"help": "tokens per masked span; default k for overlapping k-mers, else 1"}
    )
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


def build_model(args: ModelArguments, tokenizer: PreTrainedTokenizerBase, max_tokens: int) -> PreTrainedModel:
    """A fresh encoder sized to the tokenizer, or a saved masked LM (any transformers family)."""
    if args.model_name_or_path:
        import hf_genomics  # noqa: F401  (registers our model types with the Auto classes)
        from hf_genomics.model_folders import NO_REMOTE_CODE, check_local_source

        source = check_local_source(args.model_name_or_path)
        try:
            return AutoModelForMaskedLM.from_pretrained(
                source, attn_implementation=args.attn_implementation, **NO_REMOTE_CODE
            )
        except (ValueError, ImportError):  # a family without this attention implementation
            return AutoModelForMaskedLM.from_pretrained(source, **NO_REMOTE_CODE)
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


def tokenizer_source(
    tokenizer_name: str | None, model_name_or_path: str | None, checkpoint: str | None, default: str
) -> str:
    """What to build or load: a resumed checkpoint's own tokenizer first, then ``--tokenizer_name``,
    then the tokenizer saved with ``--model_name_or_path``, then ``default``."""
    if checkpoint and (Path(checkpoint) / "tokenizer_config.json").exists():
        return str(checkpoint)
    if tokenizer_name:
        return tokenizer_name
    if model_name_or_path and (Path(model_name_or_path) / "tokenizer_config.json").exists():
        return str(model_name_or_path)
    return default


def load_splits(data_args: SequenceDataArguments, seed: int):
    """``(train, validation, test or None)`` from the data arguments: a saved DatasetDict's splits, the
    given files, or a per-record split of the training file; ``max_eval_samples`` keeps the first N
    validation/test records."""
    data = load_sequences(data_args.train_file, data_args.sequence_column)
    test = None
    if hasattr(data, "keys"):  # a saved DatasetDict
        train = data["train"]
        validation = data.get("validation")
        test = data.get("test")
        if validation is None:
            validation, test = test, None
    else:
        train, validation = data, None
    if data_args.validation_file:
        validation = load_sequences(data_args.validation_file, data_args.sequence_column)
    if data_args.test_file:
        test = load_sequences(data_args.test_file, data_args.sequence_column)
    if validation is None:
        parts = split_records(train, data_args.validation_split_percentage / 100, seed)
        train, validation = parts["train"], parts["validation"]
    limit = data_args.max_eval_samples
    return train, first_records(validation, limit), first_records(test, limit)


def run(model_args: ModelArguments, data_args: DataArguments, training_args: TrainingArguments) -> dict:
    """Train, evaluate and write the results JSON; returns the results. Holds the output folder's
    lock throughout (a second run on it fails at once, naming the holder)."""
    with output_dir_lock(training_args):
        return _run(model_args, data_args, training_args)


def _run(model_args: ModelArguments, data_args: DataArguments, training_args: TrainingArguments) -> dict:
    set_seed(training_args.seed)
    checkpoint = resolve_checkpoint(training_args)

    with training_args.main_process_first(desc="load sequences"):
        train, validation, test = load_splits(data_args, training_args.seed)

    tokenizer = build_tokenizer(
        tokenizer_source(model_args.tokenizer_name, model_args.model_name_or_path, checkpoint, "kmer:6"),
        train_sequences=train[SEQUENCE_COLUMN],
    )
    max_tokens = max_tokens_for(tokenizer, data_args.max_length_nt)

    with training_args.main_process_first(desc="tokenize windows"):
        train_ids = tokenize_windows(train, tokenizer, data_args.max_length_nt, data_args.min_window_nt)
        eval_ids = tokenize_windows(validation, tokenizer, data_args.max_length_nt, data_args.min_window_nt)
        test_ids = (
            tokenize_windows(test, tokenizer, data_args.max_length_nt, data_args.min_window_nt)
            if test is not None
            else None
        )
    train_ids = first_records(train_ids, data_args.max_train_samples)

    model = build_model(model_args, tokenizer, max_tokens)
    span = data_args.mask_span or default_span(tokenizer)
    collator = DnaMlmCollator(tokenizer, data_args.mlm_probability, span=span, seed=training_args.seed)
    budget = (
        None if data_args.max_train_minutes is None else TrainingMinutesCallback(data_args.max_train_minutes)
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_ids,
        eval_dataset=eval_ids,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=[MaskingEpochCallback(collator), *([budget] if budget else [])],
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
        bases = nucleotides_per_token(tokenizer)
        batch_size = training_args.per_device_eval_batch_size
        logger.info("final masked-LM evaluation on %d validation windows", len(eval_ids))
        final = summarize(
            masked_lm_totals(
                trainer.model, DataLoader(eval_ids, batch_size=batch_size, collate_fn=eval_collator), bases
            )
        )
        results = {
            "eval": final,
            "trainer_eval": eval_metrics,
            "train": train_result.metrics,
            "loss_curve": [
                {"step": entry["step"], "loss": entry["loss"]}
                for entry in trainer.state.log_history
                if "loss" in entry
            ],
            "global_step": trainer.state.global_step,
            "epochs": trainer.state.epoch,
            "stopped_by_time_budget": budget is not None and budget.stopped_at_step is not None,
            "n_train_windows": len(train_ids),
            "n_eval_windows": len(eval_ids),
            "n_eval_records": len(validation),
            "max_length_nt": data_args.max_length_nt,
            "max_length_tokens": max_tokens,
            "mask_span": span,
            "world_size": training_args.world_size,
            "model_args": asdict(model_args),
            "n_parameters": sum(p.numel() for p in model.parameters()),
            "command": " ".join(sys.argv),
        }
        if test_ids is not None:
            logger.info("masked-LM evaluation on %d test windows", len(test_ids))
            loader = DataLoader(test_ids, batch_size=batch_size, collate_fn=eval_collator)
            results["test"] = summarize(masked_lm_totals(trainer.model, loader, bases))
        path = Path(data_args.results_file or Path(training_args.output_dir) / "mlm_results.json")
        write_json_atomic(path, results)
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
