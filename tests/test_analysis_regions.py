"""BED regions of a reference as input to embed, predict, ism and attribute (minus strand
reverse-complemented), both-strand ISM/attribution maps, and the run record each output carries."""

from __future__ import annotations

import json

import numpy as np
import pytest
from analysis_models import tiny_encoder, tiny_lstm

from hf_genomics import cli
from hf_genomics.alphabet import reverse_complement
from hf_genomics.analysis.regions import read_bed, region_sequences
from hf_genomics.analysis.strands import strand_averaged, to_forward_strand
from hf_genomics.tokenization.kmer import KmerTokenizer

rng = np.random.default_rng(5)
CHR1 = "".join(rng.choice(list("ACGT"), 200))
CHR2 = "".join(rng.choice(list("ACGT"), 90))


@pytest.fixture
def genome(tmp_path):
    fasta = tmp_path / "genome.fa"
    fasta.write_text(f">chr1\n{CHR1[:100]}\n{CHR1[100:]}\n>chr2\n{CHR2}\n")
    bed = tmp_path / "regions.bed"
    bed.write_text(
        "track name=test\n# a comment\nchr1\t10\t40\tplus_region\t0\t+\nchr1\t50\t80\tminus_region\t0\t-\nchr2\t5\t35\n"
    )
    return tmp_path, fasta, bed


def test_regions_are_cut_and_minus_strand_reverse_complemented(genome):
    _, fasta, bed = genome
    regions = read_bed(bed)
    assert [r.id for r in regions] == ["plus_region", "minus_region", "chr2:6-35(+)"]
    sequences = region_sequences(fasta, regions)
    assert sequences == [CHR1[10:40], reverse_complement(CHR1[50:80]), CHR2[5:35]]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t10\n", "needs chrom, start and end"),
        ("chr1\tten\t20\n", "must be integers"),
        ("chr1\t30\t20\n", "need 0 <= start < end"),
        ("chr1\t1\t20\tx\t0\t*\n", "strand must be"),
    ],
)
def test_malformed_bed_lines_are_named(tmp_path, line, message):
    bed = tmp_path / "bad.bed"
    bed.write_text("chr1\t0\t10\n" + line)
    with pytest.raises(ValueError, match=f"bad.bed: line 2: .*{message}"):
        read_bed(bed)


def test_regions_past_the_contig_or_on_unknown_contigs_are_named(genome, tmp_path):
    _, fasta, _ = genome
    bed = tmp_path / "far.bed"
    bed.write_text("chr2\t50\t120\n")
    with pytest.raises(ValueError, match="line 1: region chr2:51-120\\(\\+\\) ends past contig 'chr2'"):
        region_sequences(fasta, read_bed(bed), source=str(bed))
    bed.write_text("chrZ\t0\t10\n")
    with pytest.raises(ValueError, match="contig 'chrZ' is not in"):
        region_sequences(fasta, read_bed(bed))


def _save(model, tokenizer, folder, window=64):
    model.config.max_length_nt = window
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_embed_regions_equal_fasta_of_the_same_strands_and_record_the_run(genome):
    import pyarrow.parquet as pq

    tmp, fasta, bed = genome
    tokenizer = KmerTokenizer(k=1)
    folder = _save(tiny_encoder(tokenizer, "base"), tokenizer, tmp / "encoder")
    same = tmp / "same.fa"
    same.write_text("".join(f">{i}\n{s}\n" for i, s in zip("abc", region_sequences(fasta, read_bed(bed)))))
    common = ["embed", "--model", str(folder), "--quiet", "--pooling", "mean"]
    assert (
        cli.main(
            [*common, "--regions", str(bed), "--reference", str(fasta), "--output", str(tmp / "r.parquet")]
        )
        == 0
    )
    assert cli.main([*common, "--fasta", str(same), "--output", str(tmp / "f.parquet")]) == 0
    regions, plain = pq.read_table(tmp / "r.parquet"), pq.read_table(tmp / "f.parquet")
    np.testing.assert_allclose(
        np.stack(regions["embedding"].to_pylist()), np.stack(plain["embedding"].to_pylist()), rtol=1e-6
    )
    assert regions["strand"].to_pylist() == ["+", "-", "+"] and regions["start"].to_pylist() == [10, 50, 5]
    record = json.loads(regions.schema.metadata[b"hf_genomics"])
    assert record["pooling"] == "mean" and record["layer"] is None and record["window_nt"] == 64
    assert record["model"] == str(folder) and record["input"]["regions"] == str(bed)


