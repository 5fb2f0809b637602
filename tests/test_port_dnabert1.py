"""DNABERT-1 port: transformers' BERT with the original weights, and a tokenizer giving DNABERT-1's
vocab.txt ids from raw DNA (no seq2kmer step). References were produced by the original pipeline
(``seq2kmer`` + BERT tokenizer over the repository's vocab.txt; transformers 4.44.2 BertForMaskedLM)
with ``tests/fixtures/ports/make_nucleotide_transformer_fixtures.py``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file
from transformers import AutoModelForMaskedLM, AutoTokenizer, BertForMaskedLM, pipeline

import hf_genomics  # noqa: F401
from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.convert import ConversionError, convert_checkpoint, detect_family
from hf_genomics.models.dnabert1 import Dnabert1Tokenizer, dnabert1_vocab
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "nucleotide_transformer"
VOCABS = FIXTURES / "dnabert1_vocab"
LORA_TARGETS = ["query", "key", "value", "dense"]  # README row: transformers' BERT module names


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dnabert1")
    convert_checkpoint(FIXTURES / "dnabert1_tiny", folder)
    return folder


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
def test_converted_bert_matches_original(converted, attn_implementation):
    ref = load_file(FIXTURES / "dnabert1_tiny_outputs.safetensors")
    model = AutoModelForMaskedLM.from_pretrained(converted, attn_implementation=attn_implementation).eval()
    assert type(model) is BertForMaskedLM
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).logits
        hidden = model.bert(
            input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]
        ).last_hidden_state
    assert ref["attention_mask"].min() == 0
    torch.testing.assert_close(hidden, ref["last_hidden_state"], atol=1e-5, rtol=0)
    torch.testing.assert_close(logits, ref["logits"], atol=1e-5, rtol=0)


def test_converted_tokenizer_gives_the_fixture_inputs(converted):
    """The fixture batch was tokenised by the original pipeline; ours gives the same ids."""
    ref = load_file(FIXTURES / "dnabert1_tiny_outputs.safetensors")
    tokenizer = AutoTokenizer.from_pretrained(converted)
    assert isinstance(tokenizer, Dnabert1Tokenizer) and tokenizer.k == 3
    rows = [row[mask.bool()].tolist() for row, mask in zip(ref["input_ids"], ref["attention_mask"])]
    decoded = [tokenizer.decode(row, skip_special_tokens=True) for row in rows]
    assert tokenizer(decoded[:2])["input_ids"] == rows[:2]


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_vocabulary_order_is_dnabert1s(k):
    real = (VOCABS / f"bert-config-{k}" / "vocab.txt").read_text().split("\n")
    assert dnabert1_vocab(k) == [token for token in real if token]
    tokenizer = Dnabert1Tokenizer(vocab=VOCABS / f"bert-config-{k}" / "vocab.txt")
    assert tokenizer.k == k and len(tokenizer) == 5 + 4**k


def seq2kmer_ids(sequence: str, vocab: list[str], k: int) -> list[int]:
    """The original pipeline: seq2kmer, whitespace split, look-up with [UNK] fallback."""
    index = {token: i for i, token in enumerate(vocab)}
    words = [sequence[i : i + k] for i in range(len(sequence) + 1 - k)]
    return [index["[CLS]"]] + [index.get(word, index["[UNK]"]) for word in words] + [index["[SEP]"]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", max_size=30), min_size=1, max_size=4), st.sampled_from([3, 6]))
def test_tokenizer_follows_the_original_pipeline(texts, k):
    vocab = dnabert1_vocab(k)
    tokenizer = Dnabert1Tokenizer(vocab=vocab)
    assert tokenizer(texts)["input_ids"] == [seq2kmer_ids(text, vocab, k) for text in texts]


@pytest.mark.real_data
@pytest.mark.parametrize("k", [3, 6])
def test_tokenizer_ids_equal_dnabert1_on_real_dna(shared_data, k):
    from test_port_nucleotide_transformer import _reference_rows, fixture_texts

    texts, edge_cases = fixture_texts(shared_data)
    meta = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    inputs = [text[: meta["dnabert1_truncate_nt"]] for text in texts] + edge_cases
    tokenizer = Dnabert1Tokenizer(vocab=VOCABS / f"bert-config-{k}" / "vocab.txt")
    expected = _reference_rows(f"dnabert1_{k}mer")
    assert tokenizer(inputs)["input_ids"] == expected
    assert [tokenizer(text)["input_ids"] for text in inputs] == expected
    assert tokenizer.encode_to_array(inputs[:5]).tolist()[0][: len(expected[0])] == expected[0]


def test_n_is_never_a_silent_unk(caplog):
    tokenizer = Dnabert1Tokenizer(vocab=dnabert1_vocab(3))
    with caplog.at_level(logging.WARNING):
        ids = tokenizer("ACGNACG")["input_ids"]
    assert ids == [2] + [tokenizer.convert_tokens_to_ids("ACG")] + [1, 1, 1] + [
        tokenizer.convert_tokens_to_ids("ACG"),
        3,
    ]
    assert "[UNK]" in caplog.text and "item 0, position 1" in caplog.text
    strict = Dnabert1Tokenizer(vocab=dnabert1_vocab(3), unknown_kmers="error")
    with pytest.raises(InvalidSequenceError, match="position 1"):
        strict(["ACGTAC", "ACGNACG"])
    assert strict("acgtac")["input_ids"] == strict("ACGTAC")["input_ids"]  # documented normalisation


def test_masks_specials_saving_and_decoding(tmp_path):
    tokenizer = Dnabert1Tokenizer(vocab=dnabert1_vocab(3))
    ids = tokenizer("ACGT[MASK]ACG")["input_ids"]
    assert ids == [2, tokenizer.convert_tokens_to_ids("ACG"), tokenizer.convert_tokens_to_ids("CGT"), 4,
                   tokenizer.convert_tokens_to_ids("ACG"), 3]  # fmt: skip
    assert tokenizer.decode(tokenizer("ACGTTGCA")["input_ids"], skip_special_tokens=True) == "ACGTTGCA"
    assert tokenizer.max_tokens_for(10) == 10 - 3 + 1 + 2
    tokenizer.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert type(again) is Dnabert1Tokenizer
    assert again(["ACGTNA", "TTTT"])["input_ids"] == tokenizer(["ACGTNA", "TTTT"])["input_ids"]


def test_dnabert1_configs_are_recognised_and_others_refused():
    real = json.loads((FIXTURES / "dnabert1_tiny" / "config.json").read_text())
    for k in (3, 4, 5, 6):
        assert detect_family({**real, "vocab_size": 5 + 4**k}).family == "DNABERT-1"
    dnabert2 = {"model_type": "bert", "vocab_size": 4096, "auto_map": {"AutoModel": "bert_layers.BertModel"}}
    gena = {"model_type": "bert", "vocab_size": 32000, "architectures": ["BertForMaskedLM"]}
    for config in (dnabert2, gena):  # other BERT-shaped families are never taken for DNABERT-1
        try:
            assert detect_family(config).family != "DNABERT-1"
        except ConversionError as error:
            assert "unknown architecture" in str(error)
    with pytest.raises(ConversionError, match="unknown architecture"):
        detect_family({**real, "vocab_size": 4101, "auto_map": {"AutoModel": "x.Y"}})


def test_fill_mask_pipeline_and_lora_targets(converted):
    from peft import LoraConfig, get_peft_model

    fill = pipeline("fill-mask", model=str(converted), tokenizer=str(converted), device="cpu")
    predictions = fill("ACGTA[MASK]ACG", top_k=2)
    assert len(predictions) == 2
    model = AutoModelForMaskedLM.from_pretrained(converted)
    peft_model = get_peft_model(model, LoraConfig(r=2, target_modules=LORA_TARGETS))
    assert any("lora_A" in name for name, _ in peft_model.named_parameters())


# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
from transformers import AutoModelForMaskedLM, AutoTokenizer

folder = sys.argv[1]
model = AutoModelForMaskedLM.from_pretrained(folder)
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
print(json.dumps([type(model).__name__, type(tokenizer).__name__, tokenizer("ACGTNACGT")["input_ids"]]))
"""


def test_converted_folder_loads_without_hf_genomics(converted, tmp_path):
    model_class, tokenizer_class, ids = run_without_hf_genomics(CHILD, [converted], tmp_path)
    assert (model_class, tokenizer_class) == ("BertForMaskedLM", "Dnabert1Tokenizer")
    assert ids == AutoTokenizer.from_pretrained(converted)("ACGTNACGT")["input_ids"]
