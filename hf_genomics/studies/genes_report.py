"""The human-genes study's report: ``README.md`` tables (ours beside the published numbers), training
curves and the summary plot."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from hf_genomics.evaluation.report import (
    format_mean_sd,
    mean_sd,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from hf_genomics.studies.genes_published import (
    MAX_MUTATIONS,
    PUBLISHED_DEFINITION,
    PUBLISHED_PERPLEXITY,
    STUDY_COUNTERPART,
    published_mutation,
)

logger = logging.getLogger(__name__)


def _mean(values) -> float:
    return mean_sd(values).mean


def write_report(results: dict, out_dir: Path) -> None:
    """CSV files, a markdown summary with the published numbers beside ours, and a plot."""
    write_json_atomic(out_dir / "results.json", results)
    fields = ["model", "n", "perplexity", "perplexity_keras", "bits_per_nucleotide", "published_perplexity",
              "published_definition", "n_predicted_tokens", "seconds", "carried_over"]  # fmt: skip
    write_csv_atomic(
        out_dir / "perplexity.csv", ([row.get(f) for f in fields] for row in results["perplexity"]), fields
    )
    write_csv_atomic(
        out_dir / "mutation.csv",
        (
            [
                row["model"],
                row["seed"],
                row["max_mutations"],
                mode,
                row[mode],
                row["n_pairs"],
                row.get("pairs", "generated with swaps (earlier run)"),
                row.get("formula", "end token"),
                row.get("carried_over", False),
            ]  # fmt: skip
            for row in results["mutation"]
            for mode in ("perplexity", "probability")
        ),
        ["model", "seed", "max_mutations", "mode", "accuracy", "n_pairs", "pairs", "formula", "carried_over"],
    )
    if results.get("open_questions"):
        write_csv_atomic(
            out_dir / "open_questions.csv",
            (
                [r["question"], r["condition"], r["model"], r["perplexity"], r["rank"]]
                for r in results["open_questions"]
            ),
            ["question", "condition", "model", "perplexity", "rank"],
        )
    write_text_atomic(out_dir / "README.md", markdown_report(results))
    plot_report(results, out_dir / "genes_study.png")
    if any(info.get("curves", {}).get("train_loss") for info in results.get("neural", {}).values()):
        plot_training_curves(results["neural"], out_dir / "training_curves.png")


def validation_losses(info: dict) -> list[tuple[int, float | None, float]]:
    """(step, epoch, validation loss) of a neural model's evaluation curve, one per step (a stop by
    the time budget can evaluate the same step twice)."""
    by_step = {}
    for entry in info.get("curves", {}).get("validation", []):
        loss = entry.get("eval_loss", entry.get("eval_validation_loss"))
        if loss is not None:
            by_step[entry["step"]] = (entry["step"], entry.get("epoch"), loss)
    return sorted(by_step.values())


def validation_by_epoch(info: dict) -> list[tuple[float, float]]:
    """(epoch, validation perplexity per predicted token) from a neural model's evaluation curve."""
    return [(float(epoch), math.exp(loss)) for _, epoch, loss in validation_losses(info) if epoch is not None]


def curve_summary(info: dict) -> str:
    """Where a trained model's validation perplexity landed and its slope over the last stretch."""
    points = validation_by_epoch(info)
    if not points:
        return ""
    text = "validation perplexity (held-out 5 % of the training genes, per predicted token incl. [EOS]) by epoch: "
    text += ", ".join(f"{epoch:.2f}: {value:.4f}" for epoch, value in points)
    if len(points) >= 2 and points[-1][0] > points[-2][0]:
        (e0, v0), (e1, v1) = points[-2], points[-1]
        text += f"; last slope {(v1 - v0) / (e1 - e0):+.4f} per epoch"
    rule = info.get("curves", {}).get("early_stopping")
    if rule:
        stopped = rule.get("stopped_at_step")
        text += f"; early stopping (patience {rule['patience']} epochs) " + (
            f"stopped at step {stopped}" if stopped else "did not trigger"
        )
    return text


