"""``make demo`` section: the coding-schemes study at toy scale (tokenizer × position × depth).

Uses the real GUE ``prom_core_tata`` task (first 600 training rows) when the shared data is there,
otherwise a generated task in the same folder layout: random 70-nt sequences where the positives
carry a planted TATA-box-like motif. Same runner as ``hf-genomics study coding-schemes``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from hf_genomics.alphabet import CODE_TO_BASE

PLANTED_MOTIF = "TATAAAAGG"
DEMO_TASK = "prom/prom_core_tata"
GENERATED_TASK = "synthetic/planted_motif"


def planted_motif_sequences(
    n: int, length: int = 70, motif: str = PLANTED_MOTIF, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """Random ACGT sequences; label 1 rows carry ``motif`` at a random offset (vectorised)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    labels = rng.integers(0, 2, size=n)
    motif_codes = np.frombuffer(motif.encode(), dtype=np.uint8)
    motif_codes = np.searchsorted(CODE_TO_BASE[:4], motif_codes).astype(np.uint8)  # ACGT -> 0..3
    positives = np.flatnonzero(labels == 1)
    offsets = rng.integers(0, length - len(motif) + 1, size=positives.size)
    columns = offsets[:, None] + np.arange(len(motif))[None, :]
    codes[positives[:, None], columns] = motif_codes[None, :]
    letters = CODE_TO_BASE[codes]
    sequences = [row.tobytes().decode("ascii") for row in letters]
    return sequences, labels


def write_planted_motif_task(
    folder: Path, sizes: tuple[int, int, int] = (600, 200, 200), seed: int = 0
) -> Path:
    """Write ``train/dev/test.csv`` (GUE layout) of a planted-motif task into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for offset, (name, size) in enumerate(zip(("train.csv", "dev.csv", "test.csv"), sizes)):
        sequences, labels = planted_motif_sequences(size, seed=seed + offset)
        rows = "\n".join(f"{s},{int(y)}" for s, y in zip(sequences, labels))
        (folder / name).write_text(f"sequence,label\n{rows}\n")
    return folder


def run(data_dir: Path | None, out_dir: Path) -> str:
    import datasets

    from hf_genomics.training.coding_schemes_study import PRESETS, run_study

    datasets.disable_progress_bars()
    out_dir.mkdir(parents=True, exist_ok=True)
    real = data_dir is not None and (data_dir / "gue" / DEMO_TASK / "train.csv").is_file()
    if real:
        gue_root, source = data_dir / "gue", f"real GUE `{DEMO_TASK}` (first 600 training rows)"
    else:
        gue_root = out_dir / "generated_gue"
        write_planted_motif_task(gue_root / GENERATED_TASK)
        source = f"generated 70-nt sequences, positives carry the planted motif `{PLANTED_MOTIF}`"
    preset = replace(
        PRESETS["tiny"],
        tokenizers=("kmer:3", "kmer:6", "bpe:256"),
        tasks=(DEMO_TASK if real else GENERATED_TASK,),
        training={"num_train_epochs": 4, "learning_rate": 3e-3, "per_device_train_batch_size": 32},
        max_train_samples=600,
        max_eval_samples=200,
    )
    start = time.perf_counter()
    outcome = run_study(preset, out_dir / "study", gue_root, preset_name="demo (tiny)")
    report = (out_dir / "study" / "results.md").read_text()
    return (
        f"Data: {source}.\n\n{outcome['done']} cells (tokenizer × position × depth × 2 seeds) in "
        f"{time.perf_counter() - start:.0f} s; plots: {', '.join(p.name for p in outcome['plots'])}.\n\n"
        + report.split("## Best cell per task", 1)[-1].strip()
    )


__all__ = ["planted_motif_sequences", "run", "write_planted_motif_task"]
