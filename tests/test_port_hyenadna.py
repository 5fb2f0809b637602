"""HyenaDNA port: converted checkpoints reproduce the original implementations' outputs.

Fixtures (tests/fixtures/ports/hyenadna, made by make_hyenadna_fixtures.py from the original code):
tiny seeded random checkpoints in both original layouts (the ``weights.ckpt`` releases, loaded by the
hyena-dna repository's standalone code, and the LongSafari ``-hf`` repos' ``modeling_hyena.py``) with
the originals' hidden states and logits, and the original CharacterTokenizer's ids on GUE sequences.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint
from hf_genomics.convert.hyenadna import _native_settings_hf, _native_settings_original
from hf_genomics.models.hyenadna.configuration_hyenadna import HyenaDnaConfig
from hf_genomics.models.hyenadna.modeling_hyenadna import (
    AUTO_MAP,
    HyenaDnaForCausalLM,
    HyenaDnaForSequenceClassification,
    HyenaDnaModel,
    fft_causal_conv,
)
from hf_genomics.models.hyenadna.tokenization_hyenadna import HyenaDnaTokenizer
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "hyenadna"
ATOL = 1e-5  # same algorithm as the originals (FFT convolution over 2L points, float32)


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / "outputs.safetensors")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    folders = {}
    for layout in ("original", "original-cls", "hf", "hf-cls"):
        out = tmp_path_factory.mktemp(layout)
        convert_checkpoint(FIXTURES / layout, out)
        folders[layout] = out
    return folders


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float((a - b).abs().max())


# ---- parity with the originals ---------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_causal_lm_and_hidden_states_match_the_original(layout, converted, reference):
    from transformers import AutoModel, AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(converted[layout]).eval()
    assert isinstance(model, HyenaDnaForCausalLM)
    with torch.no_grad():
        output = model(reference["ids"], output_hidden_states=True)
        bare = AutoModel.from_pretrained(converted[layout]).eval()(reference["ids"])
    assert max_diff(output.logits, reference[f"{layout}.logits"]) < ATOL
    assert max_diff(output.hidden_states[-1], reference[f"{layout}.last_hidden"]) < ATOL
    assert max_diff(bare.last_hidden_state, reference[f"{layout}.last_hidden"]) < ATOL
    for index in range(2):  # embeddings, then the residual stream after block 1
        assert max_diff(output.hidden_states[index], reference[f"{layout}.hidden.{index}"]) < ATOL


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_padded_batch_without_mask_is_the_original_computation(layout, converted, reference):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(converted[layout]).eval()
    with torch.no_grad():
        logits = model(reference["padded_ids"]).logits
    assert max_diff(logits, reference[f"{layout}.padded_logits"]) < ATOL


@pytest.mark.parametrize("layout", ["original", "hf"])
def test_attention_mask_keeps_left_padding_out(layout, converted, reference):
    """With the mask, a left-padded row gives the original's outputs on the same row unpadded."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(converted[layout]).eval()
    with torch.no_grad():
        logits = model(reference["padded_ids"], attention_mask=reference["padded_mask"]).logits
    assert max_diff(logits[1, 8:], reference[f"{layout}.row1_logits"][0]) < ATOL
    assert max_diff(logits[0], reference[f"{layout}.logits"][0]) < ATOL
    # right padding gives the same real-token outputs (causal model, masked convolutions)
    right = torch.cat([reference["row1"], torch.full((1, 8), 4)], dim=1)
    right_mask = (torch.arange(24) < 16).long()[None]
    with torch.no_grad():
        right_logits = model(right, attention_mask=right_mask).logits
    assert max_diff(right_logits[0, :16], reference[f"{layout}.row1_logits"][0]) < ATOL


def test_classifiers_match_the_original_heads(converted, reference):
    from transformers import AutoModelForSequenceClassification

    # -hf: score (no bias) on the last real token, found from the pad id as the original does
    hf = AutoModelForSequenceClassification.from_pretrained(converted["hf-cls"]).eval()
    # original: the repository's SequenceDecoder(mode="pool"): mean over positions, linear with bias
    original = AutoModelForSequenceClassification.from_pretrained(converted["original-cls"]).eval()
    assert isinstance(hf, HyenaDnaForSequenceClassification) and hf.config.classifier_pooling == "last"
    assert original.config.classifier_pooling == "mean" and original.score.bias is not None
    ids, padded, mask = reference["ids"], reference["padded_ids"], reference["padded_mask"]
    with torch.no_grad():
        assert max_diff(hf(ids).logits, reference["hf.cls_logits"]) < ATOL
        assert max_diff(hf(padded).logits, reference["hf.cls_padded_logits"]) < ATOL
        assert max_diff(hf(padded, attention_mask=mask).logits[1], reference["hf.row1_cls_logits"][0]) < ATOL
        assert max_diff(original(ids).logits, reference["original.cls_logits"]) < ATOL
        masked = original(padded, attention_mask=mask).logits[1]
        assert max_diff(masked, reference["original.row1_cls_logits"][0]) < ATOL


