"""Generation evaluation of "Attention is not enough": prompt with the first half, generate the rest.

For each sequence the model sees the first ``prompt_fraction`` of the bases (after ``BOS``) and
generates as many bases as remain (greedy or sampled; special tokens are banned so the model
cannot stop early or emit padding). The continuation is scored against the true one by

* walk distances (max, the study's metric; mean; end) — the walks of the true and generated
  continuations. Both full sequences share the prompt, so their walks coincide up to the
  prompt's end and differ by exactly these continuation walks;
* GC-content difference (generated minus true);
* 3-mer Jensen–Shannon divergence (base 2, in ``[0, 1]``) of overlapping ACGT 3-mer frequencies.

Results are per sequence and grouped by species (or lineage) and by how many training windows
that group had, the axis of the study's Figure 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hf_genomics.alphabet import encode, gc_content, normalize
from hf_genomics.evaluation.walk import walk_distances


def kmer_frequencies(seq: str, k: int = 3) -> np.ndarray:
    """Frequencies of the ``4**k`` overlapping ACGT k-mers (k-mers with ``N`` are skipped)."""
    codes = encode(normalize(seq)).astype(np.int64)
    if len(codes) < k:
        return np.zeros(4**k)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k)
    keep = (windows < 4).all(axis=1)
    index = windows[keep] @ (4 ** np.arange(k - 1, -1, -1))
    counts = np.bincount(index, minlength=4**k).astype(np.float64)
    total = counts.sum()
    return counts / total if total else counts


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in bits (0 = identical, 1 = disjoint supports)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nonzero = a > 0
        return float(np.sum(a[nonzero] * np.log2(a[nonzero] / m[nonzero])))

    return 0.5 * kl(p) + 0.5 * kl(q)


def score_continuation(true: str, generated: str, k: int = 3) -> dict[str, float]:
    """Walk distances, GC difference and k-mer JS divergence of one generated continuation."""
    distances = (
        walk_distances(true, generated)
        if true and generated
        else dict.fromkeys(("max", "mean", "end"), np.nan)
    )
    gc_true, gc_generated = gc_content(true), gc_content(generated)
    return {
        "walk_max": float(distances["max"]),
        "walk_mean": float(distances["mean"]),
        "walk_end": float(distances["end"]),
        "gc_true": gc_true,
        "gc_generated": gc_generated,
        "gc_difference": gc_generated - gc_true,
        f"kmer{k}_js": jensen_shannon(kmer_frequencies(true, k), kmer_frequencies(generated, k)),
    }


def generate_continuations(
    model,
    tokenizer,
    sequences: Sequence[str],
    *,
    prompt_fraction: float = 0.5,
    do_sample: bool = False,
    temperature: float = 1.0,
    top_k: int | None = None,
    batch_size: int = 8,
    seed: int = 0,
) -> list[tuple[str, str, str]]:
    """``(prompt, true continuation, generated continuation)`` per sequence (bases, upper case).

    Prompts are ``BOS + first bases`` (no ``EOS``); sequences are batched by prompt length so no
    padding is needed. ``max_new_tokens`` is the true continuation's length in bases, an upper
    bound in tokens for any DNA tokenizer; the decoded text is cut to that many bases.
    """
    import torch

    sequences = [normalize(s) for s in sequences]
    cut = [int(len(s) * prompt_fraction) for s in sequences]
    prompts = [s[:c] for s, c in zip(sequences, cut)]
    encoded = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    encoded = [([bos] if bos is not None else []) + list(ids) for ids in encoded]
    banned = sorted(set(tokenizer.all_special_ids))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    results: list[tuple[str, str, str] | None] = [None] * len(sequences)
    groups: dict[tuple[int, int], list[int]] = {}
    for index, ids in enumerate(encoded):
        groups.setdefault((len(ids), len(sequences[index]) - cut[index]), []).append(index)
    generator_seed = torch.random.initial_seed()
    torch.manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        for (_, n_new), members in groups.items():
            for offset in range(0, len(members), batch_size):
                batch = members[offset : offset + batch_size]
                if n_new == 0:
                    for index in batch:
                        results[index] = (prompts[index], "", "")
                    continue
                input_ids = torch.tensor([encoded[i] for i in batch])
                with torch.no_grad():
                    output = model.generate(
                        input_ids=input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        max_new_tokens=n_new,
                        min_new_tokens=n_new,
                        do_sample=do_sample,
                        temperature=temperature if do_sample else None,
                        top_k=top_k if do_sample else None,
                        top_p=None,
                        suppress_tokens=banned,
                        pad_token_id=pad,
                    )
                for row, index in enumerate(batch):
                    new_ids = output[row, input_ids.shape[1] :].tolist()
                    text = tokenizer.decode(new_ids, skip_special_tokens=True).replace(" ", "").upper()
                    results[index] = (prompts[index], sequences[index][cut[index] :], text[:n_new])
    finally:
        model.train(was_training)
        torch.manual_seed(generator_seed)
    return results  # type: ignore[return-value]


def composition_continuations(
    sequences: Sequence[str], *, prompt_fraction: float = 0.5, seed: int = 0
) -> list[tuple[str, str, str]]:
    """Baseline "model": continuations drawn i.i.d. from the prompt's own A/C/G/T frequencies.

    A decoder that only matched base composition would score like this; a useful model must do
    better on walk distance and 3-mer divergence.
    """
    from hf_genomics.alphabet import CODE_TO_BASE

    rng = np.random.default_rng(seed)
    results = []
    for seq in (normalize(s) for s in sequences):
        cut = int(len(seq) * prompt_fraction)
        counts = np.bincount(encode(seq[:cut]), minlength=5)[:4].astype(np.float64) + 1.0
        draws = rng.choice(4, size=len(seq) - cut, p=counts / counts.sum())
        results.append((seq[:cut], seq[cut:], CODE_TO_BASE[draws].tobytes().decode("ascii")))
    return results


def score_rows(
    rows: Sequence[Mapping],
    outputs: Sequence[tuple[str, str, str]],
    *,
    training_counts: Mapping[str, int] | None = None,
    group_column: str = "species",
    metadata_columns: Sequence[str] = ("accession", "species", "lineage", "start"),
) -> list[dict]:
    """Per-sequence scores of ``(prompt, true, generated)`` outputs, with the rows' metadata."""
    scored = []
    for row, (prompt, true, generated) in zip(rows, outputs):
        record = {column: row[column] for column in metadata_columns if column in row}
        record.update({"prompt_length": len(prompt), "continuation_length": len(true)})
        record.update(score_continuation(true, generated))
        if training_counts is not None:
            record["n_training_windows"] = int(training_counts.get(row.get(group_column), 0))
        scored.append(record)
    return scored


