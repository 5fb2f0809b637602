"""Evaluation shared by every model family: perplexity, bits per nucleotide, masked-LM loss, the
mutation task, classification metrics, DNA walks and generation scores.

Names are imported lazily so ``import hf_genomics.evaluation.units`` stays light. (The unit
function ``perplexity`` is not re-exported: the name is taken by the ``perplexity`` submodule.)
"""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "bits_per_nucleotide": "hf_genomics.evaluation.units",
    "SequenceScores": "hf_genomics.evaluation.perplexity",
    "sequence_log_likelihoods": "hf_genomics.evaluation.perplexity",
    "evaluate_perplexity": "hf_genomics.evaluation.perplexity",
    "mutation_accuracy": "hf_genomics.evaluation.mutation_task",
    "mutation_task_scores": "hf_genomics.evaluation.mutation_task",
    "compute_classification_metrics": "hf_genomics.evaluation.metrics",
    "GueClassificationMetric": "hf_genomics.evaluation.metrics",
    "nucleotides_per_token": "hf_genomics.evaluation.units",
    "masked_lm_totals": "hf_genomics.evaluation.masked_lm",
    "mlm_loss_by_length": "hf_genomics.evaluation.length_extrapolation",
    "rc_averaged_probabilities": "hf_genomics.evaluation.strand",
    "dna_walks": "hf_genomics.evaluation.walk",
    "walk_distances": "hf_genomics.evaluation.walk",
    "evaluate_generation": "hf_genomics.evaluation.generation",
}

__all__ = list(_LAZY_NAMES)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
