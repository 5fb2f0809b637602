"""Only what trains: argument dataclasses and the shared entry point, Trainer callbacks/subclasses,
masked-LM (:mod:`.mlm`), causal-LM (:mod:`.clm`) and classification (:mod:`.classification`)
training, auxiliary losses. Names are imported lazily."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "parse_and_run": "hf_genomics.training.entrypoint",
    "MaskingEpochCallback": "hf_genomics.training.callbacks",
    "ModelArguments": "hf_genomics.training.mlm",
    "DataArguments": "hf_genomics.training.mlm",
    "ClmModelArguments": "hf_genomics.training.clm",
    "ClmDataArguments": "hf_genomics.training.clm",
    "CausalLMTrainer": "hf_genomics.training.clm",
    "TimeBudgetCallback": "hf_genomics.training.callbacks",
    "TimePacedSchedule": "hf_genomics.training.callbacks",
    "PerplexityGapSelection": "hf_genomics.training.clm",
    "ClassificationArguments": "hf_genomics.training.classification",
    "StudyTrainingArguments": "hf_genomics.training.classification",
    "run_classification": "hf_genomics.training.classification",
    "parse_aux_losses": "hf_genomics.training.aux_losses",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
