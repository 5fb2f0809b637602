"""Token -> base spans for every tokenizer kind, checked against the sequence itself (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.analysis.token_to_base import token_spans, tokens_to_bases
from hf_genomics.tokenization.bpe import train_dna_bpe
from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
from hf_genomics.tokenization.kmer import KmerTokenizer

_BPE = train_dna_bpe(["ACGTTGCAAATTTGGGCCCATATATCGCG" * 30, "TTTTAAAACCCCGGGG" * 20], vocab_size=40)
TOKENIZERS = {
    "char": KmerTokenizer(k=1),
    "kmer3": KmerTokenizer(k=3),
    "kmer6": KmerTokenizer(k=6),
    "kmer3-overlap": KmerTokenizer(k=3, stride=1),
    "kmer6-overlap": KmerTokenizer(k=6, stride=1),
    "kmer4-stride2": KmerTokenizer(k=4, stride=2),
    "dnallm": DnaLlmCharTokenizer(),
    "bpe": _BPE,
}
DNA = st.text(alphabet="ACGTN", min_size=1, max_size=60)


def _token_text(tokenizer, token_id: int) -> str:
    return tokenizer.convert_ids_to_tokens([int(token_id)])[0].upper()


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
@settings(max_examples=40, deadline=None)
@given(sequence=DNA)
def test_every_token_spells_its_span_and_every_base_is_covered(name, sequence):
    tokenizer = TOKENIZERS[name]
    spans = token_spans(tokenizer, [sequence])[0]
    content = ~spans.special
    assert spans.special.sum() == tokenizer.num_special_tokens_to_add()
    for token_id, start, end in zip(spans.ids[content], spans.starts[content], spans.ends[content]):
        assert _token_text(tokenizer, token_id) == sequence[start:end]
    covered = np.zeros(len(sequence), dtype=int)
    for start, end in zip(spans.starts[content], spans.ends[content]):
        covered[start:end] += 1
    assert (covered >= 1).all()


@pytest.mark.parametrize("name", ["kmer3-overlap", "kmer6", "bpe", "kmer4-stride2"])
@settings(max_examples=25, deadline=None)
@given(sequence=DNA, seed=st.integers(0, 2**16))
def test_tokens_to_bases_matches_a_loop_over_tokens(name, sequence, seed):
    tokenizer = TOKENIZERS[name]
    spans = token_spans(tokenizer, [sequence])[0]
    values = np.random.default_rng(seed).normal(size=(len(spans), 3))
    sums, counts, split = np.zeros((len(sequence), 3)), np.zeros(len(sequence)), np.zeros((len(sequence), 3))
    for value, start, end, special in zip(values, spans.starts, spans.ends, spans.special):
        if special:
            continue
        sums[start:end] += value
        counts[start:end] += 1
        split[start:end] += value / (end - start)
    np.testing.assert_allclose(tokens_to_bases(values, spans, len(sequence), "mean"), sums / counts[:, None])
    np.testing.assert_allclose(tokens_to_bases(values, spans, len(sequence), "split"), split)
    # "split" keeps the total of the content tokens
    np.testing.assert_allclose(
        tokens_to_bases(values, spans, len(sequence), "split").sum(0), values[~spans.special].sum(0)
    )


def test_overlapping_kmers_cover_interior_bases_k_times():
    tokenizer = TOKENIZERS["kmer6-overlap"]
    sequence = "ACGTACGTTGCAACGT"
    spans = token_spans(tokenizer, [sequence])[0]
    coverage = np.zeros(len(sequence))
    for start, end in zip(spans.starts[~spans.special], spans.ends[~spans.special]):
        coverage[start:end] += 1
    assert coverage[5:-5].tolist() == [6] * (len(sequence) - 10)
    assert coverage[0] == 1 and coverage[-1] == 1
