"""The public names, the Auto registrations and the command line are all wired."""

from __future__ import annotations

import pytest

import hf_genomics
from hf_genomics import cli


@pytest.mark.parametrize("name", sorted(hf_genomics._LAZY_NAMES))
def test_public_name_resolves(name):
    assert getattr(hf_genomics, name) is not None


def test_auto_classes_know_our_model_types():
    from transformers import AutoConfig, AutoTokenizer
    from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

    for model_type in ("dna_encoder", "dna_lstm"):
        assert AutoConfig.for_model(model_type).model_type == model_type
    for name in ("KmerTokenizer", "DnaBpeTokenizer", "DnaLlmCharTokenizer"):
        assert tokenizer_class_from_name(name).__module__.startswith("hf_genomics.")
    assert AutoTokenizer is not None


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
