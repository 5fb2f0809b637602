"""Share run folders and datasets on the Hugging Face Hub: model/dataset cards and ``push``.

Cards are rendered from the Jinja templates in ``model_cards/`` with ``huggingface_hub``'s own
``ModelCard``/``DatasetCard`` so the YAML metadata (``library_name``, ``tags``, ``datasets``,
``metrics``, ``base_model``, ``pipeline_tag``, ``model-index``) is exactly what the Hub parses.
Pushing sends an explicit list of files in one commit (safetensors, JSON, tokenizer files, the
card, plots) and never pickles (``*.bin``, ``*.pt``, optimizer states, Trainer checkpoints).
Offline (``HF_HUB_OFFLINE=1``) or unreachable Hub: a clear error before anything is sent.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard, DatasetCardData, EvalResult, ModelCard, ModelCardData

from hf_genomics.paths import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "model_cards"
DEFAULT_DATASET_ID = "hf-genomics/GUE"
MODEL_TAGS = ["hf-genomics", "dna", "genomics", "biology", "gue"]
# top-level file suffixes that make up a shareable folder; everything else stays local
SHAREABLE_SUFFIXES = (".safetensors", ".json", ".md", ".txt", ".py", ".png", ".csv", ".parquet", ".jinja")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
METRIC_LABELS = {
    "mcc": "Matthews correlation",
    "accuracy": "accuracy",
    "f1": "macro F1",
    "precision": "macro precision",
    "recall": "macro recall",
}


class HubUnavailableError(RuntimeError):
    """Offline mode or no route to the Hub: raised before any file is sent."""


def _config_name(task_path: str) -> str:
    return task_path.replace("/", "_")


def model_card_data(results: dict[str, Any], dataset_id: str = DEFAULT_DATASET_ID) -> ModelCardData:
    """YAML metadata of a run folder's card, with a ``model-index`` entry per test metric (mean)."""
    task = results["task"]
    eval_results = [
        EvalResult(
            task_type="text-classification",
            task_name=f"GUE {task}",
            dataset_type=dataset_id,
            dataset_name=f"GUE {task}",
            dataset_config=_config_name(task),
            dataset_split="test",
            metric_type=name,
            metric_name=f"{METRIC_LABELS[name]} (mean of {len(results['per_seed'])} seeds)",
            metric_value=round(summary["mean"], 4),
        )
        for name, summary in results["test"].items()
        if name in METRIC_LABELS
    ]
    tags = [
        *MODEL_TAGS,
        f"tokenizer-{results['tokenizer'].replace(':', '-')}",
        f"position-{results['position_embedding_type']}",
    ]
    extra = {"base_model": results["base_model"]} if results.get("base_model") else {}
    return ModelCardData(
        model_name=results.get("model_name") or default_model_name(results),
        library_name="transformers",
        pipeline_tag="text-classification",
        license="apache-2.0",
        tags=tags,
        datasets=[dataset_id],
        metrics=[name for name in METRIC_LABELS if name in results["test"]],
        eval_results=eval_results,
        **extra,
    )


def default_model_name(results: dict[str, Any]) -> str:
    """``gue-<task>-<tokenizer>-<position>-L<layers>``: the folder name the study uses too."""
    tokenizer = results["tokenizer"].replace(":", "").replace("/", "-")
    layers = results["model_config"]["num_hidden_layers"]
    return f"gue-{_config_name(results['task'])}-{tokenizer}-{results['position_embedding_type']}-L{layers}"


