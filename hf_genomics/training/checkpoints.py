"""Which Trainer checkpoint a resume may use: the newest *complete* one.

A kill during a save leaves a half-written ``checkpoint-N`` (a 0-byte ``optimizer.pt``, no
``trainer_state.json``); transformers' ``get_last_checkpoint`` picks it by number and every later
resume fails. Trainer writes the weights first and ``trainer_state.json`` last, so a checkpoint is
complete when

* ``trainer_state.json`` parses,
* every weights file (``model.safetensors``, its shards, a PEFT adapter, or a ``.bin``) has a
  readable header covering the whole file (a ``.bin``: an intact zip archive),
* ``optimizer.pt`` and ``scheduler.pt`` are intact zip archives when the run saves them (not with
  ``save_only_model``; DeepSpeed/FSDP keep their own layouts and are not checked).

Incomplete checkpoints are logged with the reason and moved aside to ``incomplete-checkpoint-N``
(kept for inspection, invisible to Trainer's checkpoint rotation and to later resumes).
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")
RESUME_LAST = ("last", "latest", "true", "True")
SAFETENSORS_FILES = ("model.safetensors", "adapter_model.safetensors")
SAFETENSORS_INDEX = "model.safetensors.index.json"
BIN_FILES = ("pytorch_model.bin", "adapter_model.bin")
BIN_INDEX = "pytorch_model.bin.index.json"


def _safetensors_problem(path: Path) -> str | None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), "pt") as handle:
            handle.keys()
    except Exception as error:  # safetensors raises its own error type for every malformed header
        return f"{path.name} is unreadable ({error})"
    return None


def _zip_problem(path: Path) -> str | None:
    if not path.is_file():
        return f"{path.name} is missing"
    if path.stat().st_size == 0:
        return f"{path.name} is empty"
    if not zipfile.is_zipfile(path):
        return f"{path.name} is truncated or not a torch archive"
    return None


def _weights_problems(folder: Path) -> list[str]:
    for name in SAFETENSORS_FILES:
        if (folder / name).exists():
            problem = _safetensors_problem(folder / name)
            return [problem] if problem else []
    for index_name, check in ((SAFETENSORS_INDEX, _safetensors_problem), (BIN_INDEX, _zip_problem)):
        index = folder / index_name
        if index.exists():
            try:
                shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            except (ValueError, KeyError, TypeError, AttributeError):
                return [f"{index_name} does not parse"]
            problems = [
                check(folder / shard) if (folder / shard).exists() else f"shard {shard} is missing"
                for shard in shards
            ]
            return [problem for problem in problems if problem]
    for name in BIN_FILES:
        if (folder / name).exists():
            problem = _zip_problem(folder / name)
            return [problem] if problem else []
    return ["no weights file"]


def checkpoint_problems(folder: str | Path, needs_optimizer: bool = True) -> list[str]:
    """Why ``folder`` cannot be resumed from (an empty list: it is complete)."""
    folder = Path(folder)
    problems = []
    state = folder / "trainer_state.json"
    try:
        content = json.loads(state.read_text())
        if not isinstance(content, dict) or "global_step" not in content:
            problems.append("trainer_state.json has no global_step")
    except FileNotFoundError:
        problems.append("no trainer_state.json (the save did not finish)")
    except (ValueError, UnicodeDecodeError):
        problems.append("trainer_state.json does not parse")
    problems += _weights_problems(folder)
    if needs_optimizer:
        problems += [
            problem
            for problem in (_zip_problem(folder / "optimizer.pt"), _zip_problem(folder / "scheduler.pt"))
            if problem
        ]
    return problems


def saves_optimizer(training_args) -> bool:
    """Whether this run's checkpoints must hold ``optimizer.pt``/``scheduler.pt`` (as checked here)."""
    return not (
        getattr(training_args, "save_only_model", False)
        or getattr(training_args, "deepspeed", None)
        or getattr(training_args, "fsdp", None)
    )


def _move_aside(folder: Path) -> Path:
    target = folder.with_name(f"incomplete-{folder.name}")
    suffix = 1
    while target.exists():
        suffix += 1
        target = folder.with_name(f"incomplete-{folder.name}.{suffix}")
    folder.rename(target)
    return target


def last_complete_checkpoint(
    output_dir: str | Path, needs_optimizer: bool = True, move_incomplete: bool = True
) -> str | None:
    """The complete ``checkpoint-N`` with the largest N in ``output_dir`` (None if there is none).

    Newer incomplete checkpoints are skipped with a warning naming what is wrong, and (with
    ``move_incomplete``) renamed to ``incomplete-checkpoint-N`` so Trainer never picks them up.
    """
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    numbered = sorted(
        (int(match.group(1)), path)
        for path in output_dir.iterdir()
        if path.is_dir() and (match := CHECKPOINT_PATTERN.match(path.name))
    )
    for _, folder in reversed(numbered):
        problems = checkpoint_problems(folder, needs_optimizer)
        if not problems:
            return str(folder)
        where = folder
        if move_incomplete:
            where = _move_aside(folder)
        logger.warning(
            "skipping incomplete checkpoint %s (%s)%s",
            folder,
            "; ".join(problems),
            f"; moved aside to {where}" if where != folder else "",
        )
    return None


def resolve_checkpoint(training_args) -> str | None:
    """``--resume_from_checkpoint``: ``last`` (or ``latest``/``true``) is the newest complete checkpoint in
    ``output_dir``; a path must be a complete checkpoint. Raises ``FileNotFoundError`` /
    ``ValueError`` naming the folder and what is wrong."""
    resume = training_args.resume_from_checkpoint
    if resume is None or resume is False:
        return None
    needs_optimizer = saves_optimizer(training_args)
    if resume is True or resume in RESUME_LAST:
        found = last_complete_checkpoint(
            training_args.output_dir, needs_optimizer, move_incomplete=training_args.process_index == 0
        )
        if found is None:
            raise FileNotFoundError(f"no complete checkpoint to resume from in {training_args.output_dir}")
        logger.info("resuming from %s", found)
        return found
    problems = checkpoint_problems(resume, needs_optimizer)
    if problems:
        raise ValueError(f"cannot resume from {resume}: " + "; ".join(problems))
    return str(resume)


__all__ = [
    "checkpoint_problems",
    "last_complete_checkpoint",
    "resolve_checkpoint",
    "saves_optimizer",
]
