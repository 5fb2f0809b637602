"""DnaLstmForCausalLM: presets, loss, Auto round trip (safetensors), generate() with its state cache."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

import hf_genomics  # noqa: F401  (Auto registration)
from hf_genomics import DnaLstmConfig, DnaLstmForCausalLM
from hf_genomics.tokenization.spec import build_tokenizer
from tests.remote_code_child import run_without_hf_genomics


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer("char", causal=True)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = DnaLstmConfig.from_preset(
        "tiny",
        vocab_size=len(tokenizer),
        num_hidden_layers=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return DnaLstmForCausalLM(config).eval()


def test_presets_and_validation():
    paper = DnaLstmConfig.from_preset("genes-paper")
    assert (paper.embedding_size, paper.hidden_size, paper.num_hidden_layers) == (256, 512, 4)
    assert paper.model_type == "dna_lstm"
    with pytest.raises(ValueError, match="unknown preset"):
        DnaLstmConfig.from_preset("huge")
    with pytest.raises(Exception, match="num_hidden_layers must be >= 1"):
        DnaLstmConfig(num_hidden_layers=0)
    # parameters of the study's size: embedding + 4 LSTM layers + head
    n = sum(
        p.numel()
        for p in DnaLstmForCausalLM(DnaLstmConfig.from_preset("genes-paper", vocab_size=12)).parameters()
    )
    lstm = 4 * (512 * (256 + 512) + 2 * 512) + 3 * 4 * (512 * (512 + 512) + 2 * 512)
    assert n == 12 * 256 + lstm + 512 * 12 + 12


def test_loss_is_shifted_cross_entropy(model, tokenizer):
    batch = tokenizer(["ACGTTA", "GGC"], padding=True, return_tensors="pt")
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    out = model(**batch, labels=labels)
    expected = torch.nn.functional.cross_entropy(
        out.logits[:, :-1].reshape(-1, out.logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )
    assert torch.allclose(out.loss, expected)
    # right padding does not change the logits of real tokens
    alone = model(input_ids=batch["input_ids"][1:, :5]).logits
    assert torch.allclose(alone, out.logits[1:, :5], atol=1e-6)


def test_auto_round_trip_safetensors(model, tokenizer, tmp_path):
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and not (tmp_path / "pytorch_model.bin").exists()
    assert AutoConfig.from_pretrained(tmp_path).model_type == "dna_lstm"
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, DnaLstmForCausalLM)
    ids = tokenizer(["ACGTNACGT"], return_tensors="pt")["input_ids"]
    assert torch.equal(loaded(input_ids=ids).logits, model(input_ids=ids).logits)
    assert type(AutoTokenizer.from_pretrained(tmp_path)).__name__ == "KmerTokenizer"


def test_generate_with_state_cache_equals_full_recompute(model, tokenizer):
    prompt = tokenizer(["ACG"], return_tensors="pt", add_special_tokens=False)["input_ids"]
    prompt = torch.cat([torch.tensor([[tokenizer.bos_token_id]]), prompt], dim=1)
    settings = dict(max_new_tokens=12, min_new_tokens=12, do_sample=False)
    cached = model.generate(input_ids=prompt, **settings)
    full = model.generate(input_ids=prompt, use_cache=False, **settings)
    assert torch.equal(cached, full) and cached.shape[1] == prompt.shape[1] + 12
    torch.manual_seed(1)
    sampled = model.generate(input_ids=prompt, max_new_tokens=8, do_sample=True)
    assert sampled.shape[1] <= prompt.shape[1] + 8


def test_text_generation_pipeline(model, tokenizer):
    from transformers import pipeline

    generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device="cpu")
    torch.manual_seed(0)
    out = generator("ACGT", max_new_tokens=10, min_new_tokens=10, do_sample=True)[0]["generated_text"]
    assert out.startswith("ACGT") and len(out) > 4 and set(out) <= set("ACGTN")


def test_base_model_and_legacy_weight_names_load(model, tmp_path):
    """``base_model_prefix`` names the base model; folders saved with the old flat names still load."""
    import json

    from safetensors.torch import load_file, save_file
    from transformers import AutoModel

    from hf_genomics import DnaLstmModel

    assert isinstance(getattr(model, model.base_model_prefix), DnaLstmModel)
    model.save_pretrained(tmp_path / "new")
    assert "model.lstm.weight_ih_l0" in load_file(tmp_path / "new" / "model.safetensors")
    legacy = tmp_path / "legacy"  # the layout written before DnaLstmModel existed
    legacy.mkdir()
    state = {key.removeprefix("model."): value.contiguous() for key, value in model.state_dict().items()}
    save_file(state, legacy / "model.safetensors", metadata={"format": "pt"})
    config = json.loads((tmp_path / "new" / "config.json").read_text())
    config.pop("auto_map")
    (legacy / "config.json").write_text(json.dumps(config))

    ids = torch.randint(1, model.config.vocab_size, (2, 7))
    with torch.no_grad():
        expected = model(input_ids=ids).logits
        for folder in (tmp_path / "new", legacy):
            loaded = AutoModelForCausalLM.from_pretrained(folder).eval()
            assert torch.equal(loaded(input_ids=ids).logits, expected)
            base = AutoModel.from_pretrained(folder).eval()
            assert isinstance(base, DnaLstmModel)
            assert torch.equal(
                base(input_ids=ids).last_hidden_state, model.model(input_ids=ids).last_hidden_state
            )
        loaded.save_pretrained(tmp_path / "resaved")  # legacy in, today's names out
    assert "model.lstm.weight_ih_l0" in load_file(tmp_path / "resaved" / "model.safetensors")


# Body for run_without_hf_genomics: its preamble blocks hf_genomics and imports json, sys.
REMOTE_CHILD = """
import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForCausalLM

