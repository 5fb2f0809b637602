"""Table-driven malformed-file tests for every loader entry point (issue 10, items 2, 4, 12, 14).

Every malformed input either raises an error that names the file and the line/record (and the
position, for a bad base) or is normalised as documented in :mod:`hf_genomics.data.io`; valid
inputs that used to be rejected or mangled (``NA`` cells, long CSV fields, a BOM) load.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from datasets import Dataset

from hf_genomics.alphabet import InvalidSequenceError
from hf_genomics.data import genes, gue, io, labelled, viruses
from hf_genomics.data.sequences import tokenize_windows
from hf_genomics.tokenization.kmer import KmerTokenizer
from hf_genomics.training.clm import load_dna

GOOD_FASTA = ">a first\nACGT\nAC\n>b\nGGCC\n"
GENBANK = """LOCUS       X1                        12 bp    DNA     linear   UNK 01-JAN-1980
DEFINITION  test record.
ACCESSION   X1
VERSION     X1
KEYWORDS    .
SOURCE      .
  ORGANISM  .
            .
FEATURES             Location/Qualifiers
ORIGIN
        1 acgtacgtac gt
//
"""
GENES_HEADER = (
    "NCBIGeneID,Symbol,Description,GeneType,GeneGroupIdentifier,GeneGroupMethod,NucleotideSequence\n"
)


def write(path: Path, content: str | bytes) -> Path:
    if path.name.endswith(".gz"):
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(gzip.compress(data))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def truncated_gzip(path: Path, content: str) -> Path:
    data = gzip.compress(content.encode() * 50)
    path.write_bytes(data[: len(data) // 2])
    return path


FASTA_READERS: dict[str, Callable] = {
    "io.load_sequences": io.load_sequences,
    "io.read_fasta": io.read_fasta,
    "genes.read_genes": genes.read_genes,
    "genes.read_fasta": genes.read_fasta,
    "clm.load_dna": load_dna,
    "viruses.read_fasta_dict": viruses.read_fasta_dict,
}

# name, file name, content, expected error type, message pattern (after the file name)
MALFORMED_FASTA = [
    (
        "missing header",
        "x.fa",
        "ACGT\n>a\nAC\n",
        io.SequenceFileError,
        r"line 1: text before the first FASTA header",
    ),
    ("empty file", "x.fa", "", io.SequenceFileError, r"no FASTA records"),
    ("blank lines only", "x.fa", "\n\n", io.SequenceFileError, r"no FASTA records"),
    ("empty record", "x.fa", ">a\n>b\nAC\n", io.SequenceFileError, r"line 1: record 'a' has no sequence"),
    (
        "header without id",
        "x.fa",
        ">\nACGT\n",
        io.SequenceFileError,
        r"line 1: FASTA header '>' without a record id",
    ),
    ("header of spaces", "x.fa", ">   \nACGT\n", io.SequenceFileError, r"line 1: FASTA header '>' without"),
    (
        "duplicate ids",
        "x.fa",
        ">a\nAC\n>a\nGG\n",
        io.SequenceFileError,
        r"line 3: duplicate record id 'a' \(first on line 1\)",
    ),
    ("header-only file", "x.fa", ">a\n", io.SequenceFileError, r"line 1: record 'a' has no sequence"),
    (
        "binary garbage",
        "x.fa",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        io.SequenceFileError,
        r"line \d+: (binary content|not UTF-8)",
    ),
    (
        "not utf-8",
        "x.fa",
        b">a\nAC\xffGT\n",
        io.SequenceFileError,
        r"line 2: not UTF-8 text \(byte 0xff at column 3\)",
    ),
    (
        "bad base",
        "x.fa",
        ">a\nACGT\nACXT\n",
        InvalidSequenceError,
        r"'X' at position 6 of record 'a' in .*x.fa \(line 1\)",
    ),
    (
        "bad base, gzip",
        "x.fa.gz",
        ">a\nACXT\n",
        InvalidSequenceError,
        r"'X' at position 2 of record 'a' in .*x.fa.gz",
    ),
    ("empty gzip", "x.fa.gz", "", io.SequenceFileError, r"no FASTA records"),
]


@pytest.mark.parametrize("reader", FASTA_READERS.values(), ids=FASTA_READERS.keys())
@pytest.mark.parametrize("case", MALFORMED_FASTA, ids=[c[0] for c in MALFORMED_FASTA])
def test_malformed_fasta_names_file_and_line(tmp_path, reader, case):
    _, name, content, error, pattern = case
    path = write(tmp_path / name, content)
    with pytest.raises(error, match=pattern) as raised:
        reader(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("reader", FASTA_READERS.values(), ids=FASTA_READERS.keys())
def test_truncated_gzip_names_file(tmp_path, reader):
    path = truncated_gzip(tmp_path / "x.fa.gz", GOOD_FASTA.replace(">a", ">a{i}"))
    with pytest.raises(io.SequenceFileError, match=r"x.fa.gz, line \d+: truncated or corrupt gzip"):
        reader(path)


@pytest.mark.parametrize("reader", FASTA_READERS.values(), ids=FASTA_READERS.keys())
def test_documented_fasta_normalisations(tmp_path, reader):
    """BOM skipped, blank lines between records skipped, CRLF, lowercase and IUPAC normalised."""
    path = write(tmp_path / "x.fa", "\ufeff>a desc\r\nacgt\r\n\r\nRY\r\n\n>b\nGGCC\n")
    result = reader(path)
    sequences = list(result.values()) if isinstance(result, dict) else list(result["sequence"])
    assert sequences == ["ACGTNN", "GGCC"]


def test_missing_file_and_unknown_type_name_the_path(tmp_path):
    with pytest.raises(io.SequenceFileError, match=r"nope.fa: no such file"):
        io.load_sequences(tmp_path / "nope.fa")
    path = write(tmp_path / "x.xyz", "ACGT\n")
    with pytest.raises(io.SequenceFileError, match=r"x.xyz: unknown sequence file type"):
        io.load_sequences(path)


# ---------------------------------------------------------------------------- GenBank
MALFORMED_GENBANK = [
    (
        "truncated before //",
        GENBANK[: GENBANK.index("//")],
        r"record 1: GenBank record not terminated by '//'",
    ),
    ("empty file", "", r"no GenBank records"),
    (
        "second record truncated",
        GENBANK + GENBANK.replace("X1", "X2")[:-4],
        r"record 2: GenBank record not terminated",
    ),
    ("not GenBank", "hello\nworld\n", r"no GenBank records"),
]


@pytest.mark.parametrize("reader", [io.read_genbank, genes.read_genes, io.load_sequences, load_dna])
@pytest.mark.parametrize("case", MALFORMED_GENBANK, ids=[c[0] for c in MALFORMED_GENBANK])
def test_malformed_genbank(tmp_path, reader, case):
    _, content, pattern = case
    path = write(tmp_path / "x.gb", content)
    with pytest.raises(io.SequenceFileError, match=pattern) as raised:
        reader(path)
    assert str(path) in str(raised.value)


def test_genbank_reads_and_bad_base_names_record(tmp_path):
    data = io.read_genbank(write(tmp_path / "x.gbk.gz", GENBANK))
    assert data["sequence"] == ["ACGTACGTACGT"] and data["id"] == ["X1"]
    bad = GENBANK.replace("acgtacgtac gt", "acgtacgtac gx")
    with pytest.raises(InvalidSequenceError, match=r"'X' at position 11 of record 'X1' in .*bad.gb"):
        io.read_genbank(write(tmp_path / "bad.gb", bad))


# ---------------------------------------------------------------------------- CSV / TSV / txt / Parquet
TABLE_READERS: dict[str, Callable] = {
    "io.load_sequences": io.load_sequences,
    "io.read_sequence_table": io.read_sequence_table,
    "clm.load_dna": load_dna,
}
MALFORMED_TABLES = [
    ("missing column", "x.csv", "seq,label\nACGT,1\n", r"line 1: no column 'sequence'"),
    ("extra field", "x.csv", "sequence,label\nACGT,1\nACGT,1,2\n", r"line 3: expected 2 fields"),
    ("missing field", "x.tsv", "sequence\tlabel\nACGT\n", r"line 2: expected 2 fields"),
    ("empty sequence", "x.csv", "sequence,label\n,1\n", r"line 2: empty sequence"),
    ("header only", "x.csv", "sequence,label\n", r"header only"),
    ("empty file", "x.csv", "", r"empty file: no header row"),
    ("duplicate columns", "x.csv", "sequence,sequence\nAC,GT\n", r"line 1: duplicate column names"),
    ("binary", "x.csv", b"\x00\x01\x02\x03", r"binary content"),
    (
        "unterminated quote",
        "x.csv",
        'sequence,label\n"ACGT,1\n',
        r"(line \d+: malformed CSV|expected 2 fields)",
    ),
]


@pytest.mark.parametrize("reader", TABLE_READERS.values(), ids=TABLE_READERS.keys())
@pytest.mark.parametrize("case", MALFORMED_TABLES, ids=[c[0] for c in MALFORMED_TABLES])
def test_malformed_tables(tmp_path, reader, case):
    _, name, content, pattern = case
    path = write(tmp_path / name, content)
    with pytest.raises(io.SequenceFileError, match=pattern) as raised:
        reader(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("reader", TABLE_READERS.values(), ids=TABLE_READERS.keys())
def test_valid_tables_that_used_to_break(tmp_path, reader):
    """``NA``/``nan`` cells are DNA; a 200 knt field passes the csv module's limit; a bad base names
    the line and position; a quoted field may span lines."""
    long = "ACGT" * 50_000
    path = write(tmp_path / "x.csv", f'sequence,label\nNA,1\nnan,0\n{long},1\n"AC\nGT",0\n')
    data = reader(path)
    assert list(data["sequence"]) == ["NA", "NAN", long, "ACGT"]
    bad = write(tmp_path / "bad.csv", "sequence,label\nACGT,1\nACGU,1\nACXT,0\n")
    with pytest.raises(InvalidSequenceError, match=r"'X' at position 2 of record 'line 4' in .*bad.csv"):
        reader(bad)


def test_text_files(tmp_path):
    data = io.load_sequences(write(tmp_path / "x.txt", "acgt\n\nGGCC\n"))
    assert list(data["sequence"]) == ["ACGT", "GGCC"]  # blank lines skipped (documented)
    with pytest.raises(io.SequenceFileError, match=r"x.txt: no sequences"):
        io.load_sequences(write(tmp_path / "x.txt", "\n\n"))
    with pytest.raises(InvalidSequenceError, match=r"record 'line 3' in .*y.txt"):
        io.load_sequences(write(tmp_path / "y.txt", "ACGT\n\nAC-T\n"))


def test_parquet(tmp_path):
    pd.DataFrame({"dna": ["acgt", "NA"]}).to_parquet(tmp_path / "ok.parquet")
    assert list(io.load_sequences(tmp_path / "ok.parquet", "dna")["sequence"]) == ["ACGT", "NA"]
    pd.DataFrame({"sequence": ["ACGT", None]}).to_parquet(tmp_path / "null.parquet")
    with pytest.raises(io.SequenceFileError, match=r"null.parquet, row 1: empty sequence"):
        io.load_sequences(tmp_path / "null.parquet")
    with pytest.raises(io.SequenceFileError, match=r"junk.parquet: not a readable Parquet file"):
        io.load_sequences(write(tmp_path / "junk.parquet", b"not parquet at all"))
    with pytest.raises(io.SequenceFileError, match=r"ok.parquet: no column 'sequence'"):
        io.load_sequences(tmp_path / "ok.parquet")


def test_saved_datasets_are_normalised_and_checked(tmp_path):
    Dataset.from_dict({"sequence": ["acgu", "ry"]}).save_to_disk(tmp_path / "saved")
    assert list(io.load_sequences(tmp_path / "saved")["sequence"]) == ["ACGT", "NN"]
    assert not list((tmp_path / "saved").glob("cache-*"))  # the user's folder is not written to
    Dataset.from_dict({"sequence": ["AC-T"]}).save_to_disk(tmp_path / "bad")
    with pytest.raises(InvalidSequenceError, match=r"record 'row 0' in .*bad"):
        io.load_sequences(tmp_path / "bad")
    (tmp_path / "empty").mkdir()
    with pytest.raises(io.SequenceFileError, match=r"empty: not a save_to_disk folder"):
        io.load_sequences(tmp_path / "empty")


# ---------------------------------------------------------------------------- study loaders
MALFORMED_GENES = [
    ("no markers", GENES_HEADER + "1,S,d,t,,,ACGT\n", InvalidSequenceError, r"record '1' in .*x.csv"),
    (
        "gene id not a number",
        GENES_HEADER + "x1,S,d,t,,,<ACGT>\n",
        io.SequenceFileError,
        r"line 2: NCBIGeneID 'x1'",
    ),
    (
        "extra field",
        GENES_HEADER + "1,S,d,t,,,<ACGT>,extra\n",
        io.SequenceFileError,
        r"line 2: expected 7 fields",
    ),
    ("header only", GENES_HEADER, io.SequenceFileError, r"header only"),
    (
        "no sequence column",
        "NCBIGeneID,Symbol\n1,S\n",
        io.SequenceFileError,
        r"no column 'NucleotideSequence'",
    ),
    ("empty marked sequence", GENES_HEADER + "1,S,d,t,,,\n", InvalidSequenceError, r"wrapped in '<' '>'"),
]


@pytest.mark.parametrize("reader", [genes.read_genes_csv, genes.read_genes])
@pytest.mark.parametrize("case", MALFORMED_GENES, ids=[c[0] for c in MALFORMED_GENES])
def test_malformed_genes_csv(tmp_path, reader, case):
    _, content, error, pattern = case
    path = write(tmp_path / "x.csv", content)
    with pytest.raises(error, match=pattern) as raised:
        reader(path)
    assert str(path) in str(raised.value)


def test_genes_csv_in_every_loader(tmp_path):
    """The genes study's CSV (``<…>`` markers) is read by load_sequences too (run_mlm and run_clm)."""
    path = write(tmp_path / "genes.csv", GENES_HEADER + "7,S,d,t,,,<acgtN>\n")
    for reader in (io.load_sequences, load_dna, genes.read_genes):
        assert list(reader(path)["sequence"]) == ["ACGTN"]


