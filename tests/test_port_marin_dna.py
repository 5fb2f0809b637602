"""MarinDNA (issue 24 item 6): the original char-bos tokenizer's ids, an original-layout folder
(Levanter's export: transformers' Llama/Qwen3 + the Hub tokenizer files) loaded directly and
converted, and both through embed / score-variants / benchmark vep with 255 bp + [BOS] windows.

The tokenizer files under ``fixtures/ports/marin_dna/tokenizer-char-bos`` are the Hub revision's
(SHA-256 checked below); ``original_ids.json`` holds the original pipeline's ids
(``make_marin_dna_fixtures.py``). The models are tiny random configs in the real layout."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

PORT = Path(__file__).parent / "fixtures" / "ports" / "marin_dna"
ORIGINAL_TOKENIZER = PORT / "tokenizer-char-bos"
SHA256 = {  # marin-dna/tokenizer-char-bos@a73e9d9ee636f722b4c378703c9e2997857809b2 (see the make script)
    "special_tokens_map.json": "02b7b977703736f58dd672a20b0e6159fa10bfc41c9ca721eba0402552e35f2d",
    "tokenizer.json": "d066e668d7ba6ed48640b7a0ad45b5ae05d5dbd612b2d7f91fae1e2473fc93e9",
    "tokenizer_config.json": "4e814edcdb1cb8f408a2cdf951e9be4093bbcd3d12e58883f56aa06eb39fc8c7",
}


# RoPE as the releases' config.json carries it (transformers 4.57.6 keys): the Qwen3 exports use
# Levanter's Llama3RotaryEmbeddingsConfig, which Open-Athena/marin-dna's export script
# (.agents/artifacts/459-soft-vep/checkpoint-grid/export_missing_hf.py, validate_hf_config) asserts
# as below; the Llama ones Levanter's default rotary embedding (theta 10000, no scaling)
LLAMA3_SCALING = {
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3",
}
ROPE = {
    "qwen3": {"rope_theta": 500000, "rope_scaling": LLAMA3_SCALING},
    "llama": {"rope_theta": 10000.0, "rope_scaling": None},
}


def llama3_inv_freq(head_dim: int, theta: float, scaling: dict | None) -> torch.Tensor:
    """Meta's Llama 3 frequency scaling (``apply_scaling`` of llama-models), written out here."""
    freqs = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    if scaling is None:
        return freqs
    old, low, high, factor = (
        scaling["original_max_position_embeddings"],
        scaling["low_freq_factor"],
        scaling["high_freq_factor"],
        scaling["factor"],
    )
    wavelength = 2 * torch.pi / freqs
    smooth = (old / wavelength - low) / (high - low)
    mixed = (1 - smooth) * freqs / factor + smooth * freqs
    return torch.where(
        wavelength < old / high, freqs, torch.where(wavelength > old / low, freqs / factor, mixed)
    )


def write_original_folder(folder: Path, model_type: str = "llama", seed: int = 0) -> Path:
    """A tiny random MarinDNA checkpoint as Levanter's ``save_pretrained`` writes it: config.json
    (with the tokenizer-dependent ids Levanter adds), model.safetensors, the tokenizer files."""
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen3Config

    config_class = {"llama": LlamaConfig, "qwen3": Qwen3Config}[model_type]
    config = config_class(
        vocab_size=7,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        max_position_embeddings=256,
        tie_word_embeddings=False,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=None,
    )
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():  # larger weights than the 0.02 init, so scores differ visibly
        for parameter in model.parameters():
            parameter.normal_(0, 0.3)
    folder.mkdir(parents=True)
    state = {key: value.contiguous() for key, value in model.state_dict().items()}
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})
    settings = config.to_dict()
    settings.pop("rope_parameters", None)  # written by transformers 4.57.6 in the legacy keys:
    settings.update(ROPE[model_type], transformers_version="4.57.6")
    settings.update(
        architectures=[type(model).__name__], decoder_start_token_id=2, begin_suppress_tokens=[0, 2]
    )
    (folder / "config.json").write_text(json.dumps(settings))
    for name in SHA256:
        shutil.copy(ORIGINAL_TOKENIZER / name, folder / name)
    return folder


