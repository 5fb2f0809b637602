"""What ``run_classification`` is asked to do: its options (data, tokenizer, model shape, strands, seeds),
the study's ``TrainingArguments`` defaults, and the flags a pretrained model makes moot."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from transformers import TrainingArguments
from transformers.trainer_utils import IntervalStrategy, SaveStrategy, SchedulerType

from hf_genomics.training.arguments import MAX_TRAIN_MINUTES_HELP, tokenizer_name_field

logger = logging.getLogger(__name__)


SEQUENCE_COLUMNS = ("sequence", "sequence_2")


@dataclass
class ClassificationArguments:
    """What to train: data, tokenizer, model shape, reverse-complement handling, seeds."""

    task_dir: str | None = field(
        default=None,
        metadata={"help": "GUE task folder, or a task name (prom_core_tata, tf/0) under --gue_root"},
    )
    gue_root: str | None = field(
        default=None, metadata={"help": "GUE root for task names (default: shared data)"}
    )
    train_file: str | None = field(
        default=None,
        metadata={"help": "your own labelled CSV/TSV/Parquet/save_to_disk data (instead of --task_dir)"},
    )
    validation_file: str | None = field(
        default=None, metadata={"help": "same formats; default: split off --validation_split_percentage"}
    )
    test_file: str | None = field(
        default=None, metadata={"help": "same formats; default: split off --validation_split_percentage"}
    )
    sequence_column: str = field(default="sequence", metadata={"help": "column holding sequences"})
    second_sequence_column: str | None = field(
        default=None, metadata={"help": "column of the second sequence for pair tasks"}
    )
    label_column: str = field(default="label", metadata={"help": "column holding labels"})
    problem_type: str | None = field(
        default=None,
        metadata={
            "help": "single_label_classification | multi_label_classification | regression "
            "(default: inferred from the training labels)"
        },
    )
    label_separator: str = field(default=";", metadata={"help": "separates labels of one multi-label cell"})
    validation_split_percentage: float = field(
        default=10.0, metadata={"help": "rows split off --train_file for a missing validation/test file"}
    )
    tokenizer_name: str | None = tokenizer_name_field(None)
    tokenizer_label: str | None = field(
        default=None, metadata={"help": "tokenizer name recorded in results (default: --tokenizer_name)"}
    )
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "start from this pretrained encoder (e.g. a run_mlm output folder)"}
    )
    base_model: str | None = field(
        default=None,
        metadata={
            "help": "Hub id of the pretrained model for the card (default: model_name_or_path unless a local folder)"
        },
    )
    architecture: str = field(
        default="encoder",
        metadata={"help": "fresh model family: encoder (transformer) or cnn (dilated residual CNN)"},
    )
    reverse_complement_sharing: bool = field(
        default=False, metadata={"help": "cnn: the same weights read both strands (RC-invariant output)"}
    )
    cnn_kmer_sizes: list[int] = field(
        default_factory=list,
        metadata={
            "help": "cnn with the char tokenizer: add a bag of k-mer embeddings for these k (e.g. 3 4 5 6)"
        },
    )
    cnn_position_bins: int = field(
        default=1,
        metadata={
            "help": "cnn: also pool over this many equal stretches of each sequence (where a motif sits)"
        },
    )
    cnn_block_dropout: str = field(
        default="element",
        metadata={
            "help": "cnn: a block's dropout zeroes single values (element) or whole channels (channel)"
        },
    )
    position_embedding_type: str = field(default="rope", metadata={"help": "sinusoidal, alibi or rope"})
    preset: str = field(
        default="small", metadata={"help": "DnaEncoderConfig preset: paper-L3/6/12/24, small, tiny"}
    )
    num_hidden_layers: int | None = field(default=None, metadata={"help": "override the preset's depth"})
    hidden_size: int | None = field(default=None, metadata={"help": "override the preset's width"})
    num_attention_heads: int | None = field(default=None)
    intermediate_size: int | None = field(default=None)
    max_length_nt: int | None = field(
        default=None,
        metadata={"help": "maximum input length in nucleotides (default: longest sequence of all splits)"},
    )
    seeds: list[int] | None = field(
        default=None,
        metadata={"help": "one model per seed (default: 1 2 3 for a GUE task, 1 for your own files)"},
    )
    use_lora: bool = field(default=False, metadata={"help": "train LoRA adapters (merged before saving)"})
    lora_r: int = field(default=8)
    rc_augment: bool = field(
        default=False, metadata={"help": "show each training example on a random strand"}
    )
    rc_average: bool = field(default=False, metadata={"help": "average test probabilities over both strands"})
    mutation_fraction: float = field(
        default=0.0,
        metadata={
            "help": "mutate this fraction of a training example's bases (on half of the examples; "
            "one-base tokens only; hf_genomics.data.sequence_augmentation)"
        },
    )
    max_shift_fraction: float = field(
        default=0.0,
        metadata={
            "help": "shift a training example circularly by up to this fraction of its length (on half "
            "of the examples; one-base tokens only)"
        },
    )
    unaugmented_final_share: float = field(
        default=0.0,
        metadata={
            "help": "train the final share of the schedule (by steps, or by time when paced by the "
            "clock) on real sequences only, as EvoAug's fine-tuning stage (with --mutation_fraction "
            "or --max_shift_fraction)"
        },
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "keep the first N training rows"})
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "keep the first N validation/test rows"}
    )
    max_train_minutes: float | None = field(default=None, metadata={"help": MAX_TRAIN_MINUTES_HELP})
    save_model: bool = field(
        default=True, metadata={"help": "save model + tokenizer + card of the best seed"}
    )
    dataset_id: str | None = field(
        default=None,
        metadata={"help": "Hub dataset id named in the model card (default: hf-genomics/GUE for GUE tasks)"},
    )

    @property
    def augments_sequences(self) -> bool:
        """Whether training examples are mutated or shifted (:mod:`hf_genomics.data.sequence_augmentation`)."""
        return self.mutation_fraction > 0 or self.max_shift_fraction > 0

    @property
    def tokenizer(self) -> str | None:
        """Alias of :attr:`tokenizer_name` (the former option name)."""
        return self.tokenizer_name

    def __post_init__(self) -> None:
        if (self.task_dir is None) == (self.train_file is None):
            raise ValueError("give exactly one of --task_dir (a GUE task) and --train_file (your own data)")
        if self.seeds is None:  # a benchmark reports seed spread; a user's own run needs one model
            self.seeds = [1, 2, 3] if self.task_dir is not None else [1]
        if not self.seeds:
            raise ValueError("--seeds needs at least one seed")
        for name in ("mutation_fraction", "max_shift_fraction", "unaugmented_final_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"--{name} must be in [0, 1], got {getattr(self, name)}")
        if self.unaugmented_final_share > 0 and not self.augments_sequences:
            raise ValueError(
                "--unaugmented_final_share needs --mutation_fraction or --max_shift_fraction: without "
                "them every training batch is already the real sequences"
            )


# the fresh encoder's shape: meaningless once --model_name_or_path supplies the model
ARCHITECTURE_FLAGS = (
    "preset",
    "position_embedding_type",
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
    "architecture",
    "reverse_complement_sharing",
    "cnn_kmer_sizes",
    "cnn_position_bins",
    "cnn_block_dropout",
)


def ignored_flags(args: ClassificationArguments) -> list[str]:
    """The architecture flags set away from their defaults that ``--model_name_or_path`` makes moot."""
    if not args.model_name_or_path:
        return []
    defaults = {
        f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
        for f in dataclasses.fields(ClassificationArguments)
    }
    return [f"--{name}" for name in ARCHITECTURE_FLAGS if getattr(args, name) != defaults[name]]


def warn_ignored_flags(args: ClassificationArguments) -> None:
    """Say which flags a pretrained model overrides, instead of dropping them silently."""
    flags = ignored_flags(args)
    if flags:
        logger.warning(
            "%s ignored: the model comes from --model_name_or_path %s (its own architecture and positions)",
            ", ".join(flags),
            args.model_name_or_path,
        )


def _default(name: str, value: Any):
    """A TrainingArguments field with a new default and the parent's help text."""
    parent = {f.name: f for f in dataclasses.fields(TrainingArguments)}[name]
    return field(default=value, metadata=dict(parent.metadata))


