"""The Nucleotide Transformer tokenizer: non-overlapping k-mers with NT's vocabulary order.

NT's rule (``nucleotide_transformer/tokenizers.py`` in instadeepai/nucleotide-transformer, and the
Hub's ``EsmTokenizer`` over ``vocab.txt``): left to right, six A/C/G/T bases make one 6-mer; a base
that cannot start a full 6-mer (before an ``N``, or in the last ``len % 6`` bases of a run) is a
single-base token; ``N`` is its own token. ``<cls>`` is prepended and nothing appended. That is
exactly our :class:`~hf_genomics.tokenization.kmer.KmerTokenizer` rule, so only ids are translated.

Vocabulary orders (both read from the checkpoint's ``vocab.txt`` when present):

* v2 (``*-v2-*``): ``<unk> <pad> <mask> <cls> <eos> <bos>``, the 4^k k-mers (A, T, C, G order),
  then ``A T C G N`` (4107 tokens for k = 6);
* v1 (500m-human-ref, 500m-1000g, 2.5b-*, AgroNT): ``<unk> <pad> <mask> <cls>``, k-mers,
  ``A T C G N``, then ``<eos> <bos>`` (the models' embedding has 4105 rows: eos/bos never occur).

Differences from the original, by design: lower-case input is upper-cased, ``U`` read as ``T`` and
IUPAC codes as ``N`` (the original gives ``<unk>`` for them); other characters raise an error naming
their position instead of becoming ``<unk>``.
"""

from __future__ import annotations

import itertools

from tokenizers import processors

from hf_genomics.models.foreign_kmer import VocabularyKmerTokenizer

NT_SPECIALS_V1 = ["<unk>", "<pad>", "<mask>", "<cls>"]
NT_SPECIALS_V2 = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
NT_BASES = ["A", "T", "C", "G"]


def nt_vocab(k: int = 6, version: int = 2) -> list[str]:
    """NT's token list for ``k``-mers, in the v1 or v2 order (see module docstring)."""
    kmers = ["".join(chars) for chars in itertools.product(NT_BASES, repeat=k)]
    if version == 1:
        return NT_SPECIALS_V1 + kmers + NT_BASES + ["N", "<eos>", "<bos>"]
    return NT_SPECIALS_V2 + kmers + NT_BASES + ["N"]


class NucleotideTransformerTokenizer(VocabularyKmerTokenizer):
    """Nucleotide Transformer k-mer tokenizer (fast, ids identical to the original's)."""

    special_token_names = {
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "cls_token": "<cls>",
    }

    @classmethod
    def default_vocab(cls, k: int) -> list[str]:
        return nt_vocab(k, version=2)

    def _template(self, vocab: dict[str, int]) -> processors.TemplateProcessing:
        return processors.TemplateProcessing(single="<cls> $A", special_tokens=[("<cls>", vocab["<cls>"])])
