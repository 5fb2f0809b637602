"""DNABERT-2 port: parity with the original MosaicBERT code, conversion, tokenizer ids, heads, export.

Reference outputs come from the ORIGINAL implementation (its PyTorch attention path) run once on a tiny
seeded checkpoint: ``tests/fixtures/ports/make_dnabert2_fixtures.py`` documents the source and commit.
"""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

import hf_genomics
from hf_genomics.cli import main as cli_main
from hf_genomics.convert import ConversionError, convert_checkpoint, detect_family
from hf_genomics.convert import dnabert2 as dnabert2_converter
from hf_genomics.models.dnabert2 import (
    Dnabert2Config,
    Dnabert2ForMaskedLM,
    Dnabert2ForSequenceClassification,
    Dnabert2Model,
)
from hf_genomics.models.dnabert2.modeling_dnabert2 import AUTO_MAP
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "dnabert2"
# fp32, same math, different kernels (SDPA/eager vs the original's matmul/softmax, ALiBi slopes computed
# in float32 vs Python floats): measured max differences are 2.1e-6 and below.
ATOL = 1e-5


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / "tiny_outputs.safetensors")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dnabert2")
    convert_checkpoint(FIXTURES / "tiny_mlm", out / "mlm", original_id="zhihan1996/DNABERT-2-117M")
    convert_checkpoint(FIXTURES / "tiny_cls", out / "cls")
    return {"mlm": out / "mlm", "cls": out / "cls"}


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max())


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_encoder_and_mlm_match_the_original(converted, reference, attn):
    ids, mask = reference["input_ids"], reference["attention_mask"]
    model = AutoModel.from_pretrained(converted["mlm"], attn_implementation=attn).eval()
    assert isinstance(model, Dnabert2Model)
    with torch.no_grad():
        hidden = model(ids, attention_mask=mask).last_hidden_state
        typed = model(ids, attention_mask=mask, token_type_ids=reference["token_type_ids"]).last_hidden_state
    assert _max_diff(hidden, reference["last_hidden_state"]) < ATOL  # padded positions: zero in both
    assert _max_diff(typed, reference["last_hidden_state_token_types"]) < ATOL

    mlm = AutoModelForMaskedLM.from_pretrained(converted["mlm"], attn_implementation=attn).eval()
    assert isinstance(mlm, Dnabert2ForMaskedLM)
    assert mlm.lm_head.decoder.weight.data_ptr() == mlm.model.embeddings.word_embeddings.weight.data_ptr()
    with torch.no_grad():
        out = mlm(ids, attention_mask=mask, labels=reference["labels"])
    assert _max_diff(out.logits, reference["mlm_logits"]) < ATOL
    assert abs(float(out.loss) - float(reference["mlm_loss"])) < ATOL


def test_sequence_classifier_matches_the_original(converted, reference):
    ids, mask = reference["input_ids"], reference["attention_mask"]
    model = AutoModelForSequenceClassification.from_pretrained(converted["cls"]).eval()
    assert isinstance(model, Dnabert2ForSequenceClassification)
    assert model.config.num_labels == 3
    with torch.no_grad():
        out = model(ids, attention_mask=mask, labels=torch.tensor([0, 2, 1]))
        hidden = model.model(ids, attention_mask=mask).last_hidden_state
    assert _max_diff(hidden, reference["cls_last_hidden_state"]) < ATOL
    assert _max_diff(model.pooler(hidden), reference["cls_pooled"]) < ATOL
    assert _max_diff(out.logits, reference["cls_logits"]) < ATOL
    assert abs(float(out.loss) - float(reference["cls_loss"])) < ATOL


def test_padding_does_not_change_real_tokens(converted, reference):
    """Each padded row equals the same sequence run alone without a mask (what unpadding guarantees)."""
    model = AutoModel.from_pretrained(converted["mlm"]).eval()
    ids, mask = reference["input_ids"], reference["attention_mask"]
    for row in range(ids.shape[0]):
        n = int(mask[row].sum())
        with torch.no_grad():
            alone = model(ids[row : row + 1, :n]).last_hidden_state[0]
        assert _max_diff(alone, reference["last_hidden_state"][row, :n]) < ATOL


def test_converted_tokenizer_gives_the_original_ids(converted, reference):
    sequences = json.loads(safe_open(FIXTURES / "tiny_outputs.safetensors", "pt").metadata()["sequences"])
    for folder in converted.values():
        tokenizer = AutoTokenizer.from_pretrained(folder)
        batch = tokenizer(sequences, padding=True, return_tensors="pt")
        assert torch.equal(batch["input_ids"], reference["input_ids"])
        assert torch.equal(batch["attention_mask"], reference["attention_mask"])
        assert tokenizer("acgt")["input_ids"] == tokenizer("ACGT")["input_ids"]  # normalised, not [UNK]


