"""Grow a trained model's learned position table, for inputs longer than it was built for.

The human-genes study's Keras models take ``SEQ_LEN = 2**10 - 1 = 1023`` positions, although genes
are at most 1,000 nt: a mutated gene with insertions (up to 1,010 nt) still fits there, and the
rows past the longest training gene were never trained — they keep their initial values. A model
built with fewer rows (our earlier default, 1,002) meets the same situation once its table is grown
with freshly initialised rows, which is what :func:`extend_learned_positions` does.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

logger = logging.getLogger(__name__)

POSITION_TABLE_NAMES = ("embed_positions", "position_embeddings")


def extend_learned_positions(model: nn.Module, size: int, seed: int = 0) -> bool:
    """Give ``model`` ``size`` learned positions (``config.max_position_embeddings``): the trained
    rows are kept, the new ones initialised by the model's own ``_init_weights`` (seeded, so two
    calls agree). Returns False when the table is already large enough; raises when the model has
    no learned position table."""
    config = model.config
    if config.max_position_embeddings >= size:
        return False
    found = [
        (name, module)
        for name, module in model.named_modules()
        if name.rsplit(".", 1)[-1] in POSITION_TABLE_NAMES and isinstance(module, nn.Embedding)
    ]
    if not found:
        raise ValueError(f"{type(model).__name__} has no learned position table to extend")
    for name, old in found:
        parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
        new = nn.Embedding(size, old.embedding_dim, device=old.weight.device, dtype=old.weight.dtype)
        new.__dict__.update(
            {
                k: v
                for k, v in old.__dict__.items()
                if not k.startswith("_") and k not in ("num_embeddings", "weight")
            }
        )  # fmt: skip  (e.g. is_position)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model._init_weights(new)
        with torch.no_grad():
            new.weight[: old.num_embeddings] = old.weight
        setattr(parent, name.rsplit(".", 1)[-1], new)
        logger.info(
            "%s: %s grown from %d to %d positions", type(model).__name__, name, old.num_embeddings, size
        )
    config.max_position_embeddings = size
    return True


__all__ = ["extend_learned_positions"]
