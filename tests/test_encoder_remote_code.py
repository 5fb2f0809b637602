"""A saved encoder folder loads with ``trust_remote_code=True`` where ``hf_genomics`` cannot be imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import torch
from safetensors.torch import save_file

from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import (
    AUTO_MAP,
    DnaEncoderForMaskedLM,
    DnaEncoderForSequenceClassification,
)

# Runs in a fresh interpreter: any attempt to import hf_genomics fails loudly.
CHILD = textwrap.dedent(
    """
    import importlib.abc, json, sys

    class BlockHfGenomics(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "hf_genomics" or name.startswith("hf_genomics."):
                raise ImportError(f"blocked import of {name}")
            return None

    sys.meta_path.insert(0, BlockHfGenomics())
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForMaskedLM, AutoModelForSequenceClassification

    mlm_dir, cls_dir, tensors = sys.argv[1:4]
    t = load_file(tensors)
    report = {}
    config = AutoConfig.from_pretrained(mlm_dir, trust_remote_code=True)
    report["config_module"] = type(config).__module__
    for name, folder, auto in (("mlm", mlm_dir, AutoModelForMaskedLM), ("cls", cls_dir, AutoModelForSequenceClassification)):
        model = auto.from_pretrained(folder, trust_remote_code=True).eval()
        with torch.no_grad():
            logits = model(input_ids=t["ids"], attention_mask=t["mask"]).logits
        report[name] = {
            "module": type(model).__module__,
            "class": type(model).__name__,
            "max_abs_diff": float((logits - t[name]).abs().max()),
        }
    report["hf_genomics_loaded"] = any(m.startswith("hf_genomics") for m in sys.modules)
    print(json.dumps(report))
    """
)


def test_folder_loads_as_remote_code_without_hf_genomics(tmp_path):
    torch.manual_seed(0)
    cfg = dict(vocab_size=64, num_attention_heads=4, position_embedding_type="alibi")
    mlm = DnaEncoderForMaskedLM(DnaEncoderConfig.from_preset("tiny", **cfg)).eval()
    classifier = DnaEncoderForSequenceClassification(
        DnaEncoderConfig.from_preset("tiny", **{**cfg, "position_embedding_type": "rope"}, num_labels=3)
    ).eval()
    mlm.save_pretrained(tmp_path / "mlm")
    classifier.save_pretrained(tmp_path / "cls")

    saved = json.loads((tmp_path / "mlm" / "config.json").read_text())
    assert saved["auto_map"] == AUTO_MAP
    assert (tmp_path / "mlm" / "modeling_dna_encoder.py").exists()
    assert (tmp_path / "mlm" / "configuration_dna_encoder.py").exists()

    ids = torch.randint(5, 64, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    with torch.no_grad():
        tensors = {
            "ids": ids,
            "mask": mask,
            "mlm": mlm(input_ids=ids, attention_mask=mask).logits,
            "cls": classifier(input_ids=ids, attention_mask=mask).logits,
        }
    save_file(tensors, tmp_path / "tensors.safetensors")

    env = {**os.environ, "HF_MODULES_CACHE": str(tmp_path / "modules"), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path / "mlm"),
            str(tmp_path / "cls"),
            str(tmp_path / "tensors.safetensors"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert not report["hf_genomics_loaded"]
    assert report["config_module"].startswith("transformers_modules")
    for name, cls in (("mlm", "DnaEncoderForMaskedLM"), ("cls", "DnaEncoderForSequenceClassification")):
        assert report[name]["module"].startswith("transformers_modules"), report
        assert report[name]["class"] == cls
        assert report[name]["max_abs_diff"] < 1e-6, report