def test_fft_convolution_equals_direct_causal_convolution():
    """The FFT path is exact linear (not circular) causal convolution: checked against conv1d."""
    generator = torch.Generator().manual_seed(0)
    u = torch.randn(2, 3, 50, generator=generator)
    k = torch.randn(3, 50, generator=generator)
    skip = torch.randn(3, generator=generator)
    direct = (
        torch.nn.functional.conv1d(torch.nn.functional.pad(u, (49, 0)), k.flip(-1)[:, None, :], groups=3)
        + u * skip[:, None]
    )
    assert max_diff(fft_causal_conv(u, k, skip), direct) < 1e-5


# ---- the converter ---------------------------------------------------------------------------------------


def test_converted_folder_contents_and_tokenizer(converted):
    from transformers import AutoTokenizer

    for layout, add_cls in (("original", True), ("hf", False)):
        folder = converted[layout]
        config = json.loads((folder / "config.json").read_text())
        assert config["model_type"] == "hyenadna" and config["auto_map"] == AUTO_MAP
        card = (folder / "README.md").read_text()
        assert "license: bsd-3-clause" in card and "HyenaDNA" in card
        tokenizer = AutoTokenizer.from_pretrained(folder)
        assert isinstance(tokenizer, HyenaDnaTokenizer) and tokenizer.add_cls is add_cls
        assert tokenizer.padding_side == "left" and tokenizer.pad_token_id == 4
        assert tokenizer.model_max_length == 66
        batch = tokenizer(["ACGTN", "GA"], padding=True)
        first = [0] if add_cls else []
        assert batch["input_ids"][0] == first + [7, 8, 9, 10, 11, 1]
        assert batch["input_ids"][1] == [4, 4, 4] + first + [9, 7, 1]
        assert batch["attention_mask"][1] == [0, 0, 0] + [1] * (len(first) + 3)


def test_from_pretrained_any_gives_model_and_tokenizer_in_memory(reference):
    from hf_genomics.convert import from_pretrained_any

    model, tokenizer = from_pretrained_any(FIXTURES / "original", task="causal-lm")
    assert isinstance(model, HyenaDnaForCausalLM) and tokenizer.add_cls
    with torch.no_grad():
        assert max_diff(model.eval()(reference["ids"]).logits, reference["original.logits"]) < ATOL


def test_original_layout_keys_are_renamed_and_nothing_is_dropped():
    from hf_genomics.convert.base import load_original_state_dict
    from hf_genomics.convert.hyenadna import convert_state_dict

    state = load_original_state_dict(FIXTURES / "original")
    native, ignored = convert_state_dict(state, hf_layout=False, num_inner_mlps=2)
    assert ignored == []
    assert "model.layers.0.mixer.filter_fn.mlp.2.weight" in native
    assert "model.layers.1.mixer.filter_fn.out.weight" in native
    assert not any(".layer." in name for name in native)


def test_unknown_architectures_are_refused(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "config.json").write_text(
        json.dumps({"model_type": "bert", "architectures": ["BertModel"]})
    )
    with pytest.raises(ConversionError, match="unknown architecture.*bert.*HyenaDNA"):
        convert_checkpoint(tmp_path / "src", tmp_path / "out")
    config = json.loads((FIXTURES / "original" / "config.json").read_text())
    with pytest.raises(ConversionError, match="attention layers"):
        _native_settings_original({**config, "attn_layer_idx": [1]})
    hf_config = json.loads((FIXTURES / "hf" / "config.json").read_text())
    with pytest.raises(ConversionError, match="hyena_order=2"):
        _native_settings_hf({**hf_config, "hyena_order": 3})


