"""What kind of model an object is: the one detector every layer asks (analysis, perplexity, VEP).

Detection goes by transformers' class-name conventions (``*ForSequenceClassification``,
``*ForMaskedLM``, ``*ForCausalLM`` / ``*LMHeadModel``, or a decoder config), so a ported or foreign
model needs no entry here; an n-gram LM is recognised by its scoring method.
"""

from __future__ import annotations

from typing import Literal

ModelKind = Literal["classifier", "masked", "causal", "ngram", "base"]
KINDS: tuple[str, ...] = ("classifier", "masked", "causal", "ngram", "base")


def model_kind(model) -> ModelKind:
    """``classifier``, ``masked``, ``causal``, ``ngram`` or ``base`` (hidden states only)."""
    if hasattr(model, "sequence_log_likelihoods") and not hasattr(model, "parameters"):
        return "ngram"
    name = type(model).__name__
    if "SequenceClassification" in name:
        return "classifier"
    if "MaskedLM" in name:
        return "masked"
    if "CausalLM" in name or "LMHeadModel" in name:
        return "causal"
    config = getattr(model, "config", None)
    has_lm_head = hasattr(model, "get_output_embeddings") and model.get_output_embeddings() is not None
    if getattr(config, "is_decoder", False) and has_lm_head:  # a decoder with an LM head under another name
        return "causal"
    return "base"


__all__ = ["KINDS", "ModelKind", "model_kind"]
