"""Masked-LM evaluation in the package's units: loss per masked token, perplexity, bits per nucleotide.

Sums are taken over every masked token of the evaluation set (not an average of batch means), so
the numbers do not depend on the batch size.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
import torch.nn.functional as F

from hf_genomics.evaluation.units import bits_per_nucleotide, perplexity


@torch.no_grad()
def masked_lm_totals(
    model: torch.nn.Module, batches: Iterable[dict[str, torch.Tensor]], nucleotides_per_token: np.ndarray
) -> dict[str, float]:
    """Total negative log-likelihood (nats) of the masked tokens, their count and the bases they cover."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    bases_of = torch.as_tensor(nucleotides_per_token)
    total_nll, n_tokens, n_nucleotides = 0.0, 0, 0
    for batch in batches:
        batch = {key: value.to(device) for key, value in batch.items()}
        labels = batch["labels"]
        logits = model(**batch).logits
        targets = labels[labels != -100]
        if logits.dim() == 3:  # a model without sparse prediction returns every position
            logits = logits[labels != -100]
        total_nll += float(F.cross_entropy(logits.float(), targets, reduction="sum"))
        n_tokens += int(targets.numel())
        n_nucleotides += int(bases_of[targets.cpu()].sum())
    model.train(was_training)
    return {"total_nll_nats": total_nll, "n_masked_tokens": n_tokens, "n_nucleotides": n_nucleotides}


def summarize(totals: dict[str, float]) -> dict[str, float]:
    """Add loss, perplexity and bits per nucleotide to the totals of :func:`masked_lm_totals`."""
    return {
        **totals,
        "loss": totals["total_nll_nats"] / totals["n_masked_tokens"],
        "perplexity": perplexity(totals["total_nll_nats"], totals["n_masked_tokens"]),
        "bits_per_nucleotide": bits_per_nucleotide(totals["total_nll_nats"], totals["n_nucleotides"]),
    }