# Real config.json files (values as published): hyenadna-small-32k-seqlen-hf (copy in
# github.com/shubhamtkr/checkpoint-62500, a fine-tune that keeps the architecture fields) and the
# original hyenadna-tiny-1k-seqlen release (as reproduced by github.com/helicalAI/helical).
REAL_HF_SMALL_32K = {
    "activation_freq": 10, "architectures": ["HyenaDNAForCausalLM"], "d_inner": 1024, "d_model": 256,
    "emb_dim": 5, "embed_dropout": 0.1, "filter_order": 64, "hyena_dropout": 0.0, "hyena_filter_dropout": 0.0,
    "hyena_order": 2, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "max_seq_len": 32770,
    "model_type": "hyenadna", "n_layer": 4, "num_inner_mlps": 2, "pad_token_id": 4, "pad_vocab_size_multiple": 8,
    "short_filter_order": 3, "tie_word_embeddings": False, "train_freq": True, "use_bias": True, "vocab_size": 12,
}  # fmt: skip
REAL_ORIGINAL_TINY_1K = {
    "d_model": 128, "n_layer": 2, "d_inner": 512, "vocab_size": 12, "resid_dropout": 0.0, "embed_dropout": 0.1,
    "fused_mlp": False, "fused_dropout_add_ln": True, "checkpoint_mixer": True, "checkpoint_mlp": True,
    "residual_in_fp32": True, "pad_vocab_size_multiple": 8,
    "layer": {"_name_": "hyena", "emb_dim": 5, "filter_order": 64, "local_order": 3, "l_max": 1026,
              "modulate": True, "w": 10, "lr": 6e-4, "wd": 0.0, "lr_pos_emb": 0.0},
}  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            _native_settings_hf(REAL_HF_SMALL_32K),
            dict(d_model=256, n_layer=4, max_seq_len=32770, d_inner=1024),
        ),
        (_native_settings_original(REAL_ORIGINAL_TINY_1K), dict(d_model=128, n_layer=2, max_seq_len=1026)),
    ],
)
def test_real_configs_build_the_published_shapes(settings, expected):
    config = HyenaDnaConfig(**settings)
    for name, value in expected.items():
        assert getattr(config, name) == value
    assert (config.emb_dim, config.filter_order, config.activation_freq, config.padded_vocab_size) == (
        5,
        64,
        10,
        16,
    )
    with torch.device("meta"):
        model = HyenaDnaForCausalLM(config)
    shapes = {name: tuple(p.shape) for name, p in model.state_dict().items()}
    d, L = config.d_model, config.max_seq_len
    assert shapes["model.embeddings.weight"] == (16, d)
    assert shapes["model.layers.0.mixer.in_proj.weight"] == (3 * d, d)
    assert shapes["model.layers.0.mixer.short_filter.weight"] == (3 * d, 1, 3)
    assert shapes["model.layers.0.mixer.filter_fn.z"] == (1, L, 5)
    assert shapes["model.layers.0.mixer.filter_fn.mlp.0.weight"] == (64, 5)
    assert shapes["model.layers.0.mixer.filter_fn.out.weight"] == (d, 64)
    assert shapes["model.layers.0.mixer.filter_fn.deltas"] == (1, 1, d)


def test_too_long_inputs_are_refused():
    model = HyenaDnaModel(HyenaDnaConfig(d_model=8, n_layer=1, max_seq_len=16, filter_order=8)).eval()
    with pytest.raises(ValueError, match="longer than this HyenaDNA's max_seq_len"):
        model(torch.full((1, 17), 7))


def test_32kb_forward_runs_in_linear_memory():
    """A 32,770-token forward (small-32k's length) on CPU; the benchmark measures the real width."""
    config = HyenaDnaConfig(d_model=8, n_layer=1, d_inner=16, max_seq_len=32770, filter_order=8)
    model = HyenaDnaModel(config).eval()
    with torch.no_grad():
        out = model(torch.randint(7, 12, (1, 32770))).last_hidden_state
    assert out.shape == (1, 32770, 8) and torch.isfinite(out).all()


# ---- tokenizer -------------------------------------------------------------------------------------------