def render_model_card(
    results: dict[str, Any], repo_id: str | None = None, dataset_id: str = DEFAULT_DATASET_ID
) -> ModelCard:
    """The card of a run folder from its ``results.json`` content."""
    config = results["model_config"]
    training = results.get("training", {})
    name = results.get("model_name") or default_model_name(results)
    return ModelCard.from_template(
        model_card_data(results, dataset_id),
        template_path=str(TEMPLATES / "sequence_classification.md"),
        model_name=name,
        repo_id=repo_id or f"<user>/{name}",
        architecture_summary=(
            f"encoder ({config['num_hidden_layers']} layers, {results['position_embedding_type']} positions)"
        ),
        task_description=results.get("task_description", results["task"]),
        task_path=results["task"],
        num_labels=results["num_labels"],
        base_model=results.get("base_model"),
        local_base=results.get("model_name_or_path"),
        tokenizer_spec=results["tokenizer"],
        vocab_size=results.get("vocab_size", "?"),
        position_embedding_type=results["position_embedding_type"],
        num_hidden_layers=config["num_hidden_layers"],
        hidden_size=config["hidden_size"],
        num_attention_heads=config["num_attention_heads"],
        num_parameters=f"{results.get('num_parameters', 0):,}",
        max_length_nt=results.get("max_length_nt"),
        rc_augment=results.get("rc_augment", False),
        rc_average=results.get("rc_average", False),
        seeds=", ".join(str(s["seed"]) for s in results["per_seed"]),
        n_seeds=len(results["per_seed"]),
        saved_seed=results.get("saved_seed"),
        metric_rows=[
            {"name": METRIC_LABELS[k], "mean": f"{v['mean']:.4f}", "sd": f"{v['sd']:.4f}"}
            for k, v in results["test"].items()
            if k in METRIC_LABELS
        ],
        example_sequence=results.get("example_sequence", "ACGT" * 10),
        command=results.get("command", ""),
        learning_rate=training.get("learning_rate"),
        weight_decay=training.get("weight_decay"),
        dropout=config.get("hidden_dropout_prob"),
        num_train_epochs=training.get("num_train_epochs"),
        batch_size=training.get("batch_size"),
    )


def write_model_card(run_dir: str | Path, repo_id: str | None = None, **kwargs) -> Path:
    """Render ``README.md`` in a run folder from its ``results.json``."""
    run_dir = Path(run_dir)
    results = json.loads((run_dir / "results.json").read_text())
    card = render_model_card(results, repo_id=repo_id, **kwargs)
    card.save(run_dir / "README.md")
    return run_dir / "README.md"


def render_dataset_card(rows: list[dict[str, Any]], repo_id: str, source: str) -> DatasetCard:
    """Card of a Parquet GUE dataset; ``rows`` has one dict per config (config, path, sizes...).

    The ``configs:`` block maps each config to its Parquet files so ``load_dataset(repo, config)``
    works on the Hub with no loading script.
    """
    configs = [
        {
            "config_name": row["config"],
            "data_files": [
                {"split": split, "path": f"{row['config']}/{split}.parquet"}
                for split in ("train", "validation", "test")
            ],
        }
        for row in rows
    ]
    data = DatasetCardData(
        license="apache-2.0",
        pretty_name="GUE: Genome Understanding Evaluation",
        task_categories=["text-classification"],
        tags=["dna", "genomics", "biology", "gue", "hf-genomics"],
        size_categories=["10K<n<100K"],
        configs=configs,
    )
    return DatasetCard.from_template(
        data,
        template_path=str(TEMPLATES / "gue_dataset.md"),
        pretty_name="GUE: Genome Understanding Evaluation",
        rows=rows,
        repo_id=repo_id,
        first_config=rows[0]["config"],
        first_path=rows[0]["path"],
        source=source,
    )


