"""Original Caduceus and HyenaDNA -hf folders load natively after ``import hf_genomics`` (issue #19).

The folders under tests/fixtures/ports/{caduceus,hyenadna/hf*} ARE original layouts: ``config.json``
as the originals' own ``save_pretrained`` writes it (mamba-ssm names, a string-keyed complement map,
the original ``auto_map``) and weights under the original names, with the outputs of the original
code on the same inputs (make_caduceus_fixtures.py / make_hyenadna_fixtures.py). Here they go
through the Auto classes with no conversion and must give those outputs. ``.bin`` variants store the
tied tensors twice, as ``torch.save`` of the original model does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
)

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
from tests.test_port_caduceus import REAL_PS_CONFIG as PUBLISHED_PS_131K  # the published ps-131k config

PORTS = Path(__file__).parent / "fixtures" / "ports"
CADUCEUS = PORTS / "caduceus"
HYENADNA = PORTS / "hyenadna"
CADUCEUS_HEADS = {
    "ph_mlm": AutoModelForMaskedLM,
    "ps_mlm": AutoModelForMaskedLM,
    "ps_mlm_unfused": AutoModelForMaskedLM,
    "ps_seqcls": AutoModelForSequenceClassification,
    "ph_seqcls_conjoin": AutoModelForSequenceClassification,
}


def caduceus_logits(model, name: str, outputs: dict) -> torch.Tensor:
    ids = outputs["input_ids"]
    if name == "ph_seqcls_conjoin":  # the original was called with its stacked (forward, rc) ids
        ids = torch.stack([ids, outputs["rc_input_ids"]], dim=-1)
    with torch.no_grad():
        return model(input_ids=ids).logits


@pytest.mark.parametrize("name", sorted(CADUCEUS_HEADS))
def test_original_caduceus_folder_loads_natively_with_the_originals_outputs(name):
    outputs = load_file(CADUCEUS / name / "outputs.safetensors")
    model = CADUCEUS_HEADS[name].from_pretrained(CADUCEUS / name)
    assert type(model).__module__.startswith("hf_genomics.")
    torch.testing.assert_close(caduceus_logits(model, name, outputs), outputs["logits"], atol=1e-5, rtol=1e-4)
    base = AutoModel.from_pretrained(CADUCEUS / name)
    with torch.no_grad():
        hidden = base(input_ids=outputs["input_ids"]).last_hidden_state
    torch.testing.assert_close(hidden, outputs["last_hidden_state"], atol=1e-5, rtol=1e-4)


def test_published_caduceus_config_is_read_as_is():
    config = CaduceusConfig.from_dict(json.loads(json.dumps(PUBLISHED_PS_131K)))
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (256, 16, 16)
    assert config.rcps and config.fused_add_norm and not config.residual_in_fp32
    assert config.complement_map == [0, 1, 2, 3, 4, 5, 6, 10, 9, 8, 7, 11, 12, 13, 14, 15]
    assert (config.state_size, config.conv_kernel, config.expand, config.dt_rank) == (16, 4, 2, 16)
    assert not config.conjoin_eval  # the original evaluates -ph models without RC averaging unless asked
    assert getattr(config, "auto_map", None) is None  # the original's remote code cannot read our fields
    assert "d_model" not in config.to_dict() and "ssm_cfg" not in config.to_dict()


def test_caduceus_vocabulary_is_padded_and_complement_extended_as_the_original():
    config = CaduceusConfig.from_dict(
        {**PUBLISHED_PS_131K, "vocab_size": 12, "complement_map": {"7": 10, "10": 7}}
    )
    assert config.vocab_size == 16
    assert config.complement_map == [0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 7, 11, 12, 13, 14, 15]


def test_mamba2_caduceus_is_refused_in_one_line_naming_convert():
    with pytest.raises(ValueError, match="hf-genomics convert") as error:
        CaduceusConfig.from_dict(
            {**PUBLISHED_PS_131K, "ssm_cfg": {**PUBLISHED_PS_131K["ssm_cfg"], "layer": "Mamba2"}}
        )
    assert "\n" not in str(error.value)


def _bin_copy_with_tied_duplicates(source: Path, target: Path) -> None:
    """What ``torch.save(model.state_dict())`` of the original writes: shared tensors under every name."""
    shutil.copy(source / "config.json", target / "config.json")
    with safe_open(source / "model.safetensors", "pt") as handle:
        aliases = {key: value for key, value in handle.metadata().items() if key != "format"}
        state = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 (not a dict)
    for alias, stored in aliases.items():
        state[alias] = state[stored]
    torch.save(state, target / "pytorch_model.bin")


@pytest.mark.parametrize("name", ["ph_mlm", "ps_mlm"])
def test_original_caduceus_bin_with_tied_copies_loads(tmp_path, name):
    _bin_copy_with_tied_duplicates(CADUCEUS / name, tmp_path)
    outputs = load_file(CADUCEUS / name / "outputs.safetensors")
    model = AutoModelForMaskedLM.from_pretrained(tmp_path)
    torch.testing.assert_close(caduceus_logits(model, name, outputs), outputs["logits"], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", ["ps_mlm", "ph_seqcls_conjoin"])
def test_natively_loaded_original_saves_a_native_folder(tmp_path, name):
    model = CADUCEUS_HEADS[name].from_pretrained(CADUCEUS / name)
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert "hidden_size" in saved and "d_model" not in saved
    assert saved["auto_map"]["AutoModel"] == "modeling_caduceus.CaduceusModel"  # ours, exported beside it
    with safe_open(tmp_path / "model.safetensors", "pt") as handle:
        assert all(key.startswith(("model.", "lm_head.decoder", "score")) for key in handle.keys())  # noqa: SIM118
    outputs = load_file(CADUCEUS / name / "outputs.safetensors")
    reloaded = CADUCEUS_HEADS[name].from_pretrained(tmp_path)
    torch.testing.assert_close(
        caduceus_logits(reloaded, name, outputs), caduceus_logits(model, name, outputs)
    )


def test_trust_remote_code_on_an_original_folder_still_loads(tmp_path):
    """The original's code files next to its config: with ``trust_remote_code=True`` the load neither
    breaks nor changes the outputs (transformers 5 prefers a registered local class, ours)."""
    folder = tmp_path / "caduceus"
    shutil.copytree(CADUCEUS / "ph_mlm", folder)
    (folder / "configuration_caduceus.py").write_text(
        "from transformers import PretrainedConfig\n\n\nclass CaduceusConfig(PretrainedConfig):\n"
        '    model_type = "caduceus"\n'
    )
    (folder / "modeling_caduceus.py").write_text("raise ImportError('needs mamba_ssm and CUDA')\n")
    outputs = load_file(CADUCEUS / "ph_mlm" / "outputs.safetensors")
    model = AutoModelForMaskedLM.from_pretrained(folder, trust_remote_code=True)
    torch.testing.assert_close(
        caduceus_logits(model, "ph_mlm", outputs), outputs["logits"], atol=1e-5, rtol=1e-4
    )


# ----------------------------------------------------------------------------------------------
# HyenaDNA -hf
# ----------------------------------------------------------------------------------------------


def test_original_hyenadna_hf_folders_load_natively_with_the_originals_outputs():
    outputs = load_file(HYENADNA / "outputs.safetensors")
    lm = AutoModelForCausalLM.from_pretrained(HYENADNA / "hf")
    classifier = AutoModelForSequenceClassification.from_pretrained(HYENADNA / "hf-cls")
    base = AutoModel.from_pretrained(HYENADNA / "hf")
    with torch.no_grad():
        torch.testing.assert_close(
            lm(input_ids=outputs["ids"]).logits, outputs["hf.logits"], atol=1e-5, rtol=1e-4
        )
        padded = lm(input_ids=outputs["padded_ids"]).logits  # no mask: the original's own left-padding path
        torch.testing.assert_close(padded, outputs["hf.padded_logits"], atol=1e-5, rtol=1e-4)
        cls = classifier(input_ids=outputs["ids"]).logits
        torch.testing.assert_close(cls, outputs["hf.cls_logits"], atol=1e-5, rtol=1e-4)
        hidden = base(input_ids=outputs["ids"]).last_hidden_state
        torch.testing.assert_close(hidden, outputs["hf.last_hidden"], atol=1e-5, rtol=1e-4)
    assert getattr(lm.config, "auto_map", None) in (None, {}) or "modeling_hyena" not in str(
        lm.config.auto_map
    )


def test_original_hyenadna_hf_bin_with_every_sine_copy_loads(tmp_path):
    shutil.copy(HYENADNA / "hf" / "config.json", tmp_path / "config.json")
    state = load_file(HYENADNA / "hf" / "model.safetensors")
    for key in [key for key in state if key.endswith("implicit_filter.1.freq")]:
        for index in (3, 5):  # one Sin module, stored once per position in the Sequential
            state[key.replace(".1.freq", f".{index}.freq")] = state[key]
    torch.save(state, tmp_path / "pytorch_model.bin")
    outputs = load_file(HYENADNA / "outputs.safetensors")
    lm = AutoModelForCausalLM.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(
            lm(input_ids=outputs["ids"]).logits, outputs["hf.logits"], atol=1e-5, rtol=1e-4
        )


def test_non_hf_hyenadna_release_with_model_type_is_refused_in_one_line(tmp_path):
    config = json.loads((HYENADNA / "original" / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "model_type": "hyenadna"}))
    with pytest.raises(ValueError, match="hf-genomics convert") as error:
        AutoConfig.from_pretrained(tmp_path)
    assert "\n" not in str(error.value)


# the tokenizer_config.json the Caduceus repositories publish (kuleshov-group/caduceus-ps_seqlen-131k_...)
PUBLISHED_TOKENIZER_CONFIG = {
    "add_prefix_space": False,
    "added_tokens_decoder": {
        str(index): {
            "content": content,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for index, content in [
            (0, "[CLS]"),
            (1, "[SEP]"),
            (2, "[BOS]"),
            (3, "[MASK]"),
            (4, "[PAD]"),
            (6, "[UNK]"),
        ]
    },
    "auto_map": {"AutoTokenizer": ["tokenization_caduceus.CaduceusTokenizer", None]},
    "bos_token": "[BOS]",
    "clean_up_tokenization_spaces": True,
    "cls_token": "[CLS]",
    "eos_token": "[SEP]",
    "mask_token": "[MASK]",
    "model_max_length": 131072,
    "pad_token": "[PAD]",
    "padding_side": "left",
    "sep_token": "[SEP]",
    "tokenizer_class": "CaduceusTokenizer",
    "unk_token": "[UNK]",
}


def test_original_caduceus_tokenizer_config_loads_natively_with_the_originals_ids(tmp_path):
    from transformers import AutoTokenizer

    shutil.copy(CADUCEUS / "ph_mlm" / "config.json", tmp_path / "config.json")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(PUBLISHED_TOKENIZER_CONFIG))
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    record = json.loads((CADUCEUS / "tokenizer_ids.json").read_text())  # the original tokenizer's ids
    assert tokenizer(record["edge_texts"])["input_ids"] == record["edge_input_ids"]
    assert tokenizer(record["edge_texts"][:3], padding=True)["input_ids"] == record["padded_input_ids"]


# the tokenizer_config.json the HyenaDNA -hf repositories publish (LongSafari/hyenadna-*-seqlen-hf)
PUBLISHED_HYENADNA_TOKENIZER_CONFIG = {
    "add_special_tokens": False,
    "auto_map": {"AutoTokenizer": ["tokenization_hyena.CharacterTokenizer", None]},
    "characters": ["A", "C", "G", "T", "N"],
    "model_max_length": 1026,
    "padding_side": "left",
    "tokenizer_class": "CharacterTokenizer",
}


def _original_hyenadna_ids() -> tuple[list[str], list[list[int]], list[list[int]], list[list[int]]]:
    """Texts, the -hf tokenizer's ids, and its left-padded ids and mask, from the original's fixtures.

    The fixtures hold the standalone tokenizer's ``[CLS] x [SEP]`` ids; the -hf tokenizer is the same
    without ``[CLS]`` (make_hyenadna_fixtures.py), so dropping id 0 gives its ids.
    """
    recorded = load_file(HYENADNA / "tokenizer_ids.safetensors")
    letters = "ACGTN"
    texts, expected = [], []
    for row in recorded["tf0.hf"][:8].tolist():
        texts.append("".join(letters[i - 7] for i in row[:-1]))
        expected.append(row)
    padded, mask = [], []
    for ids, attention in zip(
        recorded["padded.input_ids"].tolist(), recorded["padded.attention_mask"].tolist()
    ):
        keep = [index for index, token in enumerate(ids) if token != 0]
        padded.append([ids[index] for index in keep])
        mask.append([attention[index] for index in keep])
    return texts, expected, padded, mask


def test_original_hyenadna_hf_tokenizer_config_loads_natively_with_the_originals_ids(tmp_path):
    from transformers import AutoTokenizer

    from hf_genomics.models.hyenadna.tokenization_hyenadna import HyenaDnaTokenizer

    shutil.copy(HYENADNA / "hf" / "config.json", tmp_path / "config.json")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(PUBLISHED_HYENADNA_TOKENIZER_CONFIG))
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert isinstance(tokenizer, HyenaDnaTokenizer) and not tokenizer.add_cls
    texts, expected, padded, mask = _original_hyenadna_ids()
    assert tokenizer(texts)["input_ids"] == expected
    recorded = load_file(HYENADNA / "tokenizer_ids.safetensors")
    # the padded batch mixes 70 nt and 101 nt rows: tokenise the texts behind the recorded rows
    batch = ["".join("ACGTN"[i - 7] for i in row if i >= 7) for row in recorded["padded.input_ids"].tolist()]
    encoded = tokenizer(batch, padding=True)
    assert encoded["input_ids"] == padded and encoded["attention_mask"] == mask
    # saving gives a native folder that reloads with the same ids
    tokenizer.save_pretrained(tmp_path / "native")
    saved = json.loads((tmp_path / "native" / "tokenizer_config.json").read_text())
    assert saved["tokenizer_class"] == "HyenaDnaTokenizer" and "characters" not in saved
    assert AutoTokenizer.from_pretrained(tmp_path / "native")(texts)["input_ids"] == expected


def test_character_tokenizer_name_of_another_model_is_not_taken_for_hyenadna(tmp_path):
    """A non-HyenaDNA folder naming ``CharacterTokenizer`` gets no HyenaDNA tokenizer: one line instead
    of transformers' crash on its unrelated class of that name."""
    from transformers import AutoTokenizer

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 8}))
    config = {key: value for key, value in PUBLISHED_HYENADNA_TOKENIZER_CONFIG.items() if key != "auto_map"}
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="trust_remote_code=True") as error:
        AutoTokenizer.from_pretrained(tmp_path)
    assert "\n" not in str(error.value)


def test_trust_remote_code_on_an_original_hyenadna_tokenizer_runs_its_own_code(tmp_path):
    from transformers import AutoTokenizer

    shutil.copy(HYENADNA / "hf" / "config.json", tmp_path / "config.json")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(PUBLISHED_HYENADNA_TOKENIZER_CONFIG))
    (tmp_path / "tokenization_hyena.py").write_text(
        "class CharacterTokenizer:\n"
        "    @classmethod\n"
        "    def register_for_auto_class(cls, auto_class='AutoTokenizer'):\n"
        "        pass\n\n"
        "    @classmethod\n"
        "    def from_pretrained(cls, *args, **kwargs):\n"
        "        return 'the original code ran'\n"
    )
    assert AutoTokenizer.from_pretrained(tmp_path, trust_remote_code=True) == "the original code ran"
