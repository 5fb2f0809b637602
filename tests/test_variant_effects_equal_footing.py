"""Indels on equal footing: REF and ALT windows of the same length and span, so a model that predicts
every base uniformly scores every variant -- SNV, MNV, insertion, deletion -- exactly 0, for every
score type and model family (our char tokenizer with an LSTM, a GPT-NeoX decoder and a masked
encoder; an n-gram LM; converted HyenaDNA and Caduceus). Before the fix a 5-bp deletion scored
about +5 ln 4 under such a model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from analysis_models import tiny_encoder, tiny_lstm, tiny_pythia
from hypothesis import given, settings
from hypothesis import strategies as st

from hf_genomics.analysis.reference_genome import ReferenceGenome
from hf_genomics.analysis.variant_effects import Variant, score_variants, variant_windows
from hf_genomics.models.ngram import NGramLM
from hf_genomics.tokenization.kmer import KmerTokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "ports"
rng = np.random.default_rng(11)
CONTIG = "".join(rng.choice(list("ACGT"), 400))


def _random_variants(n_each: int = 4) -> list[Variant]:
    """SNVs, MNVs, insertions and deletions of 1-6 bp, in the middle of the contig."""
    out = []
    for kind in ("snv", "mnv", "ins", "del"):
        for _ in range(n_each):
            pos = int(rng.integers(150, 250))
            size = int(rng.integers(1, 7))
            ref = CONTIG[pos - 1]
            if kind == "snv":
                alt = rng.choice([b for b in "ACGT" if b != ref])
            elif kind == "mnv":
                ref = CONTIG[pos - 1 : pos - 1 + size + 1]
                alt = "".join(rng.choice([b for b in "ACGT" if b != r]) for r in ref)
            elif kind == "ins":
                alt = ref + "".join(rng.choice(list("ACGT"), size))
            else:
                ref = CONTIG[pos - 1 : pos + size]
                alt = ref[0]
            out.append(Variant("chr1", pos, ref, str(alt), id=kind))
    return out


VARIANTS = _random_variants()


def _force_uniform(model, tokenizer):
    """Every prediction uniform over A/C/G/T: the model's logits replaced by 0 there, -1e4 elsewhere."""
    ids = tokenizer.convert_tokens_to_ids(list("ACGT"))

    def uniform(module, inputs, output):
        logits = torch.full_like(output.logits, -1e4)
        logits[..., ids] = 0.0
        output.logits = logits
        return output

    model.register_forward_hook(uniform)
    return model


def _assert_all_zero(table):
    assert table["status"].eq("ok").all(), table["status"].tolist()
    assert set(table["id"]) == {"snv", "mnv", "ins", "del"}
    np.testing.assert_array_equal(table["score"].to_numpy(float), 0.0)
    assert (table["window_nt"] == table["alt_window_nt"]).all()


def _char(**kwargs):
    return KmerTokenizer(k=1, **kwargs)


@pytest.mark.parametrize("family", ["lstm", "gpt_neox", "encoder_masked"])
@pytest.mark.parametrize("strands", ["forward", "both"])
def test_uniform_models_of_our_families_score_every_variant_zero(family, strands):
    if family == "encoder_masked":
        tokenizer = _char()
        model = tiny_encoder(tokenizer, "masked")
    else:
        tokenizer = _char(add_bos_eos=True)
        model = (tiny_lstm if family == "lstm" else tiny_pythia)(tokenizer)
    model = _force_uniform(model, tokenizer)
    table = score_variants(
        model, tokenizer, {"chr1": CONTIG}, VARIANTS, window_nt=41, strands=strands, progress=False
    )
    _assert_all_zero(table)
    methods = set(table["method"])
    if family == "encoder_masked":  # both masked score types are covered
        assert methods == {"masked_marginal", "pll_difference"}
        assert table.loc[table["id"].isin(["ins", "del"]), "method"].eq("pll_difference").all()
    else:
        assert methods == {"log_likelihood_ratio"}
    # the per-nucleotide option is zero too
    per_nt = score_variants(
        model, tokenizer, {"chr1": CONTIG}, VARIANTS, window_nt=41, normalize="per_nt", progress=False
    )
    np.testing.assert_array_equal(per_nt["score"].to_numpy(float), 0.0)


def test_a_uniform_ngram_scores_every_variant_zero():
    model = NGramLM(1, "mle").fit(["ACGT"])  # A, C, G, T and the end symbol: 1/5 each
    table = score_variants(model, None, {"chr1": CONTIG}, VARIANTS, window_nt=41, progress=False)
    _assert_all_zero(table)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    out = tmp_path_factory.mktemp("converted")
    convert_checkpoint(FIXTURES / "hyenadna" / "hf", out / "hyenadna")
    convert_checkpoint(FIXTURES / "caduceus" / "ps_mlm", out / "caduceus")
    return out


@pytest.mark.parametrize(
    ("name", "auto"), [("hyenadna", "AutoModelForCausalLM"), ("caduceus", "AutoModelForMaskedLM")]
)
def test_uniform_converted_hyenadna_and_caduceus_score_every_variant_zero(converted, name, auto):
    import transformers

    import hf_genomics  # noqa: F401

    model = getattr(transformers, auto).from_pretrained(converted / name).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(converted / name)
    table = score_variants(
        _force_uniform(model, tokenizer), tokenizer, {"chr1": CONTIG}, VARIANTS, window_nt=41, progress=False
    )
    _assert_all_zero(table)


def test_without_the_hook_indels_do_not_score_zero():
    """The property is not vacuous: a random model gives non-zero scores to the same variants."""
    tokenizer = _char(add_bos_eos=True)
    table = score_variants(
        tiny_lstm(tokenizer), tokenizer, {"chr1": CONTIG}, VARIANTS, window_nt=41, progress=False
    )
    assert (table["score"].abs() > 1e-6).all()


@settings(max_examples=80, deadline=None)
@given(
    pos=st.integers(1, 60),
    ref_len=st.integers(1, 8),
    alt_len=st.integers(1, 8),
    window=st.integers(8, 30),
    edge=st.sampled_from(["shift", "clip"]),
    seed=st.integers(0, 2**16),
)
def test_windows_are_the_same_span_of_the_reference_and_the_altered_contig(
    pos, ref_len, alt_len, window, edge, seed
):
    """An independent construction: apply the variant to the whole contig and cut the same span."""
    local = np.random.default_rng(seed)
    contig = "".join(local.choice(list("ACGT"), 60))
    ref = contig[pos - 1 : pos - 1 + ref_len]
    if len(ref) < ref_len:
        return
    alt = "".join(local.choice(list("ACGT"), alt_len))
    if alt == ref:
        return
    reference = ReferenceGenome({"c": contig})
    from hf_genomics.analysis.variant_effects import VariantError

    try:
        ref_window, alt_window, start = variant_windows(reference, Variant("c", pos, ref, alt), window, edge)
    except VariantError as error:
        assert error.code in ("alleles_too_long", "window_past_edge")
        return
    altered = contig[: pos - 1] + alt + contig[pos - 1 + ref_len :]
    centred = pos - 1 - (window - max(ref_len, alt_len)) // 2
    # clip: the centred span cut at each sequence's ends; shift: a full-length span slid inside
    stop = centred + window if edge == "clip" else start + window
    assert start == (max(centred, 0) if edge == "clip" else start)
    assert ref_window == contig[start:stop] and alt_window == altered[start:stop]
    assert start <= pos - 1 and start + len(ref_window) >= pos - 1 + ref_len
    assert start + len(alt_window) >= pos - 1 + alt_len
    if edge == "shift":
        assert len(ref_window) == len(alt_window) == window
