"""GENA-LM port: parity with the original modeling_bert.py, real configs and tokenizer, refusals,
remote code, pipelines and LoRA.

Fixtures come from ``tests/fixtures/ports/make_gena_lm_fixtures.py`` (the original code run once).
"""

from __future__ import annotations

import csv
import json
import lzma
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    pipeline,
)

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint
from hf_genomics.convert.gena_lm import native_config
from hf_genomics.models.gena_lm.modeling_gena_lm import AUTO_MAP, GenaLmForMaskedLM, GenaLmModel
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "gena_lm"
CHECKPOINTS = {
    "mlm_preln": AutoModelForMaskedLM,
    "mlm_preln_lastln": AutoModelForMaskedLM,
    "seqcls_preln_lastln": AutoModelForSequenceClassification,
    "tokcls_preln": AutoModelForTokenClassification,
}


def original_folder(tmp_path: Path, name: str) -> Path:
    """A folder in the original Hub layout: config.json, pytorch_model.bin, tokenizer.json."""
    folder = tmp_path / f"original-{name}"
    folder.mkdir()
    for file in ("config.json", "pytorch_model.bin"):
        shutil.copy(FIXTURES / name / file, folder / file)
    (folder / "tokenizer.json").write_bytes(lzma.decompress((FIXTURES / "tokenizer.json.xz").read_bytes()))
    return folder


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    tmp_path = tmp_path_factory.mktemp("gena")
    folders = {}
    for name in CHECKPOINTS:
        folders[name] = tmp_path / f"native-{name}"
        convert_checkpoint(original_folder(tmp_path, name), folders[name])
    return folders


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("name", list(CHECKPOINTS))
def test_converted_model_matches_the_original(converted, name, attn_implementation):
    expected = load_file(FIXTURES / name / "outputs.safetensors")
    model = CHECKPOINTS[name].from_pretrained(converted[name], attn_implementation=attn_implementation).eval()
    with torch.no_grad():
        out = model(
            input_ids=expected["input_ids"],
            attention_mask=expected["attention_mask"],
            output_hidden_states=True,
        )
    assert (out.logits - expected["logits"]).abs().max() < 1e-5
    assert (out.hidden_states[-1] - expected["last_hidden_state"]).abs().max() < 1e-5
    base = AutoModel.from_pretrained(converted[name]).eval()
    with torch.no_grad():
        hidden = base(
            input_ids=expected["input_ids"], attention_mask=expected["attention_mask"]
        ).last_hidden_state
    assert (hidden - expected["last_hidden_state"]).abs().max() < 1e-5


def test_converted_folder_is_native_and_reloads_identically(converted, tmp_path):
    config = json.loads((converted["mlm_preln_lastln"] / "config.json").read_text())
    assert config["model_type"] == "gena_lm" and config["auto_map"] == AUTO_MAP
    assert config["pre_layer_norm"] is True and config["last_layer_norm"] is True
    assert (converted["mlm_preln_lastln"] / "model.safetensors").exists()
    card = (converted["mlm_preln_lastln"] / "README.md").read_text()
    assert "license: mit" in card and "GENA-LM" in card
    model = GenaLmForMaskedLM.from_pretrained(converted["mlm_preln_lastln"]).eval()
    assert model.lm_head.decoder.weight is model.model.embeddings.word_embeddings.weight
    model.save_pretrained(tmp_path / "again")
    again = GenaLmForMaskedLM.from_pretrained(tmp_path / "again").eval()
    ids = torch.randint(5, 64, (3, 10))
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, again(input_ids=ids).logits)


def test_sparse_variants_are_refused(tmp_path):
    for name in (
        "L12-H768-A12-V32k-L4096-preln-lastln-sparse-ln1e-05",
        "L12-H768-A12-V32k-L4096-preln-sparse-rope",
    ):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(FIXTURES / "real_configs" / f"{name}.json", folder / "config.json")
        with pytest.raises(ConversionError, match="sparse-attention variant.*BigBirdSparsityConfig"):
            convert_checkpoint(folder, tmp_path / f"out-{name}")


def test_unknown_architecture_is_refused(tmp_path):
    folder = tmp_path / "bigbird"
    folder.mkdir()
    shutil.copy(FIXTURES / "real_configs" / "hf_bigbird_L12-H768-A12-V32k-L4096.json", folder / "config.json")
    with pytest.raises(ConversionError, match="unknown architecture.*big_bird"):
        convert_checkpoint(folder, tmp_path / "out")


