"""Evo 2 port: converted vortex checkpoints reproduce vortex's outputs, on a CPU.

Fixtures (tests/fixtures/ports/evo2, made by make_evo2_fixtures.py from github.com/Zymrael/vortex):
two tiny seeded checkpoints in vortex's ``.pt`` layout (``released``: the released configs' switches;
``switches``: the other value of every switch) with vortex's logits, per-block outputs and final hidden
states for prefills of 1..260 tokens (across the 128-tap filter's conv1d/FFT switch) and its cached
decoding logits.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint
from hf_genomics.convert.evo2 import build_model, load_vortex_state
from hf_genomics.models.evo2.configuration_evo2 import VORTEX_PRESETS, Evo2Config
from hf_genomics.models.evo2.modeling_evo2 import (
    Evo2ForCausalLM,
    Evo2ForSequenceClassification,
    causal_fir,
    decay_powers,
)
from hf_genomics.models.evo2.tokenization_evo2 import Evo2Tokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "evo2"
LAYOUTS = ("released", "switches")
LENGTHS = (1, 2, 7, 127, 128, 129, 260)
LOGIT_IDS = [0, 1, 65, 67, 71, 84, 97, 255, 256, 511]  # the columns the fixture keeps
RTOL = 1e-5  # max |ours - vortex| / max |vortex|, fp32


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / "outputs.safetensors")


@pytest.fixture(scope="module")
def models() -> dict[str, Evo2ForCausalLM]:
    loaded = {}
    for layout in LAYOUTS:
        config = json.loads((FIXTURES / layout / "config.json").read_text())
        loaded[layout], _ = build_model(load_vortex_state(FIXTURES / layout / f"{layout}.pt"), config)
    return loaded


def relative(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    return float((ours - theirs).abs().max() / theirs.abs().max())


# ---- parity with vortex ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_prefill_matches_vortex_at_every_length(models, reference, layout):
    model = models[layout]
    for length in LENGTHS:
        key = f"{layout}.L{length}"
        with torch.no_grad():
            out = model(reference[f"{key}.input_ids"], output_hidden_states=True)
        assert relative(out.logits[..., LOGIT_IDS], reference[f"{key}.logits"]) < RTOL, key
        assert relative(out.hidden_states[-1], reference[f"{key}.final_hidden"]) < RTOL, key
        for block in range(model.config.num_layers - 1):
            assert relative(out.hidden_states[block + 1], reference[f"{key}.block{block}"]) < RTOL, (
                key,
                block,
            )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cached_decoding_matches_vortex_and_recomputation(models, reference, layout):
    model, ids = models[layout], reference[f"{layout}.decode.input_ids"]
    prompt, steps = 9, reference[f"{layout}.decode.step_logits"].shape[1]
    with torch.no_grad():
        out = model(ids[:, :prompt], use_cache=True)
        logits = [out.logits[:, -1]]
        for t in range(prompt, prompt + steps - 1):
            out = model(ids[:, t : t + 1], past_key_values=out.past_key_values, use_cache=True)
            logits.append(out.logits[:, -1])
        recomputed = model(ids[:, : prompt + steps - 1]).logits[:, prompt - 1 :]
    cached = torch.stack(logits, 1)
    assert relative(cached, reference[f"{layout}.decode.step_logits"]) < RTOL
    assert relative(cached, recomputed) < RTOL


@pytest.mark.parametrize("prompt", [1, 3, 140])
def test_cache_equals_recomputation_for_any_prompt_and_chunking(models, prompt):
    """Prompts shorter than the filters (where vortex's step_fir misaligns taps) and chunked prefills."""
    model = models["released"]
    ids = torch.randint(60, 90, (2, prompt + 20), generator=torch.Generator().manual_seed(prompt))
    with torch.no_grad():
        full = model(ids).logits
        out = model(ids[:, :prompt], use_cache=True)
        chunked = [out.logits]
        for start, stop in [(prompt, prompt + 1), (prompt + 1, prompt + 8), (prompt + 8, prompt + 20)]:
            out = model(ids[:, start:stop], past_key_values=out.past_key_values, use_cache=True)
            chunked.append(out.logits)
    assert relative(torch.cat(chunked, 1), full) < RTOL


def test_generate_with_state_equals_greedy_recomputation(models):
    model = models["switches"]
    prompt = torch.tensor([[65, 67, 71, 84, 65, 65, 67, 71]])
    with torch.no_grad():
        generated = model.generate(prompt, max_new_tokens=12, do_sample=False, pad_token_id=1)
        ids = prompt
        for _ in range(12):
            ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert generated.tolist() == ids.tolist()


def test_padding_either_side_gives_the_unpadded_outputs(models):
    model = models["released"]
    ids = torch.randint(60, 90, (1, 150), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        alone = model(ids).logits
        for side in ("left", "right"):
            pad = torch.ones(1, 20, dtype=torch.long)
            batch = torch.cat([pad, ids], 1) if side == "left" else torch.cat([ids, pad], 1)
            mask = torch.ones_like(batch)
            if side == "left":
                mask[:, :20] = 0
            else:
                mask[:, 150:] = 0
            logits = model(batch, attention_mask=mask).logits
            kept = logits[:, 20:] if side == "left" else logits[:, :150]
            assert relative(kept, alone) < RTOL, side


@pytest.mark.parametrize("length", [1, 63, 64, 65, 1000])
def test_blocked_decay_powers_equal_direct_exponentials(length):
    log_poles = torch.tensor([-1e-3, -0.05, -0.7, -3.0])
    direct = torch.exp(log_poles[:, None] * torch.arange(length, dtype=torch.float32))
    # float32 rounds lp * t itself: |lp t| * 2^-24 relative error either way (about 3e-6 at lp t = 40)
    torch.testing.assert_close(decay_powers(log_poles, length), direct, rtol=1e-5, atol=1e-30)
    complex_poles = torch.complex(log_poles, torch.tensor([0.1, -0.2, 0.3, 0.0]))
    direct = torch.exp(complex_poles[:, None] * torch.arange(length, dtype=torch.float32))
    torch.testing.assert_close(decay_powers(complex_poles, length), direct, rtol=1e-5, atol=1e-12)


def test_fir_equals_direct_sum():
    """The depthwise causal FIR against its definition, with and without a carried state."""
    generator = torch.Generator().manual_seed(0)
    u, w = torch.randn(2, 3, 10, generator=generator), torch.randn(3, 1, 4, generator=generator)
    y, state = causal_fir(u, w, None)
    padded = torch.nn.functional.pad(u, (3, 0))
    expected = torch.stack([(padded[..., t : t + 4] * w[:, 0]).sum(-1) for t in range(10)], -1)
    torch.testing.assert_close(y, expected)
    y2, _ = causal_fir(u[..., 6:], w, causal_fir(u[..., :6], w, None)[1])
    torch.testing.assert_close(y2, expected[..., 6:])
    torch.testing.assert_close(state, u[..., -3:])


# ---- conversion -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("evo2")
    convert_checkpoint(FIXTURES / "released", out)
    return out


def test_convert_writes_a_native_folder_that_auto_loads(converted, models, reference):
    assert (converted / "model.safetensors").is_file() or list(converted.glob("model-*.safetensors"))
    model = AutoModelForCausalLM.from_pretrained(converted).eval()
    assert type(model) is Evo2ForCausalLM
    tokenizer = AutoTokenizer.from_pretrained(converted)
    assert type(tokenizer) is Evo2Tokenizer
    ids = reference["released.L129.input_ids"]
    with torch.no_grad():
        assert relative(model(ids).logits[..., LOGIT_IDS], reference["released.L129.logits"]) < RTOL
    classifier = AutoModelForSequenceClassification.from_pretrained(converted, num_labels=3)
    assert type(classifier) is Evo2ForSequenceClassification
    assert classifier(ids, attention_mask=torch.ones_like(ids)).logits.shape == (2, 3)


def test_convert_accepts_a_bare_pt_file_split_parts_and_shards(tmp_path, reference):
    source = tmp_path / "hub"
    source.mkdir()
    data = (FIXTURES / "switches" / "switches.pt").read_bytes()
    middle = len(data) // 2
    (source / "tiny.pt.part0").write_bytes(data[:middle])  # the Hub's byte-split layout
    (source / "tiny.pt.part1").write_bytes(data[middle:])
    shutil.copy(FIXTURES / "switches" / "config.json", source / "config.json")
    out = tmp_path / "out"
    from hf_genomics.convert import evo2 as evo2_converter

    evo2_converter.MAX_SHARD_SIZE, previous = "40KB", evo2_converter.MAX_SHARD_SIZE
    try:
        convert_checkpoint(source, out)
    finally:
        evo2_converter.MAX_SHARD_SIZE = previous
    assert len(list(out.glob("model-*-of-*.safetensors"))) > 1
    model = AutoModelForCausalLM.from_pretrained(out).eval()
    ids = reference["switches.L7.input_ids"]
    with torch.no_grad():
        assert relative(model(ids).logits[..., LOGIT_IDS], reference["switches.L7.logits"]) < RTOL
    convert_checkpoint(FIXTURES / "released" / "released.pt", tmp_path / "from-file")  # the .pt path itself
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "from-file").eval()
    ids = reference["released.L7.input_ids"]
    with torch.no_grad():
        assert relative(model(ids).logits[..., LOGIT_IDS], reference["released.L7.logits"]) < RTOL


def test_convert_refuses_a_config_that_does_not_fit(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(FIXTURES / "released", folder)
    config = json.loads((folder / "config.json").read_text())
    config["inner_mlp_size"] = 64
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConversionError, match="does not fit"):
        convert_checkpoint(folder, tmp_path / "out")
    (folder / "config.json").unlink()
    with pytest.raises(ConversionError, match="no vortex config"):
        convert_checkpoint(folder, tmp_path / "out2")


# ---- configuration, tokenizer, dtypes ------------------------------------------------------------------


def test_presets_are_the_released_configs():
    seven = Evo2Config.from_preset("evo2_7b")
    assert seven.num_hidden_layers == 32 and seven.block_types.count("attention") == 5
    assert seven.block_types[:4] == ["hcs", "hcm", "hcl", "attention"]
    assert seven.intermediate_size == 11264 and seven.rotary_emb_scaling_factor == 128
    assert Evo2Config.from_preset("evo2_40b_base").intermediate_size == 21888
    assert set(VORTEX_PRESETS) >= {"evo2_1b_base", "evo2_7b", "evo2_20b", "evo2_40b"}


def test_tokenizer_gives_vortex_byte_ids():
    tokenizer = Evo2Tokenizer()
    assert tokenizer("ACGTN")["input_ids"] == [65, 67, 71, 84, 78]  # CharLevelTokenizer: UTF-8 bytes
    assert tokenizer("acgu")["input_ids"] == [65, 67, 71, 84]  # normalised first
    batch = tokenizer(["ACGT", "GA"], padding=True)
    assert batch["input_ids"][1] == [71, 65, 1, 1] and batch["attention_mask"][1] == [1, 1, 0, 0]
    assert Evo2Tokenizer(add_bos=True)("GA")["input_ids"] == [0, 71, 65]
    assert tokenizer.decode([65, 67, 71, 84]) == "ACGT"
    with pytest.raises(ValueError):
        tokenizer("ACGX")


def test_bfloat16_keeps_filters_in_float32_and_tracks_float32(converted, reference):
    """As vortex: bf16 weights, float32 poles/residues/filters (``_keep_in_fp32_modules``) and convolutions."""
    bf16 = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.bfloat16).eval()
    assert bf16.model.layers[2].mixer.filter.log_poles.dtype == torch.float32
    assert bf16.model.layers[0].mixer.in_proj.weight.dtype == torch.bfloat16
    ids = reference["released.L128.input_ids"]
    with torch.no_grad():
        logits = bf16(ids).logits.float()[..., LOGIT_IDS]
    # bf16 rounding (8 bits of mantissa) through 6 random blocks: a few percent of the logits' range
    assert relative(logits, reference["released.L128.logits"]) < 0.1


