"""One meaning per flag across commands, clean help, a quiet --quiet, ``hf-genomics ngram fit``,
and ``--max_train_minutes`` in every training script (issue 21, item 5)."""

from __future__ import annotations

import argparse
import json
import logging
import re

import numpy as np
import pytest

from hf_genomics import cli
from hf_genomics.models.ngram import NGramLM

GENES = ["ACGTTGCATGCATTTATAAGGACGT", "TTGACAGGCTATAAAAGGCTAGCTACGATCGATG", "GGGCGCGCATATATTTAAACG"]


def command_parser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = cli.build_parser(path, lazy=True)
    for word in path:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
    return parser


@pytest.mark.parametrize(
    "path", [("predict",), ("embed",), ("score-variants",), ("ism",), ("attribute",), ("study", "motifs")]
)
def test_help_shows_each_default_once(path):
    text = " ".join(command_parser(path).format_help().split())  # unwrap the columns
    assert "(default: None)" not in text
    assert not re.search(r"\(default: [^)]*\) \(default:", text), text


def test_output_is_a_file_or_folder_option_everywhere():
    """``--output`` names an output file; ism's classifier quantity is ``--quantity``, motifs' folder
    ``--output-dir``; the old spellings still work with a warning."""
    for path in [("predict",), ("embed",), ("score-variants",)]:
        assert "--output" in command_parser(path).format_help()
    ism = command_parser(("ism",))
    assert "--quantity" in ism.format_help() and "--output " not in ism.format_help()
    args = ism.parse_args(["--model", "m", "--fasta", "f", "--output-dir", "o"])
    assert args.quantity == "logit"
    motifs = command_parser(("study", "motifs"))
    assert "--output-dir" in motifs.format_help()


def test_deprecated_aliases_warn_and_still_work(capsys):
    args = command_parser(("ism",)).parse_args(
        ["--model", "m", "--fasta", "f", "--output-dir", "o", "--output", "probability"]
    )
    assert args.quantity == "probability"
    assert "--output is deprecated here, use --quantity" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the alias keeps the choices
        command_parser(("ism",)).parse_args(
            ["--model", "m", "--fasta", "f", "--output-dir", "o", "--output", "x"]
        )
    args = command_parser(("study", "motifs")).parse_args(["--output", "somewhere"])
    assert str(args.output_dir) == "somewhere"
    assert "use --output-dir" in capsys.readouterr().err


def test_quiet_silences_libraries_and_restores_them(tmp_path, capfd):
    from transformers.utils import logging as transformers_logging

    from hf_genomics import DnaEncoderConfig, DnaEncoderForSequenceClassification, KmerTokenizer

    tokenizer = KmerTokenizer(k=3)
    config = DnaEncoderConfig.from_preset("tiny", vocab_size=len(tokenizer), num_labels=2)
    DnaEncoderForSequenceClassification(config).save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    (tmp_path / "in.fa").write_text(">a\nACGTTGCATGCATTTATAAGG\n")
    transformers_logging.enable_progress_bar()  # another test in this worker may have turned bars off
    root_level, verbosity = logging.getLogger().level, transformers_logging.get_verbosity()
    capfd.readouterr()
    argv = ["predict", "--model", str(tmp_path / "model"), "--fasta", str(tmp_path / "in.fa")]
    assert cli.main([*argv, "--output", str(tmp_path / "p.tsv"), "--quiet"]) == 0
    err = capfd.readouterr().err
    assert "Loading weights" not in err and "WARNING" not in err, err  # no training length: a warning
    assert logging.getLogger().level == root_level and transformers_logging.get_verbosity() == verbosity
    assert transformers_logging.is_progress_bar_enabled()


def test_ngram_fit_command_matches_the_python_api(tmp_path, capsys):
    fasta = tmp_path / "genes.fa"
    fasta.write_text("".join(f">g{i}\n{s}\n" for i, s in enumerate(GENES[:2])))
    table = tmp_path / "more.csv"
    table.write_text("seq,label\n" + f"{GENES[2].lower()},1\n")
    out = tmp_path / "lm"
    argv = ["ngram", "fit", str(fasta), str(table), "--sequence-column", "seq", "--order", "3"]
    assert (
        cli.main([*argv, "--smoothing", "add-0.5", "--output-dir", str(out), "--test-file", str(fasta)]) == 0
    )
    expected = NGramLM(3, "add-0.5").fit(GENES)
    loaded = NGramLM.from_pretrained(out)
    np.testing.assert_array_equal(loaded.ngram_codes, expected.ngram_codes)
    np.testing.assert_array_equal(loaded.ngram_counts, expected.ngram_counts)
    summary = json.loads((out / "ngram_fit.json").read_text())
    assert summary["training_sequences"] == 3 and summary["training_nucleotides"] == sum(map(len, GENES))
    assert summary["test_perplexity"] == pytest.approx(expected.perplexity(GENES[:2]), rel=1e-12)
    assert "3-gram (add-0.5) fitted on 3 sequences" in capsys.readouterr().out


