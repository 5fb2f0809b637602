"""GENERator's 6-mer tokenizer (GenerTeam's Hub ``DNAKmerTokenizer``) as a Rust-backed fast tokenizer.

GENERator (``GenerTeam/GENERator-eukaryote-1.2b-base``, ``-3b-base``, ``GENERator-v2-*``) is a Llama
decoder; its tokenizer ships only as Hub remote code (``tokenizer.py``, ``vocab.txt``). This class
gives the same ids with the Rust ``tokenizers`` pipeline and no remote code:

* vocabulary (4,128 for k = 6): 32 special literals (``<oov>`` 0, ``<s>`` 1, ``</s>`` 2, ``<pad>`` 3,
  ``<mask>`` 4, then GENERator's tags ``<bog>`` ... ``<sp2>``), then every k-mer in
  ``itertools.product("ATCG", repeat=k)`` order (``AAAAAA`` 32, ``AAAAAT`` 33 ... ``GGGGGG`` 4127) --
  byte for byte the Hub ``vocab.txt``;
* a run of bases is cut into non-overlapping k-mers from its start; a last piece shorter than k
  (a length that is not a multiple of 6) becomes one ``<oov>`` token, as in the original (GenerTeam
  asks users to left-trim or left-pad with ``A`` to a multiple of 6; :func:`trim_to_kmer_grid`);
  a k-mer holding an ``N`` is ``<oov>`` (the vocabulary has no ``N``), as in the original;
* the tags written in the text (``<bog>``, ``<+>``...) are their own tokens, and a run of bases
  stops at them, as in the original;
* ``<s>`` is prepended, ``</s>`` only on request (``add_eos_token``): the Hub
  ``tokenizer_config.json`` (``add_bos_token: true, add_eos_token: false``) and the ids the Hub
  code gives (``<s>AAAAAATTTTTT`` -> ``1 1 32 1397``).

Where the package's alphabet policy differs from the original (documented in docs/decoders.md):
lower-case (soft-masked) bases are upper-cased, ``U`` -> ``T`` and IUPAC codes -> ``N`` before the
k-mers are cut (the original turns every lower-case base into its own ``<oov>`` and reads ``U`` as
an unknown k-mer), whitespace is removed (the original makes each space an ``<oov>``) and any other
character raises an error naming its position (the original: one ``<oov>`` each). On upper-case
``ACGTN`` text the ids are the original's (tests/test_generator_tokenizer.py against its outputs).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

from hf_genomics.alphabet import translate_validated
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.normalization import dna_normalizer

K = 6
BASE_ORDER = "ATCG"  # the original's itertools.product alphabet: the ids depend on this order
SPECIAL_TOKENS: tuple[str, ...] = (
    "<oov>",
    "<s>",
    "</s>",
    "<pad>",
    "<mask>",
    "<bog>",
    "<eog>",
    "<bok>",
    "<eok>",
    "<+>",
    "<->",
    "<cds>",
    "<pseudo>",
    "<tRNA>",
    "<rRNA>",
    "<ncRNA>",
    "<miscRNA>",
    "<mam>",
    "<vrt>",
    "<inv>",
    "<pln>",
    "<fng>",
    "<prt>",
    "<arc>",
    "<bct>",
    "<mit>",
    "<plt>",
    "<plm>",
    "<vir>",
    "<sp0>",
    "<sp1>",
    "<sp2>",
)
TAGS = SPECIAL_TOKENS[5:]  # GENERator's annotation and taxon tags: special tokens beyond the five roles
ORIGINAL_CLASS_NAME = "DNAKmerTokenizer"  # the Hub tokenizer_config.json's tokenizer_class


def generator_vocab(k: int = K) -> dict[str, int]:
    """Token -> id: the 32 specials, then the k-mers in ``itertools.product("ATCG")`` order."""
    kmers = ("".join(bases) for bases in itertools.product(BASE_ORDER, repeat=k))
    return {token: index for index, token in enumerate((*SPECIAL_TOKENS, *kmers))}


def vocab_file_text(k: int = K) -> str:
    """The Hub ``vocab.txt``: one ``token id`` line per entry (identical bytes for k = 6)."""
    return "".join(f"{token} {index}\n" for token, index in generator_vocab(k).items())


def check_vocab_file(path: str | Path, k: int = K) -> None:
    """Refuse a ``vocab.txt`` whose layout is not GENERator's (one line naming file and line)."""
    expected = vocab_file_text(k).splitlines()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, (found, wanted) in enumerate(zip(lines, expected), start=1):
        if found != wanted:
            raise ValueError(
                f"{path}: line {number} is {found!r}, GENERator's k={k} vocabulary has {wanted!r} there"
            )
    if len(lines) != len(expected):
        raise ValueError(f"{path}: {len(lines)} entries, GENERator's k={k} vocabulary has {len(expected)}")


