"""One regression test per tokenizer defect of issue 10 (items 1, 3, 6, 13, 15, 16, 17) and the
causal-EOS item of issue 9. Each failed before its fix."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

from hf_genomics import DnaBpeTokenizer, KmerTokenizer, build_tokenizer, train_dna_bpe
from hf_genomics.alphabet import WHITESPACE, InvalidSequenceError, check_sequence, normalize_record
from hf_genomics.tokenization.normalization import dna_normalizer


@pytest.fixture(scope="module")
def dnabert2_like(tmp_path_factory) -> str:
    """A tokenizer.json shaped like DNABERT-2's: BPE with [UNK], Whitespace pre-tokenizer, no N, no decoder."""
    rng = np.random.default_rng(0)
    corpus = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(100)]
    raw = Tokenizer(models.BPE(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=100,
            special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
            initial_alphabet=list("ACGT"),
            limit_alphabet=4,
        ),
    )
    raw.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 1), ("[SEP]", 2)],
    )
    path = tmp_path_factory.mktemp("dnabert2") / "tokenizer.json"
    raw.save(str(path))
    assert "N" not in raw.get_vocab() and raw.decoder is None
    return str(path)


def all_families(dnabert2_like: str) -> list:
    corpus = ["ACGTTGCAACGGTACN" * 8, "TTGACCAGGGATATCC" * 6] * 10
    return [
        KmerTokenizer(k=3),
        KmerTokenizer(k=3, stride=1),
        KmerTokenizer(k=1, add_bos_eos=True),
        train_dna_bpe(corpus, vocab_size=40),
        DnaBpeTokenizer(tokenizer_file=dnabert2_like),
        build_tokenizer("dnallm"),
    ]


# ---- item 1 ---------------------------------------------------------------------------------
def test_item1_no_padding_or_truncation_state_leaks_or_is_saved(dnabert2_like, tmp_path):
    bpe = DnaBpeTokenizer(tokenizer_file=dnabert2_like)
    expected = bpe("ACGTACGT")
    bpe(["ACGT[MASK]"], padding="max_length", max_length=12)  # takes the Rust path
    assert bpe("ACGTACGT")["input_ids"] == expected["input_ids"]
    assert bpe("ACGTACGT")["attention_mask"] == [1] * len(expected["input_ids"])
    bpe(["ACGT" * 10], ["ACGT"], truncation=True, max_length=6)  # a text pair, truncated
    assert bpe("ACGT" * 10)["input_ids"] == bpe("ACGT" * 10, truncation=False)["input_ids"]
    assert len(bpe("ACGT" * 10)["input_ids"]) > 6
    bpe(["ACGT[MASK]"], padding="max_length", max_length=12)
    bpe.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "tokenizer.json").read_text())
    assert saved["padding"] is None and saved["truncation"] is None


# ---- item 3 ---------------------------------------------------------------------------------
def test_item3_one_whitespace_set_accepted_and_stripped(dnabert2_like):
    every_char = "".join(map(chr, range(0x110000)))
    assert set(WHITESPACE) == {char for char in every_char if char.isspace()}
    assert "".join(re.findall(r"\s", every_char)) == WHITESPACE  # what validation's regex accepts
    assert dna_normalizer().normalize_str("A" + WHITESPACE + "c") == "AC"
    assert normalize_record("AC\x1fGT\u3000a\xa0") == "ACGTA"
    check_sequence("AC" + WHITESPACE + "GT", strip_whitespace=True)
    for tok in all_families(dnabert2_like):
        expected = tok("ACGT")["input_ids"]
        for char in WHITESPACE:
            assert tok("AC" + char + "GT")["input_ids"] == expected, (type(tok).__name__, repr(char))
        tok.use_fast_path = False
        try:
            assert tok(["AC\x1c\x85\u2003GT"])["input_ids"] == [expected]
        finally:
            tok.use_fast_path = True


