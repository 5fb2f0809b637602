"""Nucleotide Transformer v1/v2 port: parity with the originals' outputs, Auto/remote-code loading,
real configurations, pipelines, LoRA, and the tokenizer's ids against NT's on real DNA.

Fixtures (tests/fixtures/ports/nucleotide_transformer) were produced by the originals once with
``tests/fixtures/ports/make_nucleotide_transformer_fixtures.py`` (transformers 4.44.2 ESM with NT's
gated FFN; NT's tokenizers.py and EsmTokenizer for the ids).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    EsmForMaskedLM,
    pipeline,
)

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint, detect_family, from_pretrained_any
from hf_genomics.convert.nucleotide_transformer import build_v2_model
from hf_genomics.models.nucleotide_transformer import (
    NT_V2_SHAPES,
    NucleotideTransformerConfig,
    NucleotideTransformerForMaskedLM,
    NucleotideTransformerForSequenceClassification,
    NucleotideTransformerTokenizer,
    nt_vocab,
)
from hf_genomics.models.nucleotide_transformer.modeling_nucleotide_transformer import AUTO_MAP
from tests.remote_code_child import run_without_hf_genomics

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "nucleotide_transformer"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"]  # README row


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """Every original-layout fixture converted once."""
    out = {}
    for name in (
        "nt_v2_tiny",
        "nt_v2_tiny_sequence_classification",
        "nt_v2_tiny_token_classification",
        "nt_v1_tiny",
    ):
        folder = tmp_path_factory.mktemp(name)
        convert_checkpoint(FIXTURES / name, folder)
        out[name] = folder
    return out


def _outputs(name: str) -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / f"{name}_outputs.safetensors")


# ------------------------------------------------------------------------------------------------
# parity with the original implementation
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
def test_v2_masked_lm_matches_original(converted, attn_implementation):
    ref = _outputs("nt_v2_tiny")
    model = AutoModelForMaskedLM.from_pretrained(
        converted["nt_v2_tiny"], attn_implementation=attn_implementation
    ).eval()
    assert isinstance(model, NucleotideTransformerForMaskedLM)
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).logits
        hidden = model.model(
            input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]
        ).last_hidden_state
    assert ref["attention_mask"].min() == 0  # the batch really is padded
    torch.testing.assert_close(hidden, ref["last_hidden_state"], atol=1e-5, rtol=0)
    torch.testing.assert_close(logits, ref["logits"], atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("name", "auto_class"),
    [
        ("sequence_classification", AutoModelForSequenceClassification),
        ("token_classification", AutoModelForTokenClassification),
    ],
)
def test_v2_classification_heads_match_original(converted, name, auto_class):
    ref = _outputs("nt_v2_tiny")
    model = auto_class.from_pretrained(converted[f"nt_v2_tiny_{name}"]).eval()
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).logits
    torch.testing.assert_close(logits, ref[f"{name}_logits"], atol=1e-5, rtol=0)


def test_v1_converts_to_transformers_esm_and_matches_original(converted):
    ref = _outputs("nt_v1_tiny")
    model = AutoModelForMaskedLM.from_pretrained(converted["nt_v1_tiny"]).eval()
    assert type(model) is EsmForMaskedLM  # transformers' own class: nothing of ours to maintain
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).logits
        hidden = model.esm(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).last_hidden_state
    torch.testing.assert_close(hidden, ref["last_hidden_state"], atol=1e-5, rtol=0)
    torch.testing.assert_close(logits[..., ::16], ref["logits_every_16th"], atol=1e-5, rtol=0)
    tokenizer = AutoTokenizer.from_pretrained(converted["nt_v1_tiny"])
    assert isinstance(tokenizer, NucleotideTransformerTokenizer)
    assert tokenizer.model_max_length == 1000
    assert tokenizer.convert_tokens_to_ids(["<unk>", "<pad>", "<mask>", "<cls>", "N"]) == [0, 1, 2, 3, 4104]


def test_converted_folder_has_card_code_and_reloads_identically(converted, tmp_path):
    folder = converted["nt_v2_tiny"]
    saved = json.loads((folder / "config.json").read_text())
    assert saved["model_type"] == "nucleotide_transformer" and saved["auto_map"] == AUTO_MAP
    assert {"modeling_nucleotide_transformer.py", "configuration_nucleotide_transformer.py"} <= {
        p.name for p in folder.iterdir()
    }
    card = (folder / "README.md").read_text()
    assert "license: cc-by-nc-sa-4.0" in card and "Nucleotide Transformer v2" in card
    model = AutoModelForMaskedLM.from_pretrained(folder).eval()
    model.save_pretrained(tmp_path / "again")
    again = AutoModelForMaskedLM.from_pretrained(tmp_path / "again").eval()
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        torch.testing.assert_close(a, b, atol=0, rtol=0, msg=name)
    ids = torch.tensor([[3, 10, 20, 30, 74]])
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids=ids).logits, again(input_ids=ids).logits, atol=0, rtol=0)
    # buffers are recomputed on load (from_pretrained builds on the meta device)
    inv_freq = again.model.rotary_emb.inv_freq
    torch.testing.assert_close(inv_freq, 1.0 / 10_000 ** (torch.arange(0, 4, 2).float() / 4))


def test_from_pretrained_any_gives_model_and_tokenizer():
    model, tokenizer = from_pretrained_any(FIXTURES / "nt_v2_tiny", task="masked-lm")
    assert isinstance(model, NucleotideTransformerForMaskedLM)
    assert tokenizer("ACGTAC")["input_ids"][0] == tokenizer.cls_token_id == 3
    base, _ = from_pretrained_any(FIXTURES / "nt_v2_tiny", task="base")
    assert type(base).__name__ == "NucleotideTransformerModel"


# ------------------------------------------------------------------------------------------------
# real configurations, refusals
# ------------------------------------------------------------------------------------------------
def real_v2_config(name: str) -> dict:
    """An NT v2 Hub config.json (values as published for each size; see NT_V2_SHAPES)."""
    hidden, layers, heads, intermediate = NT_V2_SHAPES[name]
    tiny = json.loads((FIXTURES / "nt_v2_tiny" / "config.json").read_text())
    return {
        **tiny,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "max_position_embeddings": 2050,
        "vocab_size": 4107,
    }


@pytest.mark.parametrize("name", sorted(NT_V2_SHAPES))
def test_real_v2_configs_are_recognised_and_sized(name):
    config = real_v2_config(name)
    assert detect_family(config).family == "Nucleotide Transformer"
    with torch.device("meta"):
        native = NucleotideTransformerConfig(
            **{k: config[k] for k in ("vocab_size", "hidden_size", "num_hidden_layers")},
            num_attention_heads=config["num_attention_heads"],
            intermediate_size=config["intermediate_size"],
        )
        model = NucleotideTransformerForMaskedLM(native)
    count = sum(p.numel() for p in model.parameters())
    # the Hub checkpoint also stores the unused 2050-row position table and ESM's contact head
    hub_count = (
        count + 2050 * config["hidden_size"] + config["num_hidden_layers"] * config["num_attention_heads"] + 1
    )
    millions = int(name.split("-v2-")[1].split("m-")[0])
    assert 0.9 * millions * 1e6 < hub_count < 1.2 * millions * 1e6, (name, hub_count)
    if name == "nucleotide-transformer-v2-50m-multi-species":
        assert round(hub_count / 1e6, 1) == 55.9  # the Hub's parameter count for this checkpoint


def test_real_v2_shape_runs_at_tiny_depth():
    config = {**real_v2_config("nucleotide-transformer-v2-50m-multi-species"), "num_hidden_layers": 1}
    torch.manual_seed(0)
    reference = NucleotideTransformerForMaskedLM(
        NucleotideTransformerConfig(
            vocab_size=4107, hidden_size=512, num_hidden_layers=1, num_attention_heads=16
        )
    )
    # write the weights back in the original layout and convert them
    inverse = {
        "model.embeddings.word_embeddings.weight": "esm.embeddings.word_embeddings.weight",
        "model.final_norm.weight": "esm.encoder.emb_layer_norm_after.weight",
        "model.final_norm.bias": "esm.encoder.emb_layer_norm_after.bias",
    }
    parts = {
        "attention_norm": "attention.LayerNorm",
        "attention.q_proj": "attention.self.query",
        "attention.k_proj": "attention.self.key",
        "attention.v_proj": "attention.self.value",
        "attention.o_proj": "attention.output.dense",
        "mlp_norm": "LayerNorm",
        "mlp.gate_up_proj": "intermediate.dense",
        "mlp.down_proj": "output.dense",
    }
    original = {}
    for key, value in reference.state_dict().items():
        if key in inverse:
            original[inverse[key]] = value
        elif key.startswith("model.layers.0."):
            rest = key.removeprefix("model.layers.0.")
            module, leaf = rest.rsplit(".", 1)
            original[f"esm.encoder.layer.0.{parts[module]}.{leaf}"] = value
        else:
            original[key] = value
    original["esm.embeddings.position_embeddings.weight"] = torch.zeros(2050, 512)
    original["esm.contact_head.regression.weight"] = torch.zeros(1, 16)
    model, dropped = build_v2_model(config, original)
    assert sorted(dropped) == [
        "esm.contact_head.regression.weight",
        "esm.embeddings.position_embeddings.weight",
    ]
    ids = torch.tensor([[3, 100, 2000, 4100, 4106, 1]])
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids=ids).logits, reference(input_ids=ids).logits)


def test_v1_style_configs_go_to_transformers_esm():
    from hf_genomics.convert.nucleotide_transformer import nt_version

    v1 = json.loads((FIXTURES / "nt_v1_tiny" / "config.json").read_text())
    assert nt_version({**v1, "hidden_size": 1280, "num_hidden_layers": 24, "vocab_size": 4105}) == 1
    assert nt_version({**v1, "position_embedding_type": "rotary"}) == 1  # plain ESM with rotary
    assert nt_version(json.loads((FIXTURES / "nt_v2_tiny" / "config.json").read_text())) == 2
    assert nt_version({**v1, "is_folding_model": True}) is None


@pytest.mark.parametrize(
    ("hidden", "layers", "heads", "intermediate", "billions"),
    [(1280, 24, 20, 5120, 0.5), (2560, 32, 20, 10240, 2.5)],  # 500m-* and 2.5b-* (NT v1)
)
def test_real_v1_shapes_are_recognised_and_sized(hidden, layers, heads, intermediate, billions):
    from transformers import EsmConfig

    from hf_genomics.convert.nucleotide_transformer import nt_version

    v1 = json.loads((FIXTURES / "nt_v1_tiny" / "config.json").read_text())
    real = {
        **v1,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "max_position_embeddings": 1002,
        "vocab_size": 4105,
        "tie_word_embeddings": False,
    }
    assert nt_version(real) == 1
    with torch.device("meta"):
        model = EsmForMaskedLM(EsmConfig(**{k: v for k, v in real.items() if k != "model_type"}))
    count = sum(p.numel() for p in model.parameters())
    assert 0.9 * billions * 1e9 < count < 1.1 * billions * 1e9, count


def test_unknown_or_foreign_esm_configs_are_refused(tmp_path):
    protein = {"model_type": "esm", "vocab_size": 33, "position_embedding_type": "rotary"}
    with pytest.raises(ConversionError, match="unknown architecture"):
        detect_family(protein)
    folder = tmp_path / "bad"
    folder.mkdir()
    config = json.loads((FIXTURES / "nt_v2_tiny" / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config))
    save_file({"esm.encoder.layer.0.mystery.weight": torch.zeros(2)}, folder / "model.safetensors")
    with pytest.raises(ConversionError, match="unexpected tensors"):
        convert_checkpoint(folder, tmp_path / "out")


# ------------------------------------------------------------------------------------------------
# the HF ecosystem: remote code, pipelines, LoRA, gradient checkpointing
# ------------------------------------------------------------------------------------------------
# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer

mlm_dir, cls_dir, outputs = sys.argv[1:4]
ref = load_file(outputs)
report = {}
for name, folder, auto, key in (
    ("mlm", mlm_dir, AutoModelForMaskedLM, "logits"),
    ("cls", cls_dir, AutoModelForSequenceClassification, "sequence_classification_logits"),
):
    model = auto.from_pretrained(folder, trust_remote_code=True).eval()
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"], attention_mask=ref["attention_mask"]).logits
    report[name] = {"module": type(model).__module__, "diff": float((logits - ref[key]).abs().max())}
tokenizer = AutoTokenizer.from_pretrained(mlm_dir, trust_remote_code=True)
report["tokenizer"] = [type(tokenizer).__name__, tokenizer("ACGTNACGTAC")["input_ids"]]
report["hf_genomics_loaded"] = any(m.startswith("hf_genomics") for m in sys.modules)
print(json.dumps(report))
"""


