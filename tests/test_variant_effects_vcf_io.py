"""score-variants' input and output: VCF/BCF in, TSV or bgzipped+indexed VCF out with every input
field kept (checked by reading it back with pysam), and the bad-input cases of issue #20 (ALT ``.``,
stale or duplicate references, plain gzip, a target that is not a class) as skips or one-line errors."""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pandas as pd
import pytest
from analysis_models import tiny_encoder, tiny_lstm

from hf_genomics import cli
from hf_genomics.analysis.reference_genome import ReferenceGenome
from hf_genomics.analysis.variant_effects import score_variants
from hf_genomics.tokenization.kmer import KmerTokenizer

pysam = pytest.importorskip("pysam")
rng = np.random.default_rng(3)
CHR1 = "".join(rng.choice(list("ACGT"), 150))
HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=150>\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
    '##INFO=<ID=AF,Number=A,Type=Float,Description="allele frequency">\n'
    '##FILTER=<ID=q10,Description="low quality">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\n"
)


def _other(base):
    return "A" if base != "A" else "C"


def _records():
    snv_alt = _other(CHR1[39])
    return [
        f"chr1\t40\trs1\t{CHR1[39]}\t{snv_alt},{_other(snv_alt) if _other(snv_alt) != CHR1[39] else 'T'}\t50\tPASS\tDP=12;AF=0.1,0.2\tGT\t0/1\t1/2",
        f"chr1\t60\t.\t{CHR1[59]}\t.\t.\tq10\tDP=3\tGT\t0/0\t./.",
        f"chr1\t70\tins\t{CHR1[69]}\t{CHR1[69]}GAT\t7.5\tPASS\t.\tGT\t0/1\t0/0",
        f"chr1\t80\tbad\t{_other(CHR1[79])}\tG\t.\t.\tDP=1\tGT\t0/1\t0/1",  # REF disagrees
        f"chr1\t90\tdel\t{CHR1[89:94]}\t{CHR1[89]}\t30\tPASS\tDP=8\tGT\t1/1\t0/1",
    ]


@pytest.fixture
def data(tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">chr1\n{CHR1}\n")
    vcf = tmp_path / "calls.vcf"
    vcf.write_text(HEADER + "\n".join(_records()) + "\n")
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    model.config.max_length_nt = 21
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    return tmp_path, fasta, vcf


def _run(*argv):
    return cli.main(["score-variants", *map(str, argv), "--quiet"])


def test_tsv_keeps_vcf_columns_ids_and_integers_and_counts_honestly(data, capsys):
    tmp, fasta, vcf = data
    out = tmp / "scores.tsv"
    code = _run(
        "--model", tmp / "model", "--reference", fasta, "--vcf", vcf, "--output", out, "--errors", "skip"
    )
    assert code == 0
    closing = capsys.readouterr().out
    assert "6 ALT alleles: 4 scored, 2 skipped (1 no_alt, 1 ref_mismatch)" in closing
    text = out.read_text().splitlines()
    header = text[0].split("\t")
    assert header[:10] == ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info", "score", "method"]
    rows = [dict(zip(header, line.split("\t"))) for line in text[1:]]
    assert [r["id"] for r in rows] == ["rs1", "rs1", ".", "ins", "bad", "del"]  # ID '.' stays '.'
    assert rows[0]["info"] == "DP=12;AF=0.1,0.2" and rows[0]["qual"] == "50" and rows[2]["filter"] == "q10"
    assert rows[0]["window_nt"] == "21" and rows[0]["pos"] == "40"  # integers, not 21.0
    assert rows[4]["window_nt"] == "" and rows[4]["score"] == ""
    meta = json.loads((tmp / "scores.tsv.json").read_text())
    assert meta["scored"] == 4 and meta["skipped"] == 2
    assert "log_likelihood_ratio" in meta["score_definitions"]


@pytest.mark.parametrize("suffix", [".vcf.gz", ".bcf"])
def test_vcf_output_round_trips_with_every_input_field(data, suffix):
    tmp, fasta, vcf = data
    out = tmp / f"scored{suffix}"
    code = _run(
        "--model", tmp / "model", "--reference", fasta, "--vcf", vcf, "--output", out, "--errors", "skip"
    )
    assert code == 0
    assert os.path.exists(f"{out}.tbi" if suffix == ".vcf.gz" else f"{out}.csi")
    table = pd.read_csv(tmp / "t.tsv", sep="\t") if (tmp / "t.tsv").exists() else None
    assert table is None
    with pysam.VariantFile(str(vcf)) as original, pysam.VariantFile(str(out)) as scored:
        for name in ("HFG_SCORE", "HFG_METHOD", "HFG_STATUS", "HFG_MODEL"):
            assert name in scored.header.info
        assert "log_likelihood_ratio" in scored.header.info["HFG_SCORE"].description
        assert list(scored.header.samples) == ["s1", "s2"]
        pairs = list(zip(original, scored, strict=True))
    for before, after in pairs:
        assert (after.chrom, after.pos, after.id, after.ref, after.alts) == (
            before.chrom,
            before.pos,
            before.id,
            before.ref,
            before.alts,
        )
        assert after.qual == before.qual and list(after.filter) == list(before.filter)
        for key, value in before.info.items():
            assert after.info[key] == value
        for sample in ("s1", "s2"):
            assert after.samples[sample]["GT"] == before.samples[sample]["GT"]
    first, no_alt, ins, bad, deletion = (after for _, after in pairs)
    assert len(first.info["HFG_SCORE"]) == 2 and all(np.isfinite(first.info["HFG_SCORE"]))
    assert first.info["HFG_STATUS"] == ("ok", "ok") and first.info["HFG_METHOD"][0] == "log_likelihood_ratio"
    assert no_alt.info["HFG_STATUS"] == ("no_alt",) and "HFG_SCORE" not in no_alt.info
    assert bad.info["HFG_STATUS"] == ("ref_mismatch",) and bad.info["HFG_SCORE"] == (None,)
    assert deletion.info["HFG_STATUS"] == ("ok",) and "model" in deletion.info["HFG_MODEL"]
    # the scores in the VCF are the library's
    library = score_variants(*_load(tmp / "model"), fasta, vcf, window_nt=21, errors="skip", progress=False)
    assert first.info["HFG_SCORE"][0] == pytest.approx(library["score"].iloc[0], rel=1e-5)


