"""k-mer tokenizer: round trips, the Rust pipeline vs its numpy twin, HF behaviour, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics import KmerTokenizer
from hf_genomics.alphabet import InvalidSequenceError, normalize
from hf_genomics.tokenization.kmer_arrays import count_tokens

_CACHE: dict[tuple[int, int, bool], KmerTokenizer] = {}


def kmer(k: int, stride: int | None = None, add_bos_eos: bool = False) -> KmerTokenizer:
    key = (k, stride or k, add_bos_eos)
    if key not in _CACHE:
        _CACHE[key] = KmerTokenizer(k=k, stride=stride, add_bos_eos=add_bos_eos)
    return _CACHE[key]


def rust_ids(tok: KmerTokenizer, texts: list[str], **kwargs) -> list[list[int]]:
    """The same call with the vectorised path switched off (the Rust pipeline answers)."""
    tok.use_fast_path = False
    try:
        return tok(texts, **kwargs)["input_ids"]
    finally:
        tok.use_fast_path = True


def reference_tokens(seq: str, k: int, stride: int) -> list[str]:
    """Independent, deliberately naive reference of the documented rule (loops are fine in tests)."""
    tokens: list[str] = []
    for run_or_n in _runs(seq):
        if run_or_n == "N":
            tokens.append("N")
            continue
        covered = 0
        for start in range(0, len(run_or_n) - k + 1, stride):
            tokens.append(run_or_n[start : start + k])
            covered = start + k
        tokens.extend(run_or_n[covered:])
    return tokens


def _runs(seq: str) -> list[str]:
    out, current = [], ""
    for base in seq:
        if base == "N":
            if current:
                out.append(current)
            out.append("N")
            current = ""
        else:
            current += base
    if current:
        out.append(current)
    return out


dna = st.text(alphabet="ACGTNacgtnU", max_size=120)
k_and_stride = st.integers(1, 8).flatmap(lambda k: st.tuples(st.just(k), st.integers(1, k)))


@settings(max_examples=150, deadline=None)
@given(k_and_stride, dna)
def test_round_trip_every_k_and_stride(k_stride, seq):
    k, stride = k_stride
    tok = kmer(k, stride)
    ids = tok(seq)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == normalize(seq)
    assert 1 not in ids  # never [UNK]


@settings(max_examples=150, deadline=None)
@given(k_and_stride, dna)
def test_tokens_follow_reference_rule(k_stride, seq):
    k, stride = k_stride
    tok = kmer(k, stride)
    tokens = tok.convert_ids_to_tokens(tok(seq, add_special_tokens=False)["input_ids"])
    assert tokens == reference_tokens(normalize(seq), k, stride)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 8), st.lists(dna, min_size=1, max_size=6))
def test_vectorised_path_equals_rust_pipeline(k, seqs):
    tok = kmer(k)
    assert tok(seqs)["input_ids"] == rust_ids(tok, seqs)
    assert tok(seqs, padding=True, truncation=True, max_length=7)["input_ids"] == rust_ids(
        tok, seqs, padding=True, truncation=True, max_length=7
    )


@settings(max_examples=60, deadline=None)
@given(k_and_stride, st.lists(dna, min_size=1, max_size=6), st.sampled_from([None, 5, 40]))
def test_encode_to_array_equals_tokenizer(k_stride, seqs, max_length):
    k, stride = k_stride
    tok = kmer(k, stride)
    matrix = tok.encode_to_array(seqs, max_length=max_length)
    expected = tok(seqs, padding="longest", truncation=max_length is not None, max_length=max_length)
    assert matrix.tolist() == expected["input_ids"]
    assert ((matrix != tok.pad_token_id).astype(int)).tolist() == expected["attention_mask"]


@given(st.text(alphabet="ACGT", max_size=200), st.integers(1, 8))
def test_overlapping_counts_and_budget(seq, k):
    tok = kmer(k, 1)
    n_tokens = len(tok(seq, add_special_tokens=False)["input_ids"])
    assert n_tokens == (len(seq) - k + 1 if len(seq) >= k else len(seq))
    assert tok.max_tokens_for(len(seq)) == n_tokens + 2
    assert kmer(k).max_tokens_for(len(seq)) == len(kmer(k)(seq)["input_ids"])
    assert count_tokens(len(seq), k, k) == len(seq) // k + len(seq) % k


@given(dna)
def test_lowercase_equals_uppercase(seq):
    tok = kmer(6)
    assert tok(seq.lower())["input_ids"] == tok(seq.upper())["input_ids"]


def test_vocabulary_layout():
    tok = kmer(3)
    assert len(tok) == 5 + 5 + 64
    assert tok.convert_ids_to_tokens([0, 1, 2, 3, 4, 5, 9, 10, 73]) == [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "A", "N", "AAA", "TTT"
    ]  # fmt: skip
    causal = kmer(3, add_bos_eos=True)
    assert len(causal) == 76
    ids = causal("ACGT", add_eos_token=True)["input_ids"]  # EOS only on request (training/scoring)
    assert causal.convert_ids_to_tokens([ids[0], ids[-1]]) == ["[BOS]", "[EOS]"]
    assert (causal.bos_token_id, causal.eos_token_id) == (74, 75)


def test_nucleotide_transformer_rule_with_n():
    tok = kmer(6)
    tokens = tok.convert_ids_to_tokens(tok("ACGTACGTNACGTACGG", add_special_tokens=False)["input_ids"])
    assert tokens == ["ACGTAC", "G", "T", "N", "ACGTAC", "G", "G"]


def test_special_tokens_written_in_text():
    for tok in (kmer(3), kmer(3, 1)):
        ids = tok("ACG[MASK]GTA")["input_ids"]
        assert tok.mask_token_id in ids
        assert tok.convert_ids_to_tokens(ids) == ["[CLS]", "ACG", "[MASK]", "GTA", "[SEP]"]


@given(st.text(alphabet="ACGT", max_size=50), st.sampled_from("X-*.0Z"), st.data())
def test_invalid_character_raises_with_position(seq, bad, data):
    position = data.draw(st.integers(0, len(seq)))
    text = seq[:position] + bad + seq[position:]
    for tok in (kmer(4), kmer(4, 1)):
        with pytest.raises(InvalidSequenceError) as error:
            tok(["ACGT", text])
        assert (error.value.position, error.value.char) == (position, bad)
        assert "item 1 of the batch" in str(error.value)
    with pytest.raises(InvalidSequenceError):
        kmer(4).encode_to_array([text])


def test_padding_truncation_and_tensors():
    tok = kmer(2)
    batch = tok(["ACGTAC", "AC"], padding=True, return_tensors="pt")
    assert batch["input_ids"].tolist() == [[2, 11, 21, 11, 3], [2, 11, 3, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]
    left = tok(["ACGTAC", "AC"], padding="max_length", max_length=6, padding_side="left")
    assert left["input_ids"][1] == [0, 0, 0, 2, 11, 3]
    truncated = tok("ACGTACGT", truncation=True, max_length=4)
    assert truncated["input_ids"] == [2, 11, 21, 3]
    assert "token_type_ids" not in tok("ACGT")


def test_overlapping_rejects_what_it_cannot_do():
    with pytest.raises(NotImplementedError):
        kmer(3, 1)("ACGT", "ACGT")
    with pytest.raises(ValueError):
        KmerTokenizer(k=9)
    with pytest.raises(ValueError):
        KmerTokenizer(k=3, stride=4)


def test_datasets_map_and_collator():
    import datasets
    from transformers import DataCollatorForLanguageModeling

    tok = kmer(3)
    data = datasets.Dataset.from_dict({"sequence": ["ACGTACGTAC", "acgtnn", "GGGCCCAAATTT"]})
    encoded = data.map(lambda batch: tok(batch["sequence"]), batched=True, remove_columns=["sequence"])
    assert encoded[1]["input_ids"] == tok("acgtnn")["input_ids"]
    collator = DataCollatorForLanguageModeling(tok, mlm_probability=0.5, seed=0)
    batch = collator([encoded[i] for i in range(3)])
    assert batch["input_ids"].shape == batch["labels"].shape
    assert (batch["labels"][batch["attention_mask"] == 0] == -100).all()
    assert np.isin(batch["input_ids"].numpy(), np.arange(len(tok))).all()
