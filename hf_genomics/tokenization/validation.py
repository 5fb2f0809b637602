"""Reject what is not DNA before it reaches a tokenizer, so nothing becomes a silent ``[UNK]``.

Special tokens written in the text (``[MASK]``, ``[CLS]`` …) are accepted, as in any Hugging Face
tokenizer; whitespace (exactly :data:`hf_genomics.alphabet.WHITESPACE`, the set the normaliser
removes) is accepted and removed. Everything else outside the alphabet's policy raises
:class:`~hf_genomics.alphabet.InvalidSequenceError` naming the character, its position in the
text and the index of the text in the batch (and of the word, for ``is_split_into_words`` input).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from hf_genomics.alphabet import IUPAC_AMBIGUITY, InvalidSequenceError

_ALLOWED = "ACGTUN" + IUPAC_AMBIGUITY
# Python's ``\s`` is exactly WHITESPACE (tested) and scans faster than the explicit class
_INVALID = re.compile(rf"[^{_ALLOWED}{_ALLOWED.lower()}\s]")
#: characters the normaliser turns into ``N`` (for vocabularies that have no ``N`` token)
BECOMES_N = re.compile(f"[N{IUPAC_AMBIGUITY}{('N' + IUPAC_AMBIGUITY).lower()}]")


def special_tokens_pattern(special_tokens: Iterable[str]) -> re.Pattern[str] | None:
    """A regex matching any of the special tokens (longest first), or ``None`` when there are none."""
    tokens = sorted({str(token) for token in special_tokens if token}, key=len, reverse=True)
    return re.compile("|".join(re.escape(token) for token in tokens)) if tokens else None


def find_outside_specials(
    pattern: re.Pattern[str], text: str, specials: re.Pattern[str] | None
) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` that is not part of a special token written in it."""
    found = pattern.search(text)
    if found is None or specials is None:
        return found
    # rare path: blank out the special tokens (same length, so positions hold) and search again
    masked = specials.sub(lambda match: "A" * len(match.group()), text)
    return pattern.search(masked)


def find_invalid(text: str, specials: re.Pattern[str] | None) -> re.Match[str] | None:
    """The first character the policy rejects, ignoring special tokens; ``None`` when all is valid."""
    return find_outside_specials(_INVALID, text, specials)


def _where(index: int, n_texts: int, word: int | None = None) -> str | None:
    parts = []
    if word is not None:
        parts.append(f"word {word}")
    if n_texts > 1 or word is not None:
        parts.append(f"item {index} of the batch")
    return " of ".join(parts) or None


def validate_texts(texts: Sequence[str], specials: re.Pattern[str] | None, source: str | None = None) -> None:
    """Raise :class:`InvalidSequenceError` at the first invalid character of any text of the batch."""
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"expected a DNA string, got {type(text).__name__} (item {index} of the batch)")
        bad = find_invalid(text, specials)
        if bad is not None:
            raise InvalidSequenceError(bad.group(), bad.start(), _where(index, len(texts)), source)


def validate_words(batch: Sequence[Sequence[str]], specials: re.Pattern[str] | None) -> None:
    """:func:`validate_texts` for ``is_split_into_words`` input: a list of words per item."""
    for index, words in enumerate(batch):
        if isinstance(words, str) or not isinstance(words, (list, tuple)):
            raise TypeError(
                "is_split_into_words=True expects a list of DNA strings per item, got "
                f"{type(words).__name__} (item {index} of the batch)"
            )
        for word_index, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(
                    f"expected a DNA string, got {type(word).__name__} "
                    f"(word {word_index} of item {index} of the batch)"
                )
            bad = find_invalid(word, specials)
            if bad is not None:
                raise InvalidSequenceError(bad.group(), bad.start(), _where(index, len(batch), word_index))


def check_no_n(texts: Sequence[str], specials: re.Pattern[str] | None, vocabulary: str) -> None:
    """Raise at the first base that normalises to ``N`` (N or an IUPAC code) for a vocabulary without ``N``."""
    for index, text in enumerate(texts):
        bad = find_outside_specials(BECOMES_N, text, specials)
        if bad is not None:
            raise InvalidSequenceError(
                bad.group(),
                bad.start(),
                _where(index, len(texts)),
                reason=(
                    f"{vocabulary} has no token for N, so N and IUPAC codes cannot be encoded "
                    "(pass n_as_unk=True to map them to [UNK] as DNABERT-2 does):"
                ),
            )


def as_text_input(text: Any, name: str = "text") -> Any:
    """The input as a ``str`` or a ``list``; clear errors for what cannot be DNA text.

    ``datasets`` columns, numpy arrays, pandas series and other sized iterables become lists.
    """
    if text is None or isinstance(text, (str, list, tuple)):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{name} is {type(text).__name__}: tokenizers take DNA as str; decode it first, "
            "e.g. text.decode('ascii')"
        )
    if isinstance(text, dict):
        raise TypeError(f"{name} is a dict: pass the sequence column, e.g. batch['sequence']")
    if hasattr(text, "__iter__") and hasattr(text, "__len__"):
        return list(text)
    raise TypeError(f"{name} must be a DNA string or a list of DNA strings, got {type(text).__name__}")
