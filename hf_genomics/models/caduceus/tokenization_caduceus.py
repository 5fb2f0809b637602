"""Caduceus' character tokenizer, reproduced as a Rust ``tokenizers`` pipeline.

Ids as the original ``CaduceusTokenizer``: ``[CLS]=0 [SEP]=1 [BOS]=2 [MASK]=3 [PAD]=4 [RESERVED]=5
[UNK]=6 A=7 C=8 G=9 T=10 N=11``; a sequence is followed by ``[SEP]`` (no leading token); padding on
the left. Input goes through the package's DNA normaliser first (lowercase upper-cased, as the
original does; ``U`` -> T and IUPAC codes -> N where the original would emit ``[UNK]``).
"""

from __future__ import annotations

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from hf_genomics.tokenization.bpe import DnaBpeTokenizer

CADUCEUS_VOCAB = [
    "[CLS]",
    "[SEP]",
    "[BOS]",
    "[MASK]",
    "[PAD]",
    "[RESERVED]",
    "[UNK]",
    "A",
    "C",
    "G",
    "T",
    "N",
]


def build_caduceus_backend() -> Tokenizer:
    vocab = {token: index for index, token in enumerate(CADUCEUS_VOCAB)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.add_special_tokens(CADUCEUS_VOCAB[:7])
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    backend.post_processor = processors.TemplateProcessing(
        single="$A [SEP]", pair="$A [SEP] $B:1 [SEP]:1", special_tokens=[("[SEP]", 1)]
    )
    return backend


class CaduceusTokenizer(DnaBpeTokenizer):
    """The wrapped Rust pipeline above, with the package's validation, normalisation and fast path."""

    keeps_original_specials = True

    def __init__(self, tokenizer_file: str | None = None, **kwargs) -> None:
        if tokenizer_file is None and kwargs.get("tokenizer_object") is None:
            kwargs["tokenizer_object"] = build_caduceus_backend()
        kwargs.setdefault("bos_token", "[BOS]")
        kwargs.setdefault("eos_token", "[SEP]")
        kwargs.setdefault("padding_side", "left")
        kwargs.setdefault("model_max_length", 131072)
        super().__init__(tokenizer_file=tokenizer_file, **kwargs)


__all__ = ["CADUCEUS_VOCAB", "CaduceusTokenizer", "build_caduceus_backend"]
