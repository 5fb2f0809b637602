"""Reject what is not DNA before it reaches a tokenizer, so nothing becomes a silent ``[UNK]``.

Special tokens written in the text (``[MASK]``, ``[CLS]`` …) are accepted, as in any Hugging Face
tokenizer; whitespace is accepted and removed by the normaliser. Everything else outside the
alphabet's policy raises :class:`~hf_genomics.alphabet.InvalidSequenceError` naming the
character, its position in the text and the index of the text in the batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hf_genomics.alphabet import IUPAC_AMBIGUITY, InvalidSequenceError

_ALLOWED = "ACGTUN" + IUPAC_AMBIGUITY
_INVALID = re.compile(rf"[^{_ALLOWED}{_ALLOWED.lower()}\s]")


def special_tokens_pattern(special_tokens: Iterable[str]) -> re.Pattern[str] | None:
    """A regex matching any of the special tokens (longest first), or ``None`` when there are none."""
    tokens = sorted({str(token) for token in special_tokens if token}, key=len, reverse=True)
    return re.compile("|".join(re.escape(token) for token in tokens)) if tokens else None


def find_invalid(text: str, specials: re.Pattern[str] | None) -> re.Match[str] | None:
    """The first character the policy rejects, ignoring special tokens; ``None`` when all is valid."""
    bad = _INVALID.search(text)
    if bad is None or specials is None:
        return bad
    # rare path: the text contains non-bases; blank out the special tokens (same length) and re-check
    masked = specials.sub(lambda match: "A" * len(match.group()), text)
    return _INVALID.search(masked)


def validate_texts(texts: Sequence[str], specials: re.Pattern[str] | None, source: str | None = None) -> None:
    """Raise :class:`InvalidSequenceError` at the first invalid character of any text of the batch."""
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"expected a DNA string, got {type(text).__name__} (item {index} of the batch)")
        bad = find_invalid(text, specials)
        if bad is not None:
            record = f"item {index} of the batch" if len(texts) > 1 else None
            raise InvalidSequenceError(bad.group(), bad.start(), record, source)
