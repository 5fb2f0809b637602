"""Caduceus port: parity with the original modeling code (run on CPU through mamba-ssm's reference
ops, see tests/fixtures/ports/make_caduceus_fixtures.py), RC equivariance of -ps, the chunked scan
against the plain recurrence, real configs, tokenizer ids, refusals, remote code, pipelines, LoRA.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint
from hf_genomics.convert.caduceus import native_config
from hf_genomics.models.caduceus.configuration_caduceus import CaduceusConfig
from hf_genomics.models.caduceus.modeling_caduceus import (
    AUTO_MAP,
    CaduceusForMaskedLM,
    CaduceusForSequenceClassification,
    reverse_complement_ids,
)
from hf_genomics.models.caduceus.selective_scan import selective_scan, selective_scan_sequential
from hf_genomics.models.caduceus.tokenization_caduceus import CaduceusTokenizer
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "caduceus"
CHECKPOINTS = {
    "ps_mlm": AutoModelForMaskedLM,
    "ph_mlm": AutoModelForMaskedLM,
    "ps_mlm_unfused": AutoModelForMaskedLM,
    "ps_seqcls": AutoModelForSequenceClassification,
    "ph_seqcls_conjoin": AutoModelForSequenceClassification,
}
# kuleshov-group/caduceus-ps_seqlen-131k_d_model-256_n_layer-16 config.json (a public copy on GitHub),
# kept once for every test in tests/fixtures/ports/convert_layouts/real_configs/
REAL_PS_CONFIG = json.loads(
    (
        Path(__file__).parent
        / "fixtures"
        / "ports"
        / "convert_layouts"
        / "real_configs"
        / "caduceus-ps_seqlen-131k_d_model-256_n_layer-16.json"
    ).read_text()
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    tmp_path = tmp_path_factory.mktemp("caduceus")
    folders = {}
    for name in CHECKPOINTS:
        folders[name] = tmp_path / name
        convert_checkpoint(FIXTURES / name, folders[name])
    return folders


@pytest.mark.parametrize("name", list(CHECKPOINTS))
def test_converted_model_matches_the_original(converted, name):
    # 1e-5 although the scan differs in layout and fusion from mamba-ssm's selective_scan_ref
    expected = load_file(FIXTURES / name / "outputs.safetensors")
    extra = {"conjoin_eval": True} if "conjoin" in name else {}  # the fixture's original was run conjoined
    model = CHECKPOINTS[name].from_pretrained(converted[name], **extra).eval()
    with torch.no_grad():
        # the original has no mask: its padded row is its unmasked computation (test_original_folders.py
        # and test_batch_independence.py cover the mask)
        logits = model(input_ids=expected["input_ids"]).logits
        hidden = AutoModel.from_pretrained(converted[name]).eval()(input_ids=expected["input_ids"])
    assert (logits - expected["logits"]).abs().max() < 1e-5
    assert (hidden.last_hidden_state - expected["last_hidden_state"]).abs().max() < 1e-5


def test_original_stacked_conjoin_input_is_accepted(converted):
    expected = load_file(FIXTURES / "ph_seqcls_conjoin" / "outputs.safetensors")
    model = AutoModelForSequenceClassification.from_pretrained(converted["ph_seqcls_conjoin"]).eval()
    assert not model.config.conjoin_eval  # the original's default: the stacked input asks for it
    stacked = torch.stack([expected["input_ids"], expected["rc_input_ids"]], dim=-1)
    with torch.no_grad():
        assert (model(input_ids=stacked).logits - expected["logits"]).abs().max() < 1e-5


def test_ps_model_is_reverse_complement_equivariant(converted):
    model = CaduceusForMaskedLM.from_pretrained(converted["ps_mlm"]).eval()
    complement = torch.tensor(model.config.complement_map)
    ids = torch.randint(7, 12, (3, 40))
    rc_ids = reverse_complement_ids(ids, complement)
    with torch.no_grad():
        logits, rc_logits = model(input_ids=ids).logits, model(input_ids=rc_ids).logits
        hidden = model.model(input_ids=ids).last_hidden_state
        rc_hidden = model.model(input_ids=rc_ids).last_hidden_state
    # logits on the RC input = logits flipped along the sequence with the vocabulary complemented
    assert torch.allclose(rc_logits, logits.flip(1)[..., complement], atol=1e-5)
    # hidden states: the RC input swaps the strand halves (each flipped in position and channel)
    assert torch.allclose(rc_hidden, hidden.flip(1, 2), atol=1e-5)
    classifier = CaduceusForSequenceClassification.from_pretrained(converted["ps_seqcls"]).eval()
    with torch.no_grad():
        assert torch.allclose(
            classifier(input_ids=ids).logits, classifier(input_ids=rc_ids).logits, atol=1e-6
        )


def test_ph_classifier_with_conjoining_is_rc_invariant(converted):
    model = CaduceusForSequenceClassification.from_pretrained(
        converted["ph_seqcls_conjoin"], conjoin_eval=True
    ).eval()
    ids = torch.randint(7, 12, (2, 30))
    rc_ids = reverse_complement_ids(ids, torch.tensor(model.config.complement_map))
    with torch.no_grad():
        assert torch.allclose(model(input_ids=ids).logits, model(input_ids=rc_ids).logits, atol=1e-6)


@pytest.mark.parametrize(("length", "block"), [(1, 8), (37, 16), (130, 256), (64, 64)])
@pytest.mark.parametrize("grad", [False, True])
def test_grouped_scan_matches_the_recurrence(length, block, grad):
    torch.manual_seed(length)
    b, g, d, n = 2, 2, 6, 4
    u, dt, z = torch.randn(b, g, d, length), torch.randn(b, g, d, length), torch.randn(b, g, d, length)
    A = -torch.rand(g, d, n) * 8  # strong decays too
    B, C = torch.randn(b, g, n, length), torch.randn(b, g, n, length)
    D, bias = torch.randn(g, d), torch.randn(g, d)
    u.requires_grad_(grad)
    with torch.set_grad_enabled(grad):
        fast = selective_scan(u, dt, A, B, C, D, z, bias, block=block)
    for group in range(g):
        slow = selective_scan_sequential(
            u[:, group], dt[:, group], A[group], B[:, group], C[:, group], D[group], z[:, group], bias[group]
        )
        assert torch.allclose(fast[:, group], slow, atol=1e-5, rtol=1e-5)
    if grad:
        fast.sum().backward()
        assert u.grad is not None and torch.isfinite(u.grad).all()


def test_long_input_runs_in_blocks():
    config = CaduceusConfig(hidden_size=8, num_hidden_layers=1, rcps=True)
    model = CaduceusForMaskedLM(config).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.randint(7, 12, (1, 5000))).logits
    assert logits.shape == (1, 5000, 16) and torch.isfinite(logits).all()


@pytest.mark.parametrize("rcps", [True, False])
def test_real_configs_build_the_published_shapes(rcps):
    original = {**REAL_PS_CONFIG, "rcps": rcps}
    config = native_config(original)
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (256, 16, 16)
    assert config.rcps is rcps and config.fused_add_norm and config.rms_norm and not config.conjoin_eval
    assert config.complement_map[7:11] == [10, 9, 8, 7] and config.dt_rank == 16
    with torch.device("meta"):
        model = CaduceusForMaskedLM(config)
    count = sum(p.numel() for p in model.parameters())
    # by hand: embeddings 16x256; per layer: in_proj 256x1024, out_proj 512x256 (shared by both
    # directions), per direction conv 512x4 + 512, x_proj 512x48, dt_proj 16x512 + 512, A_log 512x16,
    # D 512; norm 256; final norm 256; LM head tied
    per_direction = 512 * 4 + 512 + 512 * 48 + 16 * 512 + 512 + 512 * 16 + 512
    per_layer = 256 * 1024 + 512 * 256 + 2 * per_direction + 256
    assert count == 16 * 256 + 16 * per_layer + 256
    tiny = native_config({**original, "d_model": 16, "n_layer": 2})
    out = AutoModel.from_config(tiny).eval()(input_ids=torch.randint(7, 12, (1, 9)))
    assert out.last_hidden_state.shape == (1, 9, 32 if rcps else 16)


def test_unknown_and_mamba2_configs_are_refused(tmp_path):
    folder = tmp_path / "v2"
    folder.mkdir()
    v2 = {**REAL_PS_CONFIG, "layer_cfg": {"mamba_cfg": {"version": "v2"}}}
    (folder / "config.json").write_text(json.dumps(v2))
    with pytest.raises(ConversionError, match="Mamba-2"):
        convert_checkpoint(folder, tmp_path / "out")
    (folder / "config.json").write_text(json.dumps({"model_type": "mamba", "d_model": 8}))
    with pytest.raises(ConversionError, match="unknown architecture.*mamba"):
        convert_checkpoint(folder, tmp_path / "out2")


def test_tokenizer_matches_the_original_on_edge_cases():
    record = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    tokenizer = CaduceusTokenizer()
    assert tokenizer.get_vocab() == record["vocab"]
    assert tokenizer(record["edge_texts"])["input_ids"] == record["edge_input_ids"]
    assert tokenizer(record["edge_texts"][:3], padding=True)["input_ids"] == record["padded_input_ids"]
    tokenizer.use_fast_path = False  # the Rust pipeline agrees with the vectorised path
    assert tokenizer(record["edge_texts"])["input_ids"] == record["edge_input_ids"]
    complement = CaduceusConfig().complement_map
    assert all(complement[int(key)] == value for key, value in record["complement_map"].items())


@pytest.mark.real_data
def test_tokenizer_matches_the_original_on_real_gue(shared_data):
    record = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    texts = []
    for task in record["gue_tasks"]:
        with open(shared_data / "gue" / task / "test.csv", newline="") as handle:
            texts += [row["sequence"] for row in list(csv.DictReader(handle))[: record["gue_rows_per_task"]]]
    assert CaduceusTokenizer()(texts)["input_ids"] == record["gue_input_ids"]


def test_pipelines_and_saved_tokenizer(converted):
    folder = converted["ps_mlm"]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ == "CaduceusTokenizer" and tokenizer.padding_side == "left"
    fill = pipeline("fill-mask", model=str(folder), tokenizer=tokenizer, top_k=2)
    predictions = fill("ACG[MASK]ACGT")
    assert len(predictions) == 2
    features = pipeline("feature-extraction", model=str(folder), tokenizer=tokenizer)
    assert torch.tensor(features("ACGTACGT")[0]).shape == (9, 32)  # 8 bases + [SEP], both strands


def test_lora_and_gradient_checkpointing(converted):
    peft = pytest.importorskip("peft")
    model = AutoModelForSequenceClassification.from_pretrained(converted["ps_seqcls"])
    model.gradient_checkpointing_enable()
    lora = peft.get_peft_model(
        model,
        peft.LoraConfig(r=4, lora_alpha=8, target_modules=["in_proj", "out_proj"], modules_to_save=["score"]),
    )
    lora.train()
    loss = lora(input_ids=torch.randint(7, 12, (4, 20)), labels=torch.tensor([0, 1, 2, 1])).loss
    loss.backward()
    trained = [n for n, p in lora.named_parameters() if p.requires_grad and p.grad is not None]
    assert any("lora_A" in n for n in trained) and any("score" in n for n in trained)


def test_converted_folder_reloads_identically(converted, tmp_path):
    saved = json.loads((converted["ps_mlm"] / "config.json").read_text())
    assert saved["model_type"] == "caduceus" and saved["auto_map"] == AUTO_MAP and "d_model" not in saved
    model = CaduceusForMaskedLM.from_pretrained(converted["ps_mlm"]).eval()
    assert model.lm_head.decoder.weight is model.model.embeddings.word_embeddings.weight
    model.save_pretrained(tmp_path / "again")
    again = CaduceusForMaskedLM.from_pretrained(tmp_path / "again").eval()
    ids = torch.randint(7, 12, (2, 15))
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, again(input_ids=ids).logits)
    assert "license: apache-2.0" in (converted["ps_mlm"] / "README.md").read_text()


# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer

report = {}
for name, folder, tensors in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
    t = load_file(tensors)
    auto = AutoModelForMaskedLM if "mlm" in name else AutoModelForSequenceClassification
    extra = {"conjoin_eval": True} if "conjoin" in name else {}  # the fixture's original was run conjoined
    model = auto.from_pretrained(folder, trust_remote_code=True, **extra).eval()
    with torch.no_grad():
        logits = model(input_ids=t["input_ids"]).logits
    report[name] = {"module": type(model).__module__, "diff": float((logits - t["logits"]).abs().max())}
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
    report[name]["ids"] = tokenizer("ACGTN")["input_ids"]
report["hf_genomics_loaded"] = any(m.startswith("hf_genomics") for m in sys.modules)
print(json.dumps(report))
"""