def test_converted_v2_loads_as_remote_code_without_hf_genomics(converted, tmp_path):
    report = run_without_hf_genomics(
        CHILD,
        [
            converted["nt_v2_tiny"],
            converted["nt_v2_tiny_sequence_classification"],
            FIXTURES / "nt_v2_tiny_outputs.safetensors",
        ],
        tmp_path,
    )
    assert not report["hf_genomics_loaded"]
    for name in ("mlm", "cls"):
        assert report[name]["module"].startswith("transformers_modules"), report
        assert report[name]["diff"] < 1e-5, report
    expected = AutoTokenizer.from_pretrained(converted["nt_v2_tiny"])("ACGTNACGTAC")["input_ids"]
    assert report["tokenizer"] == ["NucleotideTransformerTokenizer", expected]


def test_fill_mask_and_feature_extraction_pipelines(converted):
    folder = str(converted["nt_v2_tiny"])
    fill = pipeline("fill-mask", model=folder, tokenizer=folder, device="cpu")
    predictions = fill("ACGTACGTA<mask>ACG", top_k=3)
    assert len(predictions) == 3 and all("token_str" in p for p in predictions)
    features = pipeline("feature-extraction", model=folder, tokenizer=folder, device="cpu")
    vectors = np.asarray(features("ACGTACGTAACG")[0])
    assert vectors.shape == (1 + 4, 16)  # <cls> + four 3-mers, hidden 16


