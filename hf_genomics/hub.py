"""Share run folders and datasets on the Hugging Face Hub: model/dataset cards and ``push``.

Cards are rendered from the Jinja templates shipped inside the package (``hf_genomics/templates``,
read with ``importlib.resources`` so an installed wheel renders them too) with ``huggingface_hub``'s
own ``ModelCard``/``DatasetCard``, so the YAML metadata (``library_name``, ``tags``, ``datasets``,
``metrics``, ``base_model``, ``pipeline_tag``, ``model-index``) is exactly what the Hub parses.

Pushing sends an allow-list of exact artefact names in one commit (:func:`plan_push`): a folder
holds what a user puts there (tokens, credentials, notes, data), so nothing is sent for matching a
suffix. Never sent: dotfiles, symbolic links (never followed), files in subfolders the card does
not declare, pickles (``*.bin``, ``*.pt``, optimizer states, Trainer checkpoints).
Offline (``HF_HUB_OFFLINE=1``) or unreachable Hub: a clear error before anything is sent.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from hf_genomics.run_manifest import check_run_folder

if TYPE_CHECKING:  # huggingface_hub is imported where used: ``hf-genomics push --help`` stays fast
    from huggingface_hub import DatasetCard, ModelCard, ModelCardData

DEFAULT_DATASET_ID = "hf-genomics/GUE"
MODEL_TAGS = ["hf-genomics", "dna", "genomics", "biology", "gue"]
# The top-level files a model folder may send, by exact name. Remote-code files and weight shards
# are added from what config.json / tokenizer_config.json (auto_map) and the shard index declare.
MODEL_ARTEFACTS = frozenset(
    {
        "README.md",
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "model.safetensors.index.json",
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt",
        "vocab.json",
        "merges.txt",
        "chat_template.jinja",
        "results.json",
    }
)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
METRIC_LABELS = {
    "mcc": "Matthews correlation",
    "accuracy": "accuracy",
    "f1": "macro F1",
    "precision": "macro precision",
    "recall": "macro recall",
    "f1_micro": "micro F1",
    "mse": "mean squared error",
    "rmse": "root mean squared error",
    "mae": "mean absolute error",
    "r2": "R²",
    "pearson": "Pearson correlation",
    "spearman": "Spearman correlation",
}
# the metric a run selects its checkpoint by, per problem type (classification.train_one_seed's rule)
SELECTION_METRIC = {"regression": "mse"}


class HubUnavailableError(RuntimeError):
    """Offline mode or no route to the Hub: raised before any file is sent."""


def template_text(name: str) -> str:
    """A card template shipped as package data (works from a source tree and from an installed wheel)."""
    return files("hf_genomics").joinpath("templates", name).read_text(encoding="utf-8")


def _config_name(task_path: str) -> str:
    return task_path.replace("/", "_")


def is_gue_run(results: dict[str, Any]) -> bool:
    """Whether a run trained on a GUE task (``--task_dir``) rather than the user's own files.

    Folders written before ``data_source`` was recorded were all GUE runs."""
    return results.get("data_source", "gue") == "gue"


def card_dataset_id(results: dict[str, Any], dataset_id: str | None = None) -> str | None:
    """The dataset a card names: the caller's, the run's ``--dataset_id``, GUE's for GUE tasks, else none."""
    return dataset_id or results.get("dataset_id") or (DEFAULT_DATASET_ID if is_gue_run(results) else None)


def selection_metric(results: dict[str, Any]) -> str:
    """The validation metric the run's checkpoint was chosen by (``mcc``, or ``mse`` for regression)."""
    return SELECTION_METRIC.get(results.get("problem_type", "single_label_classification"), "mcc")