def files_to_push(folder: str | Path) -> list[str]:
    """Relative paths sent for a folder: shareable top-level files and Parquet config folders.

    Refuses a folder whose weights exist only as pickle files, and one with no ``README.md``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    if not (folder / "README.md").is_file():
        raise FileNotFoundError(f"{folder} has no README.md card: write one first (hf_genomics.hub)")
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name.endswith(SHAREABLE_SUFFIXES))
    files += sorted(str(p.relative_to(folder)) for p in folder.glob("*/*.parquet"))
    pickles = [
        p.name for p in folder.iterdir() if p.name.endswith(PICKLE_SUFFIXES) and "training_args" not in p.name
    ]
    if pickles and not any(name.endswith(".safetensors") for name in files):
        raise ValueError(f"{folder} holds only pickle weights ({', '.join(pickles)}); save with safetensors")
    return files


def ensure_hub_reachable() -> None:
    """Fail fast, before any upload, in offline mode."""
    from huggingface_hub import constants

    offline_env = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    if offline_env or constants.is_offline_mode():
        raise HubUnavailableError(
            "the Hugging Face Hub is disabled (HF_HUB_OFFLINE is set): nothing was pushed. "
            "Unset HF_HUB_OFFLINE on a machine with network access, or copy the folder instead."
        )


def push_folder(
    folder: str | Path,
    repo_id: str,
    *,
    repo_type: str = "model",
    private: bool = False,
    token: str | None = None,
    commit_message: str | None = None,
    api: Any = None,
) -> Any:
    """Create the repository if needed and send :func:`files_to_push` in one commit."""
    from huggingface_hub import CommitOperationAdd, HfApi

    folder = Path(folder)
    files = files_to_push(folder)
    if repo_type == "model" and not any(name.endswith(".safetensors") for name in files):
        raise FileNotFoundError(f"{folder} has no *.safetensors weights to push")
    ensure_hub_reachable()
    api = api or HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
    except OSError as error:  # httpx/requests connection errors are OSError subclasses or wrap one
        raise HubUnavailableError(
            f"cannot reach the Hugging Face Hub to create {repo_id!r}: {error}"
        ) from error
    except Exception as error:
        if type(error).__name__ in {"ConnectError", "ConnectTimeout", "ReadTimeout", "ConnectionError"}:
            raise HubUnavailableError(f"cannot reach the Hugging Face Hub: {error}") from error
        raise
    operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(folder / name)) for name in files]
    return api.create_commit(
        repo_id,
        operations,
        commit_message=commit_message or f"Upload {folder.name} with hf-genomics",
        repo_type=repo_type,
    )


def push_run_to_hub(run_dir: str | Path, repo_id: str, **kwargs) -> Any:
    """Re-render the card with the final ``repo_id`` (usage snippets), then push the run folder."""
    if (Path(run_dir) / "results.json").is_file():
        write_model_card(run_dir, repo_id=repo_id)
    return push_folder(run_dir, repo_id, repo_type="model", **kwargs)


def push_dataset_to_hub(dataset_dir: str | Path, repo_id: str, **kwargs) -> Any:
    """Push a folder written by ``dataset_scripts/build_gue_dataset.py`` (Parquet + card)."""
    return push_folder(dataset_dir, repo_id, repo_type="dataset", **kwargs)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a run folder (model) or a built dataset folder")
    parser.add_argument("--repo-id", required=True, help="<user or org>/<name> on the Hub")
    parser.add_argument("--dataset", action="store_true", help="push as a dataset repository")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--token", default=None, help="defaults to the cached login / $HF_TOKEN")
    parser.add_argument("--commit-message", default=None)
    parser.add_argument(
        "--dry-run", action="store_true", help="list the files and card metadata; send nothing"
    )


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not args.dataset and (folder / "results.json").is_file():
        write_model_card(folder, repo_id=args.repo_id)
    if args.dry_run:
        files = files_to_push(folder)
        card = (ModelCard if not args.dataset else DatasetCard).load(folder / "README.md")
        print(f"would push {len(files)} files to {args.repo_id}:")
        print("\n".join(f"  {name}" for name in files))
        print("card metadata:\n" + card.data.to_yaml())
        return 0
    try:
        push = push_dataset_to_hub if args.dataset else push_folder
        info = push(
            folder, args.repo_id, private=args.private, token=args.token, commit_message=args.commit_message
        )
    except (HubUnavailableError, FileNotFoundError, ValueError) as error:
        print(f"hf-genomics push: {error}")
        return 1
    print(f"pushed {folder} -> {getattr(info, 'commit_url', args.repo_id)}")
    return 0


__all__ = [
    "HubUnavailableError",
    "ensure_hub_reachable",
    "files_to_push",
    "model_card_data",
    "push_dataset_to_hub",
    "push_folder",
    "push_run_to_hub",
    "render_dataset_card",
    "render_model_card",
    "write_model_card",
]
