"""Byte-pair encoding learned from DNA (DNABERT-2 style), or wrapped around an existing DNA BPE file.

``train_dna_bpe`` learns merges with the Rust ``tokenizers`` trainer from an iterable of sequences,
a FASTA file (``.gz`` too) or a ``datasets`` column, after the package's normalisation. Special
tokens follow DNABERT-2: ``[UNK]=0 [CLS]=1 [SEP]=2 [PAD]=3 [MASK]=4`` (plus ``[BOS] [EOS]`` for
causal models). ``DnaBpeTokenizer(tokenizer_file=...)`` wraps an existing DNA BPE
``tokenizer.json`` (e.g. DNABERT-2's, GENA-LM's): ids are exactly the file's for upper-case A/C/G/T/N
input and for the IUPAC codes the vocabulary has tokens of its own (GENA-LM's R, Y, K, M, S, W, B);
our normaliser is put in front so lowercase, ``U`` and the other IUPAC codes (-> N) follow the same
policy instead of turning into ``[UNK]``, and a ``Fuse`` decoder is attached when the file has none (decode must
not insert spaces between tokens).

A vocabulary without an ``N`` token (DNABERT-2's has none) cannot encode ``N`` or the IUPAC codes
that normalise to it: by default such input raises, naming the character and its position. Pass
``n_as_unk=True`` to map them to ``[UNK]`` instead, which is what DNABERT-2 itself does (its
tokenizer turns every N into ``[UNK]``); ``decode`` then gives ``[UNK]`` (or nothing, with
``skip_special_tokens``) where the N was.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, processors, trainers

from hf_genomics.alphabet import IUPAC_AMBIGUITY, normalize_record
from hf_genomics.tokenization.base import DnaTokenizerBase
from hf_genomics.tokenization.normalization import dna_normalizer
from hf_genomics.tokenization.validation import check_no_n

DNABERT2_SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
CAUSAL_SPECIALS = ["[BOS]", "[EOS]"]


def _normalizer_json(normalizer) -> dict:
    probe = Tokenizer(models.BPE())
    probe.normalizer = normalizer
    return json.loads(probe.to_str())["normalizer"]


def _legacy_dna_normalizer() -> normalizers.Normalizer:
    """Our normaliser as saved before the whitespace set was made explicit (``\\s+``)."""
    iupac = IUPAC_AMBIGUITY + IUPAC_AMBIGUITY.lower()
    return normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"\s+"), ""),
            normalizers.Replace(Regex(f"[{iupac}]"), "N"),
            normalizers.Replace(Regex("[uU]"), "T"),
            *[normalizers.Replace(base.lower(), base) for base in "ACGTN"],
        ]
    )


def vocabulary_iupac_codes(backend: Tokenizer) -> str:
    """The IUPAC ambiguity codes a vocabulary has single-letter tokens for (GENA-LM: B K M R S W Y)."""
    vocab = backend.get_vocab()
    return "".join(code for code in IUPAC_AMBIGUITY if code in vocab)


def _steps(normalizer: dict | None) -> list[dict]:
    """A normaliser's JSON as its list of steps (a saved ``Sequence`` is stored flattened)."""
    if normalizer is None:
        return []
    return list(normalizer["normalizers"]) if normalizer.get("type") == "Sequence" else [normalizer]


def _with_dna_normalizer(backend: Tokenizer) -> Tokenizer:
    """Put the DNA normaliser in front of a wrapped file's own (once: idempotent; old versions replaced).

    IUPAC codes the vocabulary has tokens for keep them (the original's ids); the others become N.
    A file saved with an earlier version of our normaliser in front gets the current one instead.
    """
    ours = _steps(_normalizer_json(dna_normalizer(vocabulary_iupac_codes(backend))))
    earlier = [_steps(_normalizer_json(dna_normalizer())), _steps(_normalizer_json(_legacy_dna_normalizer()))]
    state = json.loads(backend.to_str())
    current = _steps(state.get("normalizer"))
    own = current
    for candidate in (ours, *earlier):
        if current[: len(candidate)] == candidate:
            own = current[len(candidate) :]
            break
    steps = ours + own
    if steps == current:
        return backend
    state["normalizer"] = {"type": "Sequence", "normalizers": steps}
    return Tokenizer.from_str(json.dumps(state))


def _check_bases(backend: Tokenizer, n_as_unk: bool, source: str) -> bool:
    """Whether the vocabulary has ``N``; raise when it lacks A/C/G/T or cannot map N to ``[UNK]``."""
    vocab = backend.get_vocab()
    missing = [base for base in "ACGT" if base not in vocab]
    if missing:
        raise ValueError(f"{source} has no token for {', '.join(missing)}: it cannot encode DNA")
    if "N" in vocab:
        return True
    if n_as_unk and getattr(backend.model, "unk_token", None) is None:
        raise ValueError(f"n_as_unk=True: {source} has neither an N token nor an unk_token to map N to")
    return False