def test_lora_on_documented_targets_and_gradient_checkpointing(converted):
    from peft import LoraConfig, TaskType, get_peft_model

    model = AutoModelForSequenceClassification.from_pretrained(
        converted["nt_v2_tiny_sequence_classification"]
    )
    model.activation_checkpointing_enable()
    assert model.model.layers[0].gradient_checkpointing
    lora = LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules=LORA_TARGETS)
    peft_model = get_peft_model(model, lora)
    wrapped = {n.rsplit(".", 1)[-1] for n, _ in peft_model.named_modules() if n.endswith(tuple(LORA_TARGETS))}
    assert wrapped == set(LORA_TARGETS)
    peft_model.train()
    ids = torch.tensor([[3, 10, 20, 30, 40], [3, 11, 12, 1, 1]])
    mask = (ids != 1).long()
    loss = peft_model(input_ids=ids, attention_mask=mask, labels=torch.tensor([0, 2])).loss
    loss.backward()
    grads = [p.grad for n, p in peft_model.named_parameters() if "lora_B" in n]  # A's grads are 0 while B = 0
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)


def test_sequence_classification_from_a_masked_lm_conversion(converted):
    """What a user fine-tuning the released MLM checkpoints does: the head starts fresh."""
    model = AutoModelForSequenceClassification.from_pretrained(converted["nt_v2_tiny"], num_labels=2)
    assert isinstance(model, NucleotideTransformerForSequenceClassification)
    base = AutoModel.from_pretrained(converted["nt_v2_tiny"])
    torch.testing.assert_close(
        model.model.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight
    )
    assert AutoConfig.from_pretrained(converted["nt_v2_tiny"]).model_type == "nucleotide_transformer"