def model_card_data(results: dict[str, Any], dataset_id: str | None = None) -> ModelCardData:
    """YAML metadata of a run folder's card, with a ``model-index`` entry per test metric (mean)."""
    from huggingface_hub import EvalResult, ModelCardData

    task = results["task"]
    gue = is_gue_run(results)
    dataset_id = card_dataset_id(results, dataset_id)
    dataset_name = f"GUE {task}" if gue else results.get("task_description") or task
    # the model a user should take: a gue-recipe folder names it (``selected_model``), else the seeds' mean
    tested = {name: {"mean": value} for name, value in (results.get("selected_test") or {}).items()}
    described = f"selected: {results.get('selected_model')}"
    if not tested:
        tested, described = results["test"], f"mean of {len(results['per_seed'])} seeds"
    eval_results = [
        EvalResult(
            task_type="text-classification",
            task_name=dataset_name,
            dataset_type=dataset_id or "local",
            dataset_name=dataset_name,
            dataset_config=_config_name(task) if gue else None,
            dataset_split="test",
            metric_type=name,
            metric_name=f"{METRIC_LABELS[name]} ({described})",
            metric_value=round(summary["mean"], 4),
        )
        for name, summary in tested.items()
        if name in METRIC_LABELS
    ]
    tags = [
        *(MODEL_TAGS if gue else [tag for tag in MODEL_TAGS if tag != "gue"]),
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
        datasets=[dataset_id] if dataset_id else None,
        metrics=[name for name in METRIC_LABELS if name in results["test"]],
        eval_results=eval_results,
        **extra,
    )


def default_model_name(results: dict[str, Any]) -> str:
    """``gue-<task>-<tokenizer>-<position>-L<layers>`` (the folder name the study uses too); runs on
    the user's own files drop the ``gue-`` prefix and name the data file's stem."""
    tokenizer = results["tokenizer"].replace(":", "").replace("/", "-")
    layers = results["model_config"]["num_hidden_layers"]
    if not is_gue_run(results):
        stem = Path(results["task"]).stem.replace(".", "_") or "data"
        return f"{stem}-{tokenizer}-{results['position_embedding_type']}-L{layers}"
    return f"gue-{_config_name(results['task'])}-{tokenizer}-{results['position_embedding_type']}-L{layers}"


def render_model_card(
    results: dict[str, Any], repo_id: str | None = None, dataset_id: str | None = None
) -> ModelCard:
    """The card of a run folder from its ``results.json`` content (GUE wording only for GUE tasks)."""
    from huggingface_hub import ModelCard

    config = results["model_config"]
    training = results.get("training", {})
    name = results.get("model_name") or default_model_name(results)
    problem_type = results.get("problem_type", "single_label_classification")
    metric = selection_metric(results)
    card = ModelCard.from_template(
        model_card_data(results, dataset_id),
        template_str=template_text("sequence_classification.md"),
        model_name=name,
        repo_id=repo_id or f"<user>/{name}",
        architecture_summary=(
            f"encoder ({config['num_hidden_layers']} layers, {results['position_embedding_type']} positions)"
        ),
        is_gue=is_gue_run(results),
        dataset_id=card_dataset_id(results, dataset_id),
        problem_type=problem_type,
        problem_summary={
            "regression": "regression",
            "multi_label_classification": f"multi-label classification, {results['num_labels']} labels",
        }.get(problem_type, f"{results['num_labels']} classes"),
        selection_metric=METRIC_LABELS[metric],
        selection_metric_short=metric.upper(),
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
    if "selected_model" in results and "blend" in results:  # a gue-recipe folder: its section too
        from hf_genomics.training.gue_recipe import card_section

        card = ModelCard(str(card).rstrip("\n") + "\n" + card_section(results))
    return card


def write_model_card(run_dir: str | Path, repo_id: str | None = None, **kwargs) -> Path:
    """Render ``README.md`` in a run folder from its ``results.json``."""
    run_dir = Path(run_dir)
    results = json.loads((run_dir / "results.json").read_text())
    card = render_model_card(results, repo_id=repo_id, **kwargs)
    if (run_dir / "README.md").is_symlink():  # replace the link itself, never write through it
        (run_dir / "README.md").unlink()
    card.save(run_dir / "README.md")
    return run_dir / "README.md"


def render_dataset_card(rows: list[dict[str, Any]], repo_id: str, source: str) -> DatasetCard:
    """Card of a Parquet GUE dataset; ``rows`` has one dict per config (config, path, sizes...).

    The ``configs:`` block maps each config to its Parquet files so ``load_dataset(repo, config)``
    works on the Hub with no loading script.
    """
    from huggingface_hub import DatasetCard, DatasetCardData

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
        template_str=template_text("gue_dataset.md"),
        pretty_name="GUE: Genome Understanding Evaluation",
        rows=rows,
        repo_id=repo_id,
        first_config=rows[0]["config"],
        first_path=rows[0]["path"],
        source=source,
    )