def _gue_rows(shared_data: Path, tasks: list[str], rows: int) -> list[str]:
    sequences = []
    for task in tasks:
        with open(shared_data / "gue" / task / "test.csv", newline="") as handle:
            sequences += [row["sequence"] for row in list(csv.DictReader(handle))[:rows]]
    return sequences


@pytest.mark.real_data
@pytest.mark.parametrize("fast_path", [True, False])
def test_real_dnabert2_tokenizer_ids_on_gue(shared_data, fast_path):
    """The real DNABERT-2 tokenizer.json, converted, gives the original tokenizer's ids on real GUE DNA."""
    with safe_open(FIXTURES / "real" / "gue_ids.safetensors", "pt") as handle:
        meta = handle.metadata()
    expected = load_file(FIXTURES / "real" / "gue_ids.safetensors")
    sequences = _gue_rows(shared_data, json.loads(meta["tasks"]), int(meta["rows_per_task"]))
    tokenizer = dnabert2_converter.load_tokenizer(FIXTURES / "real")
    tokenizer.use_fast_path = fast_path
    ids = tokenizer(sequences)["input_ids"]
    assert [len(row) for row in ids] == expected["lengths"].tolist()
    assert [i for row in ids for i in row] == expected["ids"].tolist()
    assert len(tokenizer) == 4096


def test_real_config_maps_every_original_weight_with_its_shape():
    """The real DNABERT-2 config at full size (117M, built on the meta device): every original tensor
    has a native home of the same shape, and nothing native is left without one."""
    original_config = json.loads((FIXTURES / "real" / "config.json").read_text())
    assert dnabert2_converter.matches(original_config)
    shapes = json.loads((FIXTURES / "real" / "original_shapes.json").read_text())
    tokenizer = dnabert2_converter.load_tokenizer(FIXTURES / "real")
    for architecture, model_class in (
        ("BertForMaskedLM", Dnabert2ForMaskedLM),
        ("BertForSequenceClassification", Dnabert2ForSequenceClassification),
    ):
        original = {k: torch.empty(v, device="meta") for k, v in shapes[architecture].items()}
        state = {
            dnabert2_converter.rename_key(k): v
            for k, v in original.items()
            if not k.endswith("decoder.weight")
        }
        assert None not in state
        head = "masked-lm" if architecture == "BertForMaskedLM" else "sequence-classification"
        config = dnabert2_converter.native_config(original_config, state, head, tokenizer)
        assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (768, 12, 4096)
        assert config.pad_token_id == 3 and config.mask_token_id == 4
        with torch.device("meta"):
            model = model_class(config)
        native = {k: list(v.shape) for k, v in model.state_dict().items()}
        if architecture == "BertForMaskedLM":
            native.pop("lm_head.decoder.weight")  # tied to the embeddings, as in the original
        assert native == {k: list(v.shape) for k, v in state.items()}


def test_full_size_parameter_count_equals_the_original():
    """Dnabert2Config() defaults are DNABERT-2-117M's: same unique parameter count as the original."""
    shapes = json.loads((FIXTURES / "real" / "original_shapes.json").read_text())["BertForMaskedLM"]
    original = sum(torch.Size(v).numel() for k, v in shapes.items() if not k.endswith("decoder.weight"))
    with torch.device("meta"):
        model = Dnabert2ForMaskedLM(Dnabert2Config())
    assert sum(p.numel() for p in model.parameters()) == original  # tied decoder counted once
    assert 117e6 < original < 118e6


def test_unknown_architectures_are_refused(tmp_path):
    (tmp_path / "gpt").mkdir()
    (tmp_path / "gpt" / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]})
    )
    with pytest.raises(ConversionError, match="unknown architecture.*gpt2.*DNABERT-2"):
        convert_checkpoint(tmp_path / "gpt", tmp_path / "out")
    plain_bert = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": 69}
    assert not dnabert2_converter.matches(plain_bert)  # DNABERT-1 is transformers' own BERT
    assert (
        detect_family(json.loads((FIXTURES / "tiny_mlm" / "config.json").read_text())).family == "DNABERT-2"
    )


def test_foreign_weights_are_refused(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "config.json").write_text((FIXTURES / "tiny_cls" / "config.json").read_text())
    (folder / "tokenizer.json").write_text((FIXTURES / "tiny_cls" / "tokenizer.json").read_text())
    state = load_file(FIXTURES / "tiny_cls" / "model.safetensors")
    state["bert.encoder.layer.0.attention.self.rotary.inv_freq"] = torch.zeros(2)
    save_file(state, folder / "model.safetensors")
    with pytest.raises(ConversionError, match="unexpected DNABERT-2 weights.*rotary"):
        convert_checkpoint(folder, tmp_path / "out")


