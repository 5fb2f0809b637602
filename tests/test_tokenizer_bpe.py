"""DNA BPE: training from every kind of input, round trips, wrapping an existing file exactly."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

from hf_genomics import DnaBpeTokenizer, train_dna_bpe
from hf_genomics.alphabet import InvalidSequenceError, normalize


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    rng = np.random.default_rng(0)
    motifs = ["TATAAA", "GGGCGG", "CACGTG"]
    seqs = []
    for _ in range(200):
        parts = [
            rng.choice(motifs) if rng.random() < 0.3 else "".join(rng.choice(list("ACGT"), 5))
            for _ in range(40)
        ]
        seqs.append("".join(parts))
    return seqs


@pytest.fixture(scope="module")
def bpe(corpus) -> DnaBpeTokenizer:
    return train_dna_bpe(corpus, vocab_size=256)


def test_vocabulary_and_specials(bpe):
    assert len(bpe) == 256
    assert bpe.convert_ids_to_tokens([0, 1, 2, 3, 4]) == ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    ids = bpe("TATAAAGGGCGG")["input_ids"]
    assert ids[0] == bpe.cls_token_id and ids[-1] == bpe.sep_token_id
    assert len(ids) < 12  # merges learned the planted motifs


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ACGTNacgtU", max_size=150))
def test_round_trip_and_case(bpe, seq):
    ids = bpe(seq)["input_ids"]
    assert bpe.unk_token_id not in ids
    assert bpe.decode(ids, skip_special_tokens=True) == normalize(seq)
    assert bpe(seq.lower())["input_ids"] == bpe(seq.upper())["input_ids"]


def test_fast_path_equals_rust_pipeline(bpe, corpus):
    texts = [corpus[0], corpus[1].lower(), "ACGN" * 5, ""]
    ours = bpe(texts, padding=True)
    bpe.use_fast_path = False
    try:
        assert ours["input_ids"] == bpe(texts, padding=True)["input_ids"]
    finally:
        bpe.use_fast_path = True


def test_invalid_input_raises(bpe):
    with pytest.raises(InvalidSequenceError, match="'X' at position 3"):
        bpe("ACGXT")
    with pytest.raises(InvalidSequenceError, match="record '#1'"):
        train_dna_bpe(["ACGT", "ACXG"], vocab_size=20)
    with pytest.raises(ValueError, match="tokenizer_file"):
        DnaBpeTokenizer()


def test_train_from_fasta_gz_and_datasets_column(tmp_path, corpus):
    import datasets

    path = tmp_path / "train.fa.gz"
    with gzip.open(path, "wt") as handle:
        for index, seq in enumerate(corpus[:50]):
            handle.write(f">seq{index}\n{seq[:60]}\n{seq[60:].lower()}\n")
    from_fasta = train_dna_bpe(path, vocab_size=64)
    column = datasets.Dataset.from_dict({"sequence": [seq[:60] + seq[60:] for seq in corpus[:50]]})[
        "sequence"
    ]
    from_column = train_dna_bpe(column, vocab_size=64)
    assert from_fasta.get_vocab() == from_column.get_vocab()


def test_wrapping_an_existing_file_gives_its_ids(tmp_path, corpus):
    """A DNABERT-2-like file made with the raw tokenizers library is the independent reference."""
    raw = Tokenizer(models.BPE(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(
        corpus,
        trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]),
    )
    raw.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    raw.save(str(tmp_path / "tokenizer.json"))
    reference = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    wrapped = DnaBpeTokenizer(tokenizer_file=str(tmp_path / "tokenizer.json"))
    texts = corpus[:20]
    assert wrapped(texts)["input_ids"] == [enc.ids for enc in reference.encode_batch(texts)]
    # and after a save / load cycle through AutoTokenizer
    from transformers import AutoTokenizer

    wrapped.save_pretrained(tmp_path / "saved")
    reloaded = AutoTokenizer.from_pretrained(tmp_path / "saved")
    assert type(reloaded) is DnaBpeTokenizer
    assert reloaded(texts)["input_ids"] == [enc.ids for enc in reference.encode_batch(texts)]
    assert reloaded("acgt")["input_ids"] == reloaded("ACGT")["input_ids"]  # lowercase is not [UNK]