def plot_training_curves(neural: dict, path: Path) -> None:
    """Training loss per logged step and validation loss per evaluation (nats/token), per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for index, (name, info) in enumerate(neural.items()):
        curves = info.get("curves", {})
        train = curves.get("train_loss") or []
        if not train:
            continue
        ax.plot([e["step"] for e in train], [e["loss"] for e in train], color=f"C{index}", alpha=0.5,
                label=f"{name} train")  # fmt: skip
        validation = [(step, loss) for step, _, loss in validation_losses(info)]
        if validation:
            ax.plot(*zip(*validation), "o-", color=f"C{index}", label=f"{name} validation")
    ax.set(
        xlabel="optimizer step (batch 64)",
        ylabel="loss (nats / token)",
        title="Study-faithful models: training",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _fmt(value) -> str:
    if value is None:
        return "–"
    return "inf" if math.isinf(value) else f"{value:.4f}"


def _published_cell(row: dict) -> str:
    value = row.get("published_perplexity")
    if value is None:
        return "–"
    definition = PUBLISHED_DEFINITION.get(STUDY_COUNTERPART.get(row["model"], row["model"]), "ngram")
    return f"{value} ({definition})"


def markdown_report(results: dict) -> str:
    meta = results["meta"]
    lines = [
        "# Generative LMs on human genes (arXiv 2307.10634): reproduction",
        "",
        f"Training genes: {meta['n_train']} (`validation.csv`; the study's n-grams trained on 18,308 genes, its "
        f"neural models on 13,731), test genes: {meta['n_test']} (`test.csv`, byte-identical to the study's).",
        "",
        "Two perplexity definitions, as the study used them (`hf_genomics.evaluation.study_definitions`): "
        "**ngram** = each gene's L bases + one end symbol, corpus exp(mean NLL) (NLTK; the study's n-gram "
        "numbers); **keras** = the L bases only, `[BOS]` input only, exp of the batch-size-weighted mean of "
        "per-batch token-mean NLL, batches of 64 in file order (keras_nlp `Perplexity`; the study's "
        "LSTM/Transformer numbers). Published numbers: the study's repository at HEAD `ccc8133`, labelled "
        "with their definition. Bits/nt: bases-only NLL over the bases.",
        "",
        "## Test perplexity",
        "",
        "| model | N | ours: ngram def. | ours: keras def. | bits/nt | published (definition) | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["perplexity"]:
        n = "" if row.get("n") is None else row["n"]
        seconds = f"{row['seconds']:.2f}" if row.get("seconds") is not None else "–"
        name = row["model"] + (" †" if row.get("carried_over") else "")
        keras = _fmt(row.get("perplexity_keras"))
        lines.append(
            f"| {name} | {n} | {_fmt(row['perplexity'])} | {keras} | {_fmt(row['bits_per_nucleotide'])} "
            f"| {_published_cell(row)} | {seconds} |"
        )
    lines += [
        "",
        "† carried over from an earlier run (model not in this checkout; see Notes): only the ngram "
        "definition was measured then.",
        "",
        "## Real vs mutated genes: accuracy (mean ± sample sd over seeds; per-seed values in mutation.csv)",
        "",
        "Per-family formula as in the study: n-grams compare ppl over L+1 tokens (perplexity mode) or the "
        "total NLL over L+1 tokens (probability mode); neural models compare the bases-only ppl (perplexity "
        "mode) or the L-token NLL × (L+1)/L (probability mode).",
        "",
        "| model | pairs | mode | MAX=1 | MAX=5 | MAX=10 | published MAX=1/5/10 |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in dict.fromkeys(row["model"] for row in results["mutation"]):
        model_rows = [r for r in results["mutation"] if r["model"] == model]
        source = model_rows[0].get("pairs", "generated with swaps (earlier run)")
        name = model + (" †" if model_rows[0].get("carried_over") else "")
        for mode in ("perplexity", "probability"):
            cells = [
                format_mean_sd([r[mode] for r in model_rows if r["max_mutations"] == m], digits=3)
                for m in MAX_MUTATIONS
            ]
            published = published_mutation(model, mode)
            reference = "/".join(f"{v:.3f}" for v in published) if published else "–"
            lines.append(f"| {name} | {source} | {mode} | {' | '.join(cells)} | {reference} |")
    if results.get("open_questions"):
        lines += [
            "",
            "## Open questions: n-gram ranking vs training-set size and vs gene length",
            "",
            "Test perplexity (ngram definition) and rank (1 = best) of each model; training subsets are a "
            "seeded random draw of the training genes; for length, training and test genes are cut to their "
            "first 100/500/1000 nt.",
            "",
        ]
        for question in dict.fromkeys(r["question"] for r in results["open_questions"]):
            part = [r for r in results["open_questions"] if r["question"] == question]
            conditions = list(dict.fromkeys(r["condition"] for r in part))
            lines += [f"| model | {' | '.join(conditions)} |", "|---|" + "---|" * len(conditions)]
            for model in dict.fromkeys(r["model"] for r in part):
                cells = [next(f"{_fmt(r['perplexity'])} ({r['rank']})" for r in part
                              if r["model"] == model and r["condition"] == c) for c in conditions]  # fmt: skip
                lines.append(f"| {model} | {' | '.join(cells)} |")
            lines.append("")
    lines += ["", "## Neural models", ""]
    for name, info in results.get("neural", {}).items():
        summary = curve_summary(info)
        lines.append(
            f"- **{name}**{' †' if info.get('carried_over') else ''}: {info.get('note', '')}"
            + (f"; {summary}" if summary else "")
        )
    lines += [
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in results.get("notes", [])],
        "",
        f"Command: `{meta['command']}` ({meta['seconds']:.0f} s).",
        "",
    ]
    return "\n".join(lines)


def plot_report(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, color in (
        ("ngram-mle", "tab:blue"),
        ("ngram-laplace", "tab:orange"),
        ("ngram-kn", "tab:purple"),
    ):
        rows = [r for r in results["perplexity"] if r["model"] == name]
        xs = [r["n"] for r in rows]
        left.plot(xs, [min(r["perplexity"], 5.0) for r in rows], "o-", color=color, label=f"{name} (ours)")
        published = [(n, v) for (model, n), v in PUBLISHED_PERPLEXITY.items() if model == name]
        if published:
            left.plot(
                *zip(*[(n, min(v, 5.0)) for n, v in published]), "x--", color=color, label=f"{name} (study)"
            )
    for row in results["perplexity"]:
        if "+repeat" in row["model"]:
            left.plot(row["n"], row["perplexity"], "*", color="tab:purple", markersize=12, label=row["model"])
        if row["model"] in STUDY_COUNTERPART:  # neural: the keras definition where measured
            value, definition = row.get("perplexity_keras"), "keras"
            if value is None:
                value, definition = row["perplexity"], "ngram"
            left.axhline(value, color="tab:green" if "lstm" in row["model"] else "tab:red",
                         linestyle="-" if "study" in row["model"] or "genes" in row["model"] else "-.",
                         label=f"{row['model']} (ours, {definition} def.)")  # fmt: skip
    for model, color in (("lstm", "tab:green"), ("decoder", "tab:red")):
        left.axhline(
            PUBLISHED_PERPLEXITY[(model, None)],
            color=color,
            linestyle=":",
            label=f"{model} (study, keras def.)",
        )
    lowest = min([3.0, *(r["perplexity"] for r in results["perplexity"])])
    left.set(
        xlabel="N", ylabel="test perplexity (capped at 5)", ylim=(lowest - 0.05, 5.05), title="Perplexity"
    )
    left.legend(fontsize=7)
    models = list(dict.fromkeys(r["model"] for r in results["mutation"]))
    for index, model in enumerate(models):
        means = [
            _mean(
                [
                    r["perplexity"]
                    for r in results["mutation"]
                    if r["model"] == model and r["max_mutations"] == m
                ]
            )
            for m in MAX_MUTATIONS
        ]
        right.plot(MAX_MUTATIONS, means, "o-", color=f"C{index}", label=f"{model} (ours)")
        published = published_mutation(model, "perplexity")
        if published:
            right.plot(MAX_MUTATIONS, published, "x--", color=f"C{index}",
                       label=f"{model} (study)")  # fmt: skip
    right.set(xlabel="MAX mutations", ylabel="accuracy (perplexity mode)", title="Real vs mutated")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
