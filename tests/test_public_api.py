"""The public names, the Auto registrations and the command line are all wired."""

from __future__ import annotations

import pytest

import hf_genomics
from hf_genomics import cli


@pytest.mark.parametrize("name", sorted(hf_genomics._LAZY_NAMES))
def test_public_name_resolves(name):
    value = getattr(hf_genomics, name)
    assert value.__module__ == hf_genomics._LAZY_NAMES[name] and value.__name__ == name


SUBPACKAGES = [
    "hf_genomics.data",
    "hf_genomics.evaluation",
    "hf_genomics.models",
    "hf_genomics.models.encoder",
    "hf_genomics.models.lstm",
    "hf_genomics.studies",
    "hf_genomics.tokenization",
    "hf_genomics.training",
]


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_subpackages_export_their_public_names(package):
    """``from hf_genomics.models.encoder import DnaEncoderConfig`` and the like work, lazily."""
    import importlib

    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(value, "__name__", name) == name
        assert set(dir(module)) >= set(module.__all__)


def test_public_api_loads_and_runs(tmp_path):
    """Each public name does its job on a tiny input, the way the README uses it."""
    import numpy as np
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer, GPTNeoXForCausalLM

    from hf_genomics.data.toy import write_planted_motif_task

    kmer = hf_genomics.KmerTokenizer(k=3)
    assert kmer.convert_ids_to_tokens(kmer("ACGTAC")["input_ids"]) == ["[CLS]", "ACG", "TAC", "[SEP]"]
    assert hf_genomics.build_tokenizer("kmer:3")("ACGTAC")["input_ids"] == kmer("ACGTAC")["input_ids"]
    bpe = hf_genomics.train_dna_bpe(["ACGTACGTAACC" * 20] * 10, vocab_size=40)
    assert isinstance(bpe, hf_genomics.DnaBpeTokenizer)
    assert bpe.decode(bpe("ACGTACGT")["input_ids"], skip_special_tokens=True).replace(" ", "") == "ACGTACGT"

    config = hf_genomics.DnaEncoderConfig.from_preset("tiny", vocab_size=len(kmer), num_labels=2)
    batch = kmer(["ACGTACGTA", "GGG"], padding=True, return_tensors="pt")
    for cls, shape in (
        (hf_genomics.DnaEncoderModel, (2, batch["input_ids"].shape[1], config.hidden_size)),
        (hf_genomics.DnaEncoderForMaskedLM, (2, batch["input_ids"].shape[1], len(kmer))),
        (hf_genomics.DnaEncoderForSequenceClassification, (2, 2)),
        (hf_genomics.DnaEncoderForTokenClassification, (2, batch["input_ids"].shape[1], 2)),
    ):
        output = cls(config).eval()(**batch)
        tensor = output.last_hidden_state if cls is hf_genomics.DnaEncoderModel else output.logits
        assert tensor.shape == shape and torch.isfinite(tensor).all()
    hf_genomics.DnaEncoderForMaskedLM(config).save_pretrained(tmp_path / "mlm")
    kmer.save_pretrained(tmp_path / "mlm")
    reloaded = AutoModelForMaskedLM.from_pretrained(tmp_path / "mlm")
    assert type(reloaded).__name__ == "DnaEncoderForMaskedLM"
    assert (
        AutoTokenizer.from_pretrained(tmp_path / "mlm")("ACGTAC")["input_ids"] == kmer("ACGTAC")["input_ids"]
    )

    char = hf_genomics.build_tokenizer("char", causal=True)
    lstm = hf_genomics.DnaLstmForCausalLM(hf_genomics.DnaLstmConfig.from_preset("tiny", vocab_size=len(char)))
    ids = torch.tensor([char("ACGT")["input_ids"]])
    assert lstm(input_ids=ids).logits.shape == (1, ids.shape[1], len(char))
    decoder = GPTNeoXForCausalLM(hf_genomics.pythia_config("tiny", vocab_size=len(char)))
    assert decoder(input_ids=ids).logits.shape == (1, ids.shape[1], len(char))

    ngram = hf_genomics.NGramLM(2, "laplace").fit(["ACGTACGT", "ACGGT"])
    assert 1.0 < ngram.perplexity(["ACGT"]) < 6.0

    task = write_planted_motif_task(tmp_path / "task", sizes=(20, 8, 8))
    gue = hf_genomics.load_gue(task)
    assert {name: len(split) for name, split in gue.items()} == {"train": 20, "validation": 8, "test": 8}
    metrics = hf_genomics.compute_classification_metrics(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    assert metrics["accuracy"] == 0.75 and metrics["mcc"] == pytest.approx(np.sqrt(1 / 3))


def test_auto_classes_know_our_model_types():
    from transformers import AutoConfig
    from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

    for model_type in ("dna_encoder", "dna_lstm"):
        assert AutoConfig.for_model(model_type).model_type == model_type
    for name in ("KmerTokenizer", "DnaBpeTokenizer", "DnaLlmCharTokenizer"):
        assert tokenizer_class_from_name(name).__module__.startswith("hf_genomics.")


def test_every_cli_command_is_built():
    parser = cli.build_parser()
    for path in cli.COMMANDS:
        sub = parser
        for word in path:
            sub = next(action for action in sub._actions if action.dest in ("command", "subcommand")).choices[
                word
            ]
        assert not sub.get_default("_missing"), f"{' '.join(path)}: its module is missing"
        assert sub.format_help()