@pytest.mark.real_data
@pytest.mark.parametrize("fast_path", [True, False])
def test_tokenizer_ids_equal_the_original_on_gue(shared_data, fast_path):
    import csv

    expected = load_file(FIXTURES / "tokenizer_ids.safetensors")
    tasks = {
        "prom_core_tata": "gue/prom/prom_core_tata",
        "tf0": "gue/tf/0",
        "prom_300_tata": "gue/prom/prom_300_tata",
    }
    sequences = {}
    for name, folder in tasks.items():
        with open(shared_data / folder / "test.csv", newline="") as handle:
            sequences[name] = [row["sequence"] for row in list(csv.DictReader(handle))[:64]]
    for add_cls, suffix in ((True, "standalone"), (False, "hf")):
        tokenizer = HyenaDnaTokenizer(add_cls=add_cls)
        tokenizer.use_fast_path = fast_path
        for name, batch in sequences.items():
            assert tokenizer(batch)["input_ids"] == expected[f"{name}.{suffix}"].tolist(), (name, suffix)
    tokenizer = HyenaDnaTokenizer(add_cls=True)
    tokenizer.use_fast_path = fast_path
    padded = tokenizer(sequences["prom_core_tata"][:3] + sequences["tf0"][:3], padding="longest")
    assert padded["input_ids"] == expected["padded.input_ids"].tolist()
    assert padded["attention_mask"] == expected["padded.attention_mask"].tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ACGTNacgtnU", min_size=0, max_size=40), min_size=1, max_size=5), st.booleans()
)
def test_tokenizer_fast_path_equals_rust_and_round_trips(texts, add_cls):
    tokenizer = HyenaDnaTokenizer(add_cls=add_cls)
    fast = tokenizer(texts, padding=True)
    tokenizer.use_fast_path = False
    rust = tokenizer(texts, padding=True)
    assert fast["input_ids"] == rust["input_ids"] and fast["attention_mask"] == rust["attention_mask"]
    for text, ids in zip(texts, tokenizer(texts)["input_ids"]):
        canonical = text.upper().replace("U", "T")
        assert ids == ([0] if add_cls else []) + ["ACGTN".index(c) + 7 for c in canonical] + [1]
        assert tokenizer.decode(ids, skip_special_tokens=True) == canonical


def test_tokenizer_refuses_non_dna_instead_of_unk():
    from hf_genomics.alphabet import InvalidSequenceError

    with pytest.raises(InvalidSequenceError):
        HyenaDnaTokenizer()("ACGT-X")


# ---- transformers machinery ------------------------------------------------------------------------------


def test_text_generation_and_feature_extraction_pipelines(converted):
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(converted["hf"])
    model = AutoModelForCausalLM.from_pretrained(converted["hf"])
    generator = pipeline("text-generation", model=model, tokenizer=tokenizer)
    # random tiny weights: force 6 new tokens (else [SEP], the end token, may come first)
    text = generator("ACGTACGT", max_new_tokens=6, min_new_tokens=6, do_sample=False)[0]["generated_text"]
    assert text.startswith("ACGTACGT")
    prompt = tokenizer("ACGTACGT", add_special_tokens=False, return_tensors="pt")
    ids = model.generate(**prompt, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    assert ids.shape == (1, 14) and int(ids.max()) < 12  # the LM head's 4 padding rows are never produced
    extractor = pipeline(
        "feature-extraction", model=AutoModel.from_pretrained(converted["hf"]), tokenizer=tokenizer
    )
    features = extractor("ACGTAC", return_tensors=True)
    assert tuple(features.shape) == (1, 7, 16)  # 6 bases + [SEP]


def test_gradient_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    config = HyenaDnaConfig(
        d_model=16, n_layer=2, d_inner=32, max_seq_len=40, filter_order=8, embed_dropout=0.0
    )
    ids = torch.randint(7, 12, (2, 20))
    grads = []
    for checkpointing in (False, True):
        torch.manual_seed(0)
        model = HyenaDnaForCausalLM(config).train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        model(ids, labels=ids).loss.backward()
        grads.append(model.model.layers[0].mixer.in_proj.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], atol=1e-6)


def test_lora_targets_the_documented_modules(converted):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(converted["hf"], num_labels=2)
    lora = LoraConfig(
        task_type="SEQ_CLS",
        r=4,
        target_modules=["in_proj", "out_proj", "fc1", "fc2"],
        modules_to_save=["score"],
    )
    model = get_peft_model(model, lora)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name or "score" in name for name in trainable)
    assert sum("lora_A" in name for name in trainable) == 2 * 4  # 4 modules x 2 layers
    loss = model(torch.randint(7, 12, (2, 12)), labels=torch.tensor([0, 1])).loss
    loss.backward()


def test_save_and_reload_give_identical_outputs(tmp_path):
    torch.manual_seed(0)
    model = HyenaDnaForCausalLM(HyenaDnaConfig(d_model=16, n_layer=1, max_seq_len=40, filter_order=8)).eval()
    model.save_pretrained(tmp_path)
    reloaded = HyenaDnaForCausalLM.from_pretrained(tmp_path).eval()
    ids = torch.randint(7, 12, (1, 30))
    with torch.no_grad():
        assert torch.equal(model(ids).logits, reloaded(ids).logits)


