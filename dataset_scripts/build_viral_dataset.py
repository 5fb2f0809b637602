"""Turn the viral FASTA + metadata collections into Parquet windows + a dataset card, ready for the Hub.

    python dataset_scripts/build_viral_dataset.py --data_dir ../shared/data --output_dir build/viral
    hf-genomics push build/viral --dataset --repo-id <user>/viral-windows

Two configs: ``genomes`` (one row per genome, ``train.parquet``) and ``windows`` (2,048-nt windows,
overlap 400, split ``train/validation/test`` stratified on relative position, plus ``ood`` =
held-out species), declared in the card's ``configs:`` block so ``load_dataset(repo, config)``
needs no script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hf_genomics.data.viruses import (
    MAX_NON_ACGT,
    MIN_WINDOW,
    OVERLAP,
    WINDOW,
    load_shared_viruses,
    split_windows,
    window_genomes,
    windows_per_group,
)

SOURCE = (
    "Norovirus genomes with host labels: github.com/enesBerkSakalli/phylo-movies (MIT; dataset CC BY 4.0), "
    "curated by nextstrain/norovirus from GenBank. Zika genomes: github.com/nextstrain/zika-tutorial "
    "(public GenBank records)."
)


def render_card(counts: dict, per_species: dict, ood_species: list[str], repo_id: str) -> str:
    """A dataset card with a ``configs:`` block (Parquet files) and the windowing rules."""
    split_lines = "\n".join(f"| {name} | {n:,} |" for name, n in counts.items())
    species_lines = "\n".join(f"| {name} | {n:,} |" for name, n in per_species.items())
    return f"""---
license: cc-by-4.0
tags: [dna, genomics, virus, hf-genomics]
task_categories: [text-generation]
configs:
- config_name: windows
  data_files:
  - {{split: train, path: windows/train.parquet}}
  - {{split: validation, path: windows/validation.parquet}}
  - {{split: test, path: windows/test.parquet}}
  - {{split: ood, path: windows/ood.parquet}}
- config_name: genomes
  data_files:
  - {{split: train, path: genomes/train.parquet}}
---
# {repo_id}

Viral genome windows for the "Attention is not enough" (dna-llm) experiments, built by
`dataset_scripts/build_viral_dataset.py` of hf-genomics.

* Windows of {WINDOW:,} nt overlapping by {OVERLAP} (stride {WINDOW - OVERLAP:,}); windows with more than
  {MAX_NON_ACGT:.1%} non-ACGT bases or shorter than {MIN_WINDOW:,} nt are dropped.
* Sequences normalised (upper case, U -> T, IUPAC ambiguity codes -> N).
* `train`/`validation`/`test` are stratified on the window's relative position in its genome
  (0.1 bins); windows of one genome can fall in different splits (as in the study).
* `ood`: every window of the held-out species ({", ".join(ood_species)}), for out-of-distribution evaluation.
* Columns: accession, species, lineage (species + norovirus genogroup), host, host_species, date,
  country, genome_length, window_index, start, end, relative_position, position_bin, sequence.

| split | windows |
|---|---:|
{split_lines}

| species (training windows) | windows |
|---|---:|
{species_lines}

## Source

{SOURCE}
"""


def build(data_dir: Path, output_dir: Path, ood_species: list[str], repo_id: str, seed: int = 0) -> dict:
    genomes = load_shared_viruses(data_dir)
    splits = split_windows(window_genomes(genomes), ood_values=ood_species, seed=seed)
    (output_dir / "genomes").mkdir(parents=True, exist_ok=True)
    (output_dir / "windows").mkdir(parents=True, exist_ok=True)
    genomes.to_parquet(str(output_dir / "genomes" / "train.parquet"))
    for name, split in splits.items():
        split.to_parquet(str(output_dir / "windows" / f"{name}.parquet"))
    counts = {"genomes": len(genomes), **{name: len(split) for name, split in splits.items()}}
    per_species = windows_per_group(splits["train"], "lineage")
    (output_dir / "README.md").write_text(render_card(counts, per_species, ood_species, repo_id))
    (output_dir / "stats.json").write_text(
        json.dumps({"counts": counts, "train_per_lineage": per_species}, indent=1)
    )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", type=Path, default=None, help="shared data folder (default: found)")
    parser.add_argument("--output_dir", type=Path, default=Path("build/viral"))
    parser.add_argument("--ood_species", nargs="+", default=["Zika virus"])
    parser.add_argument("--repo_id", default="hf-genomics/viral-windows")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from hf_genomics.paths import shared_data_dir

    data_dir = args.data_dir or shared_data_dir()
    if data_dir is None:
        print("no shared data folder found: pass --data_dir or set HF_GENOMICS_DATA", file=sys.stderr)
        return 2
    counts = build(data_dir, args.output_dir, args.ood_species, args.repo_id, args.seed)
    print(json.dumps(counts))
    print(f"wrote {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
