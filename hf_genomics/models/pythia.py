"""Pythia-style GPT-NeoX decoders for DNA, built on transformers' own :class:`GPTNeoXConfig`.

Why presets instead of the Hub configs: the studies train from scratch with a DNA vocabulary
(8 tokens in "Attention is not enough"), so only the architecture of EleutherAI's Pythia suite is
reused — layers, hidden size, heads and FFN width exactly as published, 25% rotary dimensions
(``rope_parameters["partial_rotary_factor"]``, ``rope_theta`` 10,000),
2,048 positions, untied input/output embeddings and the parallel residual. Nothing is downloaded.

With ``vocab_size=8`` the sizes give the study's ladder of 1.2M, 4.7M, 19M, 85M, 302M and 806M
parameters (see ``tests/test_pythia.py``).
"""

from __future__ import annotations

from typing import Any

from transformers import GPTNeoXConfig

# name -> (layers, hidden, heads, FFN); EleutherAI/pythia-* config.json values.
PYTHIA_SIZES: dict[str, tuple[int, int, int, int]] = {
    "14m": (6, 128, 4, 512),
    "31m": (6, 256, 8, 1024),
    "70m": (6, 512, 8, 2048),
    "160m": (12, 768, 12, 3072),
    "410m": (24, 1024, 16, 4096),
    "1b": (16, 2048, 8, 8192),
    # Transformer decoder of the human-genes study (arXiv 2307.10634): embedding 256, 4 layers,
    # FFN 256, 4 heads.
    "genes-paper": (4, 256, 4, 256),
    # CPU-sized, for tests and demos.
    "tiny": (2, 32, 2, 64),
}

# Settings shared by every Pythia checkpoint.
PYTHIA_DEFAULTS: dict[str, Any] = {
    "hidden_act": "gelu",
    "max_position_embeddings": 2048,
    # transformers 5 names (the Pythia config.json files say rotary_pct / rotary_emb_base)
    "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25},
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-5,
    "use_parallel_residual": True,
    "tie_word_embeddings": False,
    "attention_dropout": 0.0,
    "hidden_dropout": 0.0,
    "attention_bias": True,
}


def pythia_config(size: str, vocab_size: int, **overrides: Any) -> GPTNeoXConfig:
    """A :class:`GPTNeoXConfig` for a Pythia size (``"14m"`` … ``"1b"``, ``"genes-paper"``, ``"tiny"``).

    ``overrides`` replace any field (e.g. ``bos_token_id``, ``eos_token_id``, ``pad_token_id``
    from the tokenizer, or ``max_position_embeddings`` for longer windows).
    """
    key = size.lower()
    if key not in PYTHIA_SIZES:
        raise ValueError(f"unknown Pythia size {size!r}; choose one of {sorted(PYTHIA_SIZES)}")
    layers, hidden, heads, ffn = PYTHIA_SIZES[key]
    fields: dict[str, Any] = {
        **PYTHIA_DEFAULTS,
        "rope_parameters": dict(PYTHIA_DEFAULTS["rope_parameters"]),  # GPTNeoXConfig edits it in place
        "vocab_size": vocab_size,
        "num_hidden_layers": layers,
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
    }
    fields.update(overrides)
    return GPTNeoXConfig(**fields)


def count_parameters(config: GPTNeoXConfig) -> int:
    """Parameters of ``GPTNeoXForCausalLM(config)``, counted on the meta device (no memory used)."""
    import torch
    from transformers import GPTNeoXForCausalLM

    with torch.device("meta"):
        model = GPTNeoXForCausalLM(config)
    return sum(p.numel() for p in model.parameters())