MALFORMED_PAIRS = [
    (
        "missing column",
        "NCBIGeneID,RealNucleotideSequence\n1,<AC>\n",
        r"no column 'MutatedNucleotideSequence'",
    ),
    (
        "extra field",
        "NCBIGeneID,RealNucleotideSequence,MutatedNucleotideSequence\n1,<AC>,<AG>,x\n",
        r"line 2: expected 3",
    ),
    ("header only", "NCBIGeneID,RealNucleotideSequence,MutatedNucleotideSequence\n", r"header only"),
]


@pytest.mark.parametrize("case", MALFORMED_PAIRS, ids=[c[0] for c in MALFORMED_PAIRS])
def test_malformed_mutation_pairs(tmp_path, case):
    _, content, pattern = case
    path = write(tmp_path / "pairs.csv", content)
    with pytest.raises(io.SequenceFileError, match=pattern):
        genes.read_mutation_pairs(path)


MALFORMED_GUE = [
    ("foreign header", "foo,label\nACGT,1\n", r"train.csv, line 1: bad header"),
    ("empty sequence", "sequence,label\n,1\n", r"train.csv, line 2: empty sequence"),
    ("header only", "sequence,label\n", r"train.csv: header only"),
    ("empty file", "", r"train.csv: empty file"),
    ("extra field", "sequence,label\nACGT,1,1\n", r"train.csv, line 2: expected 2 fields"),
    ("binary", b"\x00\xff\x00", r"train.csv, line 1: (binary|not UTF-8)"),
]


