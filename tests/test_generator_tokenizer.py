"""GENERator's 6-mer tokenizer: the original's ids (fixture made by running GenerTeam's
``DNAKmerTokenizer``, tests/fixtures/ports/make_generator_fixtures.py), the documented normalisation,
and original Hub folders loading natively (no remote code)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_genomics  # noqa: F401  (registers the tokenizer names)
from hf_genomics.alphabet import normalize
from hf_genomics.tokenization.generator import (
    SPECIAL_TOKENS,
    GeneratorTokenizer,
    generator_vocab,
    trim_to_kmer_grid,
    vocab_file_text,
)
from hf_genomics.tokenization.validation import InvalidSequenceError
from tests.generator_layout import write_original_generator_folder

FIXTURE = json.loads((Path(__file__).parent / "fixtures/ports/generator/tokenizer_ids.json").read_text())
CASES = {case["text"]: case for case in FIXTURE["cases"]}
# inputs the package normalises before cutting k-mers (lower case, whitespace, U); all others are
# already upper-case A/C/G/T/N, IUPAC or tags, where the original's ids must come out unchanged
NORMALISED = {"acgtacgtacgt", "ACGacgTACGTA", "aaaaaaCCCCCCgg", "ACGT ACGTACGT", "ACGUACGUACGU"}


@pytest.fixture(scope="module")
def tokenizer():
    return GeneratorTokenizer()


def _rust_only() -> GeneratorTokenizer:
    tokenizer = GeneratorTokenizer()
    tokenizer.use_fast_path = False
    return tokenizer


PATHS = {"numpy": GeneratorTokenizer(), "rust": _rust_only()}


def _as_original_sees_it(text: str) -> str:
    """Our normalisation (upper-case, no whitespace, U -> T, IUPAC -> N) outside the tags."""
    import re

    parts = re.split(r"(<[^>]+>)", text)
    return "".join(part if part.startswith("<") else normalize(part, strip_whitespace=True) for part in parts)


def test_vocabulary_is_the_hub_vocab_txt_byte_for_byte(tokenizer):
    digest = hashlib.sha256(vocab_file_text().encode()).hexdigest()
    assert digest == "068e0d76ca42ac672ade448afb2462ce4bd800a1fc1ad863d0b65992d90cf881"
    assert FIXTURE["hub_files_identical"]["vocab.txt"]
    assert tokenizer.get_vocab() == generator_vocab()
    assert len(tokenizer) == tokenizer.vocab_size == FIXTURE["vocab_size"] == 4128
    assert list(SPECIAL_TOKENS) == FIXTURE["special_tokens"] == tokenizer.special_tokens
    roles = (tokenizer.unk_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id)
    assert roles == (0, 1, 2, 3) and tokenizer.mask_token_id == 4


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("text", [t for t in CASES if t not in NORMALISED])
def test_ids_equal_the_original_tokenizer(text, path):
    tokenizer = PATHS[path]
    case = CASES[text]
    assert tokenizer(text, add_special_tokens=False)["input_ids"] == case["ids"]
    # GENERator's scripts write <s> before the sequence; our default adds it
    assert tokenizer(text)["input_ids"] == case["ids_with_bos_text"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgtnRYU \n", max_size=40), min_size=1, max_size=6))
def test_vectorised_ids_equal_the_rust_pipeline(texts):
    fast = PATHS["numpy"](texts, padding=True, return_tensors="np")
    rust = PATHS["rust"](texts, padding=True, return_tensors="np")
    assert np.array_equal(fast["input_ids"], rust["input_ids"])
    assert np.array_equal(fast["attention_mask"], rust["attention_mask"])


@pytest.mark.parametrize("text", sorted(NORMALISED))
def test_normalised_inputs_get_the_original_ids_of_the_normalised_text(tokenizer, text):
    normalised = _as_original_sees_it(text)
    assert normalised in CASES, normalised
    assert tokenizer(text)["input_ids"] == CASES[normalised]["ids_with_bos_text"]
    assert CASES[text]["ids"] != CASES[normalised]["ids"]  # the documented deviation is real


@pytest.mark.parametrize("vector", FIXTURE["official_vectors"], ids=lambda v: v["text"])
def test_hub_codes_default_specials(tokenizer, vector):
    """The Hub code at a pinned revision adds <s> and no </s> (ids recorded from the Hub code)."""
    assert tokenizer(vector["text"])["input_ids"] == vector["input_ids"]


def test_tail_shorter_than_k_is_one_oov_and_trimming_removes_it(tokenizer):
    assert tokenizer("AAAAAATTTTTTG")["input_ids"] == [1, 32, 1397, 0]
    assert tokenizer(trim_to_kmer_grid("GAAAAAATTTTTT"))["input_ids"] == [1, 32, 1397]
    assert tokenizer("")["input_ids"] == [1]
    assert tokenizer.max_tokens_for(13) == 1 + 3
    assert tokenizer("AAAAAA", add_eos_token=True)["input_ids"] == [1, 32, 2]


def test_bad_characters_raise_with_their_position(tokenizer):
    with pytest.raises(InvalidSequenceError, match="position"):
        tokenizer("ACGT-ACGT")


def test_batch_padding_and_offsets(tokenizer):
    batch = tokenizer(["ACGTACGG", "ACG"], padding=True, return_offsets_mapping=True)
    assert batch["input_ids"] == [[1, 754, 0], [1, 0, 3]]
    assert batch["attention_mask"] == [[1, 1, 1], [1, 1, 0]]
    assert batch["offset_mapping"][0][1:] == [(0, 6), (6, 8)]


def test_saved_folder_reloads_with_the_same_ids(tokenizer, tmp_path):
    from transformers import AutoTokenizer

    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path, trust_remote_code=False)
    assert type(loaded) is GeneratorTokenizer
    for text in list(CASES)[:20]:
        assert loaded(text)["input_ids"] == tokenizer(text)["input_ids"]


def test_original_folder_loads_natively_without_running_its_code(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    folder = write_original_generator_folder(tmp_path / "GENERator-tiny")
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    assert type(tokenizer) is GeneratorTokenizer and tokenizer.k == 6
    assert tokenizer("<s>AAAAAATTTTTT")["input_ids"] == [1, 1, 32, 1397]
    model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=False)
    assert type(model) is LlamaForCausalLM
    with torch.no_grad():
        logits = model(**tokenizer(["ACGTACGGGGGG"], return_tensors="pt")).logits
    assert logits.shape == (1, 3, 4128)
    # trust_remote_code=True still runs the folder's own tokenizer.py (here: a trap that raises)
    with pytest.raises(RuntimeError, match="remote tokenizer code was executed"):
        AutoTokenizer.from_pretrained(folder, trust_remote_code=True)


def test_a_vocab_txt_of_another_layout_is_refused(tmp_path):
    from transformers import AutoTokenizer

    folder = write_original_generator_folder(tmp_path / "bad")
    lines = vocab_file_text().splitlines()
    lines[40], lines[41] = lines[41], lines[40]
    (folder / "vocab.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 41"):
        AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
