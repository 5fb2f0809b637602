"""The alphabet's normalisation policy expressed as Rust ``tokenizers`` components.

The same policy as :func:`hf_genomics.alphabet.normalize`: upper-case, ``U``→``T``, IUPAC
ambiguity codes → ``N`` and whitespace (:data:`hf_genomics.alphabet.WHITESPACE`, Unicode spaces
included) removed. Characters outside the policy are rejected in
Python *before* they reach Rust (see :mod:`hf_genomics.tokenization.validation`), so the Rust
pipeline never has to emit ``[UNK]`` for them.
"""

from __future__ import annotations

from tokenizers import Regex, normalizers

from hf_genomics.alphabet import IUPAC_AMBIGUITY, WHITESPACE


def dna_normalizer() -> normalizers.Normalizer:
    """A ``tokenizers`` normalizer implementing the package's DNA policy."""
    iupac = IUPAC_AMBIGUITY + IUPAC_AMBIGUITY.lower()
    return normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"[{WHITESPACE}]+"), ""),  # the very set validation accepts
            normalizers.Replace(Regex(f"[{iupac}]"), "N"),
            normalizers.Replace(Regex("[uU]"), "T"),
            *[normalizers.Replace(base.lower(), base) for base in "ACGTN"],
        ]
    )
