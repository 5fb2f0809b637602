"""The published reference columns of ``benchmark gue``: every GUE task, a source for every column
that has numbers, and the transcription checked against the paper's own averages."""

from __future__ import annotations

import re
import statistics

import pytest

from hf_genomics.data.gue import GUE_TASKS
from hf_genomics.training.gue_protocol import (
    OTHER_PROTOCOL,
    PUBLISHED,
    REFERENCE_MODELS,
    SOURCES,
    group_of,
    published,
)
from hf_genomics.training.gue_report import published_note


def test_every_task_has_the_dnabert2_and_nt_numbers_and_every_column_its_source():
    assert set(PUBLISHED) == set(GUE_TASKS)
    for model in REFERENCE_MODELS:
        values = [published(task, model) for task in GUE_TASKS]
        if SOURCES[model] is None:  # no verified source: the column stays empty, never guessed
            assert values == [None] * len(GUE_TASKS), model
        elif model in OTHER_PROTOCOL:  # another paper: the tasks it reports
            assert all(v is None or (isinstance(v, float) and 0 < v < 100) for v in values), model
        else:
            assert all(isinstance(v, float) and 0 < v < 100 for v in values), model
            assert "2306.15006" in SOURCES[model] and "Table 4" in SOURCES[model]
    assert set(OTHER_PROTOCOL) == {"HyenaDNA"}
    assert "btaf456" in SOURCES["HyenaDNA"] and "latex_table_gue_mcc.tex" in SOURCES["HyenaDNA"]
    assert "4dd93ca09487b3e8b27afff07ba971345fbd8281" in SOURCES["HyenaDNA"]
    note = published_note()
    assert "DNABERT-2 and NT-2500M-multi as fine-tuned in the DNABERT-2 paper" in note
    assert "HyenaDNA: another paper's protocol" in note and "btaf456" in note
    assert "no published GUE number we could verify" not in note


# Lindsey et al. 2025, "MCC Scores on the GUE", column "HyenaDNA (char)", as printed in
# results_tables/latex_table_gue_mcc.tex @ 4dd93ca (fractions), under their task names
LINDSEY_HYENADNA = {
    "prom_core_all": 0.626,
    "prom_core_notata": 0.664,
    "prom_core_tata": 0.465,
    "prom_300_all": 0.826,
    "prom_300_notata": 0.918,
    "prom_300_tata": 0.466,
    "human_tfp_0": 0.671,
    "human_tfp_1": 0.706,
    "human_tfp_2": 0.671,
    "human_tfp_3": 0.519,
    "human_tfp_4": 0.749,
    "mouse_tfp_0": 0.523,
    "mouse_tfp_1": 0.824,
    "mouse_tfp_2": 0.801,
    "mouse_tfp_3": 0.737,
    "mouse_tfp_4": 0.468,
    "splice_reconstructed": 0.820,
}


def _our_path(name: str) -> str:
    if name.startswith("prom_"):
        return f"prom/{name}"
    if name.startswith(("human_tfp_", "mouse_tfp_")):
        return f"{'tf' if name.startswith('human') else 'mouse'}/{name[-1]}"
    assert name == "splice_reconstructed"
    return "splice/reconstructed"


def test_hyenadna_column_is_lindsey_et_al_x100_and_nothing_else():
    """Its 17 numbers are the source's fractions x100; Covid (MCC there, macro F1 here) and the EMP
    tasks (not in the source) stay empty."""
    expected = {_our_path(name): 100 * value for name, value in LINDSEY_HYENADNA.items()}
    assert len(expected) == 17 and set(expected) <= set(GUE_TASKS)
    for task in GUE_TASKS:
        value = published(task, "HyenaDNA")
        if task in expected:
            assert value == pytest.approx(expected[task], abs=1e-9), task
        else:
            assert value is None, task
    assert published("virus/covid", "HyenaDNA") is None
    assert all(published(task, "HyenaDNA") is None for task in GUE_TASKS if task.startswith("EMP/"))


@pytest.mark.parametrize(
    "model, mean_28, by_group",
    [
        # averages the paper reports (all 28 tasks; per task type; its Table 3), two decimals, cut
        # (not rounded); read as quoted by later work, not from the paper itself
        (
            "DNABERT-2",
            66.80,
            {"EMP": 55.98, "tf": 70.10, "mouse": 67.99, "prom_core": 70.52, "prom_300": 84.21},
        ),
        (
            "NT-2500M-multi",
            66.93,
            {"EMP": 58.06, "tf": 63.32, "mouse": 67.01, "prom_core": 71.62, "prom_300": 88.14},
        ),
    ],
)
def test_transcription_reproduces_the_papers_averages(model, mean_28, by_group):
    """The 28-task and per-group means of our cells land in the paper's last printed digit: a wrong,
    swapped or shifted cell shows (a slip in one cell's last digit would not)."""
    assert -1e-9 <= statistics.mean(published(t, model) for t in GUE_TASKS) - mean_28 < 0.01
    for group, reported in by_group.items():
        mean = statistics.mean(published(t, model) for t in GUE_TASKS if group_of(t) == group)
        assert -1e-9 <= mean - reported < 0.01, group


@pytest.mark.real_data
def test_the_seven_shared_tasks_match_the_shared_data_readme(shared_data):
    """The shared folder's README carries DNABERT-2's numbers for its seven tasks (an independent copy)."""
    text = " ".join((shared_data / "README.md").read_text().split())
    names = {
        "prom/prom_core_tata": "prom_core_tata",
        "prom/prom_300_tata": "prom_300_tata",
        "prom/prom_core_notata": "prom_core_notata",
        "tf/0": "tf/0",
        "tf/1": "tf/1",
        "tf/4": "tf/4",
        "mouse/0": "mouse/0",
    }
    for task, name in names.items():
        assert re.search(rf"{re.escape(name)} {published(task, 'DNABERT-2'):.2f}\b", text), task


def _summary(tasks: list[str]) -> dict:
    return {
        "label": "m",
        "seeds": [1],
        "protocol_source": "p",
        "subset": {},
        "tasks": [{"task": t, "metric": "mcc", "per_seed": {"1": 0.5}} for t in tasks],
    }


def _row(table: str, first_cell: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(f"| {first_cell} |"))


def test_the_table_shows_the_hyenadna_column_and_averages_it_only_when_every_row_has_one():
    from hf_genomics.training.gue_report import benchmark_markdown

    table = benchmark_markdown(_summary(["prom/prom_core_tata", "tf/0"]))
    assert table.splitlines()[0].endswith("| HyenaDNA (published) |")
    assert _row(table, "prom/prom_core_tata").endswith("| 74.17 | 72.97 | 46.50 |")
    assert _row(table, "**average over 2 task(s)**").endswith("| 56.80 |")  # (46.5 + 67.1) / 2
    assert "HyenaDNA: another paper's protocol" in table

    table = benchmark_markdown(_summary(["EMP/H3", "tf/0"]))  # no HyenaDNA number for EMP
    assert _row(table, "EMP/H3").endswith("| 78.77 | – |")
    assert _row(table, "**average over 2 task(s)**").endswith("| – |")
