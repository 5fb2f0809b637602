"""Tokenizer throughput: ours against the peers' tokenizers, all in the same run.

10,000 sequences x 1,000 nt of real DNA (human genes, GUE, viral genomes from ../shared/data, cut
into 1,000 nt windows; random DNA when the folder is absent), median of ``--repeats`` runs.

Peers: transformers' ``EsmTokenizer`` configured as Nucleotide Transformer's 6-mer tokenizer,
DNABERT-1's recipe (Python overlapping 6-mer split + BERT fast tokenizer), a Python character
tokenizer, and for BPE the raw ``tokenizers`` library on the very same ``tokenizer.json``.
Results: ``benchmarks/results/tokenizers.json`` and a markdown table on stdout.

    .venv/bin/python benchmarks/bench_tokenizers.py [--n-seqs 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import BertTokenizer, EsmTokenizer

from hf_genomics import KmerTokenizer, train_dna_bpe
from hf_genomics.alphabet import normalize_record
from hf_genomics.paths import shared_data_dir

sys.path.insert(0, str(Path(__file__).parent))
from timing import median_seconds  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "tokenizers.json"


def real_windows(n_seqs: int, length: int) -> tuple[list[str], str]:
    """``n_seqs`` windows of ``length`` nt cut from all real sequences (cycled if needed)."""
    data = shared_data_dir()
    if data is None:
        rng = np.random.default_rng(0)
        return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n_seqs)], "random DNA (no real data)"
    pieces = []
    for name in ("validation.csv", "test.csv"):
        with open(data / "human_genes" / name, newline="") as handle:
            pieces += [row["NucleotideSequence"].strip("<>") for row in csv.DictReader(handle)]
    for task in sorted((data / "gue").glob("*/*/train.csv")):
        with open(task, newline="") as handle:
            pieces += [row["sequence"] for row in csv.DictReader(handle)]
    for fasta in sorted((data / "viruses").glob("*/*.fasta")):
        text = fasta.read_text()
        pieces += [normalize_record("".join(record.splitlines()[1:])) for record in text.split(">")[1:]]
    stream = "".join(normalize_record(piece) for piece in pieces)
    needed = n_seqs * length
    stream = (stream * (needed // len(stream) + 1))[:needed]
    return [stream[i : i + length] for i in range(0, needed, length)], f"real DNA from {data}"


def nucleotide_transformer_tokenizer(folder: Path) -> EsmTokenizer:
    specials = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
    kmers = ["".join(chars) for chars in itertools.product("ATCG", repeat=6)]
    (folder / "vocab.txt").write_text("\n".join(specials + kmers + list("ATCGN")))
    return EsmTokenizer(str(folder / "vocab.txt"))


def dnabert1_tokenize(bert: BertTokenizer, seqs: list[str], k: int = 6):
    """DNABERT-1's recipe: split into overlapping k-mers in Python, join with spaces, run BERT."""
    return bert([" ".join(seq[i : i + k] for i in range(len(seq) - k + 1)) for seq in seqs])


def python_char_tokenize(seqs: list[str]) -> list[list[int]]:
    vocab = {base: index + 5 for index, base in enumerate("ACGTN")}
    return [[2] + [vocab[base] for base in seq] + [3] for seq in seqs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seqs", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    seqs, source = real_windows(args.n_seqs, args.length)
    total_nt = sum(len(seq) for seq in seqs)
    workdir = Path(tempfile.mkdtemp())
    nt = nucleotide_transformer_tokenizer(workdir)
    kmer_vocab = KmerTokenizer(k=6).get_vocab()
    bert = BertTokenizer(vocab=dict(kmer_vocab), do_lower_case=False)
    ours6, ours6_overlap, ours1 = KmerTokenizer(k=6), KmerTokenizer(k=6, stride=1), KmerTokenizer(k=1)
    bpe = train_dna_bpe(seqs[:2000], vocab_size=4096)
    bpe.save_pretrained(workdir / "bpe")
    raw_bpe = Tokenizer.from_file(str(workdir / "bpe" / "tokenizer.json"))

    def ours6_rust():
        ours6.use_fast_path = False
        try:
            return ours6(seqs)
        finally:
            ours6.use_fast_path = True

    # sanity: the contestants agree with each other before they are timed
    sample = seqs[:50]
    assert ours6(sample, add_special_tokens=False)["input_ids"] == [
        [kmer_vocab[token] for token in nt.tokenize(seq)] for seq in sample
    ]
    assert bpe(sample)["input_ids"] == [encoding.ids for encoding in raw_bpe.encode_batch(sample)]

    cases: dict[str, tuple[str, Callable[[], object]]] = {
        "NT EsmTokenizer 6-mer (peer)": ("6-mer", lambda: nt(seqs)),
        "ours KmerTokenizer(k=6) tokenizer(list)": ("6-mer", lambda: ours6(seqs)),
        "ours KmerTokenizer(k=6) Rust pipeline only": ("6-mer", ours6_rust),
        "ours KmerTokenizer(k=6).encode_to_array": ("6-mer", lambda: ours6.encode_to_array(seqs)),
        "DNABERT-1 Python split + BERT fast (peer)": (
            "overlapping 6-mer",
            lambda: dnabert1_tokenize(bert, seqs),
        ),
        "ours KmerTokenizer(k=6, stride=1) tokenizer(list)": (
            "overlapping 6-mer",
            lambda: ours6_overlap(seqs),
        ),
        "ours KmerTokenizer(k=6, stride=1).encode_to_array": (
            "overlapping 6-mer",
            lambda: ours6_overlap.encode_to_array(seqs),
        ),
        "Python character tokenizer (peer)": ("character", lambda: python_char_tokenize(seqs)),
        "ours KmerTokenizer(k=1) tokenizer(list)": ("character", lambda: ours1(seqs)),
        "ours KmerTokenizer(k=1).encode_to_array": ("character", lambda: ours1.encode_to_array(seqs)),
        "raw tokenizers BPE encode_batch, same file (peer)": (
            "BPE 4096",
            lambda: [encoding.ids for encoding in raw_bpe.encode_batch(seqs)],
        ),
        "ours DnaBpeTokenizer tokenizer(list)": ("BPE 4096", lambda: bpe(seqs)),
    }
    rows = []
    for name, (family, function) in cases.items():
        seconds = median_seconds(function, args.repeats)
        rows.append(
            {"name": name, "family": family, "seconds": seconds, "mnt_per_s": total_nt / seconds / 1e6}
        )
        print(f"{name:55s} {seconds:8.3f} s  {total_nt / seconds / 1e6:8.2f} M nt/s", flush=True)
    nt_speed = rows[0]["mnt_per_s"]
    peers = {row["family"]: row["mnt_per_s"] for row in rows if row["name"].endswith("(peer)")}
    for row in rows:
        row["x_nucleotide_transformer"] = row["mnt_per_s"] / nt_speed
        row["x_same_family_peer"] = row["mnt_per_s"] / peers[row["family"]]
    result = {
        "data": source,
        "n_sequences": len(seqs),
        "length_nt": args.length,
        "repeats": args.repeats,
        "statistic": "median seconds",
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{len(seqs):,} x {args.length:,} nt ({source}); median of {args.repeats}\n")
    print("| tokenizer | family | M nt/s | x NT | x same-family peer |\n|---|---|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['name']} | {row['family']} | {row['mnt_per_s']:.2f} | "
            f"{row['x_nucleotide_transformer']:.1f} | {row['x_same_family_peer']:.2f} |"
        )


if __name__ == "__main__":
    main()
