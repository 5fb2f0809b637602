"""The one tokenizer spec parser every script shares (``--tokenizer kmer:6``).

Specs:

* ``char`` — one token per base (``kmer:1``);
* ``kmer:K`` — non-overlapping k-mers; ``kmer:K:S`` — k-mers every S bases (``kmer:6:1`` = DNABERT-1);
* ``bpe:V`` — BPE with V tokens learned from ``train_sequences`` (the training split);
* ``dnallm`` — the dna-llm study's 8-token character vocabulary;
* anything else — a folder (or Hub id) with a saved tokenizer, loaded with ``AutoTokenizer``.

Nothing that looks like a spec or a local path goes to the network: a string that starts like one
of our specs but does not parse (``kmer6``, ``kmer:``, ``bpe4096``, ``char:3``) raises "malformed
tokenizer spec"; a path-like argument (``./x``, ``/x``, ``~/x``, ``runs/x`` that is not a Hub
``owner/name``, anything with a backslash) that does not exist raises ``FileNotFoundError`` naming
it, without the minute of Hub retries an offline machine would spend.

``causal=True`` asks for ``[BOS] x [EOS]`` wrapping (causal LMs) instead of ``[CLS] x [SEP]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from transformers import PreTrainedTokenizerBase

SPEC_ARITY = {"char": (0, 0), "kmer": (1, 2), "bpe": (1, 1), "dnallm": (0, 0)}
_SPEC_LIKE = re.compile(rf"^({'|'.join(SPEC_ARITY)})([:\d_\-]|$)", re.IGNORECASE)


def looks_like_spec(spec: str) -> bool:
    """True for our spec names, well formed or not (``kmer6``, ``kmer:x``, ``BPE:10``)."""
    return bool(_SPEC_LIKE.match(spec.strip()))


def parse_spec(spec: str) -> tuple[str, list[int]]:
    """Split ``"kmer:6:1"`` into ``("kmer", [6, 1])``; raise a clear error on malformed specs.

    Names that are not ours come back as ``(spec, [])`` (a folder or Hub id)."""
    name, *numbers = spec.split(":")
    if name not in SPEC_ARITY:
        if looks_like_spec(spec):
            raise ValueError(
                f"malformed tokenizer spec {spec!r}: expected one of char, kmer:K, kmer:K:S, bpe:V, "
                "dnallm (see hf_genomics.tokenization.spec)"
            )
        return spec, []
    try:
        values = [int(number) for number in numbers]
    except ValueError:
        raise ValueError(f"malformed tokenizer spec {spec!r}: numbers expected after ':'") from None
    if not SPEC_ARITY[name][0] <= len(values) <= SPEC_ARITY[name][1]:
        raise ValueError(f"malformed tokenizer spec {spec!r}: see hf_genomics.tokenization.spec")
    return name, values


def check_local_or_hub(spec: str) -> None:
    """Raise at once for an argument that is neither an existing folder nor a Hub id
    (:func:`hf_genomics.hub_ids.is_hub_id`), instead of asking the Hub about a typo."""
    from hf_genomics.hub_ids import is_hub_id

    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise NotADirectoryError(f"tokenizer {spec!r} is a file; pass the folder that holds it")
        return
    if not is_hub_id(spec):
        raise FileNotFoundError(f"tokenizer folder {spec!r} does not exist")


def build_tokenizer(
    spec: str, train_sequences: Iterable[str] | None = None, causal: bool = False
) -> PreTrainedTokenizerBase:
    """Build (or load) the tokenizer a spec names; see the module docstring."""
    from hf_genomics.tokenization.bpe import train_dna_bpe
    from hf_genomics.tokenization.dnallm import DnaLlmCharTokenizer
    from hf_genomics.tokenization.kmer import KmerTokenizer

    name, values = parse_spec(spec)
    if name == "char":
        return KmerTokenizer(k=1, add_bos_eos=causal)
    if name == "kmer":
        return KmerTokenizer(k=values[0], stride=values[1] if len(values) > 1 else None, add_bos_eos=causal)
    if name == "bpe":
        if train_sequences is None:
            raise ValueError(
                f"tokenizer spec {spec!r} learns BPE from the training split: pass train_sequences"
            )
        return train_dna_bpe(train_sequences, vocab_size=values[0], add_bos_eos=causal)
    if name == "dnallm":
        return DnaLlmCharTokenizer()
    check_local_or_hub(spec)
    from transformers import AutoTokenizer

    import hf_genomics  # noqa: F401  (registers our tokenizer classes)
    from hf_genomics.models.marin_dna.original_layout import adopt_original_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(spec, trust_remote_code=False)  # never a folder's own code
    # an original MarinDNA folder's plain tokenizer -> ours with the same ids (N/U never silently [UNK])
    return adopt_original_tokenizer(tokenizer, folder=spec if Path(spec).is_dir() else None)