def evaluate_generation(
    model,
    tokenizer,
    windows,
    *,
    training_counts: Mapping[str, int] | None = None,
    group_column: str = "species",
    metadata_columns: Sequence[str] = ("accession", "species", "lineage", "start"),
    **generate_kwargs,
) -> list[dict]:
    """Per-sequence scores for a ``Dataset`` (or list of dicts) of windows with a ``sequence`` column.

    ``training_counts`` (``group -> training windows``, e.g. from
    :func:`hf_genomics.data.viruses.windows_per_group`) adds ``n_training_windows`` to each row.
    """
    rows = list(windows)
    outputs = generate_continuations(model, tokenizer, [row["sequence"] for row in rows], **generate_kwargs)
    return score_rows(
        rows,
        outputs,
        training_counts=training_counts,
        group_column=group_column,
        metadata_columns=metadata_columns,
    )


def summarize(scores: Sequence[dict], by: str = "species") -> list[dict]:
    """Mean and standard deviation of every numeric score per value of ``by`` (and ``n``)."""
    metrics = ["walk_max", "walk_mean", "walk_end", "gc_difference", "kmer3_js"]
    groups: dict = {}
    for record in scores:
        groups.setdefault(record.get(by), []).append(record)
    summary = []
    for value, members in sorted(groups.items(), key=lambda item: str(item[0])):
        entry: dict = {by: value, "n": len(members)}
        for metric in metrics:
            values = np.array([m[metric] for m in members if metric in m], dtype=np.float64)
            if values.size:
                entry[f"{metric}_mean"] = float(np.nanmean(values))
                entry[f"{metric}_sd"] = float(np.nanstd(values, ddof=1)) if values.size > 1 else 0.0
        if "n_training_windows" in members[0]:
            entry["n_training_windows"] = members[0]["n_training_windows"]
        summary.append(entry)
    return summary
