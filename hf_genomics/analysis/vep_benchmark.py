"""Zero-shot variant-effect benchmark: how well a model's scores rank measured loss-of-function variants.

Input: a CSV of variants with a measured class (the BRCA1 saturation-genome-editing layout of
Findlay et al. 2018: ``pos_hg38`` or ``pos``, ``ref``, ``alt``, ``func_class`` in
{``FUNC``, ``INT``, ``LOF``}, optionally ``consequence`` and baseline score columns such as
``cadd`` and ``phylop``) and a FASTA holding the locus. Positions map to the FASTA by an
*offset*: the record's 0-based index ``i`` is position ``offset + i`` (a whole chromosome:
offset 1; the BRCA1 locus file: 42,425,000, read from its record name ``chr17_42425000_...``).

Every variant is scored with :func:`~hf_genomics.analysis.variant_effects.score_variants`; the
damage score is ``-score`` (a model that prefers REF calls the variant damaging). Reported for
each model and baseline: AUROC and AUPRC of ``LOF`` (positive) against ``FUNC`` + ``INT`` with
percentile-bootstrap 95 % intervals, overall and per consequence class; a consequence rule
(nonsense / canonical splice > missense / splice region > other) is a baseline beside the
CSV's own score columns (higher = more damaging).

Scores are cached per model digest (weights, tokenizer and scoring settings hashed) in
``<output>/cache/``, written after every chunk, so an interrupted run resumes where it stopped
and a second CSV on the same reference reuses what was scored.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hf_genomics.analysis.vcf import Variant

POSITIVE, NEGATIVES = "LOF", ("FUNC", "INT")
CONSEQUENCE_RANK = {"Nonsense": 2, "Canonical splice": 2, "Missense": 1, "Splice region": 1}
BASELINE_COLUMNS = ("cadd", "phylop")
CACHE_VERSION = "vep-windows-v2"  # bump when the score definition changes
# Published zero-shot AUROCs for BRCA1 SGE (all 3,893 SNVs of the assay, not only these rows).
PUBLISHED_BRCA1 = [
    {"name": "Evo 2 1B", "auroc": 0.73, "variants": 3893, "source": "Evo 2 repository notebook (brca1)"},
    {"name": "Evo 2 7B", "auroc": 0.87, "variants": 3893, "source": "third-party reproduction (approx.)"},
    {"name": "CADD", "auroc": 0.804, "variants": 3893, "source": "Evo 2 repository notebook (brca1)"},
    {"name": "phyloP", "auroc": 0.781, "variants": 3893, "source": "Evo 2 repository notebook (brca1)"},
]


@dataclass
class VepData:
    """The benchmark's variants, labels and where they sit on the reference."""

    table: object  # pandas.DataFrame, only rows labelled LOF/FUNC/INT
    variants: list[Variant]
    labels: np.ndarray  # True = LOF
    dropped: int = 0
    notes: list[str] = field(default_factory=list)


def offset_from_record_name(name: str) -> int | None:
    """``chr17_42425000_43600000`` -> 42425000 (the locus files' naming), else ``None``."""
    match = re.fullmatch(r".+?_(\d+)_(\d+)", name)
    return int(match.group(1)) if match else None


def load_vep_data(csv: str | Path, contig: str, offset: int) -> VepData:
    """Read the CSV, keep LOF/FUNC/INT rows, and place each variant on ``contig``."""
    import pandas as pd

    path = Path(csv)
    if not path.is_file():
        raise FileNotFoundError(f"variant CSV not found: {path}")
    table = pd.read_csv(path)
    position = next((c for c in ("pos_hg38", "pos") if c in table.columns), None)
    missing = [c for c in ("ref", "alt", "func_class") if c not in table.columns] + (
        [] if position else ["pos"]
    )
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)} (need pos_hg38 or pos, ref, alt, func_class)"
        )
    if not pd.api.types.is_integer_dtype(table[position]):
        raise ValueError(f"{path}: column {position!r} must hold integer positions")
    known = table["func_class"].isin([POSITIVE, *NEGATIVES])
    dropped = int((~known).sum())
    table = table[known].reset_index(drop=True)
    if table.empty:
        raise ValueError(f"{path}: no rows with func_class {POSITIVE}, {' or '.join(NEGATIVES)}")
    variants = [
        Variant(
            contig,
            int(p) - offset + 1,
            str(r).upper(),
            str(a).upper(),
            id=str(i),
            source=f"{path.name} row {i + 2}",
        )
        for i, (p, r, a) in enumerate(zip(table[position], table["ref"], table["alt"]))
    ]
    labels = (table["func_class"] == POSITIVE).to_numpy()
    return VepData(table, variants, labels, dropped)


