"""``import hf_genomics`` is light (no torch, no transformers) yet the Auto classes know our types,
whatever the import order. Each case runs in a fresh interpreter (import state is the subject)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import DnaEncoderForMaskedLM
from hf_genomics.models.lstm.configuration_dna_lstm import DnaLstmConfig
from hf_genomics.models.lstm.modeling_dna_lstm import DnaLstmForCausalLM
from hf_genomics.tokenization.kmer import KmerTokenizer

LOAD = textwrap.dedent(
    """
    import json, sys
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer
    encoder, lstm, tokenizer = sys.argv[1:4]
    loaded = {
        "mlm": AutoModelForMaskedLM.from_pretrained(encoder),
        "encoder_base": AutoModel.from_pretrained(encoder),
        "clm": AutoModelForCausalLM.from_pretrained(lstm),
        "lstm_base": AutoModel.from_pretrained(lstm),
        "tokenizer": AutoTokenizer.from_pretrained(tokenizer),
    }
    ids = loaded["tokenizer"](["ACGTACGTA"], return_tensors="pt")["input_ids"]
    assert loaded["mlm"](input_ids=ids).logits.shape[-1] == loaded["mlm"].config.vocab_size
    print(json.dumps({name: type(obj).__module__ + "." + type(obj).__name__ for name, obj in loaded.items()}))
    """
)

ORDERS = {
    "hf_genomics first": "import hf_genomics\n",
    "transformers first": "import transformers.modeling_layers, transformers.models.auto\nimport hf_genomics\n",
    "modeling file first": "import hf_genomics.models.encoder.modeling_dna_encoder\n",
    "tokenizer first": "from hf_genomics.tokenization.kmer import KmerTokenizer\nKmerTokenizer(k=3)\n",
}


def run_child(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_is_light():
    result = run_child(
        "import sys, hf_genomics\n"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers', 'datasets', 'numpy') if m in sys.modules]\n"
        "print(heavy)"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("auto")
    torch.manual_seed(0)
    tokenizer = KmerTokenizer(k=3)
    encoder = DnaEncoderForMaskedLM(DnaEncoderConfig.from_preset("tiny", vocab_size=len(tokenizer)))
    encoder.save_pretrained(root / "encoder")
    DnaLstmForCausalLM(DnaLstmConfig.from_preset("tiny", vocab_size=12)).save_pretrained(root / "lstm")
    tokenizer.save_pretrained(root / "tokenizer")
    return [str(root / name) for name in ("encoder", "lstm", "tokenizer")]


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_auto_classes_resolve_natively_in_any_import_order(order, folders):
    """The folders also carry ``auto_map``: without our registration, loading would demand
    ``trust_remote_code`` and fail; with it, the classes are ours, not remote code."""
    result = run_child(ORDERS[order] + LOAD, *folders)
    assert result.returncode == 0, result.stderr[-3000:]
    classes = json.loads(result.stdout.strip().splitlines()[-1])
    assert classes == {
        "mlm": "hf_genomics.models.encoder.modeling_dna_encoder.DnaEncoderForMaskedLM",
        "encoder_base": "hf_genomics.models.encoder.modeling_dna_encoder.DnaEncoderModel",
        "clm": "hf_genomics.models.lstm.modeling_dna_lstm.DnaLstmForCausalLM",
        "lstm_base": "hf_genomics.models.lstm.modeling_dna_lstm.DnaLstmModel",
        "tokenizer": "hf_genomics.tokenization.kmer.KmerTokenizer",
    }
