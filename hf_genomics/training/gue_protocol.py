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

# Published test scores (x100) of the pretrained models fine-tuned on GUE, DNABERT-2 paper (ICLR 2024,
# arXiv 2306.15006v2), Table 4 - the numbers we could verify from a source we hold. DNABERT-2's on the
# seven tasks of the shared data folder come from its README (Table 4); NT-2500M-multi and HyenaDNA
# are left empty (None) until their exact values are checked against the paper: a guessed reference
# is worse than none.
REFERENCE_MODELS = ("DNABERT-2", "NT-2500M-multi", "HyenaDNA")
PUBLISHED: dict[str, dict[str, float | None]] = {
    "prom/prom_core_tata": {"DNABERT-2": 74.17},
    "prom/prom_300_tata": {"DNABERT-2": 71.59},
    "prom/prom_core_notata": {"DNABERT-2": 68.04},
    "tf/0": {"DNABERT-2": 71.99},
    "tf/1": {"DNABERT-2": 76.06},
    "tf/4": {"DNABERT-2": 77.43},
    "mouse/0": {"DNABERT-2": 56.76},
}


def group_of(task_path: str) -> str:
    """The results-table group of a task (``prom/prom_core_tata`` -> ``prom_core``)."""
    group, name = task_path.split("/", 1)
    if group == "prom":
        return "prom_core" if name.startswith("prom_core") else "prom_300"
    return group


def published(task_path: str, model: str) -> float | None:
    """The paper's number for ``model`` on a task, or ``None`` when we hold none."""
    return PUBLISHED.get(task_path, {}).get(model)


__all__ = [
    "GROUP_TITLES",
    "PROTOCOLS",
    "PROTOCOL_SOURCE",
    "PUBLISHED",
    "REFERENCE_MODELS",
    "FineTuneProtocol",
    "group_of",
    "published",
]
