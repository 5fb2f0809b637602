"""GENA-LM's tokenizer keeps the original's ids wherever the original has them (issue #19).

Reference: the original ``tokenizer.json`` (AIRI-Institute/GENA_LM, see make_gena_lm_fixtures.py)
run by the ``tokenizers`` library itself. Its vocabulary has single-letter tokens for the IUPAC
codes B K M R S W Y (not D H V), a token for N, and turns runs of 10+ N into one ``-`` token.
Our normaliser only adds what the original lacks: upper-casing, U -> T, whitespace removal, and
D/H/V -> N (which the original would make ``[UNK]``).
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, normalizers

from hf_genomics.analysis.embed import embed
from hf_genomics.tokenization.bpe import DnaBpeTokenizer
from hf_genomics.tokenization.normalization import dna_normalizer

ORIGINAL_JSON = lzma.decompress(
    (Path(__file__).parent / "fixtures" / "ports" / "gena_lm" / "tokenizer.json.xz").read_bytes()
).decode()
REFERENCE = Tokenizer.from_str(ORIGINAL_JSON)


@pytest.fixture(scope="module")
def original_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gena") / "tokenizer.json"
    path.write_text(ORIGINAL_JSON)
    return path


@pytest.fixture(scope="module")
def tokenizer(original_file) -> DnaBpeTokenizer:
    return DnaBpeTokenizer(tokenizer_file=str(original_file), model_max_length=100_000)


def reference_ids(text: str) -> list[int]:
    return REFERENCE.encode(text).ids


def test_iupac_codes_keep_the_originals_ids(tokenizer):
    assert reference_ids("ACGTRYACGTAC") == [1, 120, 15, 13, 17, 5037, 2]  # R and Y have tokens 13, 17
    assert tokenizer("ACGTRYACGTAC")["input_ids"] == [1, 120, 15, 13, 17, 5037, 2]
    assert tokenizer("acgtrykmswb")["input_ids"] == reference_ids("ACGTRYKMSWB")


def test_n_and_n_runs_keep_the_originals_ids(tokenizer):
    for text in ["N", "ACGTNNNNNACGT", "ACGT" + "N" * 12 + "ACGT", "N" * 40, "TTN" + "N" * 9 + "GA"]:
        assert tokenizer(text)["input_ids"] == reference_ids(text), text


def test_codes_without_a_token_become_n_not_unk(tokenizer):
    assert tokenizer("ACGTDHVACGT")["input_ids"] == reference_ids("ACGTNNNACGT")
    assert tokenizer("ACGUU")["input_ids"] == reference_ids("ACGTT")
    assert 0 not in tokenizer("ACGTDHVUacgt")["input_ids"]  # no [UNK] (id 0)


dna = st.text(alphabet="ACGTNRYKMSWB", min_size=1, max_size=80)
runs = st.lists(st.one_of(dna, st.integers(1, 25).map(lambda n: "N" * n)), min_size=1, max_size=6).map(
    "".join
)


@settings(max_examples=150, deadline=None)
@given(runs)
def test_every_text_the_original_covers_gets_its_ids(tokenizer, text):
    expected = reference_ids(text)
    assert tokenizer(text)["input_ids"] == expected
    assert tokenizer(text.lower())["input_ids"] == expected
    tokenizer.use_fast_path = False
    try:
        assert tokenizer([text, "ACGT"])["input_ids"][0] == expected
    finally:
        tokenizer.use_fast_path = True


def test_an_n_run_token_covers_the_whole_run(tokenizer):
    encoded = tokenizer("ACGT" + "N" * 12 + "ACGT", return_offsets_mapping=True)
    assert encoded["input_ids"] == [1, 120, 15, 5, 120, 15, 2]
    assert encoded["offset_mapping"] == [(0, 0), (0, 3), (3, 4), (4, 16), (16, 19), (19, 20), (0, 0)]
    leading = tokenizer("N" * 15 + "ACGT", return_offsets_mapping=True)["offset_mapping"]
    assert leading[1] == (0, 15)


def test_a_folder_saved_with_the_earlier_normaliser_gets_the_originals_ids(tmp_path):
    state = json.loads(ORIGINAL_JSON)
    earlier = Tokenizer.from_str(ORIGINAL_JSON)
    earlier.normalizer = normalizers.Sequence([dna_normalizer(), earlier.normalizer])  # IUPAC -> N first
    state["normalizer"] = json.loads(earlier.to_str())["normalizer"]
    (tmp_path / "tokenizer.json").write_text(json.dumps(state))
    assert Tokenizer.from_file(str(tmp_path / "tokenizer.json")).encode("ACGTRY").ids != reference_ids(
        "ACGTRY"
    )
    loaded = DnaBpeTokenizer(tokenizer_file=str(tmp_path / "tokenizer.json"))
    assert loaded("ACGTRYACGTAC")["input_ids"] == reference_ids("ACGTRYACGTAC")
    loaded.save_pretrained(tmp_path / "saved")
    again = DnaBpeTokenizer.from_pretrained(tmp_path / "saved")
    assert again("ACGT" + "N" * 30 + "RY")["input_ids"] == reference_ids("ACGT" + "N" * 30 + "RY")


def test_a_viral_genome_with_n_gaps_embeds(original_file):
    from hf_genomics.models.gena_lm.configuration_gena_lm import GenaLmConfig
    from hf_genomics.models.gena_lm.modeling_gena_lm import GenaLmModel

    tokenizer = DnaBpeTokenizer(tokenizer_file=str(original_file), model_max_length=64)
    torch.manual_seed(0)
    config = GenaLmConfig(
        vocab_size=32000,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=64,
    )
    model = GenaLmModel(config).eval()
    rng = np.random.default_rng(0)
    genome = (
        "".join(rng.choice(list("ACGT"), 300))
        + "N" * 50
        + "".join(rng.choice(list("ACGT"), 200))
        + "NNNNNRYKM"
    )
    pooled = embed(model, tokenizer, [genome], pooling="mean", progress=False)
    per_base = embed(model, tokenizer, [genome], pooling="per_nucleotide", progress=False)[0]
    assert pooled.shape == (1, 8) and np.isfinite(pooled).all()
    assert per_base.shape == (len(genome), 8) and np.isfinite(per_base).all()
