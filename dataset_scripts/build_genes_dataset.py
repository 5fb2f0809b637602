"""Turn human-gene files into Parquet + a dataset card (arXiv 2307.10634's data), ready for the Hub.

Two sources:

* the study's CSV files (``--study_dir ../shared/data/human_genes``: ``validation.csv``, ``test.csv``;
  sequences lose their ``<`` ``>`` markers, metadata columns are kept, splits keep their names);
* raw NCBI files (``--inputs genes.fa.gz genes.gb ...``): read with Biopython, the study's filters
  (≤ 1,000 nt, A/C/G/T only) and split (80/20, then 25% of train as validation, seeded).

    python dataset_scripts/build_genes_dataset.py --study_dir ../shared/data/human_genes --output_dir build/genes
    hf-genomics push build/genes --dataset --repo-id <user>/human-genes

Layout: ``data/<split>.parquet`` declared in the card's ``configs:`` block, so
``load_dataset("parquet", data_dir=...)`` or ``load_dataset(repo)`` need no loading script.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from datasets import DatasetDict, concatenate_datasets
from huggingface_hub import DatasetCard, DatasetCardData

from hf_genomics.data.genes import MAX_GENE_LENGTH, filter_genes, read_genes, read_genes_csv, split_genes

CARD = """
# Human gene sequences (≤ {max_length} nt)

Nucleotide sequences of human genes from NCBI Gene, as used by *Generative Language Models on
Nucleotide Sequences of Human Genes* (arXiv 2307.10634,
github.com/boun-tabi/GenerativeLM-Genes). Built by `dataset_scripts/build_genes_dataset.py` of
hf-genomics from {source}.

| split | genes | nucleotides | mean length |
|---|---|---|---|
{table}

Columns: `sequence` (A/C/G/T, upper case, without the study's `<` `>` markers){extra}.

```python
from datasets import load_dataset
genes = load_dataset("{repo_id}")
```

Processing: {processing}

Licence: sequences come from NCBI Gene (public domain in the US); the study's repository states no
licence for its files. Please cite the study when you use them.
"""


def build(
    output_dir: Path,
    study_dir: Path | None = None,
    inputs: list[Path] | None = None,
    seed: int = 42,
    repo_id: str = "hf-genomics/human-genes",
) -> DatasetDict:
    """Write ``data/<split>.parquet`` and ``README.md``; returns the splits."""
    if study_dir is not None:
        splits = DatasetDict(
            {name: read_genes_csv(study_dir / f"{name}.csv") for name in ("validation", "test")}
        )
        source = f"the study's `{study_dir.name}/validation.csv` and `test.csv`"
        processing = "markers removed, sequences normalised (hf_genomics.alphabet); no row dropped."
    elif inputs:
        parts = [read_genes(path) for path in inputs]
        data = concatenate_datasets(parts) if len(parts) > 1 else parts[0]
        kept = filter_genes(data, max_length=MAX_GENE_LENGTH, acgt_only=True)
        splits = split_genes(kept, seed=seed)
        source = ", ".join(f"`{Path(path).name}`" for path in inputs)
        processing = (
            f"{len(data)} records read, {len(kept)} kept by the study's filters (≤ {MAX_GENE_LENGTH} nt, "
            f"A/C/G/T only); split 80/20 train/test, then 25% of train as validation (seed {seed})."
        )
    else:
        raise ValueError("give --study_dir or --inputs")
    (output_dir / "data").mkdir(parents=True, exist_ok=True)
    rows = []
    for name, split in splits.items():
        split.to_parquet(str(output_dir / "data" / f"{name}.parquet"))
        lengths = [len(seq) for seq in split["sequence"]]
        rows.append(
            f"| {name} | {len(lengths):,} | {sum(lengths):,} | {sum(lengths) / max(len(lengths), 1):.0f} |"
        )
        print(f"{name}: {len(lengths)} genes, {sum(lengths):,} nt")
    extra_columns = [c for c in next(iter(splits.values())).column_names if c != "sequence"]
    card_data = DatasetCardData(
        pretty_name="Human gene sequences (≤ 1,000 nt)",
        task_categories=["text-generation"],
        tags=["dna", "genomics", "biology", "human-genes", "hf-genomics"],
        size_categories=["1K<n<10K"],
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": name, "path": f"data/{name}.parquet"} for name in splits],
            }
        ],
    )
    body = CARD.format(
        max_length=MAX_GENE_LENGTH,
        source=source,
        table="\n".join(rows),
        extra=f"; metadata: {', '.join(f'`{c}`' for c in extra_columns)}" if extra_columns else "",
        repo_id=repo_id,
        processing=processing,
    )
    DatasetCard(f"---\n{card_data.to_yaml()}\n---\n{body}").save(output_dir / "README.md")
    return splits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--study_dir", type=Path, default=None, help="folder with validation.csv and test.csv"
    )
    parser.add_argument(
        "--inputs", type=Path, nargs="+", default=None, help="FASTA/GenBank/CSV files (.gz ok)"
    )
    parser.add_argument("--output_dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repo_id", default="hf-genomics/human-genes")
    args = parser.parse_args(argv)
    build(args.output_dir, args.study_dir, args.inputs, args.seed, args.repo_id)
    print(f"written to {args.output_dir}")


if __name__ == "__main__":
    main()
