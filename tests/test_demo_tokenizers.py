"""The tokenizer section of `make demo` runs on generated data and writes its table."""

from __future__ import annotations

import json

from hf_genomics.demos import tokenizers as demo


def test_demo_section_without_real_data(tmp_path):
    table = demo.run(None, tmp_path)
    assert "generated" in table
    result = json.loads((tmp_path / "tokenizers.json").read_text())
    assert [row["tokenizer"] for row in result["rows"]] == demo.SPECS
    assert all(row["decode_is_lossless"] for row in result["rows"])
    kmer6 = next(row for row in result["rows"] if row["tokenizer"] == "kmer:6")
    assert kmer6["tokens_per_sequence"] == 50.0
