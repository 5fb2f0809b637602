"""The DNA alphabet: one normalisation policy for every entry point, and vectorised base codes.

Policy (used by tokenizers, data loaders and metrics alike):

* lowercase (soft-masked repeats) is upper-cased;
* RNA ``U`` becomes ``T``;
* IUPAC ambiguity codes ``R Y S W K M B D H V`` become ``N`` (``iupac="N"``, the default), are
  kept (``iupac="keep"``) or rejected (``iupac="error"``);
* whitespace and newlines are removed only for file records (``strip_whitespace=True``): exactly
  the characters of :data:`WHITESPACE` (every character Python's ``str.isspace`` accepts, Unicode
  spaces such as ``\xa0``, ``\u2003``, ``\u3000`` and the separators ``\x1c``-``\x1f`` included),
  the same set that validation accepts, so nothing accepted as whitespace survives normalisation;
* anything else raises :class:`InvalidSequenceError` naming the character, its 0-based position
  and, when known, the record id and file. Nothing is ever dropped silently.

All per-character work is done by ``str.translate``, compiled regular expressions or numpy lookup
tables, never by Python loops over characters.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np

IUPAC_AMBIGUITY = "RYSWKMBDHV"
#: every character ``str.isspace`` accepts: the one set that is both accepted and removed (no
#: character of it is special inside a regex character class, for Python ``re`` and Rust alike)
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

CANONICAL = "ACGT"
IupacPolicy = Literal["N", "keep", "error"]

# base -> integer code (A=0, C=1, G=2, T=3, N=4); the 2-bit codes are the first four.
BASE_CODES = {"A": 0, "C": 1, "G": 2, "T": 3, "N": 4}
CODE_TO_BASE = np.frombuffer(b"ACGTN", dtype=np.uint8)
INVALID_CODE = 255

_COMPLEMENT = str.maketrans(
    "ACGTUNRYSWKMBDHVacgtunryswkmbdhv",
    "TGCAANYRSWMKVHDBtgcaanyrswmkvhdb",
)


class InvalidSequenceError(ValueError):
    """A character that is not DNA, located by position, record and file."""

    def __init__(
        self,
        char: str,
        position: int,
        record_id: str | None = None,
        source: str | None = None,
        reason: str = "invalid nucleotide",
    ) -> None:
        self.char, self.position, self.record_id, self.source = char, position, record_id, source
        where = f"position {position}"
        if record_id is not None:
            where += f" of record {record_id!r}"
        if source is not None:
            where += f" in {source}"
        super().__init__(f"{reason} {char!r} at {where}")


def _allowed_pattern(iupac: IupacPolicy, strip_whitespace: bool) -> re.Pattern[str]:
    allowed = "ACGTUNacgtun"
    if iupac != "error":
        allowed += IUPAC_AMBIGUITY + IUPAC_AMBIGUITY.lower()
    if strip_whitespace:
        allowed += r"\s"  # Python's \s is exactly WHITESPACE (tested), and faster to scan
    return re.compile(f"[^{allowed}]")


_PATTERNS = {
    (policy, strip): _allowed_pattern(policy, strip)
    for policy in ("N", "keep", "error")
    for strip in (False, True)
}


def _translation(iupac: IupacPolicy, strip_whitespace: bool) -> dict[int, int | None]:
    table = str.maketrans("acgtnuU", "ACGTNTT")
    lower = IUPAC_AMBIGUITY.lower()
    if iupac == "N":
        table.update(str.maketrans(IUPAC_AMBIGUITY + lower, "N" * 2 * len(IUPAC_AMBIGUITY)))
    elif iupac == "keep":
        table.update(str.maketrans(lower, IUPAC_AMBIGUITY))
    if strip_whitespace:
        table.update(str.maketrans("", "", WHITESPACE))
    return table


_TRANSLATIONS = {
    (policy, strip): _translation(policy, strip)
    for policy in ("N", "keep", "error")
    for strip in (False, True)
}


def check_sequence(
    seq: str,
    *,
    iupac: IupacPolicy = "N",
    strip_whitespace: bool = False,
    record_id: str | None = None,
    source: str | None = None,
) -> None:
    """Raise :class:`InvalidSequenceError` at the first character the policy does not accept."""
    if iupac not in ("N", "keep", "error"):
        raise ValueError(f"iupac must be 'N', 'keep' or 'error', got {iupac!r}")
    bad = _PATTERNS[(iupac, strip_whitespace)].search(seq)
    if bad is not None:
        reason = "IUPAC ambiguity code" if bad.group().upper() in IUPAC_AMBIGUITY else "invalid nucleotide"
        raise InvalidSequenceError(bad.group(), bad.start(), record_id, source, reason=reason)


def normalize(
    seq: str,
    *,
    iupac: IupacPolicy = "N",
    strip_whitespace: bool = False,
    record_id: str | None = None,
    source: str | None = None,
) -> str:
    """Apply the package's normalisation policy (see module docstring) and return the new string."""
    check_sequence(seq, iupac=iupac, strip_whitespace=strip_whitespace, record_id=record_id, source=source)
    return seq.translate(_TRANSLATIONS[(iupac, strip_whitespace)])