def _load(folder):
    from hf_genomics.analysis.loading import load_model_and_tokenizer

    return load_model_and_tokenizer(folder)


def test_bgzipped_and_bcf_inputs_give_the_same_scores_and_plain_gzip_is_one_line(data, capsys):
    tmp, fasta, vcf = data
    model, tokenizer = _load(tmp / "model")
    plain = score_variants(model, tokenizer, fasta, vcf, window_nt=21, errors="skip", progress=False)
    bgz = pysam.tabix_index(str(vcf), preset="vcf", keep_original=True, force=True)
    bcf = tmp / "calls.bcf"
    with (
        pysam.VariantFile(str(vcf)) as source,
        pysam.VariantFile(str(bcf), "wb", header=source.header) as out,
    ):
        for record in source:
            out.write(record)
    for other in (bgz, bcf):
        table = score_variants(model, tokenizer, fasta, other, window_nt=21, errors="skip", progress=False)
        np.testing.assert_allclose(table["score"].to_numpy(float), plain["score"].to_numpy(float))
    gzipped = tmp / "plain.vcf.gz"
    gzipped.write_bytes(gzip.compress(vcf.read_bytes()))
    code = _run("--model", tmp / "model", "--reference", fasta, "--vcf", gzipped, "--output", tmp / "x.tsv")
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        code == 2
        and error.startswith("hf-genomics score-variants: error:")
        and "bgzip" in error
        and "plain.vcf.gz" in error
    )


def test_stale_index_is_named_and_duplicate_contigs_refused(data, capsys):
    tmp, fasta, vcf = data
    ReferenceGenome(fasta)  # builds ref.fa.fai
    index = tmp / "ref.fa.fai"
    assert index.is_file()
    fasta.write_text(f">chr1\n{CHR1[:70]}\n{CHR1[70:]}\n")  # re-wrapped: old offsets are wrong
    old = index.stat().st_mtime - 100
    os.utime(index, (old, old))
    code = _run(
        "--model",
        tmp / "model",
        "--reference",
        fasta,
        "--vcf",
        vcf,
        "--output",
        tmp / "x.tsv",
        "--errors",
        "skip",
    )
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        code == 2
        and "ref.fa.fai" in error
        and "older than ref.fa" in error
        and error.startswith("hf-genomics score-variants: error:")
    )
    duplicated = tmp / "dup.fa"
    duplicated.write_text(f">chr1\n{CHR1}\n>chr2\nACGT\n>chr1 again\n{CHR1[::-1]}\n")
    with pytest.raises(ValueError, match="contig name 'chr1' appears more than once"):
        ReferenceGenome(duplicated)


def test_an_index_that_does_not_match_its_fasta_is_named(data, capsys):
    tmp, fasta, vcf = data
    # re-wrapped at 50 nt, with an index of 30 nt lines written afterwards (so not older than the FASTA)
    fasta.write_text(f">chr1\n{CHR1[:50]}\n{CHR1[50:100]}\n{CHR1[100:]}\n")
    (tmp / "ref.fa.fai").write_text("chr1\t150\t6\t30\t31\n")
    code = _run(
        "--model",
        tmp / "model",
        "--reference",
        fasta,
        "--vcf",
        vcf,
        "--output",
        tmp / "x.tsv",
        "--errors",
        "skip",
    )
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and "ref.fa.fai does not match ref.fa" in error


def test_ref_mismatches_on_a_fasta_name_its_index(data):
    tmp, fasta, vcf = data
    model, tokenizer = _load(tmp / "model")
    table = score_variants(model, tokenizer, fasta, vcf, window_nt=21, errors="skip", progress=False)
    mismatch = table["status_code"].eq("ref_mismatch")
    assert mismatch.sum() == 1 and table.loc[mismatch, "status"].str.contains("ref.fa.fai").all()


def test_target_outside_the_classes_and_target_on_an_lm_are_one_line_errors(data, capsys):
    tmp, fasta, vcf = data
    tokenizer = KmerTokenizer(k=1)
    classifier = tiny_encoder(tokenizer, "classifier")
    classifier.config.max_length_nt = 21
    classifier.save_pretrained(tmp / "cls")
    tokenizer.save_pretrained(tmp / "cls")
    for model, expected in ((tmp / "cls", "target 7 is not a class"), (tmp / "model", "--target applies")):
        code = _run(
            "--model",
            model,
            "--reference",
            fasta,
            "--vcf",
            vcf,
            "--output",
            tmp / "t.tsv",
            "--target",
            "7",
            "--errors",
            "skip",
        )
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert code == 2 and expected in error and error.startswith("hf-genomics score-variants: error:")


def test_help_documents_definitions_sign_and_unit(capsys):
    with pytest.raises(SystemExit):
        cli.main(["score-variants", "--help"])
    text = capsys.readouterr().out
    for phrase in ("same length in nucleotides", "log_likelihood_ratio", "nats", "prefers ALT", "per_nt"):
        assert phrase in text