def close_offset_gaps(offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Offsets whose content tokens (``end > start``) start where the previous content token ends (the
    first at 0), for token offsets of one text (a text pair is not contiguous: not for pairs)."""
    array = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    content = np.flatnonzero(array[:, 1] > array[:, 0])
    if len(content) == 0:
        return offsets
    previous_ends = np.concatenate([[0], array[content[:-1], 1]])  # the first starts at the text's start
    starts = array[content, 0]
    if not (starts > previous_ends).any():
        return offsets
    array[content, 0] = np.minimum(starts, previous_ends)
    return [(int(start), int(end)) for start, end in array]


class DnaBpeTokenizer(DnaTokenizerBase):
    """A DNA BPE tokenizer: a transformers fast tokenizer with the package's validation and normalisation."""

    @classmethod
    def convert_to_native_format(cls, trust_remote_code: bool = False, **kwargs):
        # load tokenizer.json as it is (merges, pre-tokenizer, template) instead of rebuilding it
        return super().convert_to_native_format(trust_remote_code=True, **kwargs)

    def __init__(
        self,
        tokenizer_file: str | None = None,
        n_as_unk: bool = False,
        unk_token: str = "[UNK]",
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        mask_token: str = "[MASK]",
        **kwargs,
    ) -> None:
        backend = kwargs.pop("tokenizer_object", None)
        if backend is None and tokenizer_file is not None:
            backend = Tokenizer.from_file(str(tokenizer_file))
        if backend is None:
            raise ValueError("DnaBpeTokenizer needs a tokenizer_file (or use train_dna_bpe to learn one)")
        source = str(tokenizer_file) if tokenizer_file is not None else "this BPE vocabulary"
        backend = _with_dna_normalizer(backend)
        if backend.decoder is None:
            backend.decoder = decoders.Fuse()  # DNA tokens are joined as they are, never with spaces
        self.n_as_unk = bool(n_as_unk)
        self._has_n = _check_bases(backend, self.n_as_unk, source)
        self._vocabulary_name = source
        self._tokenizer = backend
        super().__init__(
            n_as_unk=self.n_as_unk,
            unk_token=unk_token,
            cls_token=cls_token,
            sep_token=sep_token,
            pad_token=pad_token,
            mask_token=mask_token,
            **kwargs,
        )

    def _convert_encoding(self, encoding, *args, **kwargs):
        """transformers' conversion, with every base of the text inside some token's offsets.

        A normaliser that collapses a run (GENA-LM's ``N{10,}`` -> one ``-`` token) leaves Rust's
        offsets on the run's last character only; the token stands for the whole run, so its start
        is moved back to where the previous token ends (likewise over removed whitespace).
        """
        encoding_dict, encodings = super()._convert_encoding(encoding, *args, **kwargs)
        if "offset_mapping" in encoding_dict:
            encoding_dict["offset_mapping"] = [
                close_offset_gaps(offsets) for offsets in encoding_dict["offset_mapping"]
            ]
        return encoding_dict, encodings

    def _check_vocabulary_covers(self, texts: Sequence[str]) -> None:
        if not self._has_n and not self.n_as_unk:
            check_no_n(texts, self._special_pattern, self._vocabulary_name)

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        if any("[" in text for text in texts):
            return None  # special tokens in the text: the full Rust path
        rows = [
            encoding.ids for encoding in self._tokenizer.encode_batch_fast(texts, add_special_tokens=False)
        ]
        counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        return np.fromiter(
            itertools.chain.from_iterable(rows), dtype=np.int64, count=int(counts.sum())
        ), counts


def _iter_fasta(path: Path) -> Iterator[str]:
    from Bio import SeqIO

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        for record in SeqIO.parse(handle, "fasta"):
            yield normalize_record(str(record.seq), record_id=record.id, source=str(path))


def _iter_sequences(sequences: Iterable[str] | str | Path) -> Iterator[str]:
    if isinstance(sequences, (str, Path)) and Path(sequences).is_file():
        yield from _iter_fasta(Path(sequences))
        return
    if isinstance(sequences, str):
        raise FileNotFoundError(f"{sequences!r} is not a FASTA file; pass a list of sequences instead")
    for index, seq in enumerate(sequences):
        yield normalize_record(seq, record_id=f"#{index}")


def train_dna_bpe(
    sequences: Iterable[str] | str | Path,
    vocab_size: int = 4096,
    min_frequency: int = 2,
    max_token_length: int | None = None,
    add_bos_eos: bool = False,
    show_progress: bool = False,
) -> DnaBpeTokenizer:
    """Learn a DNA BPE vocabulary (specials + A/C/G/T/N + merges) of ``vocab_size`` tokens.

    ``sequences``: an iterable of strings (a list, a generator, a ``datasets`` column) or the path
    of a FASTA file (``.gz`` accepted). Every sequence is normalised first; invalid characters raise.
    """
    specials = DNABERT2_SPECIALS + (CAUSAL_SPECIALS if add_bos_eos else [])
    backend = Tokenizer(models.BPE(unk_token="[UNK]"))
    backend.normalizer = dna_normalizer()
    backend.decoder = decoders.Fuse()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=specials,
        initial_alphabet=list("ACGTN"),
        limit_alphabet=5,
        max_token_length=max_token_length,
        show_progress=show_progress,
    )
    backend.train_from_iterator(_iter_sequences(sequences), trainer=trainer)
    first, last = ("[BOS]", "[EOS]") if add_bos_eos else ("[CLS]", "[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single=f"{first} $A {last}",
        pair=f"{first} $A {last} $B:1 {last}:1",
        special_tokens=[(first, backend.token_to_id(first)), (last, backend.token_to_id(last))],
    )
    extra = {"bos_token": "[BOS]", "eos_token": "[EOS]"} if add_bos_eos else {}
    return DnaBpeTokenizer(tokenizer_object=backend, **extra)
