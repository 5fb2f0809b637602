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


def dna_normalizer(keep_codes: str = "") -> normalizers.Normalizer:
    """A ``tokenizers`` normalizer implementing the package's DNA policy.

    ``keep_codes``: IUPAC codes the vocabulary has tokens of its own for (GENA-LM's has R, Y, K, M,
    S, W, B): those are only upper-cased, so they keep the original's ids; the others become ``N``.
    """
    to_n = "".join(code for code in IUPAC_AMBIGUITY if code not in keep_codes)
    steps = [normalizers.Replace(Regex(f"[{WHITESPACE}]+"), "")]  # the very set validation accepts
    if to_n:
        steps.append(normalizers.Replace(Regex(f"[{to_n}{to_n.lower()}]"), "N"))
    steps.append(normalizers.Replace(Regex("[uU]"), "T"))
    steps += [normalizers.Replace(base.lower(), base) for base in "ACGTN" + keep_codes]
    return normalizers.Sequence(steps)
