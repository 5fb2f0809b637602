"""score_variants on a tiny FASTA + VCF: windows, scores against independent computations, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from analysis_models import tiny_encoder, tiny_lstm

from hf_genomics.alphabet import reverse_complement
from hf_genomics.analysis.variant_effects import (
    Variant,
    VariantError,
    difference_as_variant,
    read_vcf,
    score_variants,
)
from hf_genomics.tokenization.bpe import train_dna_bpe
from hf_genomics.tokenization.kmer import KmerTokenizer

rng = np.random.default_rng(7)
CHR1 = "".join(rng.choice(list("ACGT"), 120))
CHR2 = "".join(rng.choice(list("ACGT"), 80))
VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=120>\n##contig=<ID=chr2,length=80>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)


def _vcf_line(chrom, pos, ident, ref, alt):
    return f"{chrom}\t{pos}\t{ident}\t{ref}\t{alt}\t.\tPASS\t.\n"


@pytest.fixture
def files(tmp_path):
    import pysam

    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">chr1\n{CHR1[:60]}\n{CHR1[60:].lower()}\n>chr2\n{CHR2}\n")
    alt_snv = "A" if CHR1[49] != "A" else "C"
    lines = [
        _vcf_line(
            "chr1", 50, "snv", CHR1[49], f"{alt_snv},{'G' if CHR1[49] != 'G' else 'T'}"
        ),  # multi-allelic
        _vcf_line("chr1", 60, "mnv", CHR1[59:61], "".join("T" if b != "T" else "A" for b in CHR1[59:61])),
        _vcf_line("chr1", 70, "ins", CHR1[69], CHR1[69] + "GAT"),
        _vcf_line("chr2", 40, "del", CHR2[39:43], CHR2[39]),
    ]
    vcf = tmp_path / "calls.vcf"
    vcf.write_text(VCF_HEADER + "".join(lines))
    gz = pysam.tabix_index(str(vcf), preset="vcf", keep_original=True, force=True)
    return fasta, vcf, gz


def test_vcf_records_are_read_and_multi_allelic_records_split(files):
    _, vcf, gz = files
    plain, compressed = list(read_vcf(vcf)), list(read_vcf(gz))
    assert [(v.chrom, v.pos, v.id) for v in plain] == [(v.chrom, v.pos, v.id) for v in compressed]
    assert [v.id for v in plain] == ["snv", "snv", "mnv", "ins", "del"]
    assert plain[0].alt != plain[1].alt and plain[0].ref == plain[1].ref == CHR1[49]


def _causal_log_likelihood(model, tokenizer, sequence):
    """Start symbol given, end symbol predicted (the documented score)."""
    ids = tokenizer(sequence, return_tensors="pt", add_eos_token=True)["input_ids"]
    with torch.no_grad():
        log_probs = torch.log_softmax(model(input_ids=ids).logits[0, :-1], -1)
    return float(log_probs.gather(-1, ids[0, 1:, None]).sum())


def test_causal_score_is_the_log_likelihood_ratio_of_the_two_windows(files):
    fasta, _, gz = files
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    table = score_variants(model, tokenizer, fasta, gz, window_nt=21, progress=False)
    assert table["status"].eq("ok").all() and len(table) == 5
    # the insertion: 4 nt ALT centred (8 bases left of it); both windows are the same 21 nt span,
    # the ALT window has 3 bases fewer on its right
    row = table[table["id"] == "ins"].iloc[0]
    ref_window = CHR1[69 - 8 : 69 - 8 + 21]
    alt_window = CHR1[69 - 8 : 69] + CHR1[69] + "GAT" + CHR1[70 : 70 + 9]
    assert len(alt_window) == len(ref_window) == 21 and row["window_start"] == 70 - 8
    assert row["window_nt"] == row["alt_window_nt"] == 21
    expected = _causal_log_likelihood(model, tokenizer, alt_window) - _causal_log_likelihood(
        model, tokenizer, ref_window
    )
    assert row["score"] == pytest.approx(expected, abs=1e-4)


def test_masked_marginal_equals_the_textbook_formula_for_a_character_tokenizer(files):
    fasta, vcf, _ = files
    tokenizer = KmerTokenizer(k=1)
    model = tiny_encoder(tokenizer, "masked", initializer_range=0.2)
    table = score_variants(model, tokenizer, fasta, vcf, window_nt=21, progress=False)
    for _, row in table[table["id"] == "snv"].iterrows():
        assert row["method"] == "masked_marginal"
        window = CHR1[49 - 10 : 49 + 11]  # SNV in the middle of a 21 nt window: index 10
        ids = tokenizer(window, return_tensors="pt")["input_ids"]
        masked = ids.clone()
        masked[0, 11] = tokenizer.mask_token_id  # +1 for [CLS]
        with torch.no_grad():
            log_probs = torch.log_softmax(model(input_ids=masked).logits[0, 11], -1)
        alt_id, ref_id = tokenizer.convert_tokens_to_ids([row["alt"], row["ref"]])
        assert row["score"] == pytest.approx(float(log_probs[alt_id] - log_probs[ref_id]), abs=1e-5)
    # one base substituted, character tokens: the PLL difference is the same number
    pll = score_variants(model, tokenizer, fasta, vcf, window_nt=21, masked_method="pll", progress=False)
    snv = table["id"] == "snv"
    np.testing.assert_allclose(pll.loc[snv, "score"], table.loc[snv, "score"], atol=1e-5)
    assert set(table.loc[table["id"].isin(["ins", "del"]), "method"]) == {"pll_difference"}


def test_kmer_substitutions_use_masked_marginal_and_bpe_indels_pll(files):
    fasta, vcf, _ = files
    kmer = KmerTokenizer(k=3)
    table = score_variants(tiny_encoder(kmer, "masked"), kmer, fasta, vcf, window_nt=30, progress=False)
    assert table.loc[table["id"] == "snv", "method"].eq("masked_marginal").all()
    bpe = train_dna_bpe([CHR1, CHR2] * 5, vocab_size=30)
    table = score_variants(tiny_encoder(bpe, "masked"), bpe, fasta, vcf, window_nt=30, progress=False)
    assert table.loc[table["id"].isin(["ins", "del"]), "method"].eq("pll_difference").all()
    assert np.isfinite(table["score"]).all()


def test_both_strands_average_the_reverse_complement_windows(files):
    fasta, vcf, _ = files
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    table = score_variants(model, tokenizer, fasta, vcf, window_nt=21, strands="both", progress=False)
    row = table[table["id"] == "del"].iloc[0]
    left = (21 - 4) // 2  # the 4 nt REF allele centred; the ALT window takes 3 more bases on its right
    ref_window = CHR2[39 - left : 39 - left + 21]
    alt_window = CHR2[39 - left : 40] + CHR2[43 : 43 + 21 - left - 1]
    assert len(alt_window) == 21
    reverse = _causal_log_likelihood(
        model, tokenizer, reverse_complement(alt_window)
    ) - _causal_log_likelihood(model, tokenizer, reverse_complement(ref_window))
    assert row["score_reverse"] == pytest.approx(reverse, abs=1e-4)
    assert row["score"] == pytest.approx((row["score_forward"] + reverse) / 2, abs=1e-4)


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        (Variant("chr1", 50, "A" if CHR1[49] != "A" else "C", "G", "bad"), "disagrees with the reference"),
        (Variant("chrX", 50, "A", "G", "x"), "contig 'chrX' is not in"),
        (Variant("chr1", 50, CHR1[49], "<DEL>", "sym"), "symbolic or breakend ALT"),
        (Variant("chr1", 3, CHR1[2], "A", "edge"), "runs past contig"),
        (Variant("chr1", 119, CHR1[118:120] + "A", "A", "end"), "outside contig"),
    ],
)
def test_errors_name_the_record(variant, message):
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    with pytest.raises(VariantError, match=message) as error:
        score_variants(
            tiny_lstm(tokenizer), tokenizer, {"chr1": CHR1}, [variant], window_nt=21, progress=False
        )
    assert f"{variant.chrom}:{variant.pos}" in str(error.value)


def test_ref_mismatch_shows_both_alleles_and_vcf_record(tmp_path, files):
    fasta, _, _ = files
    wrong = "A" if CHR1[9] != "A" else "C"
    vcf = tmp_path / "wrong.vcf"
    vcf.write_text(VCF_HEADER + _vcf_line("chr1", 10, "w", wrong, "G"))
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    with pytest.raises(VariantError) as error:
        score_variants(tiny_lstm(tokenizer), tokenizer, fasta, vcf, window_nt=11, progress=False)
    assert f"REF '{wrong}' disagrees with the reference '{CHR1[9]}'" in str(error.value)
    assert "wrong.vcf record 1" in str(error.value)


def test_malformed_vcf_files_are_named(tmp_path):
    garbage = tmp_path / "garbage.vcf"
    garbage.write_text("this is not a VCF\n")
    with pytest.raises(ValueError, match="garbage.vcf: not a readable VCF"):
        list(read_vcf(garbage))
    broken = tmp_path / "broken.vcf"
    broken.write_text(VCF_HEADER + _vcf_line("chr1", 5, "ok", CHR1[4], "A") + "chr1\tabc\t.\tA\tG\t.\t.\t.\n")
    with pytest.raises(ValueError, match="broken.vcf: record 2 cannot be parsed"):
        list(read_vcf(broken))


def test_clip_and_skip(files):
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    near_edge = Variant("chr1", 3, CHR1[2], "A" if CHR1[2] != "A" else "C")
    clipped = score_variants(
        model, tokenizer, {"chr1": CHR1}, [near_edge], window_nt=21, edge="clip", progress=False
    )
    assert clipped.loc[0, "window_start"] == 1 and clipped.loc[0, "window_nt"] == 2 + 1 + 10
    shifted = score_variants(
        model, tokenizer, {"chr1": CHR1}, [near_edge], window_nt=21, edge="shift", progress=False
    )
    assert shifted.loc[0, "window_start"] == 1 and shifted.loc[0, "window_nt"] == 21
    expected = _causal_log_likelihood(
        model, tokenizer, CHR1[:2] + near_edge.alt + CHR1[3:21]
    ) - _causal_log_likelihood(model, tokenizer, CHR1[:21])
    assert shifted.loc[0, "score"] == pytest.approx(expected, abs=1e-4)
    skipped = score_variants(
        model,
        tokenizer,
        {"chr1": CHR1},
        [near_edge, ("chrZ", 1, "A", "C")],
        window_nt=21,
        errors="skip",
        progress=False,
    )
    assert skipped["status"].str.contains("runs past contig").iloc[0]
    assert np.isnan(skipped["score"]).all()


def test_difference_as_variant_round_trips():
    reference = "ACGTACGTAC"
    for altered in ["ACGTTCGTAC", "ACGTAGGTAC", "ACGTACGTACT", "CGTACGTAC", "ACGAC", "TTACGTACGTAC"]:
        variant = difference_as_variant("g", reference, altered)
        begin = variant.pos - 1
        assert reference[begin : begin + len(variant.ref)] == variant.ref
        assert reference[:begin] + variant.alt + reference[begin + len(variant.ref) :] == altered


def _pair_decisions(model, tokenizer, real, mutated):
    reference = {f"pair{i}": seq for i, seq in enumerate(real)}
    variants = [difference_as_variant(f"pair{i}", r, m) for i, (r, m) in enumerate(zip(real, mutated))]
    longest = max(map(len, [*real, *mutated]))
    table = score_variants(
        model, tokenizer, reference, variants, window_nt=2 * longest + 2, edge="clip", progress=False
    )
    probability = (table["score"] < 0).to_numpy()  # the real gene is strictly more likely
    ppl_real = np.exp(-table["ref_value"] / table["ref_tokens"])
    ppl_mutated = np.exp(-table["alt_value"] / table["alt_tokens"])
    return probability, (ppl_real < ppl_mutated).to_numpy()


def test_the_mutation_task_is_variant_scoring_with_the_whole_gene_as_window():
    from hf_genomics.data.mutations import make_mutation_pairs
    from hf_genomics.evaluation.mutation_task import mutation_accuracy

    genes = ["".join(rng.choice(list("ACGT"), int(n))) for n in rng.integers(30, 60, 12)]
    pairs = make_mutation_pairs(genes, n_pairs=24, max_mutations=5, seed=3)
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    probability, perplexity = _pair_decisions(model, tokenizer, pairs["real"], pairs["mutated"])
    for mode, decisions in (("probability", probability), ("perplexity", perplexity)):
        expected = mutation_accuracy(model, pairs["real"], pairs["mutated"], mode=mode, tokenizer=tokenizer)
        assert decisions.mean() == pytest.approx(expected, abs=1e-12)


@pytest.mark.real_data
def test_mutation_task_on_the_study_pairs_with_an_ngram(shared_data):
    from hf_genomics.data.genes import read_genes_csv, read_mutation_pairs
    from hf_genomics.evaluation.mutation_task import mutation_task_scores
    from hf_genomics.evaluation.perplexity import sequence_log_likelihoods
    from hf_genomics.models.ngram import NGramLM

    folder = shared_data / "human_genes"
    model = NGramLM(6).fit(read_genes_csv(folder / "validation.csv")["sequence"])
    pairs = read_mutation_pairs(folder / "mutation_pairs" / "synthetic_419432_5_1000.csv")[:300]
    keep = [i for i, (r, m) in enumerate(zip(pairs["real"], pairs["mutated"])) if r != m]
    real, mutated = [pairs["real"][i] for i in keep], [pairs["mutated"][i] for i in keep]
    probability, perplexity = _pair_decisions(model, None, real, mutated)
    expected = mutation_task_scores(model, real, mutated)
    assert probability.mean() == pytest.approx(expected["probability"], abs=1e-12)
    assert perplexity.mean() == pytest.approx(expected["perplexity"], abs=1e-12)
    # and pair by pair
    real_nll = sequence_log_likelihoods(model, real).nll_nats
    mutated_nll = sequence_log_likelihoods(model, mutated).nll_nats
    np.testing.assert_array_equal(probability, real_nll < mutated_nll)


def test_cli_writes_one_row_per_alt(files, tmp_path):
    from hf_genomics import cli

    fasta, _, gz = files
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    model.config.max_length_nt = 21
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    output = tmp_path / "scores.tsv"
    argv = ["score-variants", "--model", str(tmp_path / "model"), "--reference", str(fasta), "--vcf", str(gz)]
    assert cli.main([*argv, "--output", str(output), "--quiet", "--strands", "both"]) == 0
    table = pd.read_csv(output, sep="\t")
    assert table["id"].tolist() == ["snv", "snv", "mnv", "ins", "del"]
    assert table["window_nt"].max() == 21 and table["score"].notna().all()


def test_bgzipped_reference_works_and_plain_gzip_is_explained(files, tmp_path):
    import gzip

    import pysam

    fasta, vcf, _ = files
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    bgzipped = tmp_path / "ref.bgz.fa.gz"
    pysam.tabix_compress(str(fasta), str(bgzipped), force=True)
    plain = score_variants(model, tokenizer, fasta, vcf, window_nt=21, progress=False)
    packed = score_variants(model, tokenizer, bgzipped, vcf, window_nt=21, progress=False)
    np.testing.assert_allclose(packed["score"], plain["score"])
    gzipped = tmp_path / "ref.gz.fa.gz"
    gzipped.write_bytes(gzip.compress(fasta.read_bytes()))
    with pytest.raises(ValueError, match="must be bgzip-compressed"):
        score_variants(model, tokenizer, gzipped, vcf, window_nt=21, progress=False)