def log_likelihood(model, ids: list[int]) -> float:
    """Sum of log p(token | tokens before it) over every token after [BOS]."""
    tensor = torch.tensor([ids])
    with torch.no_grad():
        logprobs = model(tensor).logits[0, :-1].float().log_softmax(-1)
    return float(logprobs.gather(1, tensor[0, 1:, None]).sum())


# ---- the tokenizer ------------------------------------------------------------------------------


def test_committed_tokenizer_files_are_the_hub_revision():
    for name, digest in SHA256.items():
        assert hashlib.sha256((ORIGINAL_TOKENIZER / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("fast_path", [True, False])
def test_ids_equal_the_original_tokenizer(fast_path):
    """Every fixture text gives the original's ids; the one documented difference is RNA U -> T."""
    from hf_genomics.models.marin_dna import MarinDnaTokenizer

    fixture = json.loads((PORT / "original_ids.json").read_text())
    tokenizer = MarinDnaTokenizer()
    tokenizer.use_fast_path = fast_path
    t_id = tokenizer.convert_tokens_to_ids("t")
    texts = [case["text"] for case in fixture["cases"]]
    expected = [
        [case["ids"][0]] + [t_id if base in "Uu" else i for base, i in zip(case["text"], case["ids"][1:])]
        for case in fixture["cases"]
    ]
    assert tokenizer(texts)["input_ids"] == expected
    assert [tokenizer(text)["input_ids"] for text in texts] == expected
    assert tokenizer(*fixture["pair"]["text"])["input_ids"] == fixture["pair"]["ids"]
    assert any("U" in text for text in texts) and any("N" in text for text in texts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgtnRYSWKMBDHVryswkmbdhvUu", max_size=300), min_size=1, max_size=6))
def test_ids_equal_the_original_pipeline_on_any_dna(texts):
    """Against the original tokenizer.json run by ``tokenizers`` (byte-verified above): equal on
    every IUPAC/soft-masked text, U read as T."""
    from tokenizers import Tokenizer

    from hf_genomics.models.marin_dna import MarinDnaTokenizer

    original = Tokenizer.from_file(str(ORIGINAL_TOKENIZER / "tokenizer.json"))
    expected = [
        encoding.ids
        for encoding in original.encode_batch([t.replace("U", "T").replace("u", "t") for t in texts])
    ]
    assert MarinDnaTokenizer()(texts)["input_ids"] == expected


def test_n_is_unk_as_in_the_original_or_an_error_on_request():
    from hf_genomics.alphabet import InvalidSequenceError
    from hf_genomics.models.marin_dna import MarinDnaTokenizer

    assert MarinDnaTokenizer()("ACNGR")["input_ids"] == [2, 3, 4, 1, 5, 1]
    with pytest.raises(InvalidSequenceError, match="'N' at position 2"):
        MarinDnaTokenizer(n_as_unk=False)("ACNGT")
    with pytest.raises(InvalidSequenceError, match="'X' at position 1"):
        MarinDnaTokenizer()("AXG")
    assert MarinDnaTokenizer()("ac gt\n")["input_ids"] == [2, 3, 4, 5, 6]  # whitespace removed


# ---- original folders: direct loading, convert --------------------------------------------------


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    root = tmp_path_factory.mktemp("marin")
    return {kind: write_original_folder(root / kind, kind) for kind in ("llama", "qwen3")}


def test_original_folder_loads_directly_with_our_input_policy_and_255_bp_windows(originals):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import hf_genomics  # noqa: F401
    from hf_genomics.analysis.loading import load_model_and_tokenizer
    from hf_genomics.analysis.training_length import model_token_budget, model_window_nt
    from hf_genomics.analysis.windows import tile, token_counts
    from hf_genomics.models.marin_dna import MarinDnaTokenizer

    folder = originals["llama"]
    plain = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)  # transformers' own, as shipped
    model, tokenizer = load_model_and_tokenizer(folder)
    assert type(model).__name__ == "LlamaForCausalLM" and isinstance(tokenizer, MarinDnaTokenizer)
    text = "ACGTTGCAacgtGGA"
    assert tokenizer(text)["input_ids"] == plain(text)["input_ids"]
    assert model_token_budget(model, tokenizer) == 256 and model_window_nt(model, tokenizer) == 255
    rng = np.random.default_rng(0)
    long = "".join(rng.choice(list("ACGTN"), 700))
    windows, _, _ = tile([long], 255, tokenizer=tokenizer, max_tokens=256)
    assert {len(w) for w in windows} == {255} and set(token_counts(tokenizer, windows)) == {256}
    reference = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=False)
    ids = tokenizer(text)["input_ids"]
    assert log_likelihood(model, ids) == pytest.approx(log_likelihood(reference, ids), abs=1e-6)


@pytest.mark.parametrize("kind", ["llama", "qwen3"])
def test_convert_keeps_the_model_and_writes_our_tokenizer(originals, kind, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import hf_genomics  # noqa: F401
    from hf_genomics import cli
    from hf_genomics.convert.base import _claiming_converter, detect_family, read_original_config
    from hf_genomics.models.marin_dna import MarinDnaTokenizer

    source = originals[kind]
    assert _claiming_converter(source).family == "MarinDNA"
    assert detect_family(read_original_config(source), source).family == "MarinDNA"
    assert cli.main(["convert", str(source), str(tmp_path / "out")]) == 0
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out", trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "out", trust_remote_code=False)
    original = AutoModelForCausalLM.from_pretrained(source, trust_remote_code=False)
    assert isinstance(tokenizer, MarinDnaTokenizer) and type(model) is type(original)
    assert model.config.max_length_nt == 255 and tokenizer.model_max_length == 256
    expected = llama3_inv_freq(8, ROPE[kind]["rope_theta"], ROPE[kind]["rope_scaling"]).float()
    for loaded in (model, original):  # the legacy RoPE keys are read as Levanter trained with them
        torch.testing.assert_close(loaded.model.rotary_emb.inv_freq, expected, rtol=1e-6, atol=0)
    ids = tokenizer(["ACGTACGGTTCA", "ttgac"], padding=True, return_tensors="pt")
    with torch.no_grad():
        ours = model(**ids).logits
        theirs = original(**ids).logits
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    assert (tmp_path / "out" / "README.md").is_file()


def test_converted_tokenizer_loads_without_the_package_and_training_adopts_originals(originals, tmp_path):
    """The converted folder's exported code gives the same ids with hf_genomics unimportable; the
    training scripts' tokenizer loader (``--model_name_or_path`` an original folder) gets ours too."""
    import subprocess
    import sys

    from hf_genomics.convert import convert_checkpoint
    from hf_genomics.models.marin_dna import MarinDnaTokenizer
    from hf_genomics.tokenization.spec import build_tokenizer

    tokenizer = build_tokenizer(str(originals["llama"]))
    assert isinstance(tokenizer, MarinDnaTokenizer) and tokenizer.model_max_length == 256
    convert_checkpoint(originals["llama"], tmp_path / "out")
    script = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'hf_genomics': raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from transformers import AutoTokenizer\n"
        f"t = AutoTokenizer.from_pretrained({str(tmp_path / 'out')!r}, trust_remote_code=True)\n"
        "print(t('ACGTNnu')['input_ids'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        result.stdout.strip().splitlines()[-1]
        == str(tokenizer("ACGTNnu")["input_ids"])
        == "[2, 3, 4, 5, 6, 1, 1, 6]"
    )


def test_convert_refuses_another_tokenizer_in_one_line(originals, tmp_path):
    from hf_genomics.convert import ConversionError, convert_checkpoint

    folder = tmp_path / "other"
    shutil.copytree(originals["llama"], folder)
    spec = json.loads((folder / "tokenizer.json").read_text())
    spec["model"]["vocab"] = {"[PAD]": 0, "[UNK]": 1, "[BOS]": 2, "A": 3, "C": 4, "G": 5, "T": 6}
    (folder / "tokenizer.json").write_text(json.dumps(spec))
    with pytest.raises(ConversionError, match="not the marin-dna/tokenizer-char-bos layout"):
        convert_checkpoint(folder, tmp_path / "out")


# ---- the analysis commands ----------------------------------------------------------------------


def _locus(tmp_path: Path, length: int = 900, seed: int = 3) -> tuple[Path, str]:
    rng = np.random.default_rng(seed)
    locus = "".join(rng.choice(list("ACGT"), length))
    fasta = tmp_path / "locus.fa"
    fasta.write_text(f">chrT_1000000_{1000000 + length - 1}\n{locus}\n")
    return fasta, locus


def test_embed_and_score_variants_commands_on_an_original_folder(originals, tmp_path):
    from hf_genomics import cli
    from hf_genomics.analysis.loading import load_model_and_tokenizer

    folder = originals["llama"]
    fasta, locus = _locus(tmp_path)
    model, tokenizer = load_model_and_tokenizer(folder)
    records = tmp_path / "records.fa"
    records.write_text(f">short\n{locus[:100].lower()}\n>long\n{locus}\n")  # soft-masked + 900 bp
    embeddings = tmp_path / "emb.parquet"
    argv = ["embed", "--model", str(folder), "--fasta", str(records), "--output", str(embeddings)]
    assert cli.main([*argv, "--quiet"]) == 0
    table = pd.read_parquet(embeddings)
    assert table["id"].tolist() == ["short", "long"] and table["length_nt"].tolist() == [100, 900]
    with torch.no_grad():
        ids = torch.tensor([tokenizer(locus[:100])["input_ids"]])
        hidden = model(ids, output_hidden_states=True).hidden_states[-1][0]
    np.testing.assert_allclose(np.asarray(table["embedding"][0]), hidden[1:].mean(0).numpy(), atol=1e-5)
    assert len(table["embedding"][1]) == 16
    vcf = tmp_path / "v.vcf"
    position = 450
    ref = locus[position - 1]
    alt = "A" if ref != "A" else "C"
    vcf.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"chrT_1000000_1000899\t{position}\tsnv\t{ref}\t{alt}\t.\t.\t.\n"
    )
    output = tmp_path / "scores.tsv"
    argv = ["score-variants", "--model", str(folder), "--reference", str(fasta), "--vcf", str(vcf)]
    assert cli.main([*argv, "--output", str(output), "--quiet"]) == 0
    table = pd.read_csv(output, sep="\t")
    assert table["status"].tolist() == ["ok"] and int(table["window_nt"].iloc[0]) == 255
    start = int(table["window_start"].iloc[0]) - 1
    window = locus[start : start + 255]
    offset = position - 1 - start
    altered = window[:offset] + alt + window[offset + 1 :]
    expected = log_likelihood(model, tokenizer(altered)["input_ids"]) - log_likelihood(
        model, tokenizer(window)["input_ids"]
    )
    assert float(table["score"].iloc[0]) == pytest.approx(expected, abs=1e-4) and abs(expected) > 1e-3


def test_benchmark_vep_scores_an_original_folder(originals, tmp_path):
    from hf_genomics import cli

    fasta, locus = _locus(tmp_path)
    rng = np.random.default_rng(5)
    rows = []
    for index in rng.choice(np.arange(300, 600), 6, replace=False):
        for alt in "ACGT":
            if alt != locus[index]:
                rows.append(
                    dict(
                        pos_hg38=1000000 + int(index),
                        ref=locus[index],
                        alt=alt,
                        func_class=rng.choice(["FUNC", "LOF"]),
                    )
                )
    csv = tmp_path / "assay.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    out = tmp_path / "bench"
    argv = ["benchmark", "vep", "--model", str(originals["llama"]), "--variants", str(csv)]
    assert (
        cli.main([*argv, "--reference", str(fasta), "--output", str(out), "--bootstrap", "20", "--quiet"])
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    entry = results["models"][0]
    assert entry["n"] == len(rows) and entry["unscored"] == 0 and 0.0 <= entry["auroc"] <= 1.0
