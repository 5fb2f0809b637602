"""On the real GUE and human-gene files, our ids equal independent references.

* non-overlapping 6-mers: transformers' ``EsmTokenizer`` configured as Nucleotide Transformer's
  6-mer tokenizer (a Python trie, no code shared with ours), its tokens mapped to our ids;
* overlapping 6-mers: the DNABERT-1 recipe (``seq[i:i+k]`` for every i) looked up in our vocabulary.
"""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from transformers import EsmTokenizer

from hf_genomics import KmerTokenizer

pytestmark = pytest.mark.real_data


def _read_sequences(shared_data) -> list[str]:
    seqs = []
    for task in ("prom/prom_core_tata", "prom/prom_300_tata", "tf/0", "mouse/0"):
        with open(shared_data / "gue" / task / "dev.csv", newline="") as handle:
            seqs += [row["sequence"] for row in csv.DictReader(handle)]
    with open(shared_data / "human_genes" / "test.csv", newline="") as handle:
        seqs += [row["NucleotideSequence"].strip("<>") for row in csv.DictReader(handle)]
    return seqs


@pytest.fixture(scope="module")
def sequences(shared_data) -> list[str]:
    seqs = _read_sequences(shared_data)
    assert len(seqs) > 5000
    return seqs


@pytest.fixture(scope="module")
def nucleotide_transformer_tokenizer(tmp_path_factory) -> EsmTokenizer:
    folder = tmp_path_factory.mktemp("nt")
    specials = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
    kmers = ["".join(chars) for chars in itertools.product("ATCG", repeat=6)]
    (folder / "vocab.txt").write_text("\n".join(specials + kmers + list("ATCGN")))
    return EsmTokenizer(str(folder / "vocab.txt"))


def test_six_mers_equal_nucleotide_transformer(sequences, nucleotide_transformer_tokenizer):
    ours = KmerTokenizer(k=6)
    vocab = ours.get_vocab()
    our_ids = ours(sequences, add_special_tokens=False)["input_ids"]
    for seq, ids in zip(sequences, our_ids):
        reference = [vocab[token] for token in nucleotide_transformer_tokenizer.tokenize(seq)]
        assert ids == reference
    matrix = ours.encode_to_array(sequences, add_special_tokens=False)
    assert all(row[: len(ids)].tolist() == ids for row, ids in zip(matrix, our_ids))


def test_overlapping_six_mers_equal_dnabert1(sequences):
    ours = KmerTokenizer(k=6, stride=1)
    vocab = ours.get_vocab()
    sample = sequences[:: max(1, len(sequences) // 2000)]
    our_ids = ours(sample, add_special_tokens=False)["input_ids"]
    for seq, ids in zip(sample, our_ids):
        assert "N" not in seq
        assert ids == [vocab[seq[i : i + 6]] for i in range(len(seq) - 5)]


def test_every_k_decodes_back(sequences):
    sample = sequences[:300]
    for k in range(1, 9):
        tok = KmerTokenizer(k=k)
        decoded = tok.batch_decode(tok(sample)["input_ids"], skip_special_tokens=True)
        assert decoded == sample
        assert np.all(tok.encode_to_array(sample) != tok.unk_token_id)