@dataclass
class PushPlan:
    """What a push sends (``files``, paths relative to the folder) and what it leaves out, with why."""

    files: list[str]
    left_out: dict[str, str] = field(default_factory=dict)


def declared_path(folder: Path, declared: object, source: str) -> str:
    """``declared`` as a clean relative POSIX path inside ``folder``, or a ``ValueError`` naming ``source``.

    A file a folder *declares* (a shard in the safetensors index, a module in ``auto_map``, a data
    file in a dataset card) is sent from disk, so a declared ``/home/me/.ssh/id_rsa``, ``../x``,
    ``C:\\x``, an empty name, or a path through a symbolic link that leads out of the folder would
    upload a file from anywhere. Each is refused, naming the entry and where it was declared.
    """
    refuse = f"{source} declares {declared!r}: push sends only files inside {folder}"
    if not isinstance(declared, str) or not declared.strip() or "\x00" in declared:
        raise ValueError(f"{refuse} (a non-empty relative path is needed)")
    path = PurePosixPath(declared)
    if path.is_absolute() or PureWindowsPath(declared).drive or PureWindowsPath(declared).root:
        raise ValueError(f"{refuse} (absolute paths are refused)")
    if "\\" in declared or ".." in path.parts or not path.parts:
        raise ValueError(f"{refuse} ('..' and backslashes are refused)")
    root = folder.resolve()
    try:
        inside = (root / path).resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symbolic link loop
        inside = False
    if not inside:
        raise ValueError(f"{refuse} (it resolves outside the folder through a symbolic link)")
    return str(path)


def _read_declaring_json(path: Path) -> dict:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(content, dict):
        raise ValueError(f"{path} must hold a JSON object, found a {type(content).__name__}")
    return content


def _declared_code_files(folder: Path) -> set[str]:
    """``<module>.py`` files named by ``auto_map`` in config.json / tokenizer_config.json."""
    names = set()
    for config_name in ("config.json", "tokenizer_config.json"):
        path = folder / config_name
        if not path.is_file() or path.is_symlink():
            continue
        auto_map = _read_declaring_json(path).get("auto_map") or {}
        if not isinstance(auto_map, dict):
            raise ValueError(f"{path}: auto_map must be an object, found {type(auto_map).__name__}")
        for reference in auto_map.values():
            for item in reference if isinstance(reference, list) else [reference]:
                if item is None:
                    continue
                if not isinstance(item, str):
                    raise ValueError(f"{path}: auto_map entry {item!r} is not a 'module.Class' string")
                if "--" in item:  # "repo--module.Class": code from another Hub repository, not a file
                    continue
                if "." not in item:
                    raise ValueError(f"{path}: auto_map entry {item!r} is not a 'module.Class' string")
                names.add(declared_path(folder, item.rsplit(".", 1)[0] + ".py", f"{path} (auto_map)"))
    return names


def _declared_shards(folder: Path) -> set[str]:
    """Weight shards named by ``model.safetensors.index.json``."""
    index = folder / "model.safetensors.index.json"
    if not index.is_file() or index.is_symlink():
        return set()
    weight_map = _read_declaring_json(index).get("weight_map", {})
    if not isinstance(weight_map, dict):
        raise ValueError(f"{index}: weight_map must be an object, found {type(weight_map).__name__}")
    return {declared_path(folder, name, f"{index} (weight_map)") for name in weight_map.values()}


def _declared_data_files(card_text: str, folder: Path) -> set[str]:
    """Exact data file paths declared by a dataset card's ``configs:`` block."""
    from huggingface_hub import DatasetCard

    configs = DatasetCard(card_text).data.to_dict().get("configs") or []
    declared = set()
    for config in configs if isinstance(configs, list) else [configs]:
        data_files = (config.get("data_files") if isinstance(config, dict) else None) or []
        for entry in data_files if isinstance(data_files, list) else [data_files]:
            paths = entry.get("path") if isinstance(entry, dict) else entry
            for path in paths if isinstance(paths, list) else [paths]:
                if isinstance(path, str) and any(ch in path for ch in "*?["):
                    raise ValueError(f"dataset card declares {path!r}: push needs exact relative file paths")
                declared.add(declared_path(folder, path, "the dataset card (configs: data_files)"))
    return declared