def test_converted_model_fine_tunes_with_run_classification(converted, tmp_path):
    from transformers import HfArgumentParser

    from hf_genomics.demos.coding_schemes import write_planted_motif_task
    from hf_genomics.training import classification
    from hf_genomics.training.classification import ClassificationArguments, StudyTrainingArguments

    task_dir = write_planted_motif_task(tmp_path / "gue" / "toy", sizes=(64, 16, 16))
    argv = [
        "--model_name_or_path",
        str(converted["nt_v2_tiny"]),
        "--task_dir",
        str(task_dir),
        "--output_dir",
        str(tmp_path / "run"),
        "--seeds",
        "1",
        "--num_train_epochs",
        "1",
        "--per_device_train_batch_size",
        "16",
    ]
    args, training = HfArgumentParser(
        (ClassificationArguments, StudyTrainingArguments)
    ).parse_args_into_dataclasses(args=argv)
    training.use_cpu = True
    results = classification.run_classification(args, training)
    assert "test_mcc" in results
    # the fine-tuned folder is the NT model (not a fresh encoder that silently ignored the weights)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["model_type"] == "nucleotide_transformer"


# ------------------------------------------------------------------------------------------------
# tokenizer: NT's ids on real DNA, and the rule itself
# ------------------------------------------------------------------------------------------------
def _reference_rows(name: str) -> list[list[int]]:
    tensors = load_file(FIXTURES / "tokenizer_ids.safetensors")
    flat = tensors[f"{name}.ids"].long().tolist()
    rows, start = [], 0
    for length in tensors[f"{name}.lengths"].tolist():
        rows.append(flat[start : start + length])
        start += length
    return rows


