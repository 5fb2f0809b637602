"""``make demo``: a short tour of the package at toy scale, writing tables and plots to ``outputs/``.

Each section is a module in :mod:`hf_genomics.demos` with ``run(data_dir, out_dir) -> str``
(returning a markdown summary). Real data from ``../shared/data`` (or ``$HF_GENOMICS_DATA``) is
used when present; otherwise each section generates its own data and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import time
from pathlib import Path

from hf_genomics.paths import shared_data_dir

SECTIONS = ["tokenizers", "coding_schemes", "genes", "viruses", "motifs"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir", type=Path, default=Path("outputs"), help="where tables, plots and demo.md go"
    )
    parser.add_argument(
        "--sections", nargs="*", default=SECTIONS, choices=SECTIONS, help="which parts of the tour to run"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; the toy models are overhead-bound, and on a busy 2-core machine one "
        "thread was measured 10x faster than two (OpenMP workers spin waiting for each other)",
    )


def run(args: argparse.Namespace) -> int:
    import datasets
    import torch

    from hf_genomics.training.entrypoint import setup_logging

    setup_logging(logging.WARNING)  # warnings only, and no per-save/per-load weight bars
    datasets.disable_progress_bars()  # tokenizing and reading bars would bury the summaries
    torch.set_num_threads(args.threads)
    out_dir: Path = args.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = shared_data_dir()
    source = f"real data from {data_dir}" if data_dir else "no real data found: using generated sequences"
    print(f"hf-genomics demo — {source}\n")
    report = [f"# hf-genomics demo\n\nData: {source}\n"]
    tour_start, tour_cpu = time.perf_counter(), time.process_time()
    for name in args.sections:
        try:
            section = importlib.import_module(f"hf_genomics.demos.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"hf_genomics.demos.{name}":
                raise
            continue
        start, cpu = time.perf_counter(), time.process_time()
        print(f"== {name} ==", flush=True)
        (out_dir / name).mkdir(parents=True, exist_ok=True)
        with open(out_dir / name / "training_log.txt", "w") as log, contextlib.redirect_stdout(log):
            summary = section.run(data_dir, out_dir / name)  # Trainer's printed metrics go to the log
        # CPU seconds beside the wall clock: on a shared machine the wall clock measures the others too
        timing = f"{time.perf_counter() - start:.1f} s wall, {time.process_time() - cpu:.1f} s CPU"
        print(summary)
        print(f"({name}: {timing})\n", flush=True)
        report.append(f"## {name}\n\n{summary}\n\n_{timing}_\n")
    total = f"{time.perf_counter() - tour_start:.0f} s wall, {time.process_time() - tour_cpu:.0f} s CPU"
    report.append(f"Whole tour: {total} (from the first section on).\n")
    (out_dir / "demo.md").write_text("\n".join(report))
    print(f"Whole tour: {total}. Report written to {out_dir / 'demo.md'}")
    return 0
