"""Evo 1 port: converted StripedHyena 1 checkpoints (the Hub layout) reproduce stripedhyena's outputs.

Fixtures (tests/fixtures/ports/evo1, made by make_evo1_fixtures.py from github.com/togethercomputer/stripedhyena):
two tiny seeded checkpoints as the evo-1 Hub repositories store them (``config.json`` with
``model_type: stripedhyena``, ``model.safetensors`` under ``backbone.``, the tied output layer stored
once) — ``evo1``: Evo 1's switches; ``switches``: GQA, no column split, untied, SiLU — with the
original's logits, per-block outputs, final hidden states and cached decoding logits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

import hf_genomics  # noqa: F401  (registers the Auto classes)
from hf_genomics.convert import ConversionError, convert_checkpoint
from hf_genomics.models.evo1.configuration_evo1 import Evo1Config
from hf_genomics.models.evo1.modeling_evo1 import Evo1ForCausalLM
from hf_genomics.models.evo2.tokenization_evo2 import Evo2Tokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "ports" / "evo1"
LAYOUTS = ("evo1", "switches")
LENGTHS = (1, 2, 3, 64, 129)
LOGIT_IDS = [0, 1, 65, 67, 71, 84, 97, 255, 256, 511]
RTOL = 1e-5  # max |ours - stripedhyena| / max |stripedhyena|, fp32


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return load_file(FIXTURES / "outputs.safetensors")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    folders = {}
    for layout in LAYOUTS:
        folders[layout] = tmp_path_factory.mktemp(layout)
        convert_checkpoint(FIXTURES / layout, folders[layout])
    return folders


@pytest.fixture(scope="module")
def models(converted) -> dict[str, Evo1ForCausalLM]:
    return {
        layout: AutoModelForCausalLM.from_pretrained(folder).eval() for layout, folder in converted.items()
    }


def relative(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    return float((ours - theirs).abs().max() / theirs.abs().max())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_prefill_matches_stripedhyena(models, reference, layout):
    model = models[layout]
    assert type(model) is Evo1ForCausalLM
    for length in LENGTHS:
        key = f"{layout}.L{length}"
        with torch.no_grad():
            out = model(reference[f"{key}.input_ids"], output_hidden_states=True)
        assert relative(out.logits[..., LOGIT_IDS], reference[f"{key}.logits"]) < RTOL, key
        assert relative(out.hidden_states[-1], reference[f"{key}.final_hidden"]) < RTOL, key
        for block in range(model.config.num_layers - 1):
            assert relative(out.hidden_states[block + 1], reference[f"{key}.block{block}"]) < RTOL, key


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cached_decoding_matches_stripedhyena_and_recomputation(models, reference, layout):
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


def test_converted_folder_ties_the_output_layer_and_generates(converted, models):
    """The Hub's evo-1 stores the tied matrix once; transformers 5 remote code leaves it untied (evo#135)."""
    model = models["evo1"]
    assert model.config.tie_word_embeddings
    assert model.lm_head.weight.data_ptr() == model.model.embeddings.weight.data_ptr()
    tokenizer = AutoTokenizer.from_pretrained(converted["evo1"])
    assert type(tokenizer) is Evo2Tokenizer and tokenizer("ACGT")["input_ids"] == [65, 67, 71, 84]
    prompt = torch.tensor([tokenizer("ACGTTGCA")["input_ids"]])
    with torch.no_grad():
        generated = model.generate(prompt, max_new_tokens=8, do_sample=False, pad_token_id=1)
        ids = prompt
        for _ in range(8):
            ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert generated.tolist() == ids.tolist()
    assert not models["switches"].config.tie_word_embeddings


def test_presets_and_refusals(tmp_path):
    config = Evo1Config.from_preset("evo-1-131k-base")
    assert config.block_types.count("attention") == 3 and config.block_types[8] == "attention"
    assert config.inner_mlp_size == 10928 and config.rotary_emb_scaling_factor == 16
    folder = tmp_path / "bad"
    folder.mkdir()
    settings = json.loads((FIXTURES / "evo1" / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(dict(settings, state_size=5)))
    (folder / "model.safetensors").write_bytes((FIXTURES / "evo1" / "model.safetensors").read_bytes())
    with pytest.raises(ConversionError, match="does not fit"):
        convert_checkpoint(folder, tmp_path / "out")


@pytest.mark.slow  # a fresh interpreter importing transformers: ~30-70 s on the shared 2-core machine
def test_converted_folder_runs_as_remote_code_without_hf_genomics(converted, models, tmp_path):
    from tests.remote_code_child import run_without_hf_genomics
    from tests.test_port_evo2 import CHILD

    report = run_without_hf_genomics(CHILD, [converted["evo1"]], tmp_path)
    assert not report["hf_genomics_loaded"] and "hf_genomics" not in report["module"]
    ids = torch.tensor(report["ids"])
    with torch.no_grad():
        expected = models["evo1"].generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=1)
        logits = models["evo1"](ids).logits[0, -1, :8]
    assert report["generated"] == expected.tolist()
    torch.testing.assert_close(torch.tensor(report["logits"]), logits, rtol=1e-5, atol=1e-5)