def bert_mlm_parameter_count(
    vocab: int, hidden: int, layers: int, ffn: int, positions: int, final_norm: bool
) -> int:
    """BERT-MLM parameters by hand (tied decoder, no pooler); pre-LN has the same count as post-LN."""
    embeddings = (vocab + positions + 2) * hidden + 2 * hidden
    layer = 4 * (hidden * hidden + hidden) + 2 * hidden * ffn + ffn + hidden + 4 * hidden
    head = hidden * hidden + hidden + 2 * hidden + vocab
    return embeddings + layers * layer + head + (2 * hidden if final_norm else 0)


@pytest.mark.parametrize(
    ("name", "layers", "hidden", "final_norm", "eps", "params_millions"),
    [
        ("L12-H768-A12-V32k-preln", 12, 768, False, 1e-12, 110),  # gena-lm-bert-base-t2t
        ("L12-H768-A12-V32k-preln-lastln", 12, 768, True, 1e-12, 110),  # gena-lm-bert-base-lastln-t2t
        ("L24-H1024-A16-V32k-preln-lastln", 24, 1024, True, 1e-5, 336),  # gena-lm-bert-large-t2t
    ],
)
def test_real_configs_build_the_published_shapes(name, layers, hidden, final_norm, eps, params_millions):
    original = json.loads((FIXTURES / "real_configs" / f"{name}.json").read_text())
    config = native_config(original)
    assert (config.num_hidden_layers, config.hidden_size, config.vocab_size) == (layers, hidden, 32000)
    assert config.pre_layer_norm and config.last_layer_norm is final_norm and config.layer_norm_eps == eps
    assert config.pad_token_id == 3 and config.max_position_embeddings == 512
    with torch.device("meta"):
        model = GenaLmForMaskedLM(config)
    count = sum(p.numel() for p in model.parameters())
    ffn = config.intermediate_size
    assert count == bert_mlm_parameter_count(32000, hidden, layers, ffn, 512, final_norm)
    assert round(count / 1e6) in (params_millions, params_millions + 1)  # the paper's 110M / 336M
    assert (model.model.final_norm is not None) is final_norm
    # the same config at tiny scale runs
    tiny = native_config(
        {
            **original,
            "hidden_size": 32,
            "num_attention_heads": 4,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "vocab_size": 64,
        }
    )
    out = GenaLmModel(tiny).eval()(input_ids=torch.randint(5, 64, (1, 7)))
    assert out.last_hidden_state.shape == (1, 7, 32) and out.pooler_output.shape == (1, 32)


def _real_tokenizer(tmp_path: Path):
    folder = original_folder(tmp_path, "mlm_preln")
    from hf_genomics.convert.gena_lm import load_tokenizer

    return load_tokenizer(folder)


def test_tokenizer_edge_cases_match_the_original(tmp_path):
    record = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    tokenizer = _real_tokenizer(tmp_path)
    assert tokenizer(record["edge_texts"])["input_ids"] == record["edge_input_ids"]
    padded = tokenizer(record["edge_texts"][:3], padding=True)
    assert padded["input_ids"] == record["padded_input_ids"]
    assert padded["attention_mask"] == record["padded_attention_mask"]
    for token, index in record["special_ids"].items():
        assert tokenizer.convert_tokens_to_ids(token) == index
    # the package's normalisation in front: soft-masked input gives the upper-case ids, not [UNK]
    lower = [text.lower() for text in record["edge_texts"]]
    assert tokenizer(lower)["input_ids"] == record["edge_input_ids"]


@pytest.mark.real_data
def test_tokenizer_matches_the_original_on_real_gue(tmp_path, shared_data):
    record = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    texts = []
    for task in record["gue_tasks"]:
        with open(shared_data / "gue" / task / "test.csv", newline="") as handle:
            texts += [row["sequence"] for row in list(csv.DictReader(handle))[: record["gue_rows_per_task"]]]
    tokenizer = _real_tokenizer(tmp_path)
    assert tokenizer(texts)["input_ids"] == record["gue_input_ids"]
    tokenizer.use_fast_path = False  # the plain Rust path agrees too
    assert tokenizer(texts)["input_ids"] == record["gue_input_ids"]


