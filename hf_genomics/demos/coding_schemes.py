"""``make demo`` section: the coding-schemes study at toy scale (tokenizer × position, one layer).

Uses the real GUE ``prom_core_tata`` task (first 600 training rows) when the shared data is there,
otherwise a generated task in the same folder layout: random 70-nt sequences where the positives
carry a planted TATA-box-like motif. Same runner as ``hf-genomics study coding-schemes``. Beside
the cells: the k-mer baseline fitted on the same rows (the baseline a transformer must beat) and
how many cells fall below it.
"""

from __future__ import annotations

import csv
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
        depths=(1,),  # depth hardly matters at this scale (docs/coding-schemes.md)
        tasks=(DEMO_TASK if real else GENERATED_TASK,),
        training={"num_train_epochs": 4, "learning_rate": 3e-3, "per_device_train_batch_size": 32},
        max_train_samples=600,
        max_eval_samples=200,
    )
    start = time.perf_counter()
    outcome = run_study(preset, out_dir / "study", gue_root, preset_name="demo (tiny)")
    seconds = time.perf_counter() - start
    report = (out_dir / "study" / "results.md").read_text()
    task = preset.tasks[0]
    baseline = same_rows_baseline(gue_root / task, preset.max_train_samples, preset.max_eval_samples)
    cells = list(csv.DictReader((out_dir / "study" / "summary.csv").open()))
    below = sum(float(cell["test_mcc_mean"]) < baseline for cell in cells)
    return (
        f"Data: {source}.\n\n{outcome['done']} cells (tokenizer × position × 2 seeds, one layer) in "
        f"{seconds:.0f} s; plots: {', '.join(p.name for p in outcome['plots'])}.\n\n"
        f"The baseline to beat, fitted on the same {preset.max_train_samples} training rows: the k-mer "
        f"baseline (3-6-mer logistic regression, C chosen on validation MCC), test MCC {100 * baseline:.2f}. "
        f"{below} of {len(cells)} cells (mean over seeds) are below it; MCC 0 is a guess. The baseline in "
        "the tables below is the committed one, fitted on the full training split.\n\n"
        + report.split("## Best cell per task", 1)[-1].strip()
    )


def same_rows_baseline(task_dir: Path, train_rows: int, eval_rows: int) -> float:
    """Test MCC of the k-mer baseline on the rows the cells see (the first N of each split)."""
    from hf_genomics.data.gue import load_gue
    from hf_genomics.evaluation.kmer_baseline import fit_kmer_baseline

    data = load_gue(task_dir, max_samples={"train": train_rows, "validation": eval_rows, "test": eval_rows})
    splits = {name: (list(data[name]["sequence"]), list(data[name]["label"])) for name in data}
    return fit_kmer_baseline(splits["train"], splits["validation"], splits["test"]).test["mcc"]


__all__ = ["planted_motif_sequences", "run", "write_planted_motif_task"]
