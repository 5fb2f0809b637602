"""GENERator through convert and the analysis commands: a tiny random Llama in the original Hub layout
(tests/generator_layout.py), converted and read directly; embed, score-variants (causal LLR, checked
against a hand computation with transformers' Llama) and benchmark vep."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from variant_files import snv_assay_rows, write_locus_fasta, write_snv_vcf

from tests.generator_layout import write_original_generator_folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from hf_genomics.convert import convert_checkpoint

    root = tmp_path_factory.mktemp("generator")
    original = write_original_generator_folder(root / "original")
    convert_checkpoint(original, root / "native")
    return original, root / "native"


@pytest.fixture(scope="module")
def locus():
    rng = np.random.default_rng(6)
    return "".join(rng.choice(list("ACGT"), 600))


def _log_likelihood(model, tokenizer, sequence: str) -> float:
    """Independent reference: <s> ids </s> through transformers' Llama, every token after <s> scored."""
    ids = [1] + tokenizer(sequence, add_special_tokens=False)["input_ids"] + [2]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, :-1].double()
    return float(torch.log_softmax(logits, -1).gather(1, torch.tensor(ids[1:])[:, None]).sum())


def test_convert_writes_a_llama_with_our_tokenizer_and_same_logits(folders):
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    import hf_genomics  # noqa: F401
    from hf_genomics.tokenization.generator import GeneratorTokenizer

    original, native = folders
    config = json.loads((native / "config.json").read_text())
    assert config["model_type"] == "llama" and "auto_map" not in config
    assert config["architectures"] == ["LlamaForCausalLM"]
    card = (native / "README.md").read_text()
    assert "GENERator" in card and "license: mit" in card
    a = AutoModelForCausalLM.from_pretrained(native, trust_remote_code=False)
    b = AutoModelForCausalLM.from_pretrained(original, trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(native, trust_remote_code=False)
    assert type(a) is type(b) is LlamaForCausalLM and type(tokenizer) is GeneratorTokenizer
    batch = tokenizer(["ACGTACGGTTCAACGT", "TTTTTT"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(a(**batch).logits, b(**batch).logits)
    # pad_token_id added: a classification head pools each row's own last token in a padded batch
    from transformers import AutoModelForSequenceClassification

    assert config["pad_token_id"] == tokenizer.pad_token_id == 3
    classifier = AutoModelForSequenceClassification.from_pretrained(native, num_labels=2).eval()
    with torch.no_grad():
        pooled = classifier(**batch).logits[1]
        alone = classifier(**tokenizer(["TTTTTT"], return_tensors="pt")).logits[0]
    assert torch.allclose(pooled, alone, atol=1e-5)


def test_converted_folder_loads_without_hf_genomics(folders, tmp_path):
    from hf_genomics.tokenization.generator import GeneratorTokenizer
    from tests.remote_code_child import run_without_hf_genomics

    _, native = folders
    body = """
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(sys.argv[1], trust_remote_code=True)
    model = AutoModelForCausalLM.from_pretrained(sys.argv[1])
    texts = ["AAAAAATTTTTTG", "acgtacNNNNNN<bog>GGGGGG"]
    print(json.dumps([type(tok).__name__, type(model).__name__, tok(texts)["input_ids"]]))
    """
    name, model_name, ids = run_without_hf_genomics(body, [native], tmp_path)
    assert (name, model_name) == ("GeneratorTokenizer", "LlamaForCausalLM")
    assert ids == GeneratorTokenizer()(["AAAAAATTTTTTG", "acgtacNNNNNN<bog>GGGGGG"])["input_ids"]


def test_detection_and_the_folder_check_accept_generator_only_as_llama(folders, tmp_path):
    from hf_genomics.convert.base import detect_family
    from hf_genomics.model_folders import FolderCodeRefused, check_model_folder

    original, _ = folders
    config = json.loads((original / "config.json").read_text())
    assert detect_family(config).family == "GENERator"
    plain = write_original_generator_folder(tmp_path / "v1", auto_map=False)
    assert detect_family(json.loads((plain / "config.json").read_text())).family == "GENERator"
    assert check_model_folder(original) == original
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({**config, "auto_map": {"AutoModel": "evil.Model"}}))
    with pytest.raises(FolderCodeRefused):
        check_model_folder(other)


@pytest.mark.parametrize("which", ["original", "native"])
def test_score_variants_is_the_causal_llr_on_one_6mer_grid(folders, locus, tmp_path, which):
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.reference_genome import ReferenceGenome
    from hf_genomics.analysis.variant_effects import Variant, score_variants, variant_windows

    folder = dict(zip(("original", "native"), folders))[which]
    model, tokenizer = load_model_and_tokenizer(folder)
    reference = {"chrT": locus}
    variants = [
        Variant("chrT", 300, locus[299], "A" if locus[299] != "A" else "C"),
        Variant("chrT", 250, locus[249:252], locus[249]),  # deletion
        Variant("chrT", 400, locus[399], locus[399] + "GT"),  # insertion
    ]
    table = score_variants(model, tokenizer, reference, variants, window_nt=100, progress=False)
    assert (table["window_nt"] == 96).all()  # 100 rounded down to whole 6-mers
    genome = ReferenceGenome(reference)
    for row, variant in zip(table.itertuples(), variants):
        ref_window, alt_window, _ = variant_windows(genome, variant, 96)
        expected = _log_likelihood(model, tokenizer, alt_window) - _log_likelihood(
            model, tokenizer, ref_window
        )
        assert row.score == pytest.approx(expected, abs=1e-4)
        assert row.ref_tokens == row.alt_tokens == 96 // 6 + 1  # 16 6-mers and </s>, no <oov> tail
    snv_ref, snv_alt, _ = variant_windows(genome, variants[0], 96)
    ref_ids = np.array(tokenizer(snv_ref)["input_ids"])
    alt_ids = np.array(tokenizer(snv_alt)["input_ids"])
    assert (ref_ids != alt_ids).sum() == 1 and 0 not in ref_ids  # one 6-mer changes, no <oov>


def test_embed_and_score_variants_commands(folders, locus, tmp_path):
    from hf_genomics.cli import main

    original, native = folders
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">a\nACGTACGGTTCAACGTAC\n>b\nTTTTTTGGGGGGCC\n")
    out = tmp_path / "emb.parquet"
    assert main(
        ["embed", "--model", str(original), "--fasta", str(fasta), "--output", str(out), "--quiet"]
    ) in (0, None)
    embedded = pd.read_parquet(out)
    assert embedded["id"].tolist() == ["a", "b"] and len(embedded["embedding"][0]) == 32
    reference = tmp_path / "ref.fa"
    reference.write_text(f">chrT\n{locus}\n")
    vcf = tmp_path / "v.vcf"
    write_snv_vcf(vcf, "chrT", 300, locus[299], "v1")
    scores = tmp_path / "scores.tsv"
    args = ["score-variants", "--model", str(native), "--reference", str(reference), "--vcf", str(vcf)]
    assert main([*args, "--window-nt", "120", "--output", str(scores), "--quiet"]) in (0, None)
    table = pd.read_csv(scores, sep="\t", comment="#")
    assert table["method"].tolist() == ["log_likelihood_ratio"] and np.isfinite(table["score"]).all()


def test_benchmark_vep_runs_on_generator(folders, locus, tmp_path):
    from hf_genomics.analysis.vep_benchmark import run_vep_benchmark

    _, native = folders
    offset = 1_000_000
    fasta = write_locus_fasta(tmp_path / "locus.fa", locus, offset)
    rng = np.random.default_rng(1)
    rows = snv_assay_rows(locus, rng.choice(np.arange(150, 450), 8, replace=False), offset)
    for row in rows:
        row.update(chrom="chrT", consequence="Missense", func_class=rng.choice(["FUNC", "LOF"]))
    csv = tmp_path / "assay.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    result = run_vep_benchmark(
        [native], csv, fasta, tmp_path / "bench", window_nt=100, n_bootstrap=20, progress=False
    )
    entry = result["models"][0]
    assert entry["n"] == len(rows) and entry["unscored"] == 0 and entry["window_nt"] == 96
    assert 0.0 <= entry["auroc"] <= 1.0
