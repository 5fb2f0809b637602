"""Evaluation shared by every model family: perplexity, bits per nucleotide, the mutation task.

Names are imported lazily so ``import hf_genomics.evaluation.units`` stays light. (The unit
function ``perplexity`` is not re-exported: the name is taken by the ``perplexity`` submodule.)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY_NAMES: dict[str, str] = {
    "bits_per_nucleotide": "hf_genomics.evaluation.units",
    "SequenceScores": "hf_genomics.evaluation.perplexity",
    "sequence_log_likelihoods": "hf_genomics.evaluation.perplexity",
    "evaluate_perplexity": "hf_genomics.evaluation.perplexity",
    "mutation_accuracy": "hf_genomics.evaluation.mutation_task",
    "mutation_task_scores": "hf_genomics.evaluation.mutation_task",
    "compute_classification_metrics": "hf_genomics.evaluation.metrics",
    "GueClassificationMetric": "hf_genomics.evaluation.metrics",
}

__all__ = list(_LAZY_NAMES)


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hf_genomics.evaluation' has no attribute {name!r}")