def build_generator_backend(k: int = K) -> Tokenizer:
    """Normaliser, non-overlapping k-mers from each run's start, ``<oov>`` for the rest."""
    backend = Tokenizer(models.WordLevel(generator_vocab(k), unk_token="<oov>"))
    backend.normalizer = dna_normalizer()
    backend.pre_tokenizer = pre_tokenizers.FixedLength(k)
    backend.decoder = decoders.Fuse()
    backend.add_special_tokens(
        [AddedToken(token, special=True, normalized=False) for token in SPECIAL_TOKENS]
    )
    return backend


_N_CODE = 4
_CODE_OF = np.full(256, _N_CODE, dtype=np.int64)  # after normalisation only A/C/G/T/N remain
for _code, _base in enumerate(BASE_ORDER):
    _CODE_OF[ord(_base)] = _code


def kmer_ids(texts: Sequence[str], k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised twin of the Rust pipeline for normalised text without tags: ``(flat ids, tokens per
    text)``; token j covers bases ``[jk, jk + k)``, a short or ``N``-holding piece is ``<oov>`` (0)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = _CODE_OF[np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)]
    codes = np.concatenate([codes, np.full(k, _N_CODE, dtype=np.int64)])  # reads past the end see N
    counts = -(-lengths // k)
    owner = np.repeat(np.arange(len(texts)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.repeat(np.cumsum(lengths) - lengths, counts) + within * k
    pieces = codes[first[:, None] + np.arange(k)]  # (tokens, k): k gathers, no loop over bases
    full = (lengths[owner] - within * k >= k) & (pieces < _N_CODE).all(axis=1)
    value = pieces @ (4 ** np.arange(k - 1, -1, -1))
    return np.where(full, len(SPECIAL_TOKENS) + value, 0), counts


def trim_to_kmer_grid(sequence: str, k: int = K) -> str:
    """``sequence`` without its first ``len % k`` bases (GenerTeam's left truncation), so no
    ``<oov>`` tail is produced."""
    return sequence[len(sequence) % k :]


class GeneratorTokenizer(DnaTokenizerBase):
    """GENERator's 6-mer tokenizer (see the module docstring)."""

    vocab_files_names = {"vocab_file": "vocab.txt"}
    padding_side = "right"

    def __init__(self, vocab_file: str | None = None, k: int = K, **kwargs) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number >= 1, got {k!r}")
        if vocab_file is not None:
            check_vocab_file(vocab_file, k)
        for key in ("vocab", "tokenizer_file", "tokenizer_object", "auto_map", "tokenizer_class"):
            kwargs.pop(key, None)  # fixed vocabulary: rebuilt from k, never trusted from disk
        self.k = k
        self._tokenizer = build_generator_backend(k)
        kwargs.update(
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<oov>",
            pad_token="<pad>",
            mask_token="<mask>",
            extra_special_tokens=list(TAGS),
        )
        kwargs.setdefault("padding_side", "right")
        super().__init__(k=k, **kwargs)

    @property
    def special_tokens(self) -> list[str]:
        """The 32 special literals, as the original's ``special_tokens`` attribute (its scripts use it)."""
        return list(SPECIAL_TOKENS)

    @property
    def window_grid_nt(self) -> int:
        """Bases per token: analysis windows are cut to multiples of it (no ``<oov>`` tail)."""
        return self.k

    def _content_tokens_for(self, length_nt: int) -> int:
        return math.ceil(length_nt / self.k)

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("<" in text for text in texts):
            return None  # tags written in the text: the Rust pipeline handles them
        return kmer_ids([translate_validated(text, strip_whitespace=True) for text in texts], self.k)


__all__ = [
    "K",
    "ORIGINAL_CLASS_NAME",
    "SPECIAL_TOKENS",
    "GeneratorTokenizer",
    "build_generator_backend",
    "check_vocab_file",
    "generator_vocab",
    "kmer_ids",
    "trim_to_kmer_grid",
    "vocab_file_text",
]
