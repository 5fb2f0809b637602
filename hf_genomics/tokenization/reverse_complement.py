"""The reverse strand in token space: which token a token becomes on the other strand.

A model that reads both strands with the same weights (``DnaCnnConfig.reverse_complement_sharing``)
builds the reverse strand from token ids: reverse the row, then map every token through this
table. For one-base and overlapping k-mer vocabularies that is exactly what the tokenizer gives for
the reverse-complement sequence.
"""

from __future__ import annotations

from hf_genomics.alphabet import reverse_complement

_BASES = frozenset("ACGTN")


def reverse_complement_token_map(tokenizer) -> list[int]:
    """``map[id]`` = id of the reverse complement of token ``id``.

    Nucleotide tokens map to their reverse complement (itself when that token is not in the
    vocabulary, e.g. an unseen BPE merge); ``[CLS]`` and ``[SEP]`` swap places (a reversed row starts
    with ``[SEP]``); other special tokens map to themselves.
    """
    vocab = tokenizer.get_vocab()
    size = max(len(tokenizer), max(vocab.values()) + 1)
    table = list(range(size))
    for token, index in vocab.items():
        if token and set(token) <= _BASES:
            table[index] = vocab.get(reverse_complement(token), index)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    if cls is not None and sep is not None:
        table[cls], table[sep] = sep, cls
    return table


def base_token_codes(tokenizer) -> list[int]:
    """``codes[id]`` = 0/1/2/3 for the one-base tokens ``A``/``C``/``G``/``T``, -1 for every other
    token (``N``, multi-base tokens, special tokens)."""
    vocab = tokenizer.get_vocab()
    codes = [-1] * max(len(tokenizer), max(vocab.values()) + 1)
    for code, base in enumerate("ACGT"):
        if base in vocab:
            codes[vocab[base]] = code
    return codes


__all__ = ["base_token_codes", "reverse_complement_token_map"]