@dataclass
class StudyTrainingArguments(TrainingArguments):
    """``TrainingArguments`` with the study's defaults (arXiv 2507.15087 fine-tuning protocol)."""

    learning_rate: float = _default("learning_rate", 1e-4)
    weight_decay: float = _default("weight_decay", 0.01)
    warmup_steps: float = _default("warmup_steps", 0.1)
    lr_scheduler_type: SchedulerType | str = _default("lr_scheduler_type", "cosine")
    num_train_epochs: float = _default("num_train_epochs", 3.0)
    per_device_train_batch_size: int = _default("per_device_train_batch_size", 32)
    per_device_eval_batch_size: int = _default("per_device_eval_batch_size", 64)
    eval_strategy: IntervalStrategy | str = _default("eval_strategy", "epoch")
    save_strategy: SaveStrategy | str = _default("save_strategy", "epoch")
    load_best_model_at_end: bool = _default("load_best_model_at_end", True)
    metric_for_best_model: str | None = _default("metric_for_best_model", "mcc")
    greater_is_better: bool | None = _default("greater_is_better", True)
    save_total_limit: int | None = _default("save_total_limit", 1)
    save_only_model: bool = _default("save_only_model", True)
    logging_steps: float = _default("logging_steps", 50)
    report_to: None | str | list[str] = _default("report_to", "none")


def tokenizer_spec(args: ClassificationArguments) -> str:
    """``--tokenizer_name``, else the pretrained model's folder, else ``kmer:6``."""
    return args.tokenizer_name or args.model_name_or_path or "kmer:6"


def resolve_tokenizer(args: ClassificationArguments, train_sequences: list[str]):
    """The tokenizer a run uses (:func:`tokenizer_spec`), built or loaded."""
    from hf_genomics.tokenization.spec import build_tokenizer

    return build_tokenizer(tokenizer_spec(args), train_sequences=train_sequences)
