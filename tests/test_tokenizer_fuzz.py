"""The tokenizer fuzz campaign (issue 10), one hypothesis test per tokenizer family.

Every family is driven with random DNA (lower/upper case, RNA ``U``, ``N``, IUPAC codes, Unicode
whitespace, special tokens written in the text) and random call options, and checked for:

* the vectorised fast path giving the Rust pipeline's ``input_ids``/``attention_mask`` exactly
  (overlapping k-mers, which Rust cannot express, against an independent naive reference);
* a batch giving, row by row, what each item gives alone;
* truncation and padding (right/left, ``max_length``, ``pad_to_multiple_of``) on both paths, and
  no padding/truncation state leaking from one call into the next (issue 10, item 1);
* ``decode(encode(x), skip_special_tokens=True) == normalize(x)``;
* alignment: every content token's offsets cover exactly the bases it stands for, and
  ``char_to_token`` finds a token covering each base.

The default run draws a few thousand examples (about 30 s on one core); ``-m slow`` runs the
10,000+-example campaign: ``pytest tests/test_tokenizer_fuzz.py -m slow``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

from hf_genomics import DnaBpeTokenizer, KmerTokenizer, build_tokenizer, train_dna_bpe
from hf_genomics.alphabet import WHITESPACE, normalize_record

BASES = "ACGTNacgtnUuRYKMSWBDHVrykmswbdhv"
CLEAN_BASES = "ACGTacgtUu"  # for a vocabulary without N
FAMILIES = [
    *[f"kmer{k}" for k in range(1, 7)],
    *[f"kmer{k}s{s}" for k, s in ((2, 1), (3, 1), (4, 2), (5, 1), (6, 1), (6, 3))],
    "kmer3-causal",
    "bpe",
    "dnabert2-like",
    "dnabert2-like-n-as-unk",
    "dnallm",
]
_TOKENIZERS: dict[str, object] = {}


def dnabert2_like_file(folder) -> str:
    """A tokenizer.json shaped like DNABERT-2's: BPE, Whitespace pre-tokenizer, no N, no decoder."""
    rng = np.random.default_rng(1)
    corpus = ["".join(rng.choice(list("ACGT"), 300)) for _ in range(60)]
    raw = Tokenizer(models.BPE(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=120,
            special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
            initial_alphabet=list("ACGT"),
            limit_alphabet=4,
        ),
    )
    raw.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 1), ("[SEP]", 2)],
    )
    path = str(folder / "tokenizer.json")
    raw.save(path)
    return path


def tokenizer_for(family: str, tmp_path_factory):
    if family in _TOKENIZERS:
        return _TOKENIZERS[family]
    if family == "bpe":
        rng = np.random.default_rng(0)
        motifs = ["TATAAA", "GGGCGG", "CACGTG", "NNNN"]
        corpus = [
            "".join(
                rng.choice(motifs) if rng.random() < 0.3 else "".join(rng.choice(list("ACGT"), 4))
                for _ in range(30)
            )
            for _ in range(80)
        ]
        tok = train_dna_bpe(corpus, vocab_size=80)
    elif family.startswith("dnabert2-like"):
        tok = DnaBpeTokenizer(
            tokenizer_file=dnabert2_like_file(tmp_path_factory.mktemp(family)),
            n_as_unk=family.endswith("unk"),
        )
    elif family == "dnallm":
        tok = build_tokenizer("dnallm")
    elif family == "kmer3-causal":
        tok = KmerTokenizer(k=3, add_bos_eos=True)
    else:
        k, _, stride = family[4:].partition("s")
        tok = KmerTokenizer(k=int(k), stride=int(stride) if stride else None)
    _TOKENIZERS[family] = tok
    return tok


def texts(family: str, with_specials: bool = True) -> st.SearchStrategy[str]:
    alphabet = CLEAN_BASES if family == "dnabert2-like" else BASES
    piece = st.text(alphabet=alphabet, max_size=40)
    spaced = st.lists(st.one_of(piece, piece, piece, st.sampled_from(WHITESPACE)), max_size=4).map("".join)
    if not with_specials:
        return spaced
    special = "<|endoftext|>" if family == "dnallm" else "[MASK]"
    return st.lists(spaced, min_size=1, max_size=3).flatmap(
        lambda parts: (
            st.just(special).map(lambda token: token.join(parts)) if len(parts) > 1 else st.just(parts[0])
        )
    )


@st.composite
def options(draw, n_specials: int) -> dict:
    chosen: dict = {"add_special_tokens": draw(st.booleans())}
    if draw(st.booleans()):
        chosen["truncation"] = True
        chosen["max_length"] = draw(st.integers(n_specials if chosen["add_special_tokens"] else 0, 30))
    padding = draw(st.sampled_from([False, "longest", "max_length"]))
    if padding:
        chosen["padding"] = padding
        if padding == "max_length":
            chosen.setdefault("max_length", draw(st.integers(n_specials, 30)))
        chosen["padding_side"] = draw(st.sampled_from(["right", "left"]))
        if chosen.get("max_length", 8) % 8 == 0 or not chosen.get("truncation"):
            chosen["pad_to_multiple_of"] = draw(st.sampled_from([None, 8]))
    return chosen


