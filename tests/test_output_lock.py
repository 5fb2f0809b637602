"""One run per output folder (issue 10 item 10): the lock, its sidecar, and every training entry
point refusing a folder in use before writing anything. Two real processes: tests/test_study_settings.py."""

from __future__ import annotations

import json
import os
import socket

import numpy as np
import pytest

from hf_genomics.data.toy import write_planted_motif_task
from hf_genomics.output_lock import SIDECAR_NAME, OutputDirLocked, lock_output_dir


def test_sidecar_names_the_holder_and_goes_with_the_lock(tmp_path):
    with lock_output_dir(tmp_path / "out") as lock:
        holder = json.loads((tmp_path / "out" / SIDECAR_NAME).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        assert lock.is_locked
        with pytest.raises(OutputDirLocked, match="that is this very process"):
            lock_output_dir(tmp_path / "out").acquire()
        with lock_output_dir(tmp_path / "other"):  # other folders are independent
            pass
    assert not (tmp_path / "out" / SIDECAR_NAME).exists()
    with lock_output_dir(tmp_path / "out"):  # free again
        pass


def test_holder_unknown_while_the_sidecar_is_missing(tmp_path):
    with lock_output_dir(tmp_path) as lock:
        lock.sidecar.unlink()
        with pytest.raises(OutputDirLocked, match="holder unknown"):
            lock_output_dir(tmp_path).acquire()


@pytest.fixture(scope="module")
def fasta(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("lock") / "train.fa"
    path.write_text("".join(f">r{i}\n{''.join(rng.choice(list('ACGT'), 120))}\n" for i in range(12)))
    return path


TRAINING = ["--report_to=none", "--use_cpu=true", "--disable_tqdm=true", "--max_steps=1", "--save_steps=1"]


def assert_untouched(folder):
    assert sorted(p.name for p in folder.iterdir()) == sorted([".hf_genomics.lock", SIDECAR_NAME])


def test_run_mlm_refuses_a_folder_in_use(fasta, tmp_path):
    """Before the fix a second run_mlm wrote its checkpoint beside the first run's (both exited 0)."""
    from hf_genomics.training.mlm import main

    out = tmp_path / "mlm"
    with lock_output_dir(out):
        with pytest.raises(OutputDirLocked, match=rf"output folder {out} is in use .*pid {os.getpid()}"):
            main([f"--train_file={fasta}", "--tokenizer=kmer:3", "--preset=tiny", "--max_length_nt=64",
                  f"--output_dir={out}", *TRAINING])  # fmt: skip
        assert_untouched(out)


def test_run_clm_refuses_a_folder_in_use(fasta, tmp_path):
    from hf_genomics.training.clm import main

    out = tmp_path / "clm"
    with lock_output_dir(out):
        with pytest.raises(OutputDirLocked, match=rf"output folder {out} is in use"):
            main(
                [
                    f"--train_file={fasta}",
                    "--model_type=lstm",
                    "--preset=tiny",
                    f"--output_dir={out}",
                    *TRAINING,
                ]
            )
        assert_untouched(out)


def test_run_classification_refuses_a_folder_in_use(tmp_path):
    from transformers import HfArgumentParser

    from hf_genomics.training.classification import (
        ClassificationArguments,
        StudyTrainingArguments,
        run_classification,
    )

    task = write_planted_motif_task(tmp_path / "toy", sizes=(32, 16, 16))
    out = tmp_path / "cls"
    parser = HfArgumentParser((ClassificationArguments, StudyTrainingArguments))
    args = parser.parse_args_into_dataclasses(
        args=["--task_dir", str(task), "--tokenizer", "kmer:3", "--preset", "tiny", "--output_dir", str(out),
              "--seeds", "1", *TRAINING]
    )  # fmt: skip
    with lock_output_dir(out):
        with pytest.raises(OutputDirLocked, match=rf"output folder {out} is in use"):
            run_classification(*args)
        assert_untouched(out)
