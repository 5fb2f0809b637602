"""``hf-genomics benchmark vep``: zero-shot variant-effect benchmark (BRCA1 SGE or any assay CSV)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Score every variant of an assay CSV with one or more models and report AUROC/AUPRC of LOF vs "
        "FUNC+INT with bootstrap 95% intervals, by consequence class, beside the CSV's baselines (cadd, "
        "phylop) and a consequence rule; results.json, results.md and roc_pr.png in --output. Scores are "
        "cached per model digest: rerun the same command to resume. Default data: BRCA1 saturation genome "
        "editing (Findlay et al. 2018) from the shared data folder."
    )
    parser.add_argument("--model", action="append", required=True, help="model folder (repeat for several)")
    parser.add_argument(
        "--variants",
        default=None,
        help="CSV: pos_hg38|pos, ref, alt, func_class[, consequence, cadd, phylop]",
    )
    parser.add_argument("--reference", default=None, help="FASTA holding the locus (indexed or indexable)")
    parser.add_argument("--contig", default=None, help="FASTA record (default: the only one)")
    parser.add_argument(
        "--offset",
        type=int,
        default=None,
        help="position of the record's first base (default: from a name like chr17_42425000_43600000, else 1)",
    )
    parser.add_argument("--output", required=True, help="folder for results and the score cache")
    parser.add_argument(
        "--window-nt", type=int, default=None, help="scoring window (default: the model's, else 1000)"
    )
    parser.add_argument(
        "--strands",
        default="forward",
        choices=["forward", "both"],
        help="both: mean of the two strands' scores",
    )
    parser.add_argument(
        "--longer-flank",
        default="right",
        choices=["right", "left"],
        help="side of the variant that gets the odd base of an even window (left: the Evo 2 BRCA1 notebook's)",
    )
    parser.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from hf_genomics.analysis.vep_benchmark import PUBLISHED_BRCA1, render_markdown, run_vep_benchmark
    from hf_genomics.paths import shared_data_dir

    published = None
    if args.variants is None and args.reference is None:
        data = shared_data_dir()
        if data is None or not (data / "vep" / "brca1").is_dir():
            raise FileNotFoundError(
                "no --variants/--reference given and no shared data folder (set HF_GENOMICS_DATA)"
            )
        args.variants = data / "vep" / "brca1" / "brca1_sge.csv"
        args.reference = data / "vep" / "brca1" / "brca1_locus_grch38.fa"
        published = PUBLISHED_BRCA1
    elif args.variants is None or args.reference is None:
        raise ValueError("give both --variants and --reference (or neither, for the BRCA1 data)")
    if args.bootstrap < 1 or args.batch_size < 1 or (args.window_nt is not None and args.window_nt < 1):
        raise ValueError("--bootstrap, --batch-size and --window-nt must be >= 1")
    results = run_vep_benchmark(
        args.model,
        args.variants,
        args.reference,
        args.output,
        contig=args.contig,
        offset=args.offset,
        window_nt=args.window_nt,
        strands=args.strands,
        longer_flank=args.longer_flank,
        batch_size=args.batch_size,
        n_bootstrap=args.bootstrap,
        seed=args.seed,
        published=published,
        progress=not args.quiet,
    )
    print(render_markdown(results))
    print(f"results -> {args.output}/results.json, results.md, roc_pr.png")
    return 0