def test_converted_folder_loads_as_remote_code_without_hf_genomics(converted, tmp_path):
    args = []
    for name in ("ps_mlm", "ph_seqcls_conjoin"):
        args += [name, str(converted[name]), str(FIXTURES / name / "outputs.safetensors")]
    report = run_without_hf_genomics(CHILD, args, tmp_path)
    assert not report.pop("hf_genomics_loaded")
    for entry in report.values():
        assert entry["module"].startswith("transformers_modules") and entry["diff"] < 1e-5, report
        assert entry["ids"] == [7, 8, 9, 10, 11, 1]


def test_run_classification_fine_tunes_a_converted_folder(converted, tmp_path):
    """The README's second command: ``scripts/run_classification.py --model_name_or_path OUT``."""
    import importlib.util

    from hf_genomics.demos.coding_schemes import write_planted_motif_task

    task = write_planted_motif_task(tmp_path / "toy", sizes=(32, 8, 8))
    script = Path(__file__).parents[1] / "scripts" / "run_classification.py"
    spec = importlib.util.spec_from_file_location("run_classification", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--task_dir", str(task), "--model_name_or_path", str(converted["ps_mlm"])]
    argv += ["--output_dir", str(tmp_path / "ft"), "--seeds", "1", "--max_steps", "2"]
    argv += ["--per_device_train_batch_size", "4"]
    assert module.main(argv)["seeds"] == [1]  # the shared entry point returns the results
    assert (tmp_path / "ft" / "results.json").exists()
    assert json.loads((tmp_path / "ft" / "config.json").read_text())["model_type"] == "caduceus"
