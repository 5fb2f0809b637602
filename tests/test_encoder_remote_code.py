"""A saved encoder folder loads with ``trust_remote_code=True`` where ``hf_genomics`` cannot be imported."""

from __future__ import annotations

import json

import torch
from safetensors.torch import save_file

from hf_genomics.models.encoder.configuration_dna_encoder import DnaEncoderConfig
from hf_genomics.models.encoder.modeling_dna_encoder import (
    AUTO_MAP,
    DnaEncoderForMaskedLM,
    DnaEncoderForSequenceClassification,
)
from tests.remote_code_child import run_without_hf_genomics

# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
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

    report = run_without_hf_genomics(
        CHILD, [tmp_path / "mlm", tmp_path / "cls", tmp_path / "tensors.safetensors"], tmp_path, timeout=120
    )
    assert not report["hf_genomics_loaded"]
    assert report["config_module"].startswith("transformers_modules")
    for name, cls in (("mlm", "DnaEncoderForMaskedLM"), ("cls", "DnaEncoderForSequenceClassification")):
        assert report[name]["module"].startswith("transformers_modules"), report
        assert report[name]["class"] == cls
        assert report[name]["max_abs_diff"] < 1e-6, report
