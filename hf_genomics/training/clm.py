"""Causal-LM training for DNA with ``Trainer`` (the body of ``scripts/run_clm.py``).

One script for every decoder family: ``--model_type lstm`` (:class:`DnaLstmForCausalLM`, presets
from :class:`DnaLstmConfig`) or ``--model_type gpt_neox`` (transformers' own GPT-NeoX, presets from
:func:`hf_genomics.pythia_config`), on any DNA file (the genes study's CSV, FASTA(.gz), GenBank,
CSV/TSV/Parquet/text or a ``save_to_disk`` folder), with any tokenizer spec (``char``, ``kmer:K``,
``bpe:V``, ``dnallm``, a saved folder). Every sequence becomes ``[BOS] x [EOS]`` windows of at
most ``--max_length_nt`` bases.

Extras over a plain Trainer run:

* ``--aux_losses walk:0.1 complement:0.5`` adds weighted terms from
  :data:`hf_genomics.training.aux_losses.AUX_LOSSES` to the training loss (:class:`CausalLMTrainer`);
* ``--selection_threshold 0.02``: the human-genes study's rule — keep the model of the last
  evaluation where |train perplexity - validation perplexity| < threshold (train perplexity
  measured on a fixed training subset), saved under ``<output_dir>/selected``;
* ``--max_train_minutes``: a wall-clock budget, after which training stops cleanly;
* the final numbers come from the shared harness (:mod:`hf_genomics.evaluation.perplexity`):
  perplexity per predicted token and bits per nucleotide on validation and, if given, test.

Checkpoints and ``--resume_from_checkpoint last`` work as in any Trainer script.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from datasets import Dataset
from transformers import (
    AutoModelForCausalLM,
    DataCollatorForLanguageModeling,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)

from hf_genomics.analysis.training_length import record_training_length
from hf_genomics.data.io import SEQUENCE_COLUMN, load_sequences
from hf_genomics.data.sequences import max_tokens_for, tokenize_windows
from hf_genomics.evaluation.report import write_json_atomic
from hf_genomics.tokenization.spec import build_tokenizer
from hf_genomics.training.arguments import SequenceDataArguments, first_records, tokenizer_name_field
from hf_genomics.training.callbacks import EarlyStoppingOnMetric, TrainingMinutesCallback
from hf_genomics.training.checkpoints import resolve_checkpoint
from hf_genomics.training.entrypoint import parse_and_run
from hf_genomics.training.mlm import load_splits, parse_overrides, tokenizer_source
from hf_genomics.training.output_folder import output_dir_lock

logger = logging.getLogger(__name__)

MODEL_TYPES = ("lstm", "gpt_neox", "genes_transformer")
SELECTED_DIR = "selected"


@dataclass
class ClmModelArguments:
    model_type: str = field(
        default="lstm", metadata={"help": "lstm, gpt_neox or genes_transformer (the study's decoder)"}
    )
    preset: str = field(
        default="small",
        metadata={
            "help": "lstm: genes-study, genes-paper, small, tiny; gpt_neox: genes-paper, tiny, 14m, 31m, "
            "70m, ...; genes_transformer: ignored (the study's sizes; override with --config_overrides)"
        },
    )
    tokenizer_name: str | None = tokenizer_name_field(None)
    config_overrides: str | None = field(
        default=None,
        metadata={"help": "comma-separated config fields, e.g. 'hidden_size=64,num_hidden_layers=2'"},
    )
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "continue from a saved causal LM folder instead of a fresh preset"}
    )


@dataclass
class ClmDataArguments(SequenceDataArguments):
    min_window_nt: int = field(
        default=1, metadata={"help": "drop window tails shorter than this (nucleotides)"}
    )
    aux_losses: list[str] | None = field(
        default=None, metadata={"help": "auxiliary losses name:weight, e.g. walk:0.1 complement:0.5"}
    )
    selection_threshold: float | None = field(
        default=None,
        metadata={"help": "genes-study rule: keep the last eval with |train ppl - val ppl| < this"},
    )
    selection_train_samples: int = field(
        default=256, metadata={"help": "training windows used to measure train perplexity for the rule"}
    )
    early_stopping_patience: int | None = field(
        default=None,
        metadata={
            "help": "stop after this many evaluations without a lower validation loss, keeping the last "
            "weights (the genes study: 5, evaluated each epoch)"
        },
    )
    results_file: str | None = field(
        default=None, metadata={"help": "default: <output_dir>/clm_results.json"}
    )


# ---------------------------------------------------------------------------- data
def load_dna(path: str | Path, column: str = SEQUENCE_COLUMN) -> Dataset:
    """Sequences from any supported source (:func:`hf_genomics.data.io.load_sequences`)."""
    return load_sequences(path, column)


# ---------------------------------------------------------------------------- model
def build_causal_lm(args: ClmModelArguments, tokenizer: PreTrainedTokenizerBase, max_tokens: int):
    """A fresh LSTM or GPT-NeoX sized to the tokenizer (or a saved model)."""
    import hf_genomics  # noqa: F401  (Auto registration of dna_lstm)

    if args.model_name_or_path:
        from hf_genomics.model_folders import NO_REMOTE_CODE, check_local_source

        return AutoModelForCausalLM.from_pretrained(
            check_local_source(args.model_name_or_path), **NO_REMOTE_CODE
        )
    special = {
        "vocab_size": len(tokenizer),
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    overrides = {**special, **parse_overrides(args.config_overrides)}
    if args.model_type == "lstm":
        from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
        from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM

        return DnaLstmForCausalLM(DnaLstmConfig.from_preset(args.preset, **overrides))
    if args.model_type == "gpt_neox":
        from transformers import GPTNeoXForCausalLM

        from hf_genomics.models.pythia import pythia_config

        vocab_size = overrides.pop("vocab_size")
        overrides.setdefault("max_position_embeddings", max(2048, max_tokens))
        return GPTNeoXForCausalLM(pythia_config(args.preset, vocab_size, **overrides))
    if args.model_type == "genes_transformer":
        from hf_genomics.models.genes_transformer import GenesTransformerConfig, GenesTransformerForCausalLM

        overrides.setdefault("max_position_embeddings", max(1023, max_tokens))  # the study's SEQ_LEN
        return GenesTransformerForCausalLM(GenesTransformerConfig(**overrides))
    raise ValueError(f"--model_type must be one of {MODEL_TYPES}, got {args.model_type!r}")


# ---------------------------------------------------------------------------- trainer
class CausalLMTrainer(Trainer):
    """``Trainer`` whose training loss adds weighted auxiliary terms (``aux_losses``: name -> weight).

    Each term is ``AUX_LOSSES[name](logits, labels, input_ids, tokenizer, model=model)``; evaluation
    losses stay plain cross-entropy so perplexities remain comparable. Term means are logged as
    ``aux_<name>``.
    """

    def __init__(self, *args, aux_losses: dict[str, float] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.aux_losses = dict(aux_losses or {})
        if self.aux_losses:
            from hf_genomics.training.aux_losses import AUX_LOSSES

            unknown = sorted(set(self.aux_losses) - set(AUX_LOSSES))
            if unknown:
                raise ValueError(f"unknown auxiliary loss(es) {unknown}; choose from {sorted(AUX_LOSSES)}")
            self._aux_functions = {name: AUX_LOSSES[name] for name in self.aux_losses}
        self._aux_sums: dict[str, float] = {}
        self._aux_count = 0

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if not self.aux_losses or not model.training:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        for name, weight in self.aux_losses.items():
            term = self._aux_functions[name](
                outputs.logits, inputs["labels"], inputs["input_ids"], self.processing_class, model=model
            )
            loss = loss + weight * term
            self._aux_sums[name] = self._aux_sums.get(name, 0.0) + float(term.detach())
        self._aux_count += 1
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict[str, float], *args, **kwargs) -> None:
        if self._aux_count and "loss" in logs:
            for name, total in self._aux_sums.items():
                logs[f"aux_{name}"] = round(total / self._aux_count, 6)
            self._aux_sums, self._aux_count = {}, 0
        super().log(logs, *args, **kwargs)


class PerplexityGapSelection(TrainerCallback):
    """The human-genes study's model selection: |train ppl - validation ppl| < threshold.

    Expects ``eval_dataset={"validation": ..., "train": <fixed training subset>}``; after each
    evaluation where both are known and the gap is below the threshold, the model is saved to
    ``<output_dir>/selected`` (so the last such evaluation wins: the most trained model that does
    not yet overfit).
    """

    def __init__(self, threshold: float, output_dir: str | Path) -> None:
        self.threshold = threshold
        self.folder = Path(output_dir) / SELECTED_DIR
        self.history: list[dict[str, float]] = []
        self.selected: dict[str, float] | None = None
        self._pending: dict[str, float] = {}

    def on_evaluate(self, args, state, control, metrics=None, model=None, processing_class=None, **kwargs):
        metrics = metrics or {}
        for split in ("train", "validation"):
            if f"eval_{split}_loss" in metrics:
                self._pending[split] = math.exp(metrics[f"eval_{split}_loss"])
        if len(self._pending) < 2:
            return control
        entry = {
            "step": state.global_step,
            "train_perplexity": self._pending["train"],
            "validation_perplexity": self._pending["validation"],
        }
        entry["gap"] = abs(entry["train_perplexity"] - entry["validation_perplexity"])
        self.history.append(entry)
        self._pending = {}
        if entry["gap"] < self.threshold and state.is_world_process_zero and model is not None:
            model.save_pretrained(self.folder)
            if processing_class is not None:
                processing_class.save_pretrained(self.folder)
            self.selected = entry
        return control


def causal_collator(tokenizer: PreTrainedTokenizerBase) -> DataCollatorForLanguageModeling:
    """Right padding, labels = inputs with padding set to -100 (the shift happens in the model)."""
    if tokenizer.pad_token_id is None:
        raise ValueError("the tokenizer needs a pad token for batching")
    return DataCollatorForLanguageModeling(tokenizer, mlm=False)


# ---------------------------------------------------------------------------- run
def run(model_args: ClmModelArguments, data_args: ClmDataArguments, training_args: TrainingArguments) -> dict:
    """Train, select, evaluate with the shared harness and write the results JSON; returns the results.
    Holds the output folder's lock throughout (a second run on it fails at once, naming the holder)."""
    with output_dir_lock(training_args):
        return _run(model_args, data_args, training_args)