def model_digest(folder: str | Path, settings: dict) -> str:
    """A short hash of every file in the model folder and the scoring settings."""
    digest = hashlib.sha256(json.dumps({**settings, "version": CACHE_VERSION}, sort_keys=True).encode())
    for file in sorted(Path(folder).rglob("*")):
        if file.is_file() and not file.name.startswith("."):
            digest.update(str(file.relative_to(folder)).encode())
            with open(file, "rb") as handle:
                while block := handle.read(1 << 22):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _key(variant: Variant) -> str:
    return f"{variant.chrom}:{variant.pos}:{variant.ref}:{variant.alt}"


def _read_cache(path: Path) -> dict[str, tuple[float, str]]:
    cached = {}
    if path.is_file():
        for line in path.read_text().splitlines()[1:]:
            key, score, status = line.split("\t", 2)
            cached[key] = (float(score) if score else float("nan"), status)
    return cached


def score_with_cache(
    model,
    tokenizer,
    reference,
    variants: list[Variant],
    cache_file: Path,
    *,
    window_nt: int,
    strands: str,
    batch_size: int,
    longer_flank: str = "right",
    chunk: int = 256,
    progress: bool = True,
) -> tuple[np.ndarray, list[str], float, int]:
    """Scores of ``variants`` (NaN where skipped), statuses, seconds spent and variants newly scored."""
    from tqdm.auto import tqdm

    from hf_genomics.analysis.variant_effects import score_variants

    cached = _read_cache(cache_file)
    todo = list({_key(v): v for v in variants if _key(v) not in cached}.values())
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    if not cache_file.is_file():
        cache_file.write_text("key\tscore\tstatus\n")
    seconds = 0.0
    bar = tqdm(total=len(todo), desc="scoring variants", unit="variant", disable=not progress or not todo)
    for begin in range(0, len(todo), chunk):
        part = todo[begin : begin + chunk]
        started = time.perf_counter()
        table = score_variants(
            model,
            tokenizer,
            reference,
            part,
            window_nt=window_nt,
            strands=strands,
            edge="shift",
            errors="skip",
            longer_flank=longer_flank,
            batch_size=batch_size,
            progress=False,
        )
        seconds += time.perf_counter() - started
        lines = []
        for variant, score, status in zip(part, table["score"], table["status_code"]):
            cached[_key(variant)] = (float(score), status)
            lines.append(f"{_key(variant)}\t{'' if np.isnan(score) else repr(float(score))}\t{status}\n")
        with open(cache_file, "a") as handle:  # appended per chunk: a killed run keeps what it scored
            handle.writelines(lines)
        bar.update(len(part))
    bar.close()
    scores = np.array([cached[_key(v)][0] for v in variants])
    statuses = [cached[_key(v)][1] for v in variants]
    return scores, statuses, seconds, len(todo)


def consequence_rule(consequences) -> np.ndarray:
    """2 for nonsense / canonical splice, 1 for missense / splice region, 0 otherwise."""
    return np.array([CONSEQUENCE_RANK.get(str(c), 0) for c in consequences], dtype=float)


def evaluate_scores(labels, damage, consequences=None, n_bootstrap: int = 1000, seed: int = 0) -> dict:
    """AUROC/AUPRC with 95 % intervals over the scored rows, overall and per consequence class."""
    from hf_genomics.evaluation.ranking import auroc, average_precision, bootstrap_interval

    labels = np.asarray(labels, bool)
    damage = np.asarray(damage, float)
    scored = np.isfinite(damage)

    def summary(mask) -> dict:
        y, s = labels[mask & scored], damage[mask & scored]
        result = {"n": int(len(y)), "n_lof": int(y.sum())}
        if y.all() or not y.any():
            return {**result, "auroc": None, "auprc": None}
        roc_low, roc_high = bootstrap_interval(y, s, auroc, n_bootstrap, seed)
        pr_low, pr_high = bootstrap_interval(y, s, average_precision, n_bootstrap, seed)
        return {
            **result,
            "auroc": auroc(y, s),
            "auroc_ci": [roc_low, roc_high],
            "auprc": average_precision(y, s),
            "auprc_ci": [pr_low, pr_high],
        }

    result = summary(np.ones(len(labels), bool))
    result["unscored"] = int((~scored).sum())
    if consequences is not None:
        consequences = np.asarray(consequences, dtype=object)
        result["by_consequence"] = {
            str(c): summary(consequences == c) for c in sorted(set(consequences.tolist()), key=str)
        }
    return result