def test_predict_regions_and_input_errors(genome, capsys):
    tmp, fasta, bed = genome
    tokenizer = KmerTokenizer(k=1)
    folder = _save(tiny_encoder(tokenizer, "classifier"), tokenizer, tmp / "cls")
    out = tmp / "p.tsv"
    argv = ["predict", "--model", str(folder), "--quiet", "--output", str(out)]
    assert cli.main([*argv, "--regions", str(bed), "--reference", str(fasta)]) == 0
    assert json.loads((tmp / "p.tsv.json").read_text())["window_nt"] == 64
    assert "minus_region" in out.read_text()
    assert cli.main([*argv, "--regions", str(bed)]) == 2
    assert "--regions needs --reference" in capsys.readouterr().err
    assert cli.main([*argv, "--regions", str(bed), "--reference", str(fasta), "--fasta", str(fasta)]) == 2
    assert "either --fasta or --regions" in capsys.readouterr().err


def test_both_strand_ism_is_the_mean_of_the_forward_and_the_turned_back_reverse_map(genome):
    from hf_genomics.analysis.mutagenesis import saturation_mutagenesis

    tmp, fasta, bed = genome
    tokenizer = KmerTokenizer(k=1, add_bos_eos=True)
    model = tiny_lstm(tokenizer)
    sequence = CHR1[10:30]

    def ism(text):
        return saturation_mutagenesis(model, tokenizer, text, window_nt=64, progress=False)

    both = strand_averaged(ism, sequence, strands="both")
    forward, reverse = ism(sequence).scores, ism(reverse_complement(sequence)).scores
    # by hand: reverse map row i is forward position L-1-i, column b is base 3-b
    turned = np.zeros_like(reverse)
    for i in range(len(sequence)):
        for b in range(4):
            turned[len(sequence) - 1 - i, 3 - b] = reverse[i, b]
    np.testing.assert_allclose(to_forward_strand(reverse), turned)
    np.testing.assert_allclose(both.scores, (forward + turned) / 2)
    assert both.sequence == sequence and np.all(
        both.scores[np.arange(20), ["ACGT".index(c) for c in sequence]] == 0
    )
    # and through the CLI, on regions, with a run record
    folder = _save(model, tokenizer, tmp / "lstm")
    out = tmp / "ism"
    argv = [
        "ism",
        "--model",
        str(folder),
        "--regions",
        str(bed),
        "--reference",
        str(fasta),
        "--output-dir",
        str(out),
    ]
    assert cli.main([*argv, "--strands", "both", "--no-plots", "--quiet"]) == 0
    saved = np.load(out / "plus_region.ism.npz")
    expected = strand_averaged(ism, CHR1[10:40], strands="both").scores
    np.testing.assert_allclose(saved["scores"], expected, rtol=1e-6, atol=1e-6)
    record = json.loads((out / "run.json").read_text())
    assert record["strands"] == "both" and record["window_nt"] == 64 and record["model_kind"] == "causal"


def test_both_strand_attribution_turns_per_base_back(genome):
    from hf_genomics.analysis.attributions import integrated_gradients

    tokenizer = KmerTokenizer(k=1)
    model = tiny_encoder(tokenizer, "classifier")
    sequence = CHR2[:24]

    def attribute(text):
        return integrated_gradients(model, tokenizer, text, n_steps=8, window_nt=64)

    both = strand_averaged(attribute, sequence, strands="both")
    forward, reverse = attribute(sequence), attribute(reverse_complement(sequence))
    np.testing.assert_allclose(both.per_base, (forward.per_base + reverse.per_base[::-1]) / 2)
    observed = ["ACGT".index(c) for c in sequence]
    np.testing.assert_allclose(both.scores[np.arange(24), observed], both.per_base)
