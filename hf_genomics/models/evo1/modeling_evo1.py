"""Evo 1 (StripedHyena 1) as a native transformers model, on any device.

The computation is Evo 2's (:mod:`hf_genomics.models.evo2.modeling_evo2`) with Evo 1's block kind:
``"hyena"`` layers whose long filter is ``h[d, t] = Re sum_s r[d, s] p[d, s]^t`` over ``state_size``
complex modes (FFT convolution over 2L points in float32 for prefill; ``s <- p s + x1v`` on complex64
states when decoding), and attention layers with rotary positions. Parity with togethercomputer/stripedhyena
(the code the evo-1 Hub repositories run) is tested in tests/test_port_evo1.py.

The Hub repositories' own remote code (``modeling_hyena.py``) ties ``unembed`` to the embeddings by a
mechanism transformers 5 no longer honours, so loading them with ``trust_remote_code=True`` gives an
untied random output layer (evo-design/evo#135); here the tie is a declared ``_tied_weights_keys``.

LoRA targets (peft): ``in_proj``, ``out_proj``, ``q_proj``, ``k_proj``, ``v_proj``, ``o_proj``, ``gate_proj``,
``up_proj``, ``down_proj``.
"""

from __future__ import annotations

from hf_genomics.models.evo2.modeling_evo2 import (
    Evo2ForCausalLM,
    Evo2ForSequenceClassification,
    Evo2Model,
)

from .configuration_evo1 import Evo1Config

AUTO_MAP = {
    "AutoConfig": "configuration_evo1.Evo1Config",
    "AutoModel": "modeling_evo1.Evo1Model",
    "AutoModelForCausalLM": "modeling_evo1.Evo1ForCausalLM",
    "AutoModelForSequenceClassification": "modeling_evo1.Evo1ForSequenceClassification",
}


class Evo1Model(Evo2Model):
    """Byte embeddings -> StripedHyena 1 blocks -> final RMSNorm."""

    config_class = Evo1Config
    remote_code_auto_map = AUTO_MAP


class Evo1ForCausalLM(Evo2ForCausalLM):
    """Next-byte prediction; ``generate()`` decodes with the recurrent state."""

    config_class = Evo1Config
    remote_code_auto_map = AUTO_MAP


class Evo1ForSequenceClassification(Evo2ForSequenceClassification):
    """Classification/regression from the last real token's (or the mean) final hidden state."""

    config_class = Evo1Config
    remote_code_auto_map = AUTO_MAP


__all__ = ["Evo1ForCausalLM", "Evo1ForSequenceClassification", "Evo1Model"]