def test_cli_converts_and_reports_clear_errors(tmp_path, monkeypatch, capsys):
    assert cli_main(["convert", str(FIXTURES / "tiny_cls"), str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert "Dnabert2ForSequenceClassification" in capsys.readouterr().out

    assert cli_main(["convert", str(tmp_path / "missing"), str(tmp_path / "x")]) == 2
    assert "no such folder" in capsys.readouterr().err

    (tmp_path / "gpt").mkdir()
    (tmp_path / "gpt" / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    assert cli_main(["convert", str(tmp_path / "gpt"), str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "unknown architecture" in err and "gpt2" in err and len(err.strip().splitlines()) == 1

    import huggingface_hub

    def offline(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'.\nCheck your connection.")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    assert cli_main(["convert", "zhihan1996/DNABERT-2-117M", str(tmp_path / "x")]) == 2
    notice, error = capsys.readouterr().err.strip().splitlines()  # a Hub id is said to be downloaded
    assert "downloading it from the Hugging Face Hub" in notice
    assert "zhihan1996/DNABERT-2-117M: could not download" in error


def test_model_card_records_origin_licence_and_parity(converted):
    card = (converted["mlm"] / "README.md").read_text()
    assert "base_model: zhihan1996/DNABERT-2-117M" in card
    assert "license: apache-2.0" in card
    assert "masked-LM head" in card and "Parity with the original implementation: outputs identical" in card
    assert "base_model" not in (converted["cls"] / "README.md").read_text()  # a local folder, no id given


def test_from_pretrained_any_in_memory(reference):
    model, tokenizer = hf_genomics.from_pretrained_any(FIXTURES / "tiny_cls", task="sequence-classification")
    with torch.no_grad():
        logits = model.eval()(reference["input_ids"], attention_mask=reference["attention_mask"]).logits
    assert _max_diff(logits, reference["cls_logits"]) < ATOL
    assert tokenizer.pad_token_id == 3


def test_save_reload_and_gradient_checkpointing(converted, reference, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(converted["cls"])
    model.save_pretrained(tmp_path / "again")
    again = AutoModelForSequenceClassification.from_pretrained(tmp_path / "again")
    ids, mask, labels = reference["input_ids"], reference["attention_mask"], torch.tensor([0, 2, 1])
    model.eval(), again.eval()
    with torch.no_grad():
        assert torch.equal(model(ids, attention_mask=mask).logits, again(ids, attention_mask=mask).logits)
    torch.testing.assert_close(again.model.alibi.slopes, model.model.alibi.slopes)  # refilled after meta init

    losses = []
    for checkpointing in (False, True):
        trained = AutoModelForSequenceClassification.from_pretrained(converted["cls"])
        trained.config.hidden_dropout_prob = 0.0
        if checkpointing:
            trained.activation_checkpointing_enable()
        trained.train()
        for module in trained.modules():  # deterministic comparison
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        loss = trained(ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        losses.append((loss.item(), trained.model.layers[0].attention.qkv.weight.grad.clone()))
    assert losses[0][0] == pytest.approx(losses[1][0], abs=1e-6)
    torch.testing.assert_close(losses[0][1], losses[1][1], atol=1e-6, rtol=1e-5)


def test_pipelines(converted, reference):
    fill = pipeline("fill-mask", model=str(converted["mlm"]), top_k=3)
    results = fill("ACGTTGCA[MASK]GGCTTACC")
    assert len(results) == 3 and all(r["token_str"] for r in results)
    features = pipeline("feature-extraction", model=str(converted["mlm"]), return_tensors=True)
    sequence = "TTTTAAAACCCCGGGGATAT"
    out = features(sequence)[0]
    model = AutoModel.from_pretrained(converted["mlm"]).eval()
    ids = AutoTokenizer.from_pretrained(converted["mlm"])(sequence, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert _max_diff(out, model(ids).last_hidden_state[0]) < 1e-6


def test_lora_targets(converted, reference):
    from peft import LoraConfig, get_peft_model

    model = AutoModelForSequenceClassification.from_pretrained(converted["cls"])
    lora = LoraConfig(
        task_type="SEQ_CLS",
        r=4,
        target_modules=["qkv", "out_proj", "gate_up_proj", "down_proj"],
        modules_to_save=["classifier", "pooler"],
    )
    peft_model = get_peft_model(model, lora)
    trainable = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or "classifier" in n or "pooler" in n for n in trainable)
    assert sum("lora_A" in n for n in trainable) == 4 * model.config.num_hidden_layers
    out = peft_model(
        reference["input_ids"], attention_mask=reference["attention_mask"], labels=torch.tensor([0, 2, 1])
    )
    out.loss.backward()


# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer

mlm_dir, cls_dir, tensors, sequences = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
t = load_file(tensors)
ids, mask = t["input_ids"], t["attention_mask"]
report = {}
with torch.no_grad():
    base = AutoModel.from_pretrained(mlm_dir, trust_remote_code=True).eval()
    report["hidden"] = float((base(ids, attention_mask=mask).last_hidden_state - t["last_hidden_state"]).abs().max())
    mlm = AutoModelForMaskedLM.from_pretrained(mlm_dir, trust_remote_code=True).eval()
    report["mlm"] = float((mlm(ids, attention_mask=mask).logits - t["mlm_logits"]).abs().max())
    cls = AutoModelForSequenceClassification.from_pretrained(cls_dir, trust_remote_code=True).eval()
    report["cls"] = float((cls(ids, attention_mask=mask).logits - t["cls_logits"]).abs().max())
tokenizer = AutoTokenizer.from_pretrained(cls_dir, trust_remote_code=True)
report["ids_equal"] = tokenizer(sequences, padding=True, return_tensors="pt")["input_ids"].tolist() == ids.tolist()
report["modules"] = [type(m).__module__ for m in (base, mlm, cls, tokenizer)]
report["hf_genomics_loaded"] = any(m.startswith("hf_genomics") for m in sys.modules)
print(json.dumps(report))
"""


def test_converted_folder_loads_as_remote_code_without_hf_genomics(converted, tmp_path):
    config = json.loads((converted["mlm"] / "config.json").read_text())
    assert config["auto_map"] == AUTO_MAP and config["model_type"] == "dnabert2"
    sequences = safe_open(FIXTURES / "tiny_outputs.safetensors", "pt").metadata()["sequences"]
    report = run_without_hf_genomics(
        CHILD,
        [converted["mlm"], converted["cls"], FIXTURES / "tiny_outputs.safetensors", sequences],
        tmp_path,
    )
    assert not report["hf_genomics_loaded"]
    assert all(m.startswith("transformers_modules") for m in report["modules"]), report
    assert report["ids_equal"]
    assert max(report["hidden"], report["mlm"], report["cls"]) < ATOL, report


def test_auto_config_is_registered():
    assert AutoConfig.for_model("dnabert2").__class__ is Dnabert2Config


@given(st.lists(st.text(alphabet="ACGTN", min_size=0, max_size=300), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_real_tokenizer_equals_the_tokenizers_library_on_random_dna(sequences):
    """Property: the converted tokenizer's ids are the raw tokenizer.json's (Rust ``tokenizers``, the
    engine under the original PreTrainedTokenizerFast), N included ([UNK], as the original)."""
    raw = _raw_real_tokenizer()
    expected = [encoding.ids for encoding in raw.encode_batch(sequences)]
    tokenizer = _converted_real_tokenizer()
    assert tokenizer(sequences)["input_ids"] == expected
    assert tokenizer([s.lower() for s in sequences])["input_ids"] == expected  # normalised first


@functools.cache
def _raw_real_tokenizer():
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(FIXTURES / "real" / "tokenizer.json"))
    raw.no_padding()
    raw.no_truncation()
    return raw


@functools.cache
def _converted_real_tokenizer():
    return dnabert2_converter.load_tokenizer(FIXTURES / "real")


def test_bare_encoder_checkpoint_like_dnabert_s(tmp_path, reference):
    """DNABERT-S ships a bare ``BertModel`` (no ``bert.`` prefix, maybe a pooler, no head)."""
    folder = tmp_path / "dnabert_s_like"
    folder.mkdir()
    config = json.loads((FIXTURES / "tiny_mlm" / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "architectures": ["BertModel"]}))
    (folder / "tokenizer.json").write_text((FIXTURES / "tiny_mlm" / "tokenizer.json").read_text())
    state = torch.load(FIXTURES / "tiny_mlm" / "pytorch_model.bin", weights_only=True)
    bare = {k.removeprefix("bert."): v for k, v in state.items() if k.startswith("bert.")}
    bare["pooler.dense.weight"], bare["pooler.dense.bias"] = torch.zeros(24, 24), torch.zeros(24)
    save_file(bare, folder / "model.safetensors")
    converted = convert_checkpoint(folder, tmp_path / "out")
    assert isinstance(converted.model, Dnabert2Model)
    assert any("no head" in note for note in converted.notes)
    model = AutoModel.from_pretrained(tmp_path / "out").eval()
    with torch.no_grad():
        hidden = model(reference["input_ids"], attention_mask=reference["attention_mask"]).last_hidden_state
    assert _max_diff(hidden, reference["last_hidden_state"]) < ATOL