@pytest.mark.parametrize("case", MALFORMED_GUE, ids=[c[0] for c in MALFORMED_GUE])
def test_malformed_gue(tmp_path, case):
    _, content, pattern = case
    good = "sequence,label\nACGT,1\nGGCC,0\n"
    for name in ("train.csv", "dev.csv", "test.csv"):
        write(tmp_path / name, good)
    write(tmp_path / "train.csv", content)
    with pytest.raises(gue.GueFormatError, match=pattern):
        gue.load_gue(tmp_path)


def test_gue_na_sequence_is_dna(tmp_path):
    for name in ("train.csv", "dev.csv", "test.csv"):
        write(tmp_path / name, "sequence,label\nNA,1\nnan,0\n")
    assert gue.load_gue(tmp_path)["train"]["sequence"] == ["NA", "NAN"]


# ---------------------------------------------------------------------------- viruses (item 14)
METADATA = "accession\thost\tdate\nA1\thuman\t2001\nA2\tmouse\t2002\n"


def test_viral_metadata_without_record_is_reported(tmp_path, caplog):
    fasta = write(tmp_path / "g.fasta", ">A1\nACGT\n>A2\nGGCC\n")
    metadata = write(tmp_path / "m.tsv", METADATA + "A3\tdog\t2003\n")
    with caplog.at_level(logging.WARNING, logger="hf_genomics.data.viruses"):
        data = viruses.load_viral_genomes(fasta, metadata, "V")
    assert data["accession"] == ["A1", "A2"]
    assert "1 rows of" in caplog.text and "A3" in caplog.text and "no record" in caplog.text


