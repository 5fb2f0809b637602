"""Saved tokenizers reload identically through AutoTokenizer, in a fresh process, and as remote code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hf_genomics import KmerTokenizer, build_tokenizer, train_dna_bpe
from hf_genomics.tokenization.spec import parse_spec

SEQS = ["ACGTACGTNACGTTGCA", "acgtuuRYacgt", "GGGCCCAAATTTGGGCCC", "A"]

BLOCK_PACKAGE = """
import sys
class BlockPackage:
    def find_spec(self, name, path=None, target=None):
        if name == "hf_genomics" or name.startswith("hf_genomics."):
            raise ImportError("hf_genomics is blocked in this process")
sys.meta_path.insert(0, BlockPackage())
"""


def _tokenizers(tmp_path):
    rng_corpus = ["ACGTTGCA" * 10, "GGGCCCAAATTT" * 8, "TATAAACGCG" * 9] * 5
    return {
        "kmer6": KmerTokenizer(k=6),
        "kmer4-overlapping": KmerTokenizer(k=4, stride=1),
        "char-causal": KmerTokenizer(k=1, add_bos_eos=True),
        "bpe": train_dna_bpe(rng_corpus, vocab_size=40),
        "dnallm": build_tokenizer("dnallm"),
    }


def _run(code: str):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_fresh_process_and_remote_code_round_trip(tmp_path):
    """One fresh process loads every tokenizer natively, one with hf_genomics blocked (remote code)."""
    expected, folders = {}, {}
    for name, tok in _tokenizers(tmp_path).items():
        folders[name] = str(tmp_path / name)
        tok.save_pretrained(folders[name])
        expected[name] = tok(SEQS)["input_ids"]
        config = json.loads((tmp_path / name / "tokenizer_config.json").read_text())
        assert config["tokenizer_class"] == type(tok).__name__
        assert config["auto_map"]["AutoTokenizer"][1] == f"tokenization_hf_genomics.{type(tok).__name__}"

    def load_all(extra: str) -> str:
        return (
            "import json\nfrom transformers import AutoTokenizer\n"
            f"folders = {folders!r}\n"
            f"out = {{name: AutoTokenizer.from_pretrained(path{extra})({SEQS!r})['input_ids'] for name, path in folders.items()}}\n"
            "print(json.dumps(out))"
        )

    assert _run("import hf_genomics\n" + load_all("")) == expected
    assert _run(BLOCK_PACKAGE + load_all(", trust_remote_code=True")) == expected


def test_spec_parser():
    assert parse_spec("kmer:6:1") == ("kmer", [6, 1])
    assert build_tokenizer("kmer:6:1").stride == 1
    assert build_tokenizer("char", causal=True).bos_token == "[BOS]"
    corpus = ["ACGTTGACCA" * 3 + "GATTACA" * 2, "TTGACCAGGG" * 4, "CCCGGGATAT" * 3] * 10
    assert len(build_tokenizer("bpe:30", train_sequences=corpus)) == 30
    for bad in ("kmer", "kmer:a", "bpe", "char:3"):
        with pytest.raises(ValueError, match="malformed"):
            parse_spec(bad)
    with pytest.raises(ValueError, match="train_sequences"):
        build_tokenizer("bpe:4096")
