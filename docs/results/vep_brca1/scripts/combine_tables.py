"""Combine the BRCA1 benchmark runs into one Markdown table for docs."""

import json
import sys
from pathlib import Path

from hf_genomics.analysis.vep_benchmark import metric_cell as cell

runs = [json.loads(Path(p).read_text()) for p in sys.argv[1:]]


lines = [
    "| model | kind | window (nt) | AUROC [95 % CI] | AUPRC [95 % CI] | variants/s |",
    "|---|---|---|---|---|---|",
]
for run in runs:
    for e in run["models"]:
        sp = e.get("variants_per_second")
        lines.append(
            f"| {e['name']} | {e['kind']} | {e['window_nt']} | {cell(e, 'auroc')} | {cell(e, 'auprc')} | {'' if sp is None else f'{sp:.1f}'} |"
        )
for e in runs[0]["baselines"]:
    lines.append(f"| {e['name']} | baseline (CSV) | – | {cell(e, 'auroc')} | {cell(e, 'auprc')} | |")
for e in runs[0].get("published", []):
    lines.append(f"| {e['name']} | published, all {e['variants']} SNVs | – | {e['auroc']:.3f} | – | |")
print("\n".join(lines))
print()
classes = sorted(runs[0]["baselines"][0]["by_consequence"])
print("| AUROC by consequence | " + " | ".join(classes) + " |")
print("|---|" + "---|" * len(classes))
for run in runs:
    for e in run["models"] + (run["baselines"] if run is runs[0] else []):
        by = e["by_consequence"]
        print(
            f"| {e['name']} | "
            + " | ".join(f"{by[c]['auroc']:.2f}" if by[c]["auroc"] is not None else "–" for c in classes)
            + " |"
        )
by = runs[0]["baselines"][0]["by_consequence"]
print("| n (LOF) | " + " | ".join(f"{by[c]['n']} ({by[c]['n_lof']})" for c in classes) + " |")