def test_save_and_reload_is_identical(models, tmp_path):
    models["switches"].save_pretrained(tmp_path)
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    ids = torch.randint(60, 90, (1, 33))
    with torch.no_grad():
        torch.testing.assert_close(reloaded(ids).logits, models["switches"](ids).logits, rtol=0, atol=0)
    assert (tmp_path / "modeling_evo2.py").is_file()


CHILD = """
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

folder = sys.argv[1]
model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True).eval()
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
ids = torch.tensor(tokenizer(["ACGTACGTAC"])["input_ids"])
with torch.no_grad():
    generated = model.generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=1)
    logits = model(ids).logits
print(json.dumps({"module": type(model).__module__, "ids": ids.tolist(), "generated": generated.tolist(),
                  "logits": logits[0, -1, :8].tolist(),
                  "hf_genomics_loaded": any(m.startswith("hf_genomics") for m in sys.modules)}))
"""


@pytest.mark.slow  # a fresh interpreter importing transformers: ~30-70 s on the shared 2-core machine
def test_converted_folder_runs_as_remote_code_without_hf_genomics(converted, tmp_path):
    from tests.remote_code_child import run_without_hf_genomics

    report = run_without_hf_genomics(CHILD, [converted], tmp_path)
    assert not report["hf_genomics_loaded"] and "hf_genomics" not in report["module"]
    model = AutoModelForCausalLM.from_pretrained(converted).eval()
    ids = torch.tensor(report["ids"])
    assert ids.tolist() == [[65, 67, 71, 84, 65, 67, 71, 84, 65, 67]]
    with torch.no_grad():
        expected = model.generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=1)
        logits = model(ids).logits[0, -1, :8]
    assert report["generated"] == expected.tolist()
    torch.testing.assert_close(torch.tensor(report["logits"]), logits, rtol=1e-5, atol=1e-5)