def metric_cell(entry: dict, metric: str) -> str:
    """One table cell: ``entry[metric]`` with its bootstrap interval (``<metric>_ci``) when it has one."""
    value = entry.get(metric)
    if value is None:
        return "–"
    interval = entry.get(f"{metric}_ci")
    return f"{value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else f"{value:.3f}"


def render_markdown(results: dict) -> str:
    """The results table (overall, then AUROC by consequence class)."""
    cell = metric_cell
    rows = results["models"] + results["baselines"]
    lines = [
        f"Variants: {results['variants']} ({results['lof']} LOF); positive class LOF, negatives FUNC + INT; "
        f"95 % percentile-bootstrap intervals ({results['n_bootstrap']} resamples).",
        "",
        "| model | kind | AUROC | AUPRC | scored | variants/s |",
        "|---|---|---|---|---|---|",
    ]
    for entry in rows:
        speed = entry.get("variants_per_second")
        lines.append(
            f"| {entry['name']} | {entry['kind']} | {cell(entry, 'auroc')} | {cell(entry, 'auprc')} | "
            f"{entry['n']} | {'' if speed is None else f'{speed:.1f}'} |"
        )
    for entry in results.get("published", []):
        lines.append(
            f"| {entry['name']} (published, {entry['variants']} SNVs) | published | {entry['auroc']:.3f} | – | – | |"
        )
    classes = sorted({c for entry in rows for c in entry.get("by_consequence", {})})
    if classes:
        lines += ["", "AUROC by consequence class (– : one class absent):", ""]
        lines.append("| model | " + " | ".join(classes) + " |")
        lines.append("|---|" + "---|" * len(classes))
        for entry in rows:
            by = entry.get("by_consequence", {})
            lines.append(
                f"| {entry['name']} | "
                + " | ".join(cell(by[c], "auroc") if c in by else "–" for c in classes)
                + " |"
            )
        counts = rows[0].get("by_consequence", {})
        lines.append(
            "| n (LOF) | "
            + " | ".join(f"{counts[c]['n']} ({counts[c]['n_lof']})" if c in counts else "" for c in classes)
            + " |"
        )
    return "\n".join(lines) + "\n"