def _refusal(folder: Path, relative: str) -> str | None:
    """Why ``relative`` must not be sent (dotfile, link on the way, not a regular file), else None."""
    parts = PurePosixPath(relative).parts
    if any(part.startswith(".") for part in parts):
        return "dotfile"
    current = folder
    for part in parts:
        current = current / part
        try:
            mode = current.lstat().st_mode  # lstat: a link is reported as a link, never followed
        except FileNotFoundError:
            return "missing"
        if stat.S_ISLNK(mode):
            return "symbolic link (never followed)"
    return None if stat.S_ISREG(mode) else "not a regular file"


def plan_push(folder: str | Path, repo_type: str = "model", card_text: str | None = None) -> PushPlan:
    """The exact files a push of ``folder`` sends, from an allow-list; everything else is left out.

    Model folders: :data:`MODEL_ARTEFACTS`, remote-code files declared by ``auto_map`` and shards
    declared by the safetensors index, all at top level. Dataset folders: ``README.md`` and the data
    files the card's ``configs:`` declares. ``card_text`` is the card about to be written (a dry run
    renders it without writing); otherwise ``README.md`` must exist. Refuses a folder whose weights
    exist only as pickle files, and a declared artefact that is a symbolic link.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    # a run that recorded its files (gue-recipe: baseline, extra seeds) is checked whole and sent whole
    recorded = (check_run_folder(folder) or {}) if repo_type == "model" else {}
    readme = folder / "README.md"
    card_pending = card_text is not None
    if readme.is_symlink():
        raise ValueError(f"{readme} is a symbolic link: push sends only regular files; copy it in")
    if card_text is None:
        if not readme.is_file():
            raise FileNotFoundError(f"{folder} has no README.md card: write one first (hf_genomics.hub)")
        card_text = readme.read_text(encoding="utf-8")
    if repo_type == "dataset":
        allowed = {"README.md"} | _declared_data_files(card_text, folder)
    else:
        allowed = set(MODEL_ARTEFACTS) | _declared_code_files(folder) | _declared_shards(folder)
        allowed |= {name for name in recorded if not name.endswith(PICKLE_SUFFIXES)}
    plan = PushPlan(files=[])
    for relative in sorted(allowed):
        if relative == "README.md" and card_pending and not readme.is_symlink() and not readme.exists():
            plan.files.append(relative)  # written just before the push
            continue
        reason = _refusal(folder, relative)
        if reason == "missing":
            if repo_type == "dataset" and relative != "README.md":
                raise FileNotFoundError(f"{folder}: the card declares {relative} but it does not exist")
            continue
        if reason is not None:
            raise ValueError(f"{folder / relative} is a {reason}: push sends only regular files; copy it in")
        plan.files.append(relative)
    sent = set(plan.files)
    for root, dirs, names in os.walk(folder):  # never follows links to folders
        base = PurePosixPath(Path(root).relative_to(folder).as_posix())
        for name in sorted(names) + [
            d for d in sorted(dirs) if d.startswith(".") or Path(root, d).is_symlink()
        ]:
            relative = str(base / name) if str(base) != "." else name
            if relative in sent:
                continue
            if name.startswith(".") or any(part.startswith(".") for part in base.parts):
                plan.left_out[relative] = "dotfile"
            elif Path(root, name).is_symlink():
                plan.left_out[relative] = "symbolic link"
            elif str(base) != ".":
                plan.left_out[relative] = "undeclared subfolder"
            else:
                plan.left_out[relative] = "not an artefact name"
        dirs[:] = [d for d in dirs if not d.startswith(".") and not Path(root, d).is_symlink()]
    pickles = [
        p.name for p in folder.iterdir() if p.name.endswith(PICKLE_SUFFIXES) and "training_args" not in p.name
    ]
    if pickles and not any(name.endswith(".safetensors") for name in plan.files):
        raise ValueError(f"{folder} holds only pickle weights ({', '.join(pickles)}); save with safetensors")
    return plan


def files_to_push(folder: str | Path, repo_type: str = "model") -> list[str]:
    """Relative paths a push of ``folder`` sends (see :func:`plan_push`)."""
    return plan_push(folder, repo_type).files


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
    files = files_to_push(folder, repo_type)
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
    # bytes read now (not a path opened later): what was checked is what is sent
    operations = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=(folder / name).read_bytes()) for name in files
    ]
    return api.create_commit(
        repo_id,
        operations,
        commit_message=commit_message or f"Upload {folder.name} with hf-genomics",
        repo_type=repo_type,
    )


def push_run_to_hub(run_dir: str | Path, repo_id: str, **kwargs) -> Any:
    """Re-render the card with the final ``repo_id`` (usage snippets), then push the run folder.

    The folder is checked (:func:`plan_push`) before the card is written, so a refused folder is
    left untouched."""
    card = _pending_card(Path(run_dir), repo_id)
    if card is not None:
        plan_push(run_dir, "model", card_text=str(card))
        card.save(Path(run_dir) / "README.md")
    return push_folder(run_dir, repo_id, repo_type="model", **kwargs)


def _pending_card(run_dir: Path, repo_id: str) -> ModelCard | None:
    """The card a push of a run folder (one with ``results.json``) writes, rendered in memory."""
    results = run_dir / "results.json"
    if not results.is_file() or results.is_symlink():
        return None
    return render_model_card(json.loads(results.read_text()), repo_id=repo_id)


def push_dataset_to_hub(dataset_dir: str | Path, repo_id: str, **kwargs) -> Any:
    """Push a folder written by ``dataset_scripts/build_gue_dataset.py`` (Parquet + card)."""
    return push_folder(dataset_dir, repo_id, repo_type="dataset", **kwargs)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a run folder (model) or a built dataset folder")
    parser.add_argument("--repo-id", required=True, help="<user or org>/<name> on the Hub")
    parser.add_argument("--dataset", action="store_true", help="push as a dataset repository")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--token", default=None, help="defaults to the cached login / $HF_TOKEN")
    parser.add_argument(
        "--commit-message", default=None, help='defaults to "Upload <folder name> with hf-genomics"'
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the files that would be sent (and those left out) and the card metadata; "
        "write and send nothing",
    )


def run(args: argparse.Namespace) -> int:
    from huggingface_hub import DatasetCard, ModelCard

    folder: Path = args.folder
    repo_type = "dataset" if args.dataset else "model"
    if args.dry_run:  # writes nothing: the card a push would write is rendered in memory
        card = None if args.dataset else _pending_card(folder, args.repo_id)
        plan = plan_push(folder, repo_type, card_text=str(card) if card is not None else None)
        if card is None:
            card = (DatasetCard if args.dataset else ModelCard).load(folder / "README.md")
        print(f"would push {len(plan.files)} files to {args.repo_id}:")
        print("\n".join(f"  {name}" for name in plan.files))
        if plan.left_out:
            print(f"left out ({len(plan.left_out)}):")
            print("\n".join(f"  {name} ({why})" for name, why in plan.left_out.items()))
        print("card metadata:\n" + card.data.to_yaml())
        return 0
    try:
        push = push_dataset_to_hub if args.dataset else push_run_to_hub
        info = push(
            folder, args.repo_id, private=args.private, token=args.token, commit_message=args.commit_message
        )
    except HubUnavailableError as error:  # input errors go up: the CLI prints them in one line (exit 2)
        print(f"hf-genomics push: {error}")
        return 1
    print(f"pushed {folder} -> {getattr(info, 'commit_url', args.repo_id)}")
    return 0


__all__ = [
    "HubUnavailableError",
    "ensure_hub_reachable",
    "files_to_push",
    "model_card_data",
    "plan_push",
    "PushPlan",
    "push_dataset_to_hub",
    "push_folder",
    "push_run_to_hub",
    "render_dataset_card",
    "render_model_card",
    "write_model_card",
]