def test_viral_conflicting_duplicate_accession_raises(tmp_path):
    fasta = write(tmp_path / "g.fasta", ">A1\nACGT\n>A2\nGGCC\n")
    metadata = write(tmp_path / "m.tsv", METADATA + "A1\tcattle\t2001\n")
    with pytest.raises(
        io.SequenceFileError, match=r"m.tsv, line 4: accession 'A1' repeats line 2 with different host"
    ):
        viruses.load_viral_genomes(fasta, metadata, "V")


def test_viral_exact_duplicate_row_is_kept_once(tmp_path, caplog):
    fasta = write(tmp_path / "g.fasta", ">A1\nACGT\n>A2\nGGCC\n")
    metadata = write(tmp_path / "m.tsv", METADATA + "A1\thuman\t2001\n")
    with caplog.at_level(logging.WARNING, logger="hf_genomics.data.viruses"):
        data = viruses.load_viral_genomes(fasta, metadata, "V")
    assert data["host"] == ["human", "mouse"] and "1 exact duplicate rows" in caplog.text


def test_viral_malformed_metadata_and_fasta(tmp_path):
    fasta = write(tmp_path / "g.fasta", ">A1\nACGT\n>A1\nGGCC\n")
    metadata = write(tmp_path / "m.tsv", METADATA)
    with pytest.raises(io.SequenceFileError, match=r"g.fasta, line 3: duplicate record id 'A1'"):
        viruses.load_viral_genomes(fasta, metadata, "V")
    fasta = write(tmp_path / "g.fasta", ">A1\nACGT\n>A2\nGGCC\n")
    bad = write(tmp_path / "bad.tsv", METADATA + "A3\tdog\n")
    with pytest.raises(io.SequenceFileError, match=r"bad.tsv, line 4: expected 3 fields"):
        viruses.load_viral_genomes(fasta, bad, "V")