# ---- item 6 ---------------------------------------------------------------------------------
def test_item6_vocabulary_without_n_raises_or_maps_explicitly(dnabert2_like, tmp_path):
    bpe = DnaBpeTokenizer(tokenizer_file=dnabert2_like)
    for text, char, position in (("ACGNT", "N", 3), ("acgtr", "r", 4), ("[MASK]AC\nGTYA", "Y", 11)):
        with pytest.raises(InvalidSequenceError, match="no token for N") as error:
            bpe(["ACGT", text])
        assert (error.value.char, error.value.position) == (char, position)
        assert "item 1 of the batch" in str(error.value)
    assert bpe.unk_token_id not in bpe("[MASK]ACGT[UNK]")["input_ids"][2:-2]  # specials are not bases
    unk = DnaBpeTokenizer(tokenizer_file=dnabert2_like, n_as_unk=True)
    ids = unk("ACGNNT")["input_ids"]
    assert ids.count(unk.unk_token_id) == 2
    assert unk.decode(ids, skip_special_tokens=True) == "ACGT"
    unk.save_pretrained(tmp_path)
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(tmp_path)("ACGNNT")["input_ids"] == ids
    # the file has no decoder: a Fuse decoder is attached, so decoding inserts no spaces
    text = "ACGTTGCAACGTAGCT" * 3
    assert bpe.decode(bpe(text)["input_ids"], skip_special_tokens=True) == text


# ---- item 13 --------------------------------------------------------------------------------
def test_item13_split_words_specials_decoding_short_max_length_and_odd_inputs():
    import datasets

    overlapping, plain = KmerTokenizer(k=3, stride=1), KmerTokenizer(k=3)
    with pytest.raises(InvalidSequenceError, match="word 1 of item 0"):
        overlapping(["ACGT", "AXGT"], is_split_into_words=True)
    with pytest.raises(InvalidSequenceError, match="word 0 of item 1"):
        plain([["ACGT"], ["A-GT"]], is_split_into_words=True)
    words = overlapping(["ACGTA", "TTGC"], is_split_into_words=True, add_special_tokens=False)
    assert overlapping.convert_ids_to_tokens(words["input_ids"]) == ["ACG", "CGT", "GTA", "TTG", "TGC"]
    assert words.word_ids() == [0, 0, 0, 1, 1]
    ids = overlapping("CACA[MASK]CACA")["input_ids"]
    assert overlapping.decode(ids, skip_special_tokens=True) == "CACACACA"
    assert overlapping.decode(ids) == "[CLS]CACA[MASK]CACA[SEP]"
    for tok in (plain, overlapping):
        for use_fast_path in (True, False):
            tok.use_fast_path = use_fast_path
            with pytest.raises(ValueError, match="smaller than the 2 special tokens"):
                tok("ACGTAC", truncation=True, max_length=1)
            tok.use_fast_path = True
    with pytest.raises(TypeError, match="got None"):
        plain(None)
    with pytest.raises(TypeError, match="decode it first"):
        plain(b"ACGT")
    column = datasets.Dataset.from_dict({"sequence": ["ACGTAC", "GGA"]})["sequence"]
    assert plain(column)["input_ids"] == plain(["ACGTAC", "GGA"])["input_ids"]


# ---- item 15 --------------------------------------------------------------------------------
def test_item15_model_max_length_from_the_model_and_a_clear_guard(tmp_path):
    from transformers import AutoTokenizer

    tok = KmerTokenizer(k=1)
    tok.save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 16}))
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.model_max_length == 16
    with pytest.raises(ValueError, match="longer than this tokenizer's model_max_length=16"):
        loaded(["ACGT", "A" * 40])
    loaded.use_fast_path = False
    with pytest.raises(ValueError, match="model_max_length=16"):
        loaded("A" * 40)
    loaded.use_fast_path = True
    assert len(loaded("A" * 40, truncation=True)["input_ids"]) == 16
    assert len(loaded("A" * 14)["input_ids"]) == 16
    assert len(tok("A" * 5000)["input_ids"]) == 5002  # no model known: no limit


# ---- item 16 --------------------------------------------------------------------------------
def test_item16_malformed_spec_or_missing_folder_never_reaches_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    started = time.monotonic()
    for bad in ("kmer6", "kmer:", "bpe4096", "KMER:6", "char:3", "dnallm:1", "kmer:six"):
        with pytest.raises(ValueError, match="malformed tokenizer spec"):
            build_tokenizer(bad)
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    for missing in (str(tmp_path / "nope"), "./nope", "runs/gue-mistyped", "~/surely-not-here-1234"):
        with pytest.raises(FileNotFoundError, match="does not exist") as error:
            build_tokenizer(missing)
        assert missing in str(error.value)
    assert time.monotonic() - started < 5


