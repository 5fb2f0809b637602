"""The human-genes study's neural models: training them through ``run_clm`` (time-boxed, resumable)
and loading the trained folders for scoring."""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


# the study's Keras models take 2**10 - 1 positions ([BOS] + genes, mutated genes up to 1,010 nt)
STUDY_SEQ_LEN = 1023


# kind -> (run_clm model_type, learning rate, batch size, study-faithful?)
NEURAL_KINDS = {
    "lstm": ("lstm", 2e-3, 32, False),
    "decoder": ("gpt_neox", 1e-3, 32, False),
    "lstm-study": ("lstm", 1e-3, 64, True),
    "genes-transformer": ("genes_transformer", 1e-3, 64, True),
}


def train_neural(
    kind: str,
    folder: Path,
    train_file: Path,
    preset: str,
    minutes: float,
    config_overrides: str | None = None,
) -> None:
    """Time-boxed causal-LM training through the same function as ``scripts/run_clm.py`` (char
    tokenizer), resumed from the folder's last checkpoint when there is one. Our LSTM/decoder use
    our recipe (warm-up, batch 32, the paper's |train - val| < 0.02 selection rule); the
    study-faithful ones the study's code: Adam 1e-3 constant, batch 64, 40 epochs at most,
    validation loss each epoch with early stopping (patience 5, last weights kept). One CPU
    concession: batches are drawn grouped by length (``group_by_length``) rather than uniformly,
    which cuts the padded positions an LSTM must step through by ~2.7x on these genes (mean 365 nt,
    longest 1,000). ``config_overrides`` (``run_clm``'s, e.g. ``"init_scheme=keras"``) is for
    experiments beside the study's models."""
    from transformers import TrainingArguments

    from hf_genomics.training.clm import ClmDataArguments, ClmModelArguments
    from hf_genomics.training.clm import run as run_clm

    model_type, learning_rate, batch_size, faithful = NEURAL_KINDS[kind]
    logger.info("training the %s (%s preset) for at most %.0f min into %s", kind, preset, minutes, folder)
    resume = "last" if any(folder.glob("checkpoint-*")) else None
    run_clm(
        ClmModelArguments(
            model_type=model_type, preset=preset, tokenizer_name="char", config_overrides=config_overrides
        ),
        ClmDataArguments(
            train_file=str(train_file),
            validation_split_percentage=5,
            max_train_minutes=minutes,
            selection_threshold=None if faithful else 0.02,
            early_stopping_patience=5 if faithful else None,
        ),
        TrainingArguments(
            output_dir=str(folder),
            num_train_epochs=40 if faithful else 50,
            per_device_train_batch_size=batch_size,
            per_device_eval_batch_size=64,
            learning_rate=learning_rate,
            warmup_steps=0 if faithful else 0.02,
            lr_scheduler_type="constant" if faithful else "constant_with_warmup",
            train_sampling_strategy="group_by_length",
            eval_strategy="epoch" if faithful else "steps",
            eval_steps=None if faithful else 200,
            save_strategy="steps",
            save_steps=10 if faithful else 200,
            save_total_limit=2,
            logging_steps=2 if faithful else 20,
            use_cpu=True,
            report_to="none",
            seed=42,
            dataloader_num_workers=0,
            disable_tqdm=True,
            resume_from_checkpoint=resume,
        ),
    )


def needs_training(kind: str, folder: Path) -> bool:
    """A missing model always; a study-faithful one also until early stopping ends it or it reaches
    the study's 40 epochs (``--train-neural`` then continues it from its last checkpoint)."""
    if not (folder / "config.json").exists():
        return True
    if not NEURAL_KINDS[kind][3]:
        return False
    try:
        clm = json.loads((folder / "clm_results.json").read_text())
    except (OSError, ValueError):
        return True
    stopped = (clm.get("early_stopping") or {}).get("stopped_at_step") is not None
    return not stopped and (clm.get("epochs") or 0) < 40


def load_trained(folder: Path):
    """The selected model (study rule) if one was kept, else the final one; with its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import hf_genomics  # noqa: F401
    from hf_genomics.models.learned_positions import extend_learned_positions

    chosen = folder / "selected" if (folder / "selected" / "config.json").exists() else folder
    model = AutoModelForCausalLM.from_pretrained(chosen, trust_remote_code=False).eval()
    uses_learned_positions = getattr(
        model.config, "position_embedding", model.config.model_type == "genes_transformer"
    )
    if uses_learned_positions and extend_learned_positions(model, STUDY_SEQ_LEN):
        logger.info("%s: learned positions grown to the study's %d for mutated genes", chosen, STUDY_SEQ_LEN)
    return model, AutoTokenizer.from_pretrained(folder, trust_remote_code=False), chosen
