"""The ``tokenizer_class`` name of original GENERator folders, resolved to :class:`GeneratorTokenizer`.

GenerTeam's Hub folders name ``DNAKmerTokenizer`` in ``tokenizer_config.json`` with an ``auto_map``
into their ``tokenizer.py``; transformers has no class of that name, so without
``trust_remote_code`` the folder's tokenizer does not load. We register this stand-in under that
name: ``AutoTokenizer.from_pretrained(folder)`` then gives our tokenizer, built from the folder's
``k`` (its ``vocab.txt`` checked against the layout). Its ``__module__`` is transformers' own, because
transformers takes a class registered from outside ``transformers.`` as a local override of a
folder's remote code, which this stand-in must not be: ``trust_remote_code=True`` still runs the
folder's own code.
"""

from __future__ import annotations

from hf_genomics.tokenization.generator import ORIGINAL_CLASS_NAME, GeneratorTokenizer


def original_kmer_tokenizer() -> type:
    """A stand-in for the name ``DNAKmerTokenizer`` that loads :class:`GeneratorTokenizer`."""

    class DNAKmerTokenizer:
        @classmethod
        def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
            tokenizer = GeneratorTokenizer.from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
            for key in ("auto_map", "tokenizer_class", "vocab_file"):
                tokenizer.init_kwargs.pop(key, None)  # saved folders are native ones
            return tokenizer

    DNAKmerTokenizer.__module__ = "transformers.models.auto"
    DNAKmerTokenizer.__qualname__ = "DNAKmerTokenizer[hf_genomics GENERator stand-in]"  # an honest repr
    return DNAKmerTokenizer


__all__ = ["ORIGINAL_CLASS_NAME", "original_kmer_tokenizer"]
