"""``hf-genomics study viral-scaling`` end to end at toy scale (one tiny rung, a few steps)."""

from __future__ import annotations

import json

import pytest

from hf_genomics.cli import main
from tests.plot_content import assert_plot_has_content


@pytest.mark.real_data
def test_viral_scaling_smoke(shared_data, tmp_path, capsys):
    args = ["study", "viral-scaling", "--data-dir", str(shared_data), "--output-dir", str(tmp_path)]
    args += ["--sizes", "tiny", "--max-steps", "3", "--context-nt", "128", "--eval-nt", "64"]
    args += ["--eval-per-group", "1", "--eval-ood", "2", "--batch-size", "4"]
    args += ["--aux-losses", "walk:0.1", "complement:0.5"]
    assert main(args) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results[0]["size"] == "tiny" and results[0]["num_parameters"] == 17_664
    assert results[0]["aux_losses"] == ["walk:0.1", "complement:0.5"]
    assert {row["split"] for row in results[0]["by_split"]} == {"test", "ood"}
    assert (tmp_path / "ood_distance_vs_parameters.png").exists()
    assert (tmp_path / "distance_vs_training_windows.png").exists()
    assert_plot_has_content(tmp_path / "ood_distance_vs_parameters.png", min_colours=2)  # test + ood
    assert_plot_has_content(tmp_path / "distance_vs_training_windows.png")
    assert "prompt-composition baseline" in (tmp_path / "results.md").read_text()
    # a rerun skips the finished rung
    assert main(args) == 0
    assert (
        json.loads((tmp_path / "results.json").read_text())[0]["train_seconds"] == results[0]["train_seconds"]
    )
    # the same folder with other settings: refused, not mixed (issue 10 item 9)
    other = [*args[: args.index("--max-steps")], "--max-steps", "4", *args[args.index("--max-steps") + 2 :]]
    capsys.readouterr()
    assert main(other) == 2
    assert "rungs/tiny was finished with other settings (max_steps differ)" in capsys.readouterr().err
