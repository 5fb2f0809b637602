"""The alphabet's normalisation policy, reverse complement, GC content and integer codes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hf_genomics import alphabet
from hf_genomics.alphabet import InvalidSequenceError

dna = st.text(alphabet="ACGTN", max_size=300)
messy_dna = st.text(alphabet="ACGTNacgtnUuRYSWKMBDHVryswkmbdhv", max_size=300)


def test_normalize_policy():
    assert alphabet.normalize("acgtn") == "ACGTN"
    assert alphabet.normalize("ACGU") == "ACGT"
    assert alphabet.normalize("ARYSWKMBDHVN") == "ANNNNNNNNNNN"
    assert alphabet.normalize("ary", iupac="keep") == "ARY"
    assert alphabet.normalize_record("AC\nGT  a\r\n") == "ACGTA"


def test_invalid_characters_are_located():
    with pytest.raises(InvalidSequenceError) as error:
        alphabet.normalize("ACGTXAC", record_id="chr1", source="genome.fa")
    assert (error.value.char, error.value.position) == ("X", 4)
    assert "'X' at position 4 of record 'chr1' in genome.fa" in str(error.value)
    with pytest.raises(InvalidSequenceError, match="IUPAC ambiguity code 'R' at position 1"):
        alphabet.normalize("AR", iupac="error")
    with pytest.raises(InvalidSequenceError, match="position 2"):
        alphabet.normalize("AC GT")  # whitespace only allowed in file records
    assert isinstance(InvalidSequenceError("X", 0), ValueError)


@given(messy_dna)
def test_lowercase_is_uppercase(seq):
    assert alphabet.normalize(seq.lower()) == alphabet.normalize(seq.upper())


@given(messy_dna)
def test_normalized_alphabet(seq):
    assert set(alphabet.normalize(seq)) <= set("ACGTN")
    assert len(alphabet.normalize(seq)) == len(seq)


@given(st.text(alphabet="ACGTNacgtnRYSWKMBDHV", max_size=300))
def test_reverse_complement_twice_is_identity(seq):
    assert alphabet.reverse_complement(alphabet.reverse_complement(seq)) == seq


def test_reverse_complement_reference():
    assert alphabet.reverse_complement("AACGTN") == "NACGTT"
    assert alphabet.reverse_complement("acgR") == "Ycgt"
    with pytest.raises(InvalidSequenceError):
        alphabet.reverse_complement("ACX")


@given(dna, st.text(alphabet="XZ-*.0", min_size=1, max_size=1), st.data())
def test_invalid_character_position(seq, bad, data):
    position = data.draw(st.integers(0, len(seq)))
    with pytest.raises(InvalidSequenceError) as error:
        alphabet.normalize(seq[:position] + bad + seq[position:])
    assert error.value.position == position
    assert error.value.char == bad


@given(dna)
def test_encode_decode_round_trip(seq):
    codes = alphabet.encode(seq)
    assert codes.dtype == np.uint8
    assert alphabet.decode(codes) == seq
    assert [int(c) for c in codes] == ["ACGTN".index(base) for base in seq]


@given(st.text(alphabet="ACGT", max_size=300))
def test_pack_2bit_round_trip(seq):
    packed, length = alphabet.pack_2bit(seq)
    assert len(packed) == -(-len(seq) // 4)
    assert alphabet.unpack_2bit(packed, length) == seq


def test_pack_2bit_rejects_n():
    with pytest.raises(InvalidSequenceError, match="position 2"):
        alphabet.pack_2bit("ACNT")


@given(st.text(alphabet="ACGTNacgt", max_size=200))
def test_gc_content_formula(seq):
    upper = seq.upper()
    acgt = [base for base in upper if base in "ACGT"]
    expected = sum(base in "GC" for base in acgt) / len(acgt) if acgt else float("nan")
    assert alphabet.gc_content(seq) == pytest.approx(expected, nan_ok=True)