def translate_validated(seq: str, *, iupac: IupacPolicy = "N", strip_whitespace: bool = False) -> str:
    """The translation step of :func:`normalize` alone, for text already checked by :func:`check_sequence`."""
    return seq.translate(_TRANSLATIONS[(iupac, strip_whitespace)])


def normalize_record(seq: str, *, record_id: str | None = None, source: str | None = None, **kwargs) -> str:
    """:func:`normalize` for a file record: line breaks and other whitespace are removed."""
    return normalize(seq, strip_whitespace=True, record_id=record_id, source=source, **kwargs)


def reverse_complement(seq: str) -> str:
    """Reverse complement; keeps case, ``N`` and IUPAC codes (R<->Y, K<->M, B<->V, D<->H)."""
    check_sequence(seq, iupac="keep")
    return seq.translate(_COMPLEMENT)[::-1]


def gc_content(seq: str) -> float:
    """Fraction of G+C among the unambiguous bases (``N`` excluded); ``nan`` when there are none."""
    upper = seq.upper()
    gc = upper.count("G") + upper.count("C")
    total = gc + upper.count("A") + upper.count("T") + upper.count("U")
    return gc / total if total else float("nan")


_ENCODE_LUT = np.full(256, INVALID_CODE, dtype=np.uint8)
for _base, _code in BASE_CODES.items():
    _ENCODE_LUT[ord(_base)] = _code
    _ENCODE_LUT[ord(_base.lower())] = _code
_ENCODE_LUT[ord("U")] = _ENCODE_LUT[ord("u")] = BASE_CODES["T"]


def encode(seq: str, *, record_id: str | None = None) -> np.ndarray:
    """Integer codes (A=0, C=1, G=2, T=3, N=4) as a ``uint8`` array, via a 256-entry lookup table."""
    raw = np.frombuffer(seq.encode("utf-8"), dtype=np.uint8)
    codes = _ENCODE_LUT[raw]
    if len(raw) != len(seq) or (codes == INVALID_CODE).any():
        # report in character positions of the original string
        check_sequence(seq, iupac="error", record_id=record_id)
    return codes


def decode(codes: np.ndarray) -> str:
    """Inverse of :func:`encode`."""
    codes = np.asarray(codes)
    if codes.size and int(codes.max()) > 4:
        raise ValueError(f"base codes must be in 0..4, found {int(codes.max())}")
    return CODE_TO_BASE[codes.astype(np.intp)].tobytes().decode("ascii")


def pack_2bit(seq: str) -> tuple[np.ndarray, int]:
    """Pack A/C/G/T into 2 bits per base (4 bases a byte). Returns ``(packed, length)``.

    ``N`` has no 2-bit code: it raises, naming its position, instead of being mapped to a base.
    """
    codes = encode(seq)
    n_positions = np.flatnonzero(codes == BASE_CODES["N"])
    if n_positions.size:
        raise InvalidSequenceError("N", int(n_positions[0]), reason="no 2-bit code for")
    padded = np.zeros(-(-len(codes) // 4) * 4, dtype=np.uint8)
    padded[: len(codes)] = codes
    quads = padded.reshape(-1, 4)
    packed = (quads[:, 0] << 6) | (quads[:, 1] << 4) | (quads[:, 2] << 2) | quads[:, 3]
    return packed.astype(np.uint8), len(codes)


def unpack_2bit(packed: np.ndarray, length: int) -> str:
    """Inverse of :func:`pack_2bit`."""
    packed = np.asarray(packed, dtype=np.uint8)
    codes = np.stack([(packed >> shift) & 3 for shift in (6, 4, 2, 0)], axis=1).reshape(-1)[:length]
    return decode(codes)
