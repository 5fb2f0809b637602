"""Turn GUE task folders (``train/dev/test.csv``) into Parquet + a dataset card, ready for the Hub.

    python dataset_scripts/build_gue_dataset.py --gue_root ../shared/data/gue --output_dir build/gue
    hf-genomics push build/gue --dataset --repo-id <user>/GUE

One config per task (``prom_prom_core_tata``, ``tf_0``...), laid out ``<config>/<split>.parquet``
and declared in the card's ``configs:`` block, so ``load_dataset(repo, config)`` needs no script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hf_genomics.data.gue import GUE_TASKS, load_gue, task_info
from hf_genomics.hub import DEFAULT_DATASET_ID, render_dataset_card

SOURCE = (
    "GUE files as released by the DNABERT-2 authors (Apache-2.0 copy in github.com/wds-seu/DeepGene "
    "`data/GUE/`). Please cite DNABERT-2 when you use them."
)


def discover_tasks(gue_root: Path) -> list[str]:
    """Registry task paths (``prom/prom_core_tata``) that exist under ``gue_root``."""
    return [path for path in GUE_TASKS if (gue_root / path / "train.csv").is_file()]


def build(
    gue_root: Path, output_dir: Path, tasks: list[str] | None = None, repo_id: str = DEFAULT_DATASET_ID
):
    """Write ``<config>/<split>.parquet`` for every task and the ``README.md`` card; return the rows."""
    tasks = tasks or discover_tasks(gue_root)
    if not tasks:
        raise FileNotFoundError(f"no GUE task folders under {gue_root}")
    rows = []
    for task in tasks:
        folder = gue_root / task
        data = load_gue(folder)
        info = task_info(folder)
        config = task.replace("/", "_")
        for split, dataset in data.items():
            (output_dir / config).mkdir(parents=True, exist_ok=True)
            dataset.to_parquet(str(output_dir / config / f"{split}.parquet"))
        rows.append(
            {
                "config": config,
                "path": task,
                "description": info.description if info else task,
                "num_classes": data["train"].features["label"].num_classes,
                "length_nt": info.length_nt if info else max(len(s) for s in data["train"]["sequence"]),
                **{split: f"{dataset.num_rows:,}" for split, dataset in data.items()},
            }
        )
        print(f"{config}: {', '.join(f'{s} {d.num_rows}' for s, d in data.items())}")
    render_dataset_card(rows, repo_id=repo_id, source=SOURCE).save(output_dir / "README.md")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gue_root", type=Path, required=True, help="folder holding prom/, tf/, mouse/ ...")
    parser.add_argument("--output_dir", type=Path, required=True)
    parser.add_argument("--tasks", nargs="*", default=None, help="task paths, e.g. prom/prom_core_tata tf/0")
    parser.add_argument("--repo_id", default=DEFAULT_DATASET_ID, help="used in the card's usage snippet")
    args = parser.parse_args(argv)
    build(args.gue_root, args.output_dir, args.tasks, args.repo_id)
    print(
        f"wrote {args.output_dir}; push with: hf-genomics push {args.output_dir} --dataset --repo-id {args.repo_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
