"""What every DNA tokenizer of the package shares on top of transformers' fast-tokenizer base.

* Input is checked against the alphabet policy before it reaches Rust: an invalid character
  raises with its position instead of becoming ``[UNK]``.
* Lengths are given by users in nucleotides; :meth:`max_tokens_for` converts them to a token budget.
* Subclasses may provide a vectorised encoder (:meth:`_encode_batch_ids`) that transformers'
  ``__call__`` uses for plain batches; it must give the Rust pipeline's ids exactly (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from transformers import BatchEncoding
from transformers.tokenization_utils_base import PaddingStrategy, TruncationStrategy
from transformers.tokenization_utils_tokenizers import TokenizersBackend

from hf_genomics.tokenization.ragged import add_specials, to_lists, to_matrix, truncate
from hf_genomics.tokenization.validation import special_tokens_pattern, validate_texts


class DnaTokenizerBase(TokenizersBackend):
    """Validation, nucleotide budgets and an optional vectorised fast path for DNA tokenizers."""

    model_input_names = ["input_ids", "attention_mask"]
    padding_side = "right"
    #: use the vectorised encoder for plain batches (tests switch it off to compare with Rust)
    use_fast_path = True

    # ---- to be provided by subclasses -------------------------------------------------------
    #: True when the Rust pipeline cannot express the tokenization (overlapping k-mers)
    _needs_vectorised_path = False

    def _content_tokens_for(self, length_nt: int) -> int:
        """Upper bound on the tokens (no specials) of an N-free sequence of ``length_nt`` bases."""
        return length_nt  # every token covers at least one base

    def _encode_batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """Vectorised ids (no specials) for validated texts as ``(flat ids, tokens per text)``,
        or ``None`` to use the Rust pipeline."""
        return None

    # ---- shared behaviour -------------------------------------------------------------------
    def max_tokens_for(self, length_nt: int, add_special_tokens: bool = True) -> int:
        """Token budget for a sequence of ``length_nt`` nucleotides (specials included by default).

        Exact for N-free sequences with k-mer tokenizers; an upper bound for BPE.
        """
        specials = self.num_special_tokens_to_add(pair=False) if add_special_tokens else 0
        return self._content_tokens_for(int(length_nt)) + specials

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save as usual, plus the code and ``auto_map`` needed to load without hf_genomics installed."""
        files = super().save_pretrained(save_directory, *args, **kwargs)
        from hf_genomics.remote_code import export_tokenizer_code

        export_tokenizer_code(save_directory, self)
        return files

    @cached_property
    def _special_pattern(self):
        return special_tokens_pattern(self.all_special_tokens)

    def _special_ids_around(self, add_special_tokens: bool) -> tuple[list[int], list[int]]:
        """Ids the post-processor puts before and after a single sequence."""
        if not add_special_tokens:
            return [], []
        probe = self._tokenizer.post_processor.process(self._tokenizer.encode("", add_special_tokens=False))
        ids = probe.ids
        return ids[:1], ids[1:] if len(ids) > 1 else []

    def _encode_plus(self, text, text_pair=None, *args, **kwargs) -> BatchEncoding:  # type: ignore[override]
        is_split = kwargs.get("is_split_into_words", False)
        batched = isinstance(text, (list, tuple)) and not (is_split and text and isinstance(text[0], str))
        texts = list(text) if batched else [text]
        if not is_split:
            validate_texts(texts, self._special_pattern)
            if text_pair is not None:
                validate_texts(list(text_pair) if batched else [text_pair], self._special_pattern)
            fast = self._try_fast_path(texts, batched, text_pair, kwargs)
            if fast is not None:
                return fast
        return super()._encode_plus(text, text_pair, *args, **kwargs)

    def _try_fast_path(self, texts: list[str], batched: bool, text_pair, options: dict[str, Any]):
        unsupported = ("return_offsets_mapping", "return_overflowing_tokens", "return_special_tokens_mask")
        asked = [name for name in unsupported if options.get(name)] + (
            ["text_pair"] if text_pair is not None else []
        )
        if self._needs_vectorised_path:
            if asked:
                raise NotImplementedError(
                    f"{type(self).__name__} in this mode does not support {', '.join(asked)}"
                )
        elif asked or options.get("split_special_tokens") or not self.use_fast_path:
            return None
        ids = self._encode_batch_ids(texts)
        if ids is None:
            return None
        return self._assemble(ids, batched, options)

    def _assemble(
        self, ids: tuple[np.ndarray, np.ndarray], batched: bool, options: dict[str, Any]
    ) -> BatchEncoding:
        """Add specials, truncate and pad like the Rust pipeline would, then wrap in a BatchEncoding."""
        flat, counts = ids
        before, after = self._special_ids_around(options.get("add_special_tokens", True))
        max_length = options.get("max_length")
        truncation = options.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE)
        if truncation != TruncationStrategy.DO_NOT_TRUNCATE and max_length is not None:
            room = max(max_length - len(before) - len(after), 0)
            flat, counts = truncate(flat, counts, room, self.truncation_side)
        flat, counts = add_specials(flat, counts, before, after)
        padding = options.get("padding_strategy", PaddingStrategy.DO_NOT_PAD)
        target = None
        if padding == PaddingStrategy.LONGEST and len(counts):
            target = int(counts.max())
        elif padding == PaddingStrategy.MAX_LENGTH and max_length is not None:
            target = max_length
        multiple = options.get("pad_to_multiple_of")
        if target is not None and multiple:
            target = -(-target // multiple) * multiple
        data: dict[str, Any] = {}
        if target is not None:
            width = max(target, int(counts.max(initial=0)))
            side = options.get("padding_side") or self.padding_side
            matrix, mask = to_matrix(flat, counts, width, self.pad_token_id, side)
            data["input_ids"], attention = matrix.tolist(), mask.tolist()
        else:
            data["input_ids"] = to_lists(flat, counts)
            attention = [[1] * count for count in counts.tolist()]
        if options.get("return_attention_mask") is not False:
            data["attention_mask"] = attention
        if options.get("return_token_type_ids"):
            data["token_type_ids"] = [[0] * len(row) for row in data["input_ids"]]
        if options.get("return_length"):
            data["length"] = counts.tolist()
        tensor_type = options.get("return_tensors")
        if not batched and tensor_type is None:
            data = {key: value[0] for key, value in data.items()}
        return BatchEncoding(data, tensor_type=tensor_type)
