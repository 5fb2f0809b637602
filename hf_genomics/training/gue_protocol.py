"""The DNABERT-2 paper's GUE fine-tuning protocol and its published numbers, as data.

Source of the protocol: ``finetune/scripts/run_dnabert2.sh`` and ``finetune/train.py`` of
github.com/MAGICS-LAB/DNABERT_2 at commit ``d87d29f5570f6d8238de734c932697ef657be59a`` (the
scripts the paper's GUE results were made with). Every task: AdamW, learning rate 3e-5, weight
decay 0.01, linear decay after ``warmup_steps``, evaluation (and a checkpoint) every ``eval_steps``
steps, the checkpoint with the lowest validation **loss** kept (``load_best_model_at_end`` with
transformers' default ``metric_for_best_model``), then the test split evaluated once; MCC
(``sklearn.metrics.matthews_corrcoef``), except Covid variant classification, which the paper
reports as macro F1. Per task group: batch size, epochs (mouse: also ``max_steps 1000``), warmup
and evaluation interval as below.

``model_max_length`` is the scripts' limit in DNABERT-2 *BPE tokens*, set to about a quarter of the
sequence length so that the whole sequence fits (the scripts' own comment). Lengths in this package
are nucleotides and tokenizers differ, so the benchmark gives every model the whole sequence
(measured in its own tokens) and records ``model_max_length`` for reference only.

The published HyenaDNA column is another paper's fine-tuning, not this protocol (:data:`SOURCES`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

PROTOCOL_SOURCE = (
    "github.com/MAGICS-LAB/DNABERT_2 finetune/scripts/run_dnabert2.sh + finetune/train.py "
    "@ d87d29f5570f6d8238de734c932697ef657be59a"
)
LEARNING_RATE = 3e-5
WEIGHT_DECAY = 0.01
SEED = 42  # the scripts' seed; the paper averages three


@dataclass(frozen=True)
class FineTuneProtocol:
    """One task group's settings in the DNABERT-2 scripts."""

    model_max_length: int  # DNABERT-2 BPE tokens (reference only, see the module docstring)
    batch_size: int
    eval_batch_size: int
    epochs: float
    eval_steps: int
    warmup_steps: int
    max_steps: int = -1
    learning_rate: float = LEARNING_RATE
    weight_decay: float = WEIGHT_DECAY
    metric: str = "mcc"

    def to_dict(self) -> dict:
        return asdict(self)


def _protocols() -> dict[str, FineTuneProtocol]:
    """Task path -> protocol, read off run_dnabert2.sh (one loop per group of tasks there)."""
    table: dict[str, FineTuneProtocol] = {}
    emp = FineTuneProtocol(128, 8, 16, 3, 200, 50)
    marks = ("H3", "H3K14ac", "H3K36me3", "H3K4me1", "H3K4me2", "H3K4me3", "H3K79me3", "H3K9ac", "H4", "H4ac")
    for mark in marks:
        table[f"EMP/{mark}"] = emp
    for name in ("prom_core_all", "prom_core_notata"):
        table[f"prom/{name}"] = FineTuneProtocol(20, 8, 16, 4, 400, 50)
    table["prom/prom_core_tata"] = FineTuneProtocol(20, 8, 16, 10, 200, 50)
    for name in ("prom_300_all", "prom_300_notata"):
        table[f"prom/{name}"] = FineTuneProtocol(70, 8, 16, 4, 400, 50)
    table["prom/prom_300_tata"] = FineTuneProtocol(70, 8, 16, 10, 200, 50)
    table["splice/reconstructed"] = FineTuneProtocol(80, 8, 16, 5, 200, 50)
    table["virus/covid"] = FineTuneProtocol(256, 32, 32, 8, 200, 50, metric="f1")
    for i in range(5):
        table[f"mouse/{i}"] = FineTuneProtocol(30, 8, 64, 5, 200, 30, max_steps=1000)
        table[f"tf/{i}"] = FineTuneProtocol(30, 8, 64, 3, 200, 30)
    return table


PROTOCOLS: dict[str, FineTuneProtocol] = _protocols()

# Rows of the paper's results tables, in its order: group -> heading.
GROUP_TITLES = {
    "EMP": "Epigenetic marks prediction (yeast)",
    "prom_300": "Promoter detection (human, 300 bp)",
    "prom_core": "Core promoter detection (human, 70 bp)",
    "tf": "Transcription factor prediction (human)",
    "mouse": "Transcription factor prediction (mouse)",
    "splice": "Splice site prediction (human)",
    "virus": "Covid variant classification (F1)",
}

# Published test scores (x100) of pretrained models fine-tuned on GUE: MCC, Covid macro F1.
REFERENCE_MODELS = ("DNABERT-2", "NT-2500M-multi", "HyenaDNA")

