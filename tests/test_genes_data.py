"""Gene readers (study CSV, FASTA(.gz), GenBank), the study's filters and split."""

from __future__ import annotations

import gzip

import pytest

from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.data.genes import filter_genes, read_genes, read_genes_csv, split_genes

CSV = """NCBIGeneID,Symbol,Description,GeneType,GeneGroupIdentifier,GeneGroupMethod,NucleotideSequence
1,A1,first gene,PROTEIN_CODING,1.0,NCBI Ortholog,<ACGTacgt>
2,B2,"second, with comma",ncRNA,,,<GGGNNCC>
"""

GENBANK = """LOCUS       TEST1                     12 bp    DNA     linear   PRI 01-JAN-2000
DEFINITION  test gene.
ACCESSION   TEST1
VERSION     TEST1.1
SOURCE      Homo sapiens
  ORGANISM  Homo sapiens
FEATURES             Location/Qualifiers
ORIGIN
        1 acgtacgtac gt
//
"""


def test_read_study_csv(tmp_path):
    path = tmp_path / "genes.csv"
    path.write_text(CSV)
    data = read_genes_csv(path)
    assert data["sequence"] == ["ACGTACGT", "GGGNNCC"]
    assert data["NCBIGeneID"] == [1, 2]
    assert data["Description"][1] == "second, with comma"
    assert "NucleotideSequence" not in data.column_names


def test_csv_errors_name_file_record_and_position(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV.replace("<GGGNNCC>", "<GGXC>"))
    with pytest.raises(InvalidSequenceError, match=r"'X' at position 2 of record '2' in .*bad.csv"):
        read_genes_csv(path)
    path.write_text(CSV.replace("<GGGNNCC>", "GGGC"))
    with pytest.raises(InvalidSequenceError, match="wrapped in '<' '>'"):
        read_genes_csv(path)


def test_fasta_gzip_and_genbank(tmp_path):
    fasta = tmp_path / "genes.fa.gz"
    with gzip.open(fasta, "wt") as handle:
        handle.write(">g1 first\nACGT\nac\n>g2\nTTTT\n")
    data = read_genes(fasta)
    assert data["id"] == ["g1", "g2"] and data["sequence"] == ["ACGTAC", "TTTT"]
    genbank = tmp_path / "genes.gb"
    genbank.write_text(GENBANK)
    record = read_genes(genbank)
    assert record["sequence"] == ["ACGTACGTACGT"] and record["organism"] == ["Homo sapiens"]
    with pytest.raises(ValueError, match="unknown gene file type"):
        read_genes(tmp_path / "genes.xyz")


def test_filters_and_split():
    from datasets import Dataset

    seqs = ["ACGT" * 10, "A" * 1001, "ACGN", "ACGT" * 250] + ["ACG" * (i + 1) for i in range(96)]
    data = Dataset.from_dict({"sequence": seqs})
    kept = filter_genes(data)
    assert len(kept) == 98 and "ACGN" not in kept["sequence"] and "A" * 1001 not in kept["sequence"]
    assert len(filter_genes(data, max_length=None, acgt_only=False)) == 100
    parts = split_genes(kept, seed=1)
    sizes = {name: len(part) for name, part in parts.items()}
    assert sum(sizes.values()) == 98
    assert sizes["test"] == 20 and sizes["validation"] == 20  # 80/20, then 25% of 78
    assert parts["train"]["sequence"] == split_genes(kept, seed=1)["train"]["sequence"]
    assert not set(parts["train"]["sequence"]) & set(parts["test"]["sequence"]) - {None}


@pytest.mark.real_data
def test_real_gene_files(shared_data):
    data = read_genes_csv(shared_data / "human_genes" / "validation.csv")
    assert len(data) == 4577
    assert max(len(s) for s in data["sequence"]) <= 1000
    assert len(filter_genes(data)) == 4577  # already ≤ 1,000 nt, A/C/G/T only


def test_dataset_builder_writes_parquet_and_card(tmp_path):
    import importlib.util

    from datasets import load_dataset

    from hf_genomics.paths import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location(
        "build_genes", PROJECT_ROOT / "dataset_scripts" / "build_genes_dataset.py"
    )
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    fasta = tmp_path / "genes.fa"
    fasta.write_text(
        "".join(f">g{i}\n{'ACGT' * (i + 1)}\n" for i in range(40)) + ">long\n" + "A" * 1001 + "\n"
    )
    splits = builder.build(tmp_path / "out", inputs=[fasta], seed=0)
    assert sum(len(s) for s in splits.values()) == 40  # the 1,001-nt record is filtered out
    card = (tmp_path / "out" / "README.md").read_text()
    assert "configs:" in card and "data/train.parquet" in card and "41 records read, 40 kept" in card
    loaded = load_dataset(str(tmp_path / "out"))
    assert set(loaded) == {"train", "validation", "test"} and len(loaded["test"]) == 8