def with_ns(sequence: str, index: int) -> str:
    """The fixture script's N-variant rule (sequences are read from the shared data, never stored)."""
    length = len(sequence)
    first, second = (7 * index + 3) % length, (13 * index + length // 2) % max(length - 2, 1)
    chars = list(sequence)
    chars[first] = "N"
    chars[second : second + 2] = ["N", "N"]
    return "".join(chars)


def fixture_texts(data: Path) -> tuple[list[str], list[str]]:
    meta = json.loads((FIXTURES / "tokenizer_ids.json").read_text())
    cache: dict[str, list[dict]] = {}
    plain = []
    for record in meta["records"]:
        if record["variant"] != "plain":
            continue
        if record["source"] not in cache:
            with open(data / record["source"], newline="") as handle:
                cache[record["source"]] = list(csv.DictReader(handle))
        row = cache[record["source"]][record["row"]]
        plain.append((row.get("sequence") or row["NucleotideSequence"]).strip("<>"))
    texts = plain + [with_ns(seq, index) for index, seq in enumerate(plain)]
    return texts, meta["edge_cases"]


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("name", "vocab_file"),
    [
        ("nt_v1_6mer", "nt_v1_tiny/vocab.txt"),
        ("nt_v2_6mer", "nt_v2_vocab/vocab.txt"),
        ("nt_v2_3mer", "nt_v2_tiny/vocab.txt"),
    ],
)
def test_tokenizer_ids_equal_nt_on_real_dna(shared_data, name, vocab_file):
    texts, edge_cases = fixture_texts(shared_data)
    inputs = texts + edge_cases
    assert any("N" in text for text in inputs) and any(len(text) % 6 for text in inputs)
    expected = _reference_rows(name)
    tokenizer = NucleotideTransformerTokenizer(vocab=FIXTURES / vocab_file)
    assert tokenizer(inputs)["input_ids"] == expected  # vectorised path
    tokenizer.use_fast_path = False
    assert [tokenizer(text)["input_ids"] for text in inputs] == expected  # Rust pipeline


@pytest.mark.parametrize("version", [1, 2])
def test_published_vocab_order_equals_the_fixture_vocab(version):
    file = FIXTURES / ("nt_v1_tiny" if version == 1 else "nt_v2_vocab") / "vocab.txt"
    assert nt_vocab(6, version) == file.read_text().split("\n")[:-1]
    assert nt_vocab(3, 2) == (FIXTURES / "nt_v2_tiny" / "vocab.txt").read_text().split("\n")[:-1]
    assert nt_vocab(6, 2)[:7] == ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>", "AAAAAA"]
    assert nt_vocab(6, 2)[-5:] == ["A", "T", "C", "G", "N"]


def nt_rule(sequence: str, vocab: dict[str, int], k: int) -> list[int]:
    """NT's published rule, written independently: split at N, cut each run into k-mers from its
    start, leftover bases one by one; <cls> first."""
    tokens = ["<cls>"]
    for index, run in enumerate(sequence.split("N")):
        if index:
            tokens.append("N")
        whole = len(run) - len(run) % k
        tokens += [run[i : i + k] for i in range(0, whole, k)] + list(run[whole:])
    return [vocab[token] for token in tokens]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", max_size=40), min_size=1, max_size=4), st.sampled_from([1, 2]))
def test_tokenizer_follows_nts_rule(texts, version):
    vocab_list = nt_vocab(6, version)
    tokenizer = NucleotideTransformerTokenizer(vocab=vocab_list)
    vocab = {token: index for index, token in enumerate(vocab_list)}
    assert tokenizer(texts)["input_ids"] == [nt_rule(text, vocab, 6) for text in texts]
    for text in texts:
        assert tokenizer.decode(tokenizer(text)["input_ids"], skip_special_tokens=True) == text


def test_tokenizer_policy_saving_and_masks(tmp_path):
    tokenizer = NucleotideTransformerTokenizer(vocab=nt_vocab(6, 2))
    # documented normalisation (the original would give <unk>), and a clear error for the rest
    assert tokenizer("acgtacR")["input_ids"] == tokenizer("ACGTACN")["input_ids"]
    with pytest.raises(ValueError, match="position 3"):
        tokenizer("ACG!ACGT")
    assert tokenizer("ACGTAC<mask>A")["input_ids"] == [3, tokenizer.convert_tokens_to_ids("ACGTAC"), 2, 4102]
    batch = tokenizer(["ACGTACGT", "AC"], padding=True)
    assert batch["input_ids"][1][-1] == tokenizer.pad_token_id == 1 and batch["attention_mask"][1][-1] == 0
    assert tokenizer.max_tokens_for(12) == 3  # <cls> + two 6-mers
    tokenizer.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert type(again) is NucleotideTransformerTokenizer
    assert again("ACGTACGTNNA")["input_ids"] == tokenizer("ACGTACGTNNA")["input_ids"]
    assert again.convert_ids_to_tokens([4, 5]) == ["<eos>", "<bos>"]