# ---------------------------------------------------------------------------- labelled files
def test_labelled_files(tmp_path):
    path = write(tmp_path / "x.csv", "sequence,label\nACGT,a\nGGCC,\n")
    data = labelled.read_labelled(path)
    spec = labelled.infer_label_spec(["a", "b"])
    with pytest.raises(ValueError, match=r"x.csv, row 1: empty label"):
        labelled.encode_labels(data, spec, source=str(path))
    with pytest.raises(io.SequenceFileError, match=r"x.csv, line 1: no column 'target'"):
        labelled.read_labelled(path, label_column="target")
    unseen = labelled.read_labelled(write(tmp_path / "t.csv", "sequence,label\nACGT,c\n"))
    with pytest.raises(ValueError, match=r"t.csv, row 0: label 'c' does not occur in the training split"):
        labelled.encode_labels(unseen, spec, source=str(tmp_path / "t.csv"))
    assert labelled.infer_label_spec(["0.5", "1"]).problem_type == "regression"
    assert labelled.infer_label_spec(["1", "0", "2"]).labels == ("0", "1", "2")
    assert labelled.infer_label_spec(["x;y", "y"]).problem_type == "multi_label_classification"


# ---------------------------------------------------------------------------- item 2: no stale cache
@pytest.mark.parametrize("name", ["x.fa", "x.fa.gz", "x.csv", "x.txt"])
def test_an_edited_file_is_read_afresh(tmp_path, name):
    """Rewriting a file (same name, same size) gives the new records, never a cached copy."""

    def content(seq: str) -> str:
        if ".fa" in name:
            return f">r\n{seq}\n"
        return f"sequence\n{seq}\n" if name.endswith(".csv") else f"{seq}\n"

    path = write(tmp_path / name, content("ACGT"))
    assert list(io.load_sequences(path)["sequence"]) == ["ACGT"]
    write(path, content("GGCC"))
    assert list(io.load_sequences(path)["sequence"]) == ["GGCC"]
    assert list(load_dna(path)["sequence"]) == ["GGCC"]