folder, tensors = sys.argv[1:3]
t = load_file(tensors)
model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True).eval()
base = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    logits = model(input_ids=t["ids"]).logits
    hidden = base(input_ids=t["ids"]).last_hidden_state
    generated = model.generate(input_ids=t["ids"][:1, :3], max_new_tokens=5, min_new_tokens=5, do_sample=False)
print(json.dumps({
    "module": type(model).__module__,
    "class": type(model).__name__,
    "base_class": type(base).__name__,
    "logits_diff": float((logits - t["logits"]).abs().max()),
    "hidden_diff": float((hidden - t["hidden"]).abs().max()),
    "generated": generated.tolist(),
    "hf_genomics_loaded": any(m.startswith("hf_genomics") for m in sys.modules),
}))
"""


def test_folder_loads_as_remote_code_without_hf_genomics(model, tmp_path):
    import json

    from safetensors.torch import save_file

    from hf_genomics.models.lstm.modeling_dna_lstm import AUTO_MAP

    model.save_pretrained(tmp_path / "lstm")
    saved = json.loads((tmp_path / "lstm" / "config.json").read_text())
    assert saved["auto_map"] == AUTO_MAP
    ids = torch.randint(1, model.config.vocab_size, (2, 9))
    with torch.no_grad():
        tensors = {
            "ids": ids,
            "logits": model(input_ids=ids).logits,
            "hidden": model.model(input_ids=ids).last_hidden_state.contiguous(),
        }
        expected_generation = model.generate(
            input_ids=ids[:1, :3], max_new_tokens=5, min_new_tokens=5, do_sample=False
        ).tolist()
    save_file(tensors, tmp_path / "tensors.safetensors")
    report = run_without_hf_genomics(
        REMOTE_CHILD, [tmp_path / "lstm", tmp_path / "tensors.safetensors"], tmp_path
    )
    assert not report["hf_genomics_loaded"]
    assert report["module"].startswith("transformers_modules")
    assert (report["class"], report["base_class"]) == ("DnaLstmForCausalLM", "DnaLstmModel")
    assert report["logits_diff"] == 0.0 and report["hidden_diff"] == 0.0
    assert report["generated"] == expected_generation


def test_study_preset_learned_positions(tokenizer, tmp_path):
    """genes-study: token + learned position embedding 256, 4 x LSTM 512, Dense 8-ish (~8.1 M, as the
    study's Keras model); positions shift the input, cached generation tracks them, folders round-trip."""
    study = DnaLstmConfig.from_preset("genes-study", vocab_size=12)
    n = sum(p.numel() for p in DnaLstmForCausalLM(study).parameters())
    lstm = 4 * (512 * (256 + 512) + 2 * 512) + 3 * 4 * (512 * (512 + 512) + 2 * 512)
    assert n == 12 * 256 + 1023 * 256 + lstm + 512 * 12 + 12
    assert 8.0e6 < n < 8.3e6
    assert study.init_scheme == "keras" and DnaLstmConfig.from_preset("genes-paper").init_scheme == "torch"

    torch.manual_seed(0)
    config = DnaLstmConfig.from_preset(
        "tiny", vocab_size=len(tokenizer), position_embedding=True, max_position_embeddings=32,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    model = DnaLstmForCausalLM(config).eval()
    ids = tokenizer(["ACGTAC"], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        base = model(input_ids=ids).logits
        shifted = model(input_ids=ids, position_ids=torch.arange(1, ids.shape[1] + 1)[None]).logits
        assert not torch.allclose(base, shifted)
        model.model.position_embeddings.weight.zero_()  # no position signal: the plain LSTM
        plain = DnaLstmForCausalLM(DnaLstmConfig(**{**config.to_dict(), "position_embedding": False}))
        plain.load_state_dict({k: v for k, v in model.state_dict().items() if "position" not in k})
        assert torch.allclose(model(input_ids=ids).logits, plain.eval()(input_ids=ids).logits)
    torch.nn.init.normal_(model.model.position_embeddings.weight)
    prompt = ids[:, :4]
    settings = dict(max_new_tokens=10, min_new_tokens=10, do_sample=False)
    assert torch.equal(model.generate(input_ids=prompt, **settings),
                       model.generate(input_ids=prompt, use_cache=False, **settings))  # fmt: skip
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(input_ids=torch.ones((1, 40), dtype=torch.long))
    model.save_pretrained(tmp_path)
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert loaded.config.position_embedding and torch.equal(
        loaded(input_ids=ids).logits, model(input_ids=ids).logits
    )


def test_keras_init_scheme_matches_keras_defaults(tmp_path):
    """The study's framework defaults, checked against their definitions (Glorot bound, orthogonality,
    Keras' single bias with unit_forget_bias); saved weights reload unchanged (no re-init)."""
    torch.manual_seed(0)
    config = DnaLstmConfig.from_preset("small", vocab_size=12, position_embedding=True, init_scheme="keras")
    model = DnaLstmForCausalLM(config)
    lstm, hidden = model.model.lstm, config.hidden_size
    for embedding in (model.model.embeddings, model.model.position_embeddings):
        assert embedding.weight.abs().max() <= 0.05 and embedding.weight.std() > 0.02
    for layer in range(config.num_hidden_layers):
        w_ih = getattr(lstm, f"weight_ih_l{layer}")
        w_hh = getattr(lstm, f"weight_hh_l{layer}")
        bound = (6 / (w_ih.shape[1] + 4 * hidden)) ** 0.5  # Glorot over Keras' (in, 4*hidden) kernel
        assert w_ih.abs().max() <= bound and w_ih.abs().max() > 0.9 * bound
        torch.testing.assert_close(w_hh.T @ w_hh, torch.eye(hidden), atol=1e-5, rtol=0)
        bias = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
        expected = torch.zeros(4 * hidden)
        expected[hidden : 2 * hidden] = 1.0
        torch.testing.assert_close(bias, expected)
    head_bound = (6 / (hidden + 12)) ** 0.5
    assert model.lm_head.weight.abs().max() <= head_bound and not model.lm_head.bias.any()
    model.save_pretrained(tmp_path)
    reloaded = DnaLstmForCausalLM.from_pretrained(tmp_path)
    assert reloaded.config.init_scheme == "keras"
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(reloaded.state_dict()[name], tensor)
    with pytest.raises(Exception, match="init_scheme must be one of"):
        DnaLstmConfig(init_scheme="glorot")
