"""Native registration of our model types with transformers' Auto classes (no remote code).

Registering needs our config, model and tokenizer classes, i.e. torch and most of transformers:
several seconds that ``import hf_genomics`` (and every ``hf-genomics --help``) should not pay.
So ``import hf_genomics`` only installs a light post-import hook: each part is registered right
after transformers imports the Auto module that needs it (``configuration_auto``,
``tokenization_auto``, ``modeling_auto``), i.e. before any ``Auto*.from_pretrained`` can run, and
at once when transformers is already imported. ``register_auto_classes()`` registers everything
now (and raises what a deferred registration swallowed).
"""

from __future__ import annotations

import importlib
import importlib.abc
import logging
import sys
import warnings
from collections.abc import Callable

from hf_genomics.models.families import FAMILIES, OUR_TOKENIZERS

logger = logging.getLogger(__name__)

CONFIGURATION_AUTO = "transformers.models.auto.configuration_auto"
TOKENIZATION_AUTO = "transformers.models.auto.tokenization_auto"
MODELING_AUTO = "transformers.models.auto.modeling_auto"


# model_type -> (config class, {Auto class name: model class}), derived from the one family registry
MODEL_FAMILIES: dict[str, tuple[str, dict[str, str]]] = {
    family.model_type: (
        family.dotted(family.config),
        {auto: family.dotted(ref) for auto, ref in family.models.items()},
    )
    for family in FAMILIES
}
# model_type -> its tokenizer classes, the default last (registering them records them by name)
FAMILY_TOKENIZERS: dict[str, list[str]] = {family.model_type: list(family.tokenizers) for family in FAMILIES}


