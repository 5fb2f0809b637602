"""What every DNA tokenizer of the package shares on top of transformers' fast-tokenizer base.

* Input is checked against the alphabet policy before it reaches Rust: an invalid character
  raises with its position instead of becoming ``[UNK]``; ``None``, ``bytes`` and other non-text
  input raise a clear ``TypeError``; a ``datasets`` column (or any sized iterable) is a batch.
* Lengths are given by users in nucleotides; :meth:`max_tokens_for` converts them to a token budget.
* Subclasses may provide a vectorised encoder (:meth:`_encode_batch_ids`) that transformers'
  ``__call__`` uses for plain batches; it must give the Rust pipeline's ids exactly (tested). The
  Rust backend never keeps padding/truncation between calls (nor in a saved ``tokenizer.json``),
  so the two paths cannot drift apart.
* Causal tokenizers (those with a BOS and an EOS token) start sequences with BOS and, as in
  transformers, do not append EOS unless asked: ``tokenizer(x, add_eos_token=True)`` or the
  ``add_eos_token`` attribute. ``model.generate(**tokenizer(prompt))`` continues the prompt.
* Length guard: when ``model_max_length`` is real (set by the training scripts, or read from the
  model's ``max_position_embeddings`` when a folder is loaded), an input longer than it raises
  unless truncation is asked for.
* Alignment: results of the vectorised paths support ``word_ids()``, ``char_to_token()``… like the
  Rust pipeline's (see :mod:`hf_genomics.tokenization.alignment`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import processors
from transformers import BatchEncoding
from transformers.tokenization_utils_base import PaddingStrategy, TruncationStrategy
from transformers.tokenization_utils_tokenizers import TokenizersBackend

from hf_genomics.tokenization.alignment import LazyEncodings
from hf_genomics.tokenization.ragged import add_specials, to_lists, to_matrix, truncate
from hf_genomics.tokenization.validation import (
    as_text_input,
    special_tokens_pattern,
    validate_texts,
    validate_words,
)

#: transformers' "no limit" model_max_length is 1e30; anything this large means "not set"
UNSET_MAX_LENGTH = int(1e29)


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

    def _check_vocabulary_covers(self, texts: Sequence[str]) -> None:
        """Raise for validated input the vocabulary cannot encode (default: it can encode all)."""

    def _encode_vectorised(self, batch: list, batched: bool, is_split: bool, options: dict[str, Any]):
        """Full encoding (alignment included) for tokenizers with ``_needs_vectorised_path``."""
        raise NotImplementedError

    # ported tokenizers (HyenaDNA, Caduceus) reproduce another project's special-token template,
    # so they opt out of the causal ``[BOS] x`` convention below
    keeps_original_specials: bool = False

    # ---- construction -----------------------------------------------------------------------
    def __init__(self, *args, **kwargs) -> None:
        causal = kwargs.get("bos_token") is not None and kwargs.get("eos_token") is not None
        if causal and not self.keeps_original_specials:
            # causal: [BOS] x, with [EOS] only on request (transformers' convention)
            kwargs.setdefault("add_bos_token", True)
            kwargs.setdefault("add_eos_token", False)
        super().__init__(*args, **kwargs)
        self._reset_backend_state()
        if self._is_causal:
            self.update_post_processor()

    @property
    def _is_causal(self) -> bool:
        return not self.keeps_original_specials and self.bos_token is not None and self.eos_token is not None

    def update_post_processor(self) -> None:
        """Causal tokenizers: ``[BOS] x`` (``[BOS] x [EOS]`` with ``add_eos_token``); others keep theirs."""
        if not self._is_causal:
            return
        bos, eos = str(self.bos_token), str(self.eos_token)
        first = [bos] if self.add_bos_token else []
        last = [eos] if self.add_eos_token else []
        single = " ".join([*first, "$A", *last])
        pair = " ".join([*first, "$A", *last, "$B:1", *[f"{token}:1" for token in last]])
        used = {token: self._tokenizer.token_to_id(token) for token in (*first, *last)}
        self._tokenizer.post_processor = processors.TemplateProcessing(
            single=single, pair=pair, special_tokens=list(used.items())
        )

    @contextlib.contextmanager
    def _eos_as(self, add_eos_token: bool | None):
        """Temporarily append (or not) EOS; ``None`` keeps the tokenizer's setting."""
        if add_eos_token is None or bool(add_eos_token) == bool(self.add_eos_token):
            yield
            return
        if add_eos_token and not self._is_causal:
            raise ValueError(
                f"add_eos_token=True: {type(self).__name__} has no EOS token "
                f"(it wraps sequences as {self.cls_token} x {self.sep_token})"
            )
        previous = self.add_eos_token
        self.add_eos_token = bool(add_eos_token)
        try:
            yield
        finally:
            self.add_eos_token = previous

    def _reset_backend_state(self) -> None:
        """No padding/truncation lives on the shared Rust backend between calls."""
        if self._tokenizer.padding is not None:
            self._tokenizer.no_padding()
        if self._tokenizer.truncation is not None:
            self._tokenizer.no_truncation()

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """Load as usual; a folder saved with its model gets ``model_max_length`` from the model's positions."""
        tokenizer = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        if tokenizer.model_max_length >= UNSET_MAX_LENGTH and "model_max_length" not in kwargs:
            config = Path(str(pretrained_model_name_or_path)) / "config.json"
            if config.is_file():
                positions = json.loads(config.read_text()).get("max_position_embeddings")
                if isinstance(positions, int) and positions > 0:
                    tokenizer.model_max_length = positions
        return tokenizer

    # ---- shared behaviour -------------------------------------------------------------------
    def max_tokens_for(
        self, length_nt: int, add_special_tokens: bool = True, add_eos_token: bool | None = None
    ) -> int:
        """Token budget for a sequence of ``length_nt`` nucleotides (specials included by default).

        Exact for N-free sequences with k-mer tokenizers; an upper bound for BPE.
        """
        specials = 0
        if add_special_tokens:
            with self._eos_as(add_eos_token):
                specials = self.num_special_tokens_to_add(pair=False)
        return self._content_tokens_for(int(length_nt)) + specials

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save as usual, plus the code and ``auto_map`` needed to load without hf_genomics installed."""
        self._reset_backend_state()  # never persist a call's padding/truncation
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
        if self._tokenizer.post_processor is None:
            return [], []
        content = self._tokenizer.encode("A", add_special_tokens=False)
        probe = self._tokenizer.post_processor.process(content)
        mask = probe.special_tokens_mask
        first_content = mask.index(0) if 0 in mask else len(mask)
        return probe.ids[:first_content], probe.ids[first_content + len(content.ids) :]

    def __call__(self, text=None, text_pair=None, *args, **kwargs):
        if text is None and kwargs.get("text_target") is None:
            raise TypeError("no input: pass a DNA string or a list of DNA strings (got None)")
        return super().__call__(as_text_input(text), as_text_input(text_pair, "text_pair"), *args, **kwargs)

    def _encode_plus(self, text, text_pair=None, *args, **kwargs) -> BatchEncoding:  # type: ignore[override]
        with self._eos_as(kwargs.pop("add_eos_token", None)):
            return self._encode_checked(text, text_pair, *args, **kwargs)

    def _encode_checked(self, text, text_pair=None, *args, **kwargs) -> BatchEncoding:
        text, text_pair = as_text_input(text), as_text_input(text_pair, "text_pair")
        if text is None:
            raise TypeError("no input: pass a DNA string or a list of DNA strings (got None)")
        is_split = kwargs.get("is_split_into_words", False)
        if is_split:
            batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        else:
            batched = isinstance(text, (list, tuple))
        batch = list(text) if batched else [text]
        pairs = None if text_pair is None else (list(text_pair) if batched else [text_pair])
        self._check_inputs(batch, pairs, is_split)
        self._check_truncation_room(text_pair is not None, kwargs)
        self._reset_backend_state()
        if self._needs_vectorised_path:
            asked = [name for name in ("return_overflowing_tokens",) if kwargs.get(name)]
            if text_pair is not None:
                asked.append("text_pair")
            if asked:
                raise NotImplementedError(
                    f"{type(self).__name__} in this mode does not support {', '.join(asked)}"
                )
            result = self._encode_vectorised(batch, batched, is_split, kwargs)
        else:
            result = None if is_split else self._try_fast_path(batch, batched, text_pair, kwargs)
            if result is None:
                try:
                    result = super()._encode_plus(text, text_pair, *args, **kwargs)
                finally:
                    self._reset_backend_state()
        self._check_length(result, kwargs)
        return result

    def _check_inputs(self, batch: list, pairs: list | None, is_split: bool) -> None:
        if is_split:
            validate_words(batch, self._special_pattern)
            if pairs is not None:
                validate_words(pairs, self._special_pattern)
            for words in batch + (pairs or []):
                self._check_vocabulary_covers(words)
            return
        validate_texts(batch, self._special_pattern)
        self._check_vocabulary_covers(batch)
        if pairs is not None:
            validate_texts(pairs, self._special_pattern)
            self._check_vocabulary_covers(pairs)

    def _check_truncation_room(self, pair: bool, options: dict[str, Any]) -> None:
        """``max_length`` smaller than the special tokens cannot be honoured: say so (both paths)."""
        truncation = options.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE)
        max_length = options.get("max_length")
        if truncation == TruncationStrategy.DO_NOT_TRUNCATE or max_length is None:
            return
        specials = self.num_special_tokens_to_add(pair=pair) if options.get("add_special_tokens", True) else 0
        if max_length < specials:
            raise ValueError(
                f"max_length={max_length} is smaller than the {specials} special tokens this tokenizer "
                "adds; use a larger max_length or add_special_tokens=False"
            )

    def _check_length(self, result: BatchEncoding, options: dict[str, Any]) -> None:
        """Raise when an untruncated input is longer than a real ``model_max_length``."""
        limit = self.model_max_length
        if limit is None or limit >= UNSET_MAX_LENGTH:
            return
        if (
            options.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE)
            != TruncationStrategy.DO_NOT_TRUNCATE
        ):
            return
        mask = result.get("attention_mask")
        rows = mask if mask is not None else result["input_ids"]
        if hasattr(rows, "shape"):  # tensors
            lengths = np.asarray(rows.sum(-1) if mask is not None else [rows.shape[-1]] * rows.shape[0])
        else:
            rows = rows if rows and isinstance(rows[0], (list, tuple)) else [rows]
            lengths = np.array([sum(row) if mask is not None else len(row) for row in rows])
        lengths = np.atleast_1d(lengths)
        if lengths.size and int(lengths.max()) > limit:
            item = int(np.argmax(lengths))
            raise ValueError(
                f"item {item} of the batch is {int(lengths[item])} tokens, longer than this tokenizer's "
                f"model_max_length={limit} (the model's limit): pass truncation=True, or cut the sequence "
                "into windows (tokenizer.max_tokens_for converts nucleotides to tokens)"
            )

    def _try_fast_path(self, texts: list[str], batched: bool, text_pair, options: dict[str, Any]):
        unsupported = ("return_offsets_mapping", "return_overflowing_tokens", "return_special_tokens_mask")
        if (
            text_pair is not None
            or any(options.get(name) for name in unsupported)
            or options.get("split_special_tokens")
            or not self.use_fast_path
        ):
            return None
        ids = self._encode_batch_ids(texts)
        if ids is None:
            return None
        result = self._assemble(ids[0], ids[1], batched, options)
        eos = bool(self.add_eos_token)
        result._encodings = LazyEncodings(
            len(texts), lambda: self._rust_encodings(texts, batched, options, eos)
        )
        result._n_sequences = 1
        return result

    def _rust_encodings(self, texts: list[str], batched: bool, options: dict[str, Any], eos: bool):
        """The Rust pipeline's encodings for a call the fast path answered (alignment on demand)."""
        previous = self.use_fast_path
        self.use_fast_path = False
        try:
            kept = {key: value for key, value in options.items() if key != "return_tensors"}
            with self._eos_as(eos):
                return self._encode_checked(texts if batched else texts[0], None, **kept).encodings
        finally:
            self.use_fast_path = previous

    def _assemble(
        self,
        flat: np.ndarray,
        counts: np.ndarray,
        batched: bool,
        options: dict[str, Any],
        align: dict[str, Any] | None = None,
    ) -> BatchEncoding:
        """Add specials, truncate and pad like the Rust pipeline would, then wrap in a BatchEncoding.

        ``flat`` holds one id per token, or ``(ids, start, end, word, special)`` columns when
        alignment is computed (``align``: how to fill them for added specials and padding).
        """
        before, after = self._special_ids_around(options.get("add_special_tokens", True))
        if flat.ndim == 2:
            before = [[token, 0, 0, -1, 1] for token in before]
            after = [[token, 0, 0, -1, 1] for token in after]
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
            pad = self.pad_token_id if flat.ndim == 1 else [self.pad_token_id, 0, 0, -1, 1]
            matrix, mask = to_matrix(flat, counts, width, pad, side)
            rows = [matrix[..., column] for column in range(flat.shape[1])] if flat.ndim == 2 else [matrix]
            columns = [row.tolist() for row in rows]
            attention = mask.tolist()
            widths = np.maximum(counts, target)
            if (widths < width).any():
                # padding="max_length" with rows longer than max_length (no truncation): like the
                # Rust pipeline, each row is padded to max_length and longer rows stay as they are
                cut = (lambda row, w: row[:w]) if side == "right" else (lambda row, w: row[width - w :])
                columns = [[cut(row, w) for row, w in zip(column, widths.tolist())] for column in columns]
                attention = [cut(row, w) for row, w in zip(attention, widths.tolist())]
        else:
            attention = [[1] * count for count in counts.tolist()]
            parts = [flat[:, column] for column in range(flat.shape[1])] if flat.ndim == 2 else [flat]
            columns = [to_lists(part, counts) for part in parts]
        data["input_ids"] = columns[0]
        if options.get("return_attention_mask") is not False:
            data["attention_mask"] = attention
        if options.get("return_token_type_ids"):
            data["token_type_ids"] = [[0] * len(row) for row in data["input_ids"]]
        encodings = None
        if flat.ndim == 2:
            starts, ends, words, special = columns[1:]
            if options.get("return_special_tokens_mask"):
                data["special_tokens_mask"] = special
            if options.get("return_offsets_mapping"):
                data["offset_mapping"] = [list(zip(s, e)) for s, e in zip(starts, ends)]
            encodings = align["encodings"](data["input_ids"], starts, ends, words, special, attention)
        if options.get("return_length"):
            data["length"] = counts.tolist()
        tensor_type = options.get("return_tensors")
        if not batched and tensor_type is None:
            data = {key: value[0] for key, value in data.items()}
        return BatchEncoding(data, encoding=encodings, tensor_type=tensor_type, n_sequences=1)


def end_token_request(tokenizer) -> dict:
    """Keyword arguments that make ``tokenizer(...)`` end sequences with EOS, for scoring and causal
    training: ``{"add_eos_token": True}`` for our causal tokenizers (which add only BOS by default),
    nothing for the rest (ported tokenizers keep their original template; foreign ones their own)."""
    if isinstance(tokenizer, DnaTokenizerBase) and tokenizer._is_causal:
        return {"add_eos_token": True}
    return {}