def plot_curves(labels, curves: dict[str, np.ndarray], path: Path) -> None:
    """ROC and precision-recall curves of every scored model and baseline, one figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hf_genomics.evaluation.ranking import pr_curve, roc_curve

    figure, (roc_axis, pr_axis) = plt.subplots(1, 2, figsize=(11, 5))
    for name, damage in curves.items():
        keep = np.isfinite(damage)
        if not keep.any():  # a model that scored nothing (every window skipped): no curve to draw
            continue
        fpr, tpr = roc_curve(labels[keep], damage[keep])
        recall, precision = pr_curve(labels[keep], damage[keep])
        roc_axis.plot(fpr, tpr, label=name)
        pr_axis.plot(recall, precision, label=name)
    roc_axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
    pr_axis.axhline(labels.mean(), color="grey", linestyle=":")
    roc_axis.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (LOF vs FUNC+INT)")
    pr_axis.set(xlabel="recall", ylabel="precision", title="precision-recall")
    roc_axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _model_name(folder: Path, names: set[str]) -> str:
    name = folder.name or str(folder)
    while name in names:
        name = f"{folder.parent.name}/{name}"
    return name


def run_vep_benchmark(
    models: list[str | Path],
    variants_csv: str | Path,
    reference: str | Path,
    output_dir: str | Path,
    *,
    contig: str | None = None,
    offset: int | None = None,
    window_nt: int | None = None,
    strands: str = "forward",
    longer_flank: str = "right",
    batch_size: int = 32,
    n_bootstrap: int = 1000,
    seed: int = 0,
    published: list[dict] | None = None,
    progress: bool = True,
) -> dict:
    """Score the CSV's variants with every model, evaluate them and the baselines, write the report.

    Writes ``results.json``, ``results.md`` and ``roc_pr.png`` into ``output_dir``; returns the JSON.
    ``window_nt``: the scoring window (default: each model's recorded training length, else 1000);
    ``longer_flank="left"``: the odd base of an even window left of the variant (the Evo 2 BRCA1
    notebook's windows; :func:`~hf_genomics.analysis.variant_effects.variant_windows`).
    """
    from hf_genomics.analysis.loading import load_model_and_tokenizer, model_kind
    from hf_genomics.analysis.reference_genome import ReferenceGenome
    from hf_genomics.analysis.training_length import model_window_nt, on_token_grid

    output = Path(output_dir)
    if output.is_symlink():
        raise ValueError(f"{output} is a symbolic link; not writing through it")
    genome = ReferenceGenome(reference)
    contigs = genome.contigs()
    if contig is None:
        if len(contigs) != 1:
            raise ValueError(f"{reference} holds {len(contigs)} records: name the contig (--contig)")
        contig = contigs[0]
    elif contig not in contigs:
        raise ValueError(f"contig {contig!r} is not in {reference} ({', '.join(contigs[:5])})")
    if offset is None:
        offset = offset_from_record_name(contig) or 1
    data = load_vep_data(variants_csv, contig, offset)
    labels = data.labels
    consequences = data.table["consequence"].to_numpy() if "consequence" in data.table.columns else None
    output.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "variants_csv": str(variants_csv),
        "reference": str(reference),
        "contig": contig,
        "offset": offset,
        "variants": int(len(labels)),
        "lof": int(labels.sum()),
        "dropped_other_classes": data.dropped,
        "positive": POSITIVE,
        "negatives": list(NEGATIVES),
        "damage_score": "-score: positive score = the model prefers ALT, so the negated score ranks damage",
        "strands": strands,
        "longer_flank": longer_flank,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "models": [],
        "baselines": [],
    }
    curves: dict[str, np.ndarray] = {}
    names: set[str] = set()
    for folder in map(Path, models):
        model, tokenizer = load_model_and_tokenizer(folder)
        window = on_token_grid(tokenizer, window_nt or model_window_nt(model, tokenizer) or 1000)
        settings = {
            "window_nt": window,
            "strands": strands,
            "reference": [genome.name, genome.length(contig)],
        }
        if longer_flank != "right":  # the default keeps the digests (and caches) of earlier runs
            settings["longer_flank"] = longer_flank
        digest = model_digest(folder, settings)
        scores, statuses, seconds, newly = score_with_cache(
            model,
            tokenizer,
            genome,
            data.variants,
            output / "cache" / f"{digest}.tsv",
            window_nt=window,
            strands=strands,
            batch_size=batch_size,
            longer_flank=longer_flank,
            progress=progress,
        )
        damage = -scores
        name = _model_name(folder, names)
        names.add(name)
        entry = {
            "name": name,
            "model": str(folder),
            "kind": model_kind(model),
            "digest": digest,
            "window_nt": window,
            **evaluate_scores(labels, damage, consequences, n_bootstrap, seed),
            "skipped_by_reason": {s: statuses.count(s) for s in sorted(set(statuses)) if s != "ok"},
            "newly_scored": newly,
            "scoring_seconds": round(seconds, 3),
            "variants_per_second": round(newly / seconds, 2) if newly and seconds else None,
        }
        results["models"].append(entry)
        curves[name] = damage
    baselines = {c: data.table[c].to_numpy(float) for c in BASELINE_COLUMNS if c in data.table.columns}
    if consequences is not None:
        baselines["consequence rule"] = consequence_rule(consequences)
    for name, damage in baselines.items():
        entry = {
            "name": name,
            "kind": "baseline",
            **evaluate_scores(labels, damage, consequences, n_bootstrap, seed),
        }
        results["baselines"].append(entry)
        curves[name] = damage
    if published:
        results["published"] = published
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (output / "results.md").write_text(render_markdown(results))
    plot_curves(labels, curves, output / "roc_pr.png")
    return results


__all__ = [
    "PUBLISHED_BRCA1",
    "VepData",
    "consequence_rule",
    "evaluate_scores",
    "load_vep_data",
    "metric_cell",
    "model_digest",
    "offset_from_record_name",
    "render_markdown",
    "run_vep_benchmark",
    "score_with_cache",
]