# Where every reference column was read; None: no source we could read and cite (the column stays empty:
# a guessed reference is worse than none). A task a source does not report stays empty too.
TABLE4_IMAGE = (
    "github.com/MAGICS-LAB/DNABERT_2 figures/Performance.png @ d87d29f5570f6d8238de734c932697ef657be59a"
)
SOURCES: dict[str, str | None] = {
    "DNABERT-2": (
        "DNABERT-2 paper (Zhou et al., ICLR 2024, arXiv 2306.15006v2, https://arxiv.org/abs/2306.15006), "
        f"Table 4, row 'DNABERT-2' (not 'DNABERT-2♦', further pre-trained on GUE); read from the authors' "
        f"image of that table, {TABLE4_IMAGE}"
    ),
    "NT-2500M-multi": (
        "DNABERT-2 paper (arXiv 2306.15006v2), Table 4, row 'NT-2500M-multi' (the authors' fine-tuning of "
        f"Nucleotide Transformer 2.5B multi-species: LoRA, lr 1e-4); read from {TABLE4_IMAGE}"
    ),
    "HyenaDNA": (
        "Lindsey et al., 'The impact of tokenizer selection in genomic language models', Bioinformatics "
        "41(9):btaf456, 2025 (doi 10.1093/bioinformatics/btaf456; bioRxiv 10.1101/2024.09.09.612081), table "
        "'MCC Scores on the GUE', column 'HyenaDNA (char)'; read from github.com/leannmlindsey/"
        "DNATokenization_results_analysis results_tables/latex_table_gue_mcc.tex @ "
        "4dd93ca09487b3e8b27afff07ba971345fbd8281 (fractions, x100 here). Another paper's protocol: "
        "HyenaDNA (char, d256) fine-tuned 10 epochs, validation carved from GUE train, mean over about 10 "
        "replicates, each task's hyper-parameters picked by the mean test MCC it reports (not the DNABERT-2 "
        "scripts' selection); which HyenaDNA checkpoint was used is not confirmed from the paper text. No EMP "
        "task; its virus_covid is MCC, not this column's macro F1, so not used"
    ),
}
# The columns from another paper's fine-tuning protocol, not the DNABERT-2 paper's Table 4: the short
# citation the report's note gives (the full one, with the caveats, in SOURCES).
OTHER_PROTOCOL = {
    "HyenaDNA": (
        "Lindsey et al., Bioinformatics 2025, doi 10.1093/bioinformatics/btaf456, GUE MCC table; "
        "no EMP or Covid F1 number, –"
    ),
}
# Lindsey et al.'s GUE MCC table, column "HyenaDNA (char)" (SOURCES): its 17 tasks other than virus_covid,
# x100, under our task paths (human_tfp_i -> tf/i, mouse_tfp_i -> mouse/i, splice_reconstructed).
HYENADNA_LINDSEY = {
    "prom/prom_core_all": 62.6,
    "prom/prom_core_notata": 66.4,
    "prom/prom_core_tata": 46.5,
    "prom/prom_300_all": 82.6,
    "prom/prom_300_notata": 91.8,
    "prom/prom_300_tata": 46.6,
    "tf/0": 67.1,
    "tf/1": 70.6,
    "tf/2": 67.1,
    "tf/3": 51.9,
    "tf/4": 74.9,
    "mouse/0": 52.3,
    "mouse/1": 82.4,
    "mouse/2": 80.1,
    "mouse/3": 73.7,
    "mouse/4": 46.8,
    "splice/reconstructed": 82.0,
}


def _published() -> dict[str, dict[str, float]]:
    """Table 4, one line per block of the table, columns in the table's order; then HyenaDNA from
    :data:`HYENADNA_LINDSEY` (17 tasks: no EMP, no Covid).

    Checked: the 28-task means are the paper's averages (DNABERT-2 66.80, NT-2500M-multi 66.93), and the
    seven DNABERT-2 numbers this module held before (from the shared data README) are unchanged.
    """
    columns = [f"EMP/{mark}" for mark in ("H3", "H3K14ac", "H3K36me3", "H3K4me1", "H3K4me2", "H3K4me3")]
    columns += [f"EMP/{mark}" for mark in ("H3K79me3", "H3K9ac", "H4", "H4ac")]
    columns += [f"prom/prom_300_{subset}" for subset in ("all", "notata", "tata")]
    columns += [f"tf/{i}" for i in range(5)]
    columns += [f"prom/prom_core_{subset}" for subset in ("all", "notata", "tata")]
    columns += [f"mouse/{i}" for i in range(5)] + ["virus/covid", "splice/reconstructed"]
    rows = {
        "DNABERT-2": (
            (78.27, 52.57, 56.88, 50.52, 31.13, 36.27),
            (67.39, 55.63, 80.71, 50.43, 86.77, 94.27, 71.59),
            (71.99, 76.06, 66.52, 58.54, 77.43, 69.37, 68.04, 74.17),
            (56.76, 84.77, 79.32, 66.47, 52.66, 71.02, 84.99),
        ),
        "NT-2500M-multi": (
            (78.77, 56.20, 61.99, 55.30, 36.49, 40.34),
            (64.70, 56.01, 81.67, 49.13, 91.01, 94.00, 79.43),
            (66.64, 70.28, 58.72, 51.65, 69.34, 70.33, 71.58, 72.97),
            (63.31, 83.76, 71.52, 69.44, 47.07, 73.04, 89.35),
        ),
    }
    table: dict[str, dict[str, float]] = {task: {} for task in columns}
    for model, blocks in rows.items():
        values = [value for block in blocks for value in block]
        assert len(values) == len(columns), model
        for task, value in zip(columns, values):
            table[task][model] = value
    for task, value in HYENADNA_LINDSEY.items():
        table[task]["HyenaDNA"] = value
    return table


PUBLISHED: dict[str, dict[str, float]] = _published()


def group_of(task_path: str) -> str:
    """The results-table group of a task (``prom/prom_core_tata`` -> ``prom_core``)."""
    group, name = task_path.split("/", 1)
    if group == "prom":
        return "prom_core" if name.startswith("prom_core") else "prom_300"
    return group


def published(task_path: str, model: str) -> float | None:
    """The published number for ``model`` on a task (x100), or ``None`` when we hold none."""
    return PUBLISHED.get(task_path, {}).get(model)


__all__ = [
    "GROUP_TITLES",
    "OTHER_PROTOCOL",
    "PROTOCOLS",
    "PROTOCOL_SOURCE",
    "PUBLISHED",
    "REFERENCE_MODELS",
    "SOURCES",
    "FineTuneProtocol",
    "group_of",
    "published",
]