def test_pipelines_on_a_converted_folder(converted):
    folder = converted["mlm_preln"]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.pad_token_id == 3 and tokenizer.mask_token_id == 4
    # the fixture model has a 64-token vocabulary: feed ids below 64 through the real tokenizer's specials
    fill = pipeline("fill-mask", model=str(folder), tokenizer=tokenizer, top_k=3)
    predictions = fill("A[MASK]T")
    assert len(predictions) == 3 and all(0 <= p["token"] < 64 for p in predictions)
    features = pipeline("feature-extraction", model=str(folder), tokenizer=tokenizer)
    embedding = torch.tensor(features("G")[0])
    assert embedding.shape[-1] == 32


def test_lora_and_gradient_checkpointing(converted):
    peft = pytest.importorskip("peft")
    model = AutoModelForSequenceClassification.from_pretrained(converted["seqcls_preln_lastln"])
    model.gradient_checkpointing_enable()
    lora = peft.get_peft_model(
        model,
        peft.LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"], modules_to_save=["classifier"]),
    )
    lora.train()
    ids = torch.randint(5, 64, (4, 10))
    loss = lora(input_ids=ids, labels=torch.tensor([0, 1, 2, 1])).loss
    loss.backward()
    trained = [n for n, p in lora.named_parameters() if p.requires_grad and p.grad is not None]
    assert any("lora_A" in n for n in trained) and any("classifier" in n for n in trained)


# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification

report = {}
for name, folder, tensors in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
    t = load_file(tensors)
    auto = AutoModelForMaskedLM if name.startswith("mlm") else AutoModelForSequenceClassification
    model = auto.from_pretrained(folder, trust_remote_code=True).eval()
    with torch.no_grad():
        logits = model(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).logits
    report[name] = {"module": type(model).__module__, "diff": float((logits - t["logits"]).abs().max())}
report["hf_genomics_loaded"] = any(m.startswith("hf_genomics") for m in sys.modules)
print(json.dumps(report))
"""


def test_converted_folder_loads_as_remote_code_without_hf_genomics(converted, tmp_path):
    args = []
    for name in ("mlm_preln_lastln", "seqcls_preln_lastln"):
        args += [name, str(converted[name]), str(FIXTURES / name / "outputs.safetensors")]
    report = run_without_hf_genomics(CHILD, args, tmp_path)
    assert not report.pop("hf_genomics_loaded")
    for entry in report.values():
        assert entry["module"].startswith("transformers_modules") and entry["diff"] < 1e-5, report


def test_config_loads_through_autoconfig(converted):
    config = AutoConfig.from_pretrained(converted["tokcls_preln"])
    assert type(config).__name__ == "GenaLmConfig" and config.num_labels == 5


def test_untied_decoder_is_kept(tmp_path):
    folder = original_folder(tmp_path, "mlm_preln")
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    state["cls.predictions.decoder.weight"] = state["cls.predictions.decoder.weight"] + 1.0
    torch.save(state, folder / "pytorch_model.bin")
    convert_checkpoint(folder, tmp_path / "out")
    model = AutoModelForMaskedLM.from_pretrained(tmp_path / "out")
    assert not model.config.tie_word_embeddings
    assert torch.equal(model.lm_head.decoder.weight, state["cls.predictions.decoder.weight"])


def test_run_classification_fine_tunes_a_converted_folder(tmp_path):
    """The README's second command: ``scripts/run_classification.py --model_name_or_path OUT``."""
    import importlib.util

    from hf_genomics.convert.gena_lm import load_tokenizer
    from hf_genomics.demos.coding_schemes import write_planted_motif_task
    from hf_genomics.models.gena_lm import GenaLmConfig

    folder = tmp_path / "gena"
    config = GenaLmConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    GenaLmForMaskedLM(config).save_pretrained(folder)  # the real 32k vocabulary, tiny width
    load_tokenizer(original_folder(tmp_path, "mlm_preln")).save_pretrained(folder)
    task = write_planted_motif_task(tmp_path / "toy", sizes=(32, 8, 8))
    script = Path(__file__).parents[1] / "scripts" / "run_classification.py"
    spec = importlib.util.spec_from_file_location("run_classification", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = [
        "--task_dir",
        str(task),
        "--model_name_or_path",
        str(folder),
        "--output_dir",
        str(tmp_path / "ft"),
    ]
    argv += ["--seeds", "1", "--max_steps", "2", "--per_device_train_batch_size", "4"]
    assert module.main(argv)["seeds"] == [1]  # the shared entry point returns the results
    assert (tmp_path / "ft" / "results.json").exists()
    assert json.loads((tmp_path / "ft" / "config.json").read_text())["model_type"] == "gena_lm"
