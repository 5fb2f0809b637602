"""MLM pretraining: span-masking collator, data loading/windows, end-to-end run, resume, 2 processes."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.data.collators import DnaMlmCollator, default_span
from hf_genomics.data.io import load_sequences
from hf_genomics.data.sequences import cut_windows
from hf_genomics.evaluation.length_extrapolation import mlm_loss_by_length
from hf_genomics.evaluation.units import nucleotides_per_token
from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
from hf_genomics.tokenization.kmer import KmerTokenizer
from hf_genomics.training.mlm import main
from tests.two_processes import launch_two_processes

REPO = Path(__file__).resolve().parents[1]
KMER3 = KmerTokenizer(k=3)
SPECIALS = set(KMER3.all_special_ids)

dna = st.text(alphabet="ACGT", min_size=1, max_size=60)


@settings(max_examples=40, deadline=None)
@given(st.lists(dna, min_size=1, max_size=4), st.integers(1, 4), st.integers(0, 3))
def test_collator_invariants(seqs, span, seed):
    collator = DnaMlmCollator(KMER3, mlm_probability=0.3, span=span, seed=seed)
    examples = [{"input_ids": ids} for ids in KMER3(seqs)["input_ids"]]
    batch = collator(examples)
    for row, example in enumerate(examples):
        ids = np.array(example["input_ids"])
        n = len(ids)
        labels = batch["labels"][row].numpy()
        masked = labels != -100
        assert masked[:n].any(), "every example gets at least one target"
        assert not masked[n:].any() and (batch["attention_mask"][row, n:] == 0).all()
        assert (labels[masked] == ids[masked[:n]]).all()
        assert not any(ids[masked[:n]][i] in SPECIALS for i in range(int(masked.sum())))
        corrupted = batch["input_ids"][row, :n].numpy()
        assert (corrupted[~masked[:n]] == ids[~masked[:n]]).all()
        # masks depend on the example alone, not on what else is in the batch
        alone = collator([example])
        assert torch.equal(alone["labels"][0, :n], batch["labels"][row, :n])


def test_span_masking_rate_and_contiguity():
    tokenizer = KmerTokenizer(k=6, stride=1)
    assert default_span(tokenizer) == 6 and default_span(KMER3) == 1
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 600)) for _ in range(20)]
    collator = DnaMlmCollator(tokenizer, mlm_probability=0.15, span=6, seed=1)
    batch = collator([{"input_ids": ids} for ids in tokenizer(seqs)["input_ids"]])
    masked = (batch["labels"] != -100).numpy()
    assert 0.12 < masked.mean() < 0.18
    for row in masked[:, 1:-1]:  # between [CLS] and [SEP]
        runs = "".join("1" if x else "0" for x in row).strip("1").split("0")  # drop runs cut by the ends
        assert min(len(run) for run in runs if run) >= 6, "masked runs are at least one span long"


def test_masks_change_between_epochs_and_are_reproducible():
    collator = DnaMlmCollator(KMER3, span=1, seed=0)
    example = [{"input_ids": KMER3("ACGT" * 60)["input_ids"]}]
    first = collator(example)["labels"]
    assert torch.equal(first, collator(example)["labels"])
    collator.epoch = 1
    assert not torch.equal(first, collator(example)["labels"])


@given(dna, st.integers(1, 25))
def test_windows_tile_the_sequence(seq, window):
    assert "".join(cut_windows([seq], window, min_window_nt=1)) == seq
    assert all(len(w) == window for w in cut_windows([seq], window, min_window_nt=window))


def test_nucleotides_per_token():
    counts = nucleotides_per_token(KMER3)
    vocab = KMER3.get_vocab()
    assert counts[vocab["[MASK]"]] == 0 and counts[vocab["A"]] == 1 and counts[vocab["ACG"]] == 3
    overlapping = nucleotides_per_token(KmerTokenizer(k=3, stride=1))
    assert overlapping[vocab["ACG"]] == 1


def test_load_sequences_formats(tmp_path):
    (tmp_path / "a.csv").write_text("sequence,label\nacgtn,1\nACGU,0\n")
    (tmp_path / "a.txt").write_text("ACGT\nGGCC\n")
    with gzip.open(tmp_path / "a.fa.gz", "wt") as handle:
        handle.write(">x desc\nACGT\nacgt\n>y\nNNAC\n")
    assert load_sequences(tmp_path / "a.csv")["sequence"] == ["ACGTN", "ACGT"]
    assert load_sequences(tmp_path / "a.txt")["sequence"] == ["ACGT", "GGCC"]
    fasta = load_sequences(tmp_path / "a.fa.gz")
    assert fasta["sequence"] == ["ACGTACGT", "NNAC"] and fasta["id"] == ["x", "y"]
    fasta.save_to_disk(str(tmp_path / "saved"))
    assert load_sequences(tmp_path / "saved")["sequence"] == ["ACGTACGT", "NNAC"]
    (tmp_path / "bad.fa").write_text(">ok\nACGT\n>broken\nAC#GT\n")
    with pytest.raises(InvalidSequenceError, match="broken"):
        load_sequences(tmp_path / "bad.fa")


@pytest.mark.parametrize("position", ["sinusoidal", "alibi", "rope"])
def test_length_extrapolation_helper(position):
    torch.manual_seed(0)
    cfg = DnaEncoderConfig.from_preset(
        "tiny", vocab_size=len(KMER3), position_embedding_type=position, max_position_embeddings=12
    )
    model = DnaEncoderForMaskedLM(cfg)
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 300)) for _ in range(3)]
    rows = mlm_loss_by_length(model, KMER3, seqs, train_length_nt=30, factors=(1, 2, 4))
    assert [row["length_nt"] for row in rows] == [30, 60, 120]
    assert [row["n_windows"] for row in rows] == [30, 15, 6]
    for row in rows:
        assert np.isfinite(row["loss"]) and 1.5 < row["bits_per_nucleotide"] < 4


# ---- end-to-end -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fasta(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("mlm") / "train.fa"
    path.write_text(
        "".join(f">r{i}\n{''.join(rng.choice(list('ACGT'), rng.integers(150, 400)))}\n" for i in range(40))
    )
    return path


def common_args(fasta: Path) -> list[str]:
    return [
        f"--train_file={fasta}",
        "--tokenizer=kmer:3",
        "--preset=tiny",
        "--position_embedding_type=rope",
        "--max_length_nt=96",
        "--validation_split_percentage=10",
        "--per_device_eval_batch_size=8",
        "--learning_rate=1e-3",
        "--logging_steps=1",
        "--report_to=none",
        "--use_cpu=true",
        "--disable_tqdm=true",
        "--seed=7",
    ]


def curve(results: dict) -> list[float]:
    return [entry["loss"] for entry in results["loss_curve"]]


def test_run_resume_and_results_json(fasta, tmp_path):
    args = [*common_args(fasta), "--per_device_train_batch_size=4", "--max_steps=6", "--save_steps=3"]
    full = main([*args, f"--output_dir={tmp_path / 'full'}"])
    saved = json.loads((tmp_path / "full" / "mlm_results.json").read_text())
    for key in ("loss", "perplexity", "bits_per_nucleotide"):
        assert np.isfinite(saved["eval"][key])
    assert saved["eval"]["perplexity"] == pytest.approx(np.exp(saved["eval"]["loss"]))
    assert len(curve(full)) == 6
    assert (tmp_path / "full" / "model.safetensors").exists() and (
        tmp_path / "full" / "tokenizer.json"
    ).exists()

    shutil.copytree(tmp_path / "full" / "checkpoint-3", tmp_path / "resumed" / "checkpoint-3")
    resumed = main([*args, f"--output_dir={tmp_path / 'resumed'}", "--resume_from_checkpoint=last"])
    np.testing.assert_allclose(curve(resumed), curve(full), rtol=1e-5)
    assert resumed["eval"]["loss"] == pytest.approx(full["eval"]["loss"], rel=1e-5)


def test_two_processes_match_one_process(fasta, tmp_path):
    """accelerate launch with 2 CPU processes (gloo), 2 x 2 per device == 1 x 4: same loss curve."""
    args = [*common_args(fasta), "--max_steps=4", "--save_strategy=no"]
    ddp = launch_two_processes(
        [str(REPO / "scripts" / "run_mlm.py"), *args, "--per_device_train_batch_size=2",
         f"--output_dir={tmp_path / 'ddp'}"]
    )  # fmt: skip
    assert ddp.returncode == 0, ddp.stderr[-4000:]
    two = json.loads((tmp_path / "ddp" / "mlm_results.json").read_text())
    one = main([*args, "--per_device_train_batch_size=4", f"--output_dir={tmp_path / 'single'}"])
    assert two["world_size"] == 2 and one["world_size"] == 1
    np.testing.assert_allclose(curve(two), curve(one), rtol=1e-5)
    assert two["eval"]["loss"] == pytest.approx(one["eval"]["loss"], rel=1e-5)