def _run(
    model_args: ClmModelArguments, data_args: ClmDataArguments, training_args: TrainingArguments
) -> dict:
    from hf_genomics.evaluation.perplexity import evaluate_perplexity
    from hf_genomics.training.aux_losses import parse_aux_losses

    set_seed(training_args.seed)
    checkpoint = resolve_checkpoint(training_args)
    aux_losses = dict(parse_aux_losses(data_args.aux_losses))
    with training_args.main_process_first(desc="load sequences"):
        train, validation, test = load_splits(data_args, training_args.seed)

    # a resumed checkpoint brings its own tokenizer; else --tokenizer_name, the model's, or char
    source = tokenizer_source(model_args.tokenizer_name, model_args.model_name_or_path, checkpoint, "char")
    tokenizer = build_tokenizer(source, train_sequences=train[SEQUENCE_COLUMN], causal=True)
    if tokenizer.bos_token_id is None or tokenizer.eos_token_id is None:
        logger.warning("tokenizer %s has no [BOS]/[EOS]: the first token is not predicted", source)
    max_tokens = max_tokens_for(tokenizer, data_args.max_length_nt, add_eos_token=True)

    with training_args.main_process_first(desc="tokenize windows"):
        train_ids = tokenize_windows(
            train, tokenizer, data_args.max_length_nt, data_args.min_window_nt, add_eos_token=True
        )
        eval_ids = tokenize_windows(
            validation, tokenizer, data_args.max_length_nt, data_args.min_window_nt, add_eos_token=True
        )
    train_ids = first_records(train_ids, data_args.max_train_samples)

    model = build_causal_lm(model_args, tokenizer, max_tokens)
    callbacks: list[TrainerCallback] = []
    eval_dataset: Dataset | dict[str, Dataset] = eval_ids
    selection = None
    if data_args.selection_threshold is not None:
        subset = train_ids.shuffle(seed=training_args.seed).select(
            range(min(data_args.selection_train_samples, len(train_ids)))
        )
        eval_dataset = {"validation": eval_ids, "train": subset}
        selection = PerplexityGapSelection(data_args.selection_threshold, training_args.output_dir)
        callbacks.append(selection)
    budget = None
    if data_args.max_train_minutes is not None:
        budget = TrainingMinutesCallback(data_args.max_train_minutes)
        callbacks.append(budget)
    early_stopping = None
    if data_args.early_stopping_patience is not None:
        metric = "eval_validation_loss" if isinstance(eval_dataset, dict) else "eval_loss"
        early_stopping = EarlyStoppingOnMetric(data_args.early_stopping_patience, metric)
        callbacks.append(early_stopping)

    trainer = CausalLMTrainer(
        model=model,
        args=training_args,
        train_dataset=train_ids,
        eval_dataset=eval_dataset,
        data_collator=causal_collator(tokenizer),
        processing_class=tokenizer,
        callbacks=callbacks,
        aux_losses=aux_losses,
    )
    started = time.monotonic()
    train_result = trainer.train(resume_from_checkpoint=checkpoint)
    record_training_length(trainer.model, tokenizer, data_args.max_length_nt)  # read back by analysis
    train_seconds = time.monotonic() - started
    trainer.save_model()

    results: dict = {}
    if trainer.is_world_process_zero():
        final_model = trainer.model
        if selection is not None and selection.selected is not None:
            final_model = AutoModelForCausalLM.from_pretrained(selection.folder, trust_remote_code=False).to(
                trainer.model.device
            )
        scored = {"validation": validation[SEQUENCE_COLUMN]}
        if test is not None:
            scored["test"] = test[SEQUENCE_COLUMN]
        batch = training_args.per_device_eval_batch_size
        results = {
            name: evaluate_perplexity(final_model, sequences, tokenizer, batch_size=batch)
            for name, sequences in scored.items()
        }
        results.update(
            {
                "model_type": model_args.model_type,
                "preset": model_args.preset,
                "tokenizer": source,
                "n_parameters": sum(p.numel() for p in final_model.parameters()),
                "train": train_result.metrics,
                "train_seconds": train_seconds,
                "global_step": trainer.state.global_step,
                "epochs": trainer.state.epoch,
                "stopped_by_time_budget": budget is not None and budget.stopped_at_step is not None,
                "early_stopping": None if early_stopping is None else early_stopping.summary(),
                "eval_curve": [
                    {
                        "step": entry["step"],
                        "epoch": entry.get("epoch"),
                        **{
                            key: value
                            for key, value in entry.items()
                            if key.startswith("eval_") and key.endswith("loss")
                        },
                    }
                    for entry in trainer.state.log_history
                    if any(key.startswith("eval_") and key.endswith("loss") for key in entry)
                ],
                "selection": None
                if selection is None
                else {
                    "threshold": selection.threshold,
                    "selected": selection.selected,
                    "history": selection.history,
                },
                "loss_curve": [
                    {"step": entry["step"], "loss": entry["loss"]}
                    for entry in trainer.state.log_history
                    if "loss" in entry
                ],
                "aux_losses": aux_losses,
                "n_train_windows": len(train_ids),
                "n_validation_records": len(validation),
                "max_length_nt": data_args.max_length_nt,
                "model_args": asdict(model_args),
                "command": " ".join(sys.argv),
            }
        )
        path = Path(data_args.results_file or Path(training_args.output_dir) / "clm_results.json")
        write_json_atomic(path, results)
        logger.info(
            "validation perplexity %.4f  bits/nt %.4f -> %s",
            results["validation"]["perplexity"],
            results["validation"]["bits_per_nucleotide"],
            path,
        )
    trainer.accelerator.wait_for_everyone()
    return results


def main(argv: list[str] | None = None) -> dict:
    """Parse arguments (or a single .json file) and run; tears the process group down when distributed."""
    return parse_and_run((ClmModelArguments, ClmDataArguments, TrainingArguments), run, argv)


__all__ = [
    "CausalLMTrainer",
    "ClmDataArguments",
    "ClmModelArguments",
    "PerplexityGapSelection",
    "build_causal_lm",
    "load_dna",
    "main",
    "run",
]