def _load(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def register_configs() -> None:
    """``AutoConfig``: every family's ``model_type``."""
    from transformers import AutoConfig

    for model_type, (config_path, _) in MODEL_FAMILIES.items():
        AutoConfig.register(model_type, _load(config_path), exist_ok=True)


def register_tokenizers() -> None:
    """Make our tokenizer class names resolvable from ``tokenizer_config.json``.

    ``AutoTokenizer.register`` maps a config to one default tokenizer (the last registered) and
    records every class by name, which is what loading a saved tokenizer needs.
    """
    from transformers import AutoTokenizer

    for model_type, (config_path, _) in MODEL_FAMILIES.items():
        for tokenizer_path in FAMILY_TOKENIZERS.get(model_type, list(OUR_TOKENIZERS)):
            AutoTokenizer.register(_load(config_path), tokenizer_class=_load(tokenizer_path), exist_ok=True)
    register_original_tokenizer_names()


def register_original_tokenizer_names() -> None:
    """``tokenizer_class`` names that no config of ours resolves:

    * stand-ins for original folders' names that transformers would resolve to a class of its own, or
      to none: HyenaDNA -hf's ``CharacterTokenizer`` (``models/hyenadna/original_tokenizer.py``) and
      GENERator's ``DNAKmerTokenizer`` (``tokenization/generator_original.py``);
    * our tokenizers of models that are transformers' own classes (MarinDNA: Llama/Qwen3; GENERator:
      Llama), by name, for the folders we write.
    """
    from transformers.models.auto import tokenization_auto

    from hf_genomics.models.hyenadna.original_tokenizer import ORIGINAL_CLASS_NAME as HYENADNA_NAME
    from hf_genomics.models.hyenadna.original_tokenizer import original_character_tokenizer
    from hf_genomics.models.marin_dna.tokenization_marin_dna import MarinDnaTokenizer
    from hf_genomics.tokenization.generator import GeneratorTokenizer
    from hf_genomics.tokenization.generator_original import ORIGINAL_CLASS_NAME as GENERATOR_NAME
    from hf_genomics.tokenization.generator_original import original_kmer_tokenizer

    registered = tokenization_auto.REGISTERED_TOKENIZER_CLASSES
    for tokenizer in (MarinDnaTokenizer, GeneratorTokenizer):
        registered[tokenizer.__name__] = tokenizer
    stand_ins = {  # name -> factory; HyenaDNA's wraps the class transformers resolves the name to
        HYENADNA_NAME: lambda: original_character_tokenizer(
            tokenization_auto.tokenizer_class_from_name(HYENADNA_NAME)
        ),
        GENERATOR_NAME: original_kmer_tokenizer,
    }
    for name, make_stand_in in stand_ins.items():
        if getattr(registered.get(name), "_hf_genomics_stand_in", False):
            continue  # registered already: never wrap our own stand-in
        stand_in = make_stand_in()
        stand_in._hf_genomics_stand_in = True
        registered[name] = stand_in


def register_models() -> None:
    """``AutoModel*``: every family's heads."""
    import transformers

    for config_path, heads in MODEL_FAMILIES.values():
        config_class = _load(config_path)
        for auto_name, model_path in heads.items():
            getattr(transformers, auto_name).register(config_class, _load(model_path), exist_ok=True)


# Auto module -> the registration it needs (insertion order is the order they run in)
_PENDING: dict[str, Callable[[], None]] = {
    CONFIGURATION_AUTO: register_configs,
    TOKENIZATION_AUTO: register_tokenizers,
    MODELING_AUTO: register_models,
}
_FAILED: dict[str, BaseException] = {}
_state = {"executing": 0, "running": False, "done": False}


def register_auto_classes() -> None:
    """Register configs, tokenizers and models now (raising any error); safe to call again."""
    if _state["done"]:
        return
    _PENDING.clear()
    _uninstall()
    register_configs()
    register_tokenizers()
    register_models()
    _FAILED.clear()
    _state["done"] = True


def _is_initializing(name: str) -> bool:
    module = sys.modules.get(name)
    return module is None or bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


def _run_ready() -> None:
    """Run the registrations whose Auto module is imported, once no watched module is half-run.

    Importing our classes imports more of transformers (and of hf_genomics); inside the import of,
    say, ``transformers.modeling_layers`` (which imports ``AutoModel`` at its top) or of our own
    modeling file that would meet a partially initialised module, so registration waits for the
    outermost transformers/hf_genomics import to finish.
    """
    if _state["running"] or _state["executing"]:
        return
    _state["running"] = True
    try:
        # a registration imports more of transformers: an Auto module finished meanwhile (whose own
        # call returned early, as this one was running) is picked up by the next round
        while ready := [trigger for trigger in _PENDING if not _is_initializing(trigger)]:
            for trigger in ready:
                register = _PENDING.pop(trigger)
                try:
                    register()
                except Exception as error:  # an import must not fail because of us: report and go on
                    _FAILED[trigger] = error
                    warnings.warn(
                        f"hf_genomics could not register its {register.__name__[9:]} with transformers "
                        f"({type(error).__name__}: {error}); call hf_genomics.register_auto_classes() to see why",
                        RuntimeWarning,
                        stacklevel=2,
                    )
    finally:
        _state["running"] = False
    if not _PENDING:
        _uninstall()


def _watched(name: str) -> bool:
    return any(
        name == package or name.startswith(package + ".") for package in ("transformers", "hf_genomics")
    )


class _AutoRegistrationHook(importlib.abc.MetaPathFinder):
    """Wraps the ``exec_module`` of transformers and hf_genomics modules imported while registrations
    are pending, to know when the outermost of those imports is over."""

    def find_spec(self, fullname, path, target=None):
        if not _PENDING or not _watched(fullname):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module") or hasattr(loader, "_hf_genomics_wrapped"):
            return spec
        original = loader.exec_module

        def exec_module(module):
            _state["executing"] += 1
            try:
                original(module)
            finally:
                _state["executing"] -= 1
            # the import machinery marks the module initialised only after exec_module returns
            getattr(module, "__spec__", spec)._initializing = False
            _run_ready()

        try:
            loader.exec_module = exec_module
            loader._hf_genomics_wrapped = True
        except AttributeError:  # a loader that refuses attributes: import it untouched
            return spec
        return spec


_HOOK = _AutoRegistrationHook()


def _uninstall() -> None:
    if _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)


def install_auto_registration_hook() -> None:
    """Register now what transformers has already imported; register the rest as it is imported."""
    if _PENDING and _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)
    _run_ready()


__all__ = ["install_auto_registration_hook", "register_auto_classes"]
