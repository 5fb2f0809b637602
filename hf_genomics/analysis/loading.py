"""Load any model folder the analysis layer understands, and tell what kind of model it is.

The kind decides which questions make sense: a ``classifier`` predicts classes, a ``masked`` or
``causal`` LM (and an n-gram LM, kind ``ngram``) scores sequences, and every neural model gives
embeddings. Detection goes by the transformers class-name conventions (``*ForSequenceClassification``,
``*ForMaskedLM``, ``*ForCausalLM``/``*LMHeadModel``), so ported models work without changes here.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from hf_genomics.models.kind import KINDS, ModelKind, model_kind  # the one detector, shared with evaluation

_AUTO_CLASS_BY_SUFFIX = {
    "ForSequenceClassification": "AutoModelForSequenceClassification",
    "ForMaskedLM": "AutoModelForMaskedLM",
    "ForCausalLM": "AutoModelForCausalLM",
    "LMHeadModel": "AutoModelForCausalLM",
}


def load_model_and_tokenizer(path: str | Path, kind: str = "auto"):
    """``(model, tokenizer)`` from a saved folder; ``tokenizer`` is ``None`` for n-gram LMs.

    ``kind="auto"`` picks the Auto class from ``config.architectures``; ``"base"`` loads the bare
    model (``AutoModel``), ``"classifier"``/``"masked"``/``"causal"`` force the head. The folder is
    checked first and its own code never runs (:mod:`hf_genomics.model_folders`); a folder
    transformers cannot load gives one ``ValueError`` line naming it.
    """
    import hf_genomics  # noqa: F401  (registers our model and tokenizer types)
    from hf_genomics.model_folders import NO_REMOTE_CODE, check_model_folder

    forced = {
        "classifier": "AutoModelForSequenceClassification",
        "masked": "AutoModelForMaskedLM",
        "causal": "AutoModelForCausalLM",
        "base": "AutoModel",
    }
    if kind != "auto" and kind not in forced:
        raise ValueError(f"kind must be 'auto' or one of {sorted(forced)}, got {kind!r}")
    folder = check_model_folder(path)
    if (folder / "ngram_config.json").is_file():
        from hf_genomics.models.ngram import NGramLM

        with _one_line_errors(folder):
            model_type = json.loads((folder / "ngram_config.json").read_text()).get("model_type")
            if model_type == "ngram_kneser_ney":
                from hf_genomics.models.ngram_kneser_ney import KneserNeyLM

                return KneserNeyLM.from_pretrained(folder), None
            return NGramLM.from_pretrained(folder), None
    import transformers
    from transformers import AutoConfig, AutoTokenizer

    with _one_line_errors(folder):
        config = AutoConfig.from_pretrained(folder, **NO_REMOTE_CODE)
        auto_name = forced.get(kind)
        if auto_name is None:
            architecture = str((getattr(config, "architectures", None) or [""])[0])
            auto_name = next(
                (auto for suffix, auto in _AUTO_CLASS_BY_SUFFIX.items() if architecture.endswith(suffix)),
                "AutoModel",
            )
        auto_class = getattr(transformers, auto_name)
        if type(config) not in auto_class._model_mapping:
            heads = [
                name
                for name, auto in forced.items()
                if type(config) in getattr(transformers, auto)._model_mapping
            ]
            raise ValueError(
                f"{folder}: a {config.model_type} model has no {auto_name} class (--kind {kind}); "
                f"its kinds: {', '.join(heads) or 'none'}"
            )
        model = auto_class.from_pretrained(folder, config=config, **NO_REMOTE_CODE)
        model.eval()
        tokenizer = AutoTokenizer.from_pretrained(folder, **NO_REMOTE_CODE)
    return model, _with_input_policy(tokenizer, config)


def _with_input_policy(tokenizer, config):
    """An original folder's plain tokenizer swapped for ours with the same ids (MarinDNA), so N/U
    are never silently ``[UNK]``; any other tokenizer as it is."""
    from hf_genomics.models.marin_dna.original_layout import adopt_original_tokenizer

    return adopt_original_tokenizer(tokenizer, getattr(config, "max_position_embeddings", None))


@contextlib.contextmanager
def _one_line_errors(folder: Path):
    """What transformers/safetensors raise on a broken folder, as one ``ValueError`` line naming it."""
    from safetensors import SafetensorError

    from hf_genomics.model_folders import one_line

    try:
        yield
    except FileNotFoundError as error:
        raise FileNotFoundError(f"cannot load {folder}: {one_line(error)}") from error
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as error:
        raise ValueError(f"cannot load {folder}: {one_line(error)}") from error


def label_names(model) -> list[str]:
    """Class names from ``config.id2label`` (``LABEL_0``... when the run did not name them)."""
    config = model.config
    id2label = getattr(config, "id2label", None) or {}
    return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(config.num_labels)]


def check_target(model, target: int | None) -> None:
    """``target`` is a class of this classifier (``None``: the default class); one error line otherwise."""
    if target is None:
        return
    kind = model_kind(model)
    if kind != "classifier":
        raise ValueError(
            f"target={target} picks a class of a classifier; {type(model).__name__} is a {kind} model"
        )
    num_labels = int(model.config.num_labels)
    if isinstance(target, bool) or not 0 <= int(target) < num_labels:
        names = ", ".join(f"{i}={name}" for i, name in enumerate(label_names(model)))
        raise ValueError(f"target {target} is not a class of this model: it has {num_labels} ({names})")


def read_results_json(path: str | Path) -> dict:
    """The run's ``results.json`` beside the weights, or ``{}``."""
    file = Path(path) / "results.json"
    return json.loads(file.read_text()) if file.is_file() else {}


__all__ = ["KINDS", "ModelKind", "check_target", "label_names", "load_model_and_tokenizer", "model_kind"]