def _rows(encoding, key):
    return [list(row) for row in encoding[key]]


def rust(tok, batch, **kwargs):
    tok.use_fast_path = False
    try:
        return tok(batch, **kwargs)
    finally:
        tok.use_fast_path = True


def reference_kmer_tokens(text: str, k: int, stride: int) -> list[str]:
    """Naive reference of the documented k-mer rule (runs split at N; loops are fine in tests)."""
    tokens: list[str] = []
    for index, run in enumerate(text.split("N")):
        if index:
            tokens.append("N")
        covered = 0
        for start in range(0, len(run) - k + 1, stride):
            tokens.append(run[start : start + k])
            covered = start + k
        tokens.extend(run[covered:])
    return tokens


def expected_text(tok, text: str, family: str) -> str:
    """What ``decode(..., skip_special_tokens=True)`` must give back."""
    for token in tok.all_special_tokens:
        text = text.replace(token, "")
    normal = normalize_record(text)
    if family == "dnallm":
        return normal.lower()
    if family == "dnabert2-like-n-as-unk":
        return normal.replace("N", "")  # N -> [UNK], a special token
    return normal


def check_family(family: str, data, tmp_path_factory) -> None:
    tok = tokenizer_for(family, tmp_path_factory)
    overlapping = isinstance(tok, KmerTokenizer) and tok.overlapping
    batch = data.draw(st.lists(texts(family), min_size=1, max_size=5), label="batch")
    opts = data.draw(options(tok.num_special_tokens_to_add()), label="options")
    plain_probe = tok("ACGTACGTTGCA")["input_ids"]

    fast = tok(batch, **opts)
    # the fast path equals the Rust pipeline (or, for overlapping k-mers, the naive reference)
    if not overlapping:
        slow = rust(tok, batch, **opts)
        assert _rows(fast, "input_ids") == _rows(slow, "input_ids")
        assert _rows(fast, "attention_mask") == _rows(slow, "attention_mask")
    else:
        pattern = tok._special_pattern
        for text, ids in zip(batch, tok(batch, add_special_tokens=False)["input_ids"]):
            expected: list[str] = []
            pieces = pattern.split(text)
            for index, piece in enumerate(pieces):
                if index:
                    expected.append("[MASK]")
                expected += reference_kmer_tokens(normalize_record(piece), tok.k, tok.stride)
            assert tok.convert_ids_to_tokens(ids) == expected

    # batch vs single, and truncation/padding against the unpadded rows
    unpadded = tok(batch, add_special_tokens=opts["add_special_tokens"])["input_ids"]
    for text, row in zip(batch, unpadded):
        assert tok(text, add_special_tokens=opts["add_special_tokens"])["input_ids"] == row
    for row, ids, mask in zip(unpadded, fast["input_ids"], fast["attention_mask"]):
        kept = [token for token, keep in zip(ids, mask) if keep]
        assert len(kept) <= len(row)
        if "truncation" in opts:
            assert len(kept) <= max(opts["max_length"], 0) or len(kept) == tok.num_special_tokens_to_add()
        else:
            assert kept == row
        if opts.get("padding"):
            assert all(token == tok.pad_token_id for token, keep in zip(ids, mask) if not keep)
            if opts.get("pad_to_multiple_of") and not all(mask):
                assert len(ids) % opts["pad_to_multiple_of"] == 0

    # round trip
    for text, row in zip(batch, unpadded):
        assert tok.decode(row, skip_special_tokens=True) == expected_text(tok, text, family)

    # alignment on the default path: offsets cover exactly each token's bases
    aligned = tok(batch)
    for index, text in enumerate(batch):
        encoding = aligned[index]
        for token, word, (start, end) in zip(encoding.tokens, encoding.word_ids, encoding.offsets):
            if word is None:
                continue
            if token in tok.all_special_tokens:
                if token != tok.unk_token:
                    assert text[start:end] == token
                continue
            covered = normalize_record(text[start:end])
            assert covered.lower() == token.lower() if family == "dnallm" else covered == token
        content = [position for position, char in enumerate(text) if char not in WHITESPACE]
        for position in content[:: max(1, len(content) // 7)]:
            token_index = aligned.char_to_token(index, position)
            assert token_index is not None
            start, end = encoding.offsets[token_index]
            assert start <= position < end

    # no state leaks into later plain calls (issue 10, item 1)
    assert tok("ACGTACGTTGCA")["input_ids"] == plain_probe


def _fuzz(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


@pytest.mark.parametrize("family", FAMILIES)
@_fuzz(120)
@given(data=st.data())
def test_fuzz(family, data, tmp_path_factory):
    check_family(family, data, tmp_path_factory)


@pytest.fixture
def slow_selected(request):
    """The 10,000+-example campaign runs only when asked for (``-m slow``), not in every ``make test``."""
    if "slow" not in (request.config.getoption("markexpr") or "").replace("not slow", ""):
        pytest.skip("the full fuzz campaign runs with -m slow")


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
@_fuzz(700)
@given(data=st.data())
def test_fuzz_campaign(family, data, tmp_path_factory, slow_selected):
    check_family(family, data, tmp_path_factory)
