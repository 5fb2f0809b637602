"""One seed of ``run_classification`` at a time: its folder, its result written atomically, reuse by a
rerun with the same settings (one fingerprint), and the model of the best seed kept."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from transformers import TrainingArguments

from hf_genomics.evaluation.report import write_json_atomic
from hf_genomics.fingerprint import settings_fingerprint as fingerprint_of
from hf_genomics.training.checkpoints import RESUME_LAST
from hf_genomics.training.classification_arguments import ClassificationArguments

logger = logging.getLogger(__name__)


SEED_RESULT = "result.json"


SEED_MODEL = "model"


# TrainingArguments that do not change what a seed learns (paths, logging, hub, resume itself)
NON_DEFINING_TRAINING_FIELDS = frozenset(
    {
        "output_dir", "logging_dir", "run_name", "resume_from_checkpoint", "overwrite_output_dir",
        "disable_tqdm", "report_to", "save_total_limit", "logging_strategy", "logging_steps",
        "logging_first_step", "logging_nan_inf_filter", "log_level", "log_level_replica",
        "log_on_each_node", "dataloader_num_workers", "dataloader_pin_memory",
        "dataloader_persistent_workers", "dataloader_prefetch_factor", "local_rank", "project",
        "trackio_space_id", "trackio_bucket_id", "save_only_model",
    }
)  # fmt: skip


NON_DEFINING_ARGUMENTS = frozenset({"seeds", "save_model", "tokenizer_label", "dataset_id", "base_model"})


# defining, but hashed only away from these defaults: seeds finished before the option existed keep
# their hash
HASHED_WHEN_SET = {
    "max_train_minutes": None,
    "mutation_fraction": 0.0,
    "max_shift_fraction": 0.0,
    "unaugmented_final_share": 0.0,
}


def seed_folder(output_dir: str | Path, seed: int) -> Path:
    """``<output_dir>/seed-<seed>``: Trainer checkpoints while the seed trains, then ``result.json``."""
    return Path(output_dir) / f"seed-{seed}"


def wants_resume(training_args: TrainingArguments) -> bool:
    """``--resume_from_checkpoint last`` (``latest``/``true``); a single checkpoint path is ambiguous
    over several seeds and is refused."""
    value = training_args.resume_from_checkpoint
    if value is None or value is False:
        return False
    if value is True or value in RESUME_LAST:
        return True
    raise ValueError(
        f"run_classification resumes per seed: use --resume_from_checkpoint last, not a path ({value})"
    )


def settings_fingerprint(args: ClassificationArguments, training_args: TrainingArguments) -> str:
    """A hash of every setting that changes what a seed learns: a finished seed is reused only by
    a run whose settings hash the same."""
    chosen = {
        k: v
        for k, v in dataclasses.asdict(args).items()
        if k not in NON_DEFINING_ARGUMENTS and not (k in HASHED_WHEN_SET and v == HASHED_WHEN_SET[k])
    }
    training = {k: v for k, v in training_args.to_dict().items() if k not in NON_DEFINING_TRAINING_FIELDS}
    return fingerprint_of({"arguments": chosen, "training": training})


def model_summary(model) -> dict[str, Any]:
    """What results.json reports about the model (kept per seed, so a resumed run needs no weights)."""
    config = model.config
    return {
        "position_embedding_type": getattr(config, "position_embedding_type", None),
        "model_config": {
            name: getattr(config, name, None)
            for name in (
                "num_hidden_layers",
                "hidden_size",
                "num_attention_heads",
                "intermediate_size",
                "hidden_dropout_prob",
            )
        },
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
    }


def finished_seed(seed_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The seed's saved result (None if it has not finished); refuses a result made with other settings."""
    path = seed_dir / SEED_RESULT
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
        recorded = saved["settings_fingerprint"]
    except (ValueError, KeyError, TypeError):
        logger.warning("%s is unreadable: the seed is trained again", path)
        return None
    if recorded != fingerprint:
        raise ValueError(
            f"{path} was made with other settings (fingerprint {recorded}, this run {fingerprint}); "
            "use another output folder, or replace it: rerun without --resume_from_checkpoint "
            "(run_classification) or with --no-resume (benchmark gue)"
        )
    return saved


def finish_seed(
    seed_dir: Path, record: dict, summary: dict, fingerprint: str, model=None, tokenizer=None
) -> None:
    """Keep the seed's model (when saving models), then write its result atomically (the seed counts as
    finished from that moment), then drop its checkpoints."""
    if model is not None:
        target = seed_dir / SEED_MODEL
        tmp = seed_dir / f"{SEED_MODEL}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        saved = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
        saved.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    write_json_atomic(
        seed_dir / SEED_RESULT, {"record": record, "model": summary, "settings_fingerprint": fingerprint}
    )
    for checkpoint in seed_dir.glob("checkpoint-*"):
        shutil.rmtree(checkpoint, ignore_errors=True)


def load_seed_model(output_dir: Path, seed: int):
    """The saved model of a seed finished in an earlier run (or output_dir's, if it already holds it)."""
    from transformers import AutoModelForSequenceClassification

    import hf_genomics  # noqa: F401  (registers our model types with the Auto classes)

    folder = seed_folder(output_dir, seed) / SEED_MODEL
    if not folder.is_dir():
        previous = output_dir / "results.json"
        if previous.is_file() and json.loads(previous.read_text()).get("saved_seed") == seed:
            folder = output_dir
        else:
            raise FileNotFoundError(
                f"the model of seed {seed} (the best) is missing from {folder}; rerun without "
                "--resume_from_checkpoint"
            )
    return AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=False)


def training_args_barrier(training_args: TrainingArguments) -> None:
    """Every rank waits until the main process has written the seed's files."""
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