# ---------------------------------------------------------------------------- item 4: exact budget
def test_kmer_windows_with_n_keep_every_base():
    """``KmerTokenizer(k=6)("ACGTAN" * 20)`` needs 122 tokens against a 22-token budget: the window is
    cut further instead of truncated, and the pieces decode back to every base."""
    tokenizer = KmerTokenizer(k=6)
    sequence = "ACGTAN" * 20 + "ACGTACGTAC" * 30
    data = Dataset.from_dict({"sequence": [sequence]})
    ids = tokenize_windows(data, tokenizer, window_nt=120, min_window_nt=1)["input_ids"]
    budget = tokenizer.max_tokens_for(120)
    assert all(len(row) <= budget for row in ids)
    decoded = "".join(tokenizer.decode(row, skip_special_tokens=True).replace(" ", "") for row in ids)
    assert decoded == sequence
    # N-free windows are not cut: exactly ceil(420 / 120) = 4 windows in the old layout for them
    clean = tokenize_windows(Dataset.from_dict({"sequence": ["ACGT" * 60]}), tokenizer, 120, 1)
    assert len(clean) == 2 and [len(r) for r in clean["input_ids"]] == [budget, budget]


@pytest.mark.real_data
def test_shared_viral_windows_lose_no_base(shared_data):
    """The defect's own numbers: kmer:6 1,000-nt windows of the shared viral genomes used to drop
    21,180 bases; now every base of every window is in some token row."""
    genomes = viruses.load_shared_viruses(shared_data)
    tokenizer = KmerTokenizer(k=6)
    ids = tokenize_windows(genomes.select_columns(["sequence"]), tokenizer, 1000, 1)["input_ids"]
    n_tokens_content = sum(len(row) - 2 for row in ids)
    counts = np.array([len(tokenizer.decode(row, skip_special_tokens=True).replace(" ", "")) for row in ids])
    assert counts.sum() == sum(len(s) for s in genomes["sequence"])
    assert n_tokens_content > 0
