"""The published reference columns of ``benchmark gue``: every GUE task, a source for every column
that has numbers, and the transcription checked against the paper's own averages."""

from __future__ import annotations

import re
import statistics

import pytest

from hf_genomics.data.gue import GUE_TASKS
from hf_genomics.training.gue_protocol import PUBLISHED, REFERENCE_MODELS, SOURCES, group_of, published
from hf_genomics.training.gue_report import published_note


def test_every_task_has_the_dnabert2_and_nt_numbers_and_every_column_its_source():
    assert set(PUBLISHED) == set(GUE_TASKS)
    for model in REFERENCE_MODELS:
        values = [published(task, model) for task in GUE_TASKS]
        if SOURCES[model] is None:  # no verified source: the column stays empty, never guessed
            assert values == [None] * len(GUE_TASKS), model
        else:
            assert all(isinstance(v, float) and 0 < v < 100 for v in values), model
            assert "2306.15006" in SOURCES[model] and "Table 4" in SOURCES[model]
    assert SOURCES["HyenaDNA"] is None
    assert "HyenaDNA: no published GUE number we could verify" in published_note()


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
