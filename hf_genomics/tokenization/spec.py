"""The one tokenizer spec parser every script shares (``--tokenizer kmer:6``).

Specs:

* ``char`` — one token per base (``kmer:1``);
* ``kmer:K`` — non-overlapping k-mers; ``kmer:K:S`` — k-mers every S bases (``kmer:6:1`` = DNABERT-1);
* ``bpe:V`` — BPE with V tokens learned from ``train_sequences`` (the training split);
* ``dnallm`` — the dna-llm study's 8-token character vocabulary;
* anything else — a folder (or Hub id) with a saved tokenizer, loaded with ``AutoTokenizer``.

``causal=True`` asks for ``[BOS] x [EOS]`` wrapping (causal LMs) instead of ``[CLS] x [SEP]``.
"""

from __future__ import annotations

from collections.abc import Iterable

from transformers import PreTrainedTokenizerBase


def parse_spec(spec: str) -> tuple[str, list[int]]:
    """Split ``"kmer:6:1"`` into ``("kmer", [6, 1])``; raise a clear error on malformed specs."""
    name, *numbers = spec.split(":")
    try:
        values = [int(number) for number in numbers]
    except ValueError:
        raise ValueError(f"malformed tokenizer spec {spec!r}: numbers expected after ':'") from None
    arity = {"char": (0, 0), "kmer": (1, 2), "bpe": (1, 1), "dnallm": (0, 0)}
    if name in arity and not arity[name][0] <= len(values) <= arity[name][1]:
        raise ValueError(f"malformed tokenizer spec {spec!r}: see hf_genomics.tokenization.spec")
    return name, values


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
    from transformers import AutoTokenizer

    import hf_genomics  # noqa: F401  (registers our tokenizer classes)

    return AutoTokenizer.from_pretrained(spec)