# ---- item 17 --------------------------------------------------------------------------------
def test_item17_alignment_on_the_default_path():
    plain = KmerTokenizer(k=3)
    fast = plain(["ACGTAC GTA", "ACG"])
    plain.use_fast_path = False
    rust = plain(["ACGTAC GTA", "ACG"])
    plain.use_fast_path = True
    assert fast.word_ids(0) == rust.word_ids(0) == [None, 0, 1, 2, None]
    assert [fast.char_to_token(0, i) for i in range(10)] == [1, 1, 1, 2, 2, 2, None, 3, 3, 3]
    assert fast[0].offsets == rust[0].offsets == [(0, 0), (0, 3), (3, 6), (7, 10), (0, 0)]
    overlapping = KmerTokenizer(k=3, stride=1)
    out = overlapping("ACG TA", return_offsets_mapping=True)
    assert out["offset_mapping"] == [(0, 0), (0, 3), (1, 5), (2, 6), (0, 0)]
    assert out.word_ids() == [None, 0, 1, 2, None]
    assert [out.char_to_token(i) for i in range(6)] == [1, 1, 1, 2, 2, 3]
    assert out.token_to_chars(2) == (1, 5)
    batch = overlapping(["ACGTA", "AC"], padding=True, return_tensors="pt")
    assert batch.word_ids(1) == [None, 0, 1, None, None]
    assert overlapping.convert_tokens_to_string(["ACG", "CGT", "GTA"]) == "ACGTA"


def test_item17_token_classification_pipeline_on_overlapping_kmers():
    """transformers' token-classification pipeline reads offsets/special masks of our encodings."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, pipeline

    tok = KmerTokenizer(k=3, stride=1)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tok),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=2,
        pad_token_id=tok.pad_token_id,
    )
    tagger = pipeline("token-classification", model=BertForTokenClassification(config).eval(), tokenizer=tok)
    spans = [(out["word"], out["start"], out["end"]) for out in tagger("ACGTTGCA")]
    assert spans == [("ACG", 0, 3), ("CGT", 1, 4), ("GTT", 2, 5), ("TTG", 3, 6), ("TGC", 4, 7), ("GCA", 5, 8)]


# ---- issue 9: causal tokenizers and generate ------------------------------------------------
def test_causal_prompts_end_with_the_prompt_and_eos_is_explicit(tmp_path):
    import torch
    from transformers import AutoTokenizer, GPTNeoXForCausalLM

    from hf_genomics import pythia_config

    corpus = ["ACGTTGCAACGGTACN" * 8, "TTGACCAGGGATATCC" * 6] * 10
    causal = [
        KmerTokenizer(k=1, add_bos_eos=True),
        KmerTokenizer(k=3, stride=1, add_bos_eos=True),
        build_tokenizer("dnallm", causal=True),
        train_dna_bpe(corpus, vocab_size=40, add_bos_eos=True),
    ]
    for tok in causal:
        ids = tok("ACGT")["input_ids"]
        assert ids[0] == tok.bos_token_id and tok.eos_token_id not in ids
        with_eos = tok("ACGT", add_eos_token=True)["input_ids"]
        assert with_eos == [*ids, tok.eos_token_id]
        assert tok.max_tokens_for(4, add_eos_token=True) == tok.max_tokens_for(4) + 1
        if isinstance(tok, KmerTokenizer):
            assert tok.encode_to_array(["ACGT"], add_eos_token=True).tolist() == [with_eos]
        tok.save_pretrained(tmp_path / type(tok).__name__)
        assert AutoTokenizer.from_pretrained(tmp_path / type(tok).__name__)("ACGT")["input_ids"] == ids
    with pytest.raises(ValueError, match="has no EOS token"):
        KmerTokenizer(k=3)("ACGT", add_eos_token=True)
    tok = causal[0]
    torch.manual_seed(0)
    model = GPTNeoXForCausalLM(
        pythia_config("tiny", len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    ).eval()
    prompt = tok("ACGTAC", return_tensors="pt")
    out = model.generate(**prompt, max_new_tokens=4, do_sample=False, pad_token_id=tok.pad_token_id)
    assert out[0, : prompt["input_ids"].shape[1]].tolist() == prompt["input_ids"][0].tolist()
    assert tok.convert_ids_to_tokens(prompt["input_ids"][0].tolist())[-1] == "C"