def test_ngram_fit_user_errors_are_one_line(tmp_path, capsys):
    fasta = tmp_path / "genes.fa"
    fasta.write_text(">g\nACGTACGT\n")
    assert cli.main(["ngram", "fit", str(fasta), "--order", "40", "--output-dir", str(tmp_path / "a")]) == 2
    assert cli.main(["ngram", "fit", str(tmp_path / "nope.fa"), "--output-dir", str(tmp_path / "b")]) == 2
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    assert cli.main(["ngram", "fit", str(fasta), "--output-dir", str(tmp_path / "link")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("hf-genomics ngram fit: error:") for line in lines)
    assert "n must be in 1..21" in lines[0] and "nope.fa" in lines[1] and "symbolic link" in lines[2]
    assert not any(target.iterdir())


def test_window_error_names_the_command_line_flag(tmp_path):
    from hf_genomics.analysis import score_variants

    (tmp_path / "ref.fa").write_text(">chr\nACGTACGTACGTACGT\n")
    (tmp_path / "v.vcf").write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr\t3\t.\tG\tA\t.\t.\t.\n"
    )
    with pytest.raises(ValueError, match="--window-nt on the command line"):
        score_variants(NGramLM(2).fit(GENES), None, tmp_path / "ref.fa", tmp_path / "v.vcf")


def test_training_minutes_callback_restarts_for_every_training_run():
    from transformers import TrainerControl, TrainerState

    from hf_genomics.training.callbacks import TrainingMinutesCallback

    now = [100.0]
    callback = TrainingMinutesCallback(1.0, clock=lambda: now[0])
    state = TrainerState(global_step=1, max_steps=10)
    for _ in range(2):  # two seeds: each gets its full minute
        callback.on_train_begin(None, state, TrainerControl())
        now[0] += 59
        assert not callback.on_step_end(None, state, TrainerControl()).should_training_stop
        now[0] += 2
        control = callback.on_step_end(None, state, TrainerControl())
        assert control.should_training_stop and control.should_save and callback.stopped_at_step == 1
    with pytest.raises(ValueError, match="max_train_minutes"):
        TrainingMinutesCallback(-1)


def test_every_training_script_takes_max_train_minutes():
    from hf_genomics.training.classification import ClassificationArguments
    from hf_genomics.training.clm import ClmDataArguments
    from hf_genomics.training.mlm import DataArguments

    for arguments in (DataArguments, ClmDataArguments, ClassificationArguments):
        assert "max_train_minutes" in arguments.__dataclass_fields__


def test_run_mlm_stops_at_its_time_budget(tmp_path):
    from hf_genomics.training.mlm import main

    fasta = tmp_path / "train.fa"
    fasta.write_text("".join(f">r{i}\n{GENES[i % 3] * 4}\n" for i in range(12)))
    results = main(
        [
            f"--train_file={fasta}",
            "--tokenizer=kmer:3",
            "--preset=tiny",
            "--max_length_nt=48",
            "--per_device_train_batch_size=2",
            "--max_steps=50",
            "--max_train_minutes=0",
            "--save_strategy=no",
            "--report_to=none",
            "--use_cpu=true",
            "--disable_tqdm=true",
            f"--output_dir={tmp_path / 'out'}",
        ]  # fmt: skip
    )
    assert results["stopped_by_time_budget"] and results["global_step"] == 1


def test_classification_budget_is_defining_only_when_set():
    """Seeds finished before --max_train_minutes (or the augmentation flags) existed keep their hash;
    setting one changes it."""
    import dataclasses
    import hashlib

    from transformers import TrainingArguments

    from hf_genomics.training import classification as c
    from hf_genomics.training.classification_seeds import HASHED_WHEN_SET

    args = c.ClassificationArguments(task_dir="tf/0")
    training = TrainingArguments(output_dir="unused", use_cpu=True, report_to="none")
    old = {k: v for k, v in dataclasses.asdict(args).items() if k not in c.NON_DEFINING_ARGUMENTS}
    for name in HASHED_WHEN_SET:  # the options added after seeds had been finished
        del old[name]
    kept = {k: v for k, v in training.to_dict().items() if k not in c.NON_DEFINING_TRAINING_FIELDS}
    text = json.dumps({"arguments": old, "training": kept}, sort_keys=True, default=str)
    assert c.settings_fingerprint(args, training) == hashlib.sha256(text.encode()).hexdigest()[:16]
    for changed in ({"max_train_minutes": 5.0}, {"mutation_fraction": 0.05}, {"max_shift_fraction": 0.1}):
        other = dataclasses.replace(args, **changed)
        assert c.settings_fingerprint(other, training) != c.settings_fingerprint(args, training)
    mutated = dataclasses.replace(args, mutation_fraction=0.05)  # the finish needs an augmentation
    finished = dataclasses.replace(mutated, unaugmented_final_share=0.2)
    assert c.settings_fingerprint(finished, training) != c.settings_fingerprint(mutated, training)


@pytest.mark.parametrize("script", ["mlm", "clm", "classification"])
def test_training_scripts_show_each_default_once(script, capsys):
    import importlib

    module = importlib.import_module(f"hf_genomics.training.{script}")
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--max_train_minutes" in text
    assert "(default: None)" not in text and not re.search(r"\(default: [^)]*\) \(default:", text)