# ---- remote code -----------------------------------------------------------------------------------------

# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

lm_dir, cls_dir, tensors = sys.argv[1:4]
t = load_file(tensors)
lm = AutoModelForCausalLM.from_pretrained(lm_dir, trust_remote_code=True).eval()
cls = AutoModelForSequenceClassification.from_pretrained(cls_dir, trust_remote_code=True).eval()
tokenizer = AutoTokenizer.from_pretrained(lm_dir, trust_remote_code=True)
with torch.no_grad():
    report = {
        "lm_module": type(lm).__module__,
        "lm_diff": float((lm(t["ids"]).logits - t["hf.logits"]).abs().max()),
        "cls_diff": float((cls(t["ids"]).logits - t["hf.cls_logits"]).abs().max()),
        "ids": tokenizer(["ACGTN", "GA"], padding=True)["input_ids"],
        "hf_genomics_loaded": any(m.startswith("hf_genomics") for m in sys.modules),
    }
print(json.dumps(report))
"""


def test_converted_folder_loads_as_remote_code_without_hf_genomics(converted, tmp_path):
    report = run_without_hf_genomics(
        CHILD, [converted["hf"], converted["hf-cls"], FIXTURES / "outputs.safetensors"], tmp_path
    )
    assert not report["hf_genomics_loaded"] and report["lm_module"].startswith("transformers_modules")
    assert report["lm_diff"] < ATOL and report["cls_diff"] < ATOL
    assert report["ids"] == [[7, 8, 9, 10, 11, 1], [4, 4, 4, 9, 7, 1]]


# ---- fine-tuning with the package's script ---------------------------------------------------------------


def test_trainer_fine_tunes_a_converted_classifier(converted, tmp_path):
    """Trainer + DataCollatorWithPadding (left padding, attention mask) on a converted -hf checkpoint."""
    from datasets import Dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    tokenizer = AutoTokenizer.from_pretrained(converted["hf"])
    torch.manual_seed(0)  # the new head is initialised at random: seed it, or the loss bar is a coin flip
    model = AutoModelForSequenceClassification.from_pretrained(converted["hf"], num_labels=2)
    generator = torch.Generator().manual_seed(0)
    rows = []
    for index in range(16):
        bases = "".join("ACGT"[i] for i in torch.randint(0, 4, (int(20 + index % 5),), generator=generator))
        label = index % 2
        rows.append({"sequence": ("GGGGGG" if label else "TTTTTT") + bases, "label": label})
    data = Dataset.from_list(rows).map(
        lambda b: tokenizer(b["sequence"]), batched=True, remove_columns=["sequence"]
    )
    arguments = TrainingArguments(
        output_dir=str(tmp_path),
        max_steps=25,
        learning_rate=5e-3,
        per_device_train_batch_size=16,
        use_cpu=True,
        report_to="none",
        save_strategy="no",
        logging_steps=1,
    )
    trainer = Trainer(
        model=model, args=arguments, train_dataset=data, data_collator=DataCollatorWithPadding(tokenizer)
    )
    trainer.train()
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert losses[-1] < 0.5 * losses[0]


def test_run_classification_fine_tunes_a_converted_hyenadna(converted, tmp_path):
    """Runs: scripts/run_classification.py --model_name_or_path <converted -hf folder> (a few steps)."""
    from transformers import HfArgumentParser

    from hf_genomics.demos.coding_schemes import write_planted_motif_task
    from hf_genomics.training import classification
    from hf_genomics.training.classification import ClassificationArguments, StudyTrainingArguments

    task_dir = write_planted_motif_task(tmp_path / "gue" / "toy", sizes=(64, 16, 16))
    out = tmp_path / "run"
    argv = [
        "--task_dir",
        str(task_dir),
        "--model_name_or_path",
        str(converted["hf"]),
        "--output_dir",
        str(out),
    ]
    argv += [
        "--seeds",
        "1",
        "--max_steps",
        "4",
        "--per_device_train_batch_size",
        "8",
        "--eval_strategy",
        "no",
    ]
    argv += ["--save_strategy", "no", "--load_best_model_at_end", "false", "--learning_rate", "1e-3"]
    args, training = HfArgumentParser(
        (ClassificationArguments, StudyTrainingArguments)
    ).parse_args_into_dataclasses(args=argv)
    results = classification.run_classification(args, training)
    assert results["per_seed"][0]["train_steps"] == 4
    saved = json.loads((out / "config.json").read_text())
    assert saved["model_type"] == "hyenadna"
