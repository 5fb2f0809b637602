"""``make demo`` section: the coding-schemes study at toy scale (tokenizer × position × depth).

Uses the real GUE ``prom_core_tata`` task (first 600 training rows) when the shared data is there,
otherwise a generated task in the same folder layout: random 70-nt sequences where the positives
carry a planted TATA-box-like motif. Same runner as ``hf-genomics study coding-schemes``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from hf_genomics.data.toy import PLANTED_MOTIF, planted_motif_sequences, write_planted_motif_task

DEMO_TASK = "prom/prom_core_tata"
GENERATED_TASK = "synthetic/planted_motif"


def run(data_dir: Path | None, out_dir: Path) -> str:
    import datasets

    from hf_genomics.studies.coding_schemes import PRESETS, run_study

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
