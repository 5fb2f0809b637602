"""scripts/run_clm.py (hf_genomics.training.clm): tiny LSTM / GPT-NeoX runs, resume, selection, aux losses."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hf_genomics.training.clm import CausalLMTrainer, load_dna, main

COMMON = [
    "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "8", "--use_cpu",
    "--report_to", "none", "--logging_steps", "1", "--disable_tqdm", "true", "--learning_rate", "1e-3",
    "--dataloader_num_workers", "0",
]  # fmt: skip


@pytest.fixture(scope="module")
def gene_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("genes")
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), int(rng.integers(20, 60)))) for _ in range(30)]
    csv = folder / "genes.csv"
    lines = ["NCBIGeneID,Symbol,Description,GeneType,GeneGroupIdentifier,GeneGroupMethod,NucleotideSequence"]
    lines += [f"{i},G{i},gene {i},PROTEIN_CODING,,,<{s}>" for i, s in enumerate(seqs)]
    csv.write_text("\n".join(lines) + "\n")
    fasta = folder / "genes.fa"
    fasta.write_text("".join(f">g{i}\n{s}\n" for i, s in enumerate(seqs[:8])))
    return csv, fasta, seqs


def test_load_dna_reads_the_study_csv_and_fasta(gene_files):
    csv, fasta, seqs = gene_files
    assert load_dna(csv)["sequence"] == seqs
    assert load_dna(fasta)["sequence"] == seqs[:8]


def test_lstm_run_selection_and_resume(gene_files, tmp_path):
    csv, fasta, seqs = gene_files
    out = tmp_path / "lstm"
    args = [
        "--model_type", "lstm", "--preset", "tiny", "--tokenizer", "char", "--train_file", str(csv),
        "--test_file", str(fasta), "--output_dir", str(out), "--max_steps", "4", "--eval_strategy", "steps",
        "--eval_steps", "2", "--save_steps", "2", "--selection_threshold", "100", *COMMON,
    ]  # fmt: skip
    results = main(args)
    assert results["global_step"] == 4 and results["model_type"] == "lstm"
    assert results["test"]["n_predicted_tokens"] == sum(len(s) + 1 for s in seqs[:8])
    assert results["validation"]["perplexity"] > 1
    assert [entry["step"] for entry in results["selection"]["history"]] == [2, 4]
    assert results["selection"]["selected"]["step"] == 4 and (out / "selected" / "model.safetensors").exists()
    assert json.loads((out / "clm_results.json").read_text())["validation"] == results["validation"]
    # resume from the last checkpoint and train 2 more steps
    resumed = main([*args[: args.index("--max_steps")], "--max_steps", "6", *args[args.index("--eval_strategy") :],
                    "--resume_from_checkpoint", "last"])  # fmt: skip
    assert resumed["global_step"] == 6


def test_gpt_neox_with_aux_losses_and_time_budget(gene_files, tmp_path):
    csv, _, _ = gene_files
    args = [
        "--model_type", "gpt_neox", "--preset", "tiny", "--tokenizer", "char", "--train_file", str(csv),
        "--output_dir", str(tmp_path / "neox"), "--max_steps", "50", "--max_train_minutes", "0",
        "--aux_losses", "walk:0.1", "complement:0.5", "--save_strategy", "no", *COMMON,
    ]  # fmt: skip
    results = main(args)
    assert results["stopped_by_time_budget"] and results["global_step"] == 1
    assert results["aux_losses"] == {"walk": 0.1, "complement": 0.5}
    assert results["n_parameters"] > 0 and results["validation"]["bits_per_nucleotide"] > 0


def test_unknown_aux_loss_is_rejected(tmp_path):
    from transformers import TrainingArguments

    from hf_genomics.tokenization.spec import build_tokenizer
    from hf_genomics.training.clm import ClmModelArguments, build_causal_lm

    tokenizer = build_tokenizer("char", causal=True)
    model = build_causal_lm(ClmModelArguments(preset="tiny"), tokenizer, 64)
    with pytest.raises(ValueError, match="unknown auxiliary loss"):
        CausalLMTrainer(
            model=model,
            args=TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none"),
            aux_losses={"entropy": 1.0},
        )


def test_study_transformer_and_study_lstm_train(gene_files, tmp_path):
    """The study-faithful decoders are run_clm model types: GenesTransformer and the genes-study LSTM
    (learned positions), shrunk by --config_overrides, two steps each."""
    csv, _, _ = gene_files
    for model_type, preset, overrides in (
        ("genes_transformer", "tiny", "hidden_size=16,num_hidden_layers=1,head_dim=8,intermediate_size=16"),
        ("lstm", "genes-study", "embedding_size=8,hidden_size=8,num_hidden_layers=1"),
    ):
        args = [
            "--model_type", model_type, "--preset", preset, "--config_overrides", overrides,
            "--tokenizer", "char", "--train_file", str(csv), "--output_dir", str(tmp_path / model_type),
            "--max_steps", "2", "--save_strategy", "no", *COMMON,
        ]  # fmt: skip
        results = main(args)
        assert results["global_step"] == 2 and results["validation"]["bits_per_nucleotide"] > 0


def _fake_state(history, step=0):
    from transformers import TrainerState

    state = TrainerState()
    state.log_history = list(history)
    state.global_step = step
    return state


def test_early_stopping_counts_like_keras_and_rebuilds_on_resume():
    """Keras' EarlyStopping(patience=2, min_delta=0): stop at the 2nd evaluation in a row without a new
    minimum; a callback started on a resumed run's history continues the same count."""
    from transformers import TrainerControl

    from hf_genomics.training.callbacks import EarlyStoppingOnMetric

    losses = [1.0, 0.9, 0.95, 0.9, 0.8, 0.85, 0.81]
    callback = EarlyStoppingOnMetric(patience=2)
    callback.on_train_begin(None, _fake_state([]), TrainerControl())
    stops = []
    for step, loss in enumerate(losses, start=1):
        control = callback.on_evaluate(
            None, _fake_state([], step), TrainerControl(), metrics={"eval_loss": loss}
        )
        stops.append(control.should_training_stop)
    # equal to the best is not an improvement (strict): the 2nd 0.9 is the 2nd wait, so it stops there
    # (a Trainer would end at step 4; fed on, the rule restarts at 0.8 and stops again at 0.81)
    assert stops == [False, False, False, True, False, False, True]
    assert callback.stopped_at_step == 7 and callback.best == 0.8
    # resumed after the 5th evaluation: the history alone gives the same state and the same stop
    resumed = EarlyStoppingOnMetric(patience=2)
    history = [{"eval_loss": loss, "step": step} for step, loss in enumerate(losses[:5], start=1)]
    resumed.on_train_begin(None, _fake_state(history, 5), TrainerControl())
    assert (resumed.best, resumed.best_step, resumed.waited) == (0.8, 5, 0)
    for step, loss in ((6, 0.85), (7, 0.81)):
        control = resumed.on_evaluate(
            None, _fake_state(history, step), TrainerControl(), metrics={"eval_loss": loss}
        )
    assert control.should_training_stop and resumed.stopped_at_step == 7
    # one step evaluated twice (a time-budget stop mid-epoch, then the epoch-end evaluation) counts once
    twice = EarlyStoppingOnMetric(patience=1)
    twice.on_train_begin(
        None, _fake_state([{"eval_loss": 1.0, "step": 3}, {"eval_loss": 1.0, "step": 3}]), None
    )
    assert twice.waited == 0 and twice.best_step == 3
    with pytest.raises(ValueError, match="patience"):
        EarlyStoppingOnMetric(patience=0)


def test_run_clm_early_stopping_keeps_last_weights(gene_files, tmp_path):
    """A learning rate of 0 never improves the validation loss: patience 1 stops at the 2nd evaluation,
    the results record the rule and the evaluation curve, and the saved model is the last one."""
    csv, _, _ = gene_files
    out = tmp_path / "early"
    args = [
        "--model_type", "lstm", "--preset", "tiny", "--tokenizer", "char", "--train_file", str(csv),
        "--output_dir", str(out), "--max_steps", "20", "--eval_strategy", "steps", "--eval_steps", "2",
        "--save_strategy", "no", "--early_stopping_patience", "1", *COMMON, "--learning_rate", "0",
    ]  # fmt: skip
    results = main(args)
    assert results["global_step"] == 4
    rule = results["early_stopping"]
    assert rule["patience"] == 1 and rule["stopped_at_step"] == 4 and rule["best_step"] == 2
    assert [entry["step"] for entry in results["eval_curve"]] == [2, 4]
    assert all("eval_loss" in entry for entry in results["eval_curve"])
