"""``convert`` on the layouts people really have: config revisions, shards, Hub caches, Lightning files.

Each layout is built from an original-code parity fixture (``tests/convert_corpus.py``) and must
convert to exactly the model the canonical fixture converts to (whose parity with the original
implementation ``tests/test_port_*.py`` proves), tensor for tensor.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

from convert_corpus import (  # noqa: E402
    LAYOUTS,
    PORTS,
    REAL_CONFIGS,
    copy_fixture,
    edit_config,
    hub_cache_snapshot,
    lightning_checkpoint_folder,
    read_state,
    shard,
    tree_fingerprint,
)

from hf_genomics.cli import main as cli_main  # noqa: E402
from hf_genomics.convert.base import (  # noqa: E402
    ConversionError,
    convert_checkpoint,
    convert_in_memory,
    detect_family,
)

# ------------------------------------------------------------------------------------------------
# family detection on the published configs, by signature
# ------------------------------------------------------------------------------------------------
EXPECTED_FAMILY = {
    "dnabert1-bert-config-6": "DNABERT-1",
    "dnabert2-117m": "DNABERT-2",
    "dnabert2-117m-no-model-type": "DNABERT-2",
    "hyenadna-tiny-1k-seqlen": "HyenaDNA",
    "hyenadna-tiny-1k-seqlen-model-type": "HyenaDNA",
    "hyenadna-small-32k-seqlen-hf-finetune": "HyenaDNA",
    "gena-lm-L12-H768-A12-V32k-preln": "GENA-LM",
    "gena-lm-L12-H768-A12-V32k-preln-lastln": "GENA-LM",
    "gena-lm-L24-H1024-A16-V32k-preln-lastln": "GENA-LM",
    "gena-lm-L12-H768-A12-V32k-L4096-preln-lastln-sparse-ln1e-05": "GENA-LM",
    "gena-lm-L12-H768-A12-V32k-L4096-preln-sparse-rope": "GENA-LM",
    "caduceus-ps_seqlen-131k_d_model-256_n_layer-16": "Caduceus",
    "caduceus-ph_seqlen-131k_d_model-256_n_layer-16": "Caduceus",
    "nucleotide-transformer-v2-50m-multi-species": "Nucleotide Transformer",
    "nucleotide-transformer-v2-50m-multi-species-no-model-type": "Nucleotide Transformer",
    "nucleotide-transformer-500m-human-ref": "Nucleotide Transformer",
    "nucleotide-transformer-500m-human-ref-no-model-type": "Nucleotide Transformer",
}


def test_the_corpus_is_complete():
    assert sorted(path.stem for path in REAL_CONFIGS.glob("*.json")) == sorted(EXPECTED_FAMILY)


@pytest.mark.parametrize("name", sorted(EXPECTED_FAMILY))
def test_published_configs_are_recognised_by_signature(name):
    config = json.loads((REAL_CONFIGS / f"{name}.json").read_text())
    assert detect_family(config, name).family == EXPECTED_FAMILY[name]  # exactly one family matches


@pytest.mark.parametrize("name", sorted(EXPECTED_FAMILY))
def test_model_type_alone_never_decides(name):
    """A foreign model_type on a config is refused; a missing one still detects (by signature)."""
    config = json.loads((REAL_CONFIGS / f"{name}.json").read_text())
    without = {key: value for key, value in config.items() if key != "model_type"}
    assert detect_family(without, name).family == EXPECTED_FAMILY[name]
    with pytest.raises(ConversionError, match="unknown architecture"):
        detect_family({**config, "model_type": "gpt2"}, name)


def test_hyenadna_original_layout_with_model_type_is_not_taken_for_the_hf_layout():
    from hf_genomics.convert.hyenadna import is_hf_layout, is_original_layout

    config = json.loads((REAL_CONFIGS / "hyenadna-tiny-1k-seqlen-model-type.json").read_text())
    assert is_original_layout(config) and not is_hf_layout(config)
    hf = json.loads((REAL_CONFIGS / "hyenadna-small-32k-seqlen-hf-finetune.json").read_text())
    assert is_hf_layout(hf) and not is_original_layout(hf)


# ------------------------------------------------------------------------------------------------
# layouts convert to exactly the canonical fixture's model
# ------------------------------------------------------------------------------------------------
_CANONICAL: dict[str, dict] = {}


def canonical_state(fixture: str) -> dict[str, torch.Tensor]:
    if fixture not in _CANONICAL:
        _CANONICAL[fixture] = convert_in_memory(PORTS / fixture).model.state_dict()
    return _CANONICAL[fixture]


def assert_same_model(converted, fixture: str) -> None:
    expected = canonical_state(fixture)
    got = converted.model.state_dict()
    assert sorted(got) == sorted(expected)
    for key, tensor in expected.items():
        assert torch.equal(got[key], tensor), key


LAYOUT_CASES = {
    # DNABERT-2-117M's first config.json: no model_type
    "dnabert2-no-model-type": ("dnabert2/tiny_mlm", lambda f: edit_config(f, drop=("model_type",))),
    "dnabert2-sharded-bin": ("dnabert2/tiny_mlm", lambda f: shard(f, "bin")),
    "dnabert2-cls-sharded-safetensors": ("dnabert2/tiny_cls", lambda f: shard(f, "safetensors", shards=3)),
    # LongSafari non-hf release carrying "model_type": "hyenadna"
    "hyenadna-original-model-type": (
        "hyenadna/original",
        lambda f: edit_config(f, model_type="hyenadna"),
    ),
    "hyenadna-hf-sharded-safetensors": ("hyenadna/hf", lambda f: shard(f, "safetensors")),
    "nt-v2-no-model-type": (
        "nucleotide_transformer/nt_v2_tiny",
        lambda f: edit_config(f, drop=("model_type",)),
    ),
    "nt-v1-no-model-type": (
        "nucleotide_transformer/nt_v1_tiny",
        lambda f: edit_config(f, drop=("model_type",)),
    ),
    "nt-v2-sharded-bin": ("nucleotide_transformer/nt_v2_tiny", lambda f: shard(f, "bin")),
    # gena-lm-bert-base-lastln-t2t: the published config has no last_layer_norm key (defaults to pre-LN)
    "gena-lastln-key-absent": (
        "gena_lm/mlm_preln_lastln",
        lambda f: edit_config(f, drop=("last_layer_norm",)),
    ),
    "gena-no-model-type": ("gena_lm/mlm_preln", lambda f: edit_config(f, drop=("model_type",))),
    "caduceus-ps-no-model-type": ("caduceus/ps_mlm", lambda f: edit_config(f, drop=("model_type",))),
    "caduceus-ph-no-model-type": ("caduceus/ph_mlm", lambda f: edit_config(f, drop=("model_type",))),
    "dnabert1-no-model-type": (
        "nucleotide_transformer/dnabert1_tiny",
        lambda f: edit_config(f, drop=("model_type",)),
    ),
}


def gena_folder(tmp_path: Path, fixture: str) -> Path:
    """GENA-LM fixtures ship their tokenizer compressed; a real folder has tokenizer.json."""
    import lzma

    folder = copy_fixture(PORTS / fixture, tmp_path / "src")
    (folder / "tokenizer.json").write_bytes(
        lzma.decompress((PORTS / "gena_lm" / "tokenizer.json.xz").read_bytes())
    )
    return folder


def layout_folder(tmp_path: Path, fixture: str) -> Path:
    if fixture.startswith("gena_lm/"):
        return gena_folder(tmp_path, fixture)
    return copy_fixture(PORTS / fixture, tmp_path / "src")


@pytest.mark.parametrize("case", sorted(LAYOUT_CASES))
def test_layout_converts_to_the_canonical_model(case, tmp_path):
    fixture, build = LAYOUT_CASES[case]
    folder = build(layout_folder(tmp_path, fixture))
    converted = convert_checkpoint(folder, tmp_path / "out")
    if fixture.startswith("gena_lm/"):
        reference = convert_in_memory(layout_folder(tmp_path / "ref", fixture)).model.state_dict()
        got = converted.model.state_dict()
        assert sorted(got) == sorted(reference) and all(torch.equal(got[k], reference[k]) for k in got)
    else:
        assert_same_model(converted, fixture)
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_real_lightning_checkpoint_with_omegaconf_converts(tmp_path, capsys):
    """weights.ckpt as Trainer.save_checkpoint writes it: torch.load(weights_only=True) refuses it."""
    checkpoint = lightning_checkpoint_folder() / "weights.ckpt"
    with pytest.raises(Exception, match="Weights only load failed"):
        torch.load(checkpoint, weights_only=True)
    assert cli_main(["convert", str(lightning_checkpoint_folder()), str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "HyenaDNA" in out
    assert_same_model(convert_in_memory(lightning_checkpoint_folder()), "hyenadna/original")


# ------------------------------------------------------------------------------------------------
# Hub-cache snapshots: read through the links, never written into
# ------------------------------------------------------------------------------------------------
def test_hub_cache_snapshot_converts_without_writing_into_it(tmp_path):
    cache = tmp_path / "hub"
    snapshot = hub_cache_snapshot(PORTS / "dnabert2" / "tiny_mlm", cache, "zhihan1996/DNABERT-2-117M")
    assert all(path.is_symlink() for path in snapshot.iterdir())
    before = tree_fingerprint(cache)
    converted = convert_checkpoint(snapshot, tmp_path / "out")
    assert_same_model(converted, "dnabert2/tiny_mlm")
    assert tree_fingerprint(cache) == before
    for inside in (snapshot, snapshot / "converted", cache / "models--zhihan1996--DNABERT-2-117M"):
        with pytest.raises(ConversionError, match="source folder"):
            convert_checkpoint(snapshot, inside)
    assert tree_fingerprint(cache) == before


def test_sharded_index_naming_a_path_outside_the_folder_is_refused(tmp_path):
    folder = shard(copy_fixture(PORTS / "dnabert2" / "tiny_mlm", tmp_path / "src"), "bin")
    index = folder / "pytorch_model.bin.index.json"
    data = json.loads(index.read_text())
    key = next(iter(data["weight_map"]))
    data["weight_map"][key] = "../elsewhere.bin"
    index.write_text(json.dumps(data))
    with pytest.raises(ConversionError, match="not a file name"):
        convert_in_memory(folder)
    data["weight_map"][key] = "pytorch_model-00009-of-00009.bin"
    index.write_text(json.dumps(data))
    with pytest.raises(ConversionError, match="missing"):
        convert_in_memory(folder)


# ------------------------------------------------------------------------------------------------
# nothing dropped silently
# ------------------------------------------------------------------------------------------------
def test_tensors_not_carried_over_are_listed_on_the_command_line(tmp_path, capsys):
    assert (
        cli_main(["convert", str(PORTS / "nucleotide_transformer" / "nt_v2_tiny"), str(tmp_path / "nt")]) == 0
    )
    out = capsys.readouterr().out
    assert "not carried over (5 tensors" in out
    for name in (
        "esm.contact_head.regression.weight",
        "esm.embeddings.position_embeddings.weight",
        "esm.encoder.layer.*.attention.self.rotary_embeddings.inv_freq (x2)",
    ):
        assert name in out

    folder = copy_fixture(PORTS / "nucleotide_transformer" / "dnabert1_tiny", tmp_path / "pretraining")
    state = read_state(folder)
    hidden = state["bert.embeddings.word_embeddings.weight"].shape[1]
    state.update(  # what BertForPreTraining checkpoints add: the pooler and the next-sentence head
        {
            "bert.pooler.dense.weight": torch.zeros(hidden, hidden),
            "bert.pooler.dense.bias": torch.zeros(hidden),
            "cls.seq_relationship.weight": torch.zeros(2, hidden),
            "cls.seq_relationship.bias": torch.zeros(2),
        }
    )
    from safetensors.torch import save_file

    save_file(state, folder / "model.safetensors")
    assert cli_main(["convert", str(folder), str(tmp_path / "d1")]) == 0
    out = capsys.readouterr().out
    assert "cls.seq_relationship.weight" in out and "bert.pooler.dense.weight" in out


def _without(folder: Path, prefix: str) -> None:
    from safetensors.torch import save_file

    state = {key: value.clone() for key, value in read_state(folder).items() if not key.startswith(prefix)}
    for name in ("pytorch_model.bin", "model.safetensors"):
        (folder / name).unlink(missing_ok=True)
    save_file(state, folder / "model.safetensors")


@pytest.mark.parametrize(
    ("fixture", "missing"),
    [
        ("dnabert2/tiny_mlm", "cls.predictions.transform.dense."),
        ("dnabert2/tiny_mlm", "cls.predictions."),  # the config says BertForMaskedLM
        ("nucleotide_transformer/nt_v2_tiny", "lm_head.dense."),
        ("nucleotide_transformer/dnabert1_tiny", "cls.predictions.transform."),
        ("gena_lm/mlm_preln", "cls.predictions.transform.dense."),
    ],
)
def test_masked_lm_checkpoint_without_its_head_is_an_error(fixture, missing, tmp_path, capsys):
    folder = layout_folder(tmp_path, fixture)
    _without(folder, missing)
    assert cli_main(["convert", str(folder), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("missing" in err[0] or "without" in err[0]), err
    assert not (tmp_path / "out").exists()


def test_layouts_corpus_fixture_is_small():
    total = sum(path.stat().st_size for path in LAYOUTS.rglob("*") if path.is_file())
    assert total < 400_000, total


# ------------------------------------------------------------------------------------------------
# published configs + original-code weights: every key of the real file is accepted
# ------------------------------------------------------------------------------------------------
BERT_SIZES = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
)
HYENA_SIZES = (
    "d_model",
    "n_layer",
    "d_inner",
    "vocab_size",
    "emb_dim",
    "filter_order",
    "max_seq_len",
    "layer",
)
# published config -> (original-code fixture with its weights, the size keys taken from the fixture)
REAL_WITH_WEIGHTS = {
    "dnabert1-bert-config-6": ("nucleotide_transformer/dnabert1_tiny", BERT_SIZES),
    "dnabert2-117m": ("dnabert2/tiny_mlm", (*BERT_SIZES, "alibi_starting_size", "architectures")),
    "dnabert2-117m-no-model-type": (
        "dnabert2/tiny_mlm",
        (*BERT_SIZES, "alibi_starting_size", "architectures"),
    ),
    "hyenadna-tiny-1k-seqlen": ("hyenadna/original", HYENA_SIZES),
    "hyenadna-tiny-1k-seqlen-model-type": ("hyenadna/original", HYENA_SIZES),
    "hyenadna-small-32k-seqlen-hf-finetune": ("hyenadna/hf-cls", HYENA_SIZES),
    "gena-lm-L12-H768-A12-V32k-preln": ("gena_lm/mlm_preln", BERT_SIZES),
    "gena-lm-L12-H768-A12-V32k-preln-lastln": ("gena_lm/mlm_preln_lastln", BERT_SIZES),
    "gena-lm-L24-H1024-A16-V32k-preln-lastln": ("gena_lm/mlm_preln_lastln", BERT_SIZES),
    "caduceus-ps_seqlen-131k_d_model-256_n_layer-16": (
        "caduceus/ps_mlm",
        ("d_model", "n_layer", "vocab_size"),
    ),
    "caduceus-ph_seqlen-131k_d_model-256_n_layer-16": (
        "caduceus/ph_mlm",
        ("d_model", "n_layer", "vocab_size"),
    ),
    "nucleotide-transformer-v2-50m-multi-species": ("nucleotide_transformer/nt_v2_tiny", BERT_SIZES),
    "nucleotide-transformer-v2-50m-multi-species-no-model-type": (
        "nucleotide_transformer/nt_v2_tiny",
        BERT_SIZES,
    ),
    "nucleotide-transformer-500m-human-ref": ("nucleotide_transformer/nt_v1_tiny", BERT_SIZES),
    "nucleotide-transformer-500m-human-ref-no-model-type": ("nucleotide_transformer/nt_v1_tiny", BERT_SIZES),
}


def test_every_dense_published_config_is_paired_with_weights():
    refused = {name for name in EXPECTED_FAMILY if "sparse" in name}
    assert set(REAL_WITH_WEIGHTS) == set(EXPECTED_FAMILY) - refused


@pytest.mark.parametrize("name", sorted(REAL_WITH_WEIGHTS))
def test_published_config_with_original_weights_converts(name, tmp_path):
    """The published config.json verbatim except its size fields (the tiny fixture's), beside the
    original-code weights: converts to exactly the weights the canonical fixture converts to."""
    fixture, sizes = REAL_WITH_WEIGHTS[name]
    folder = layout_folder(tmp_path, fixture)
    tiny = json.loads((folder / "config.json").read_text())
    real = json.loads((REAL_CONFIGS / f"{name}.json").read_text())
    config = {**real, **{key: tiny[key] for key in sizes if key in tiny}}
    (folder / "config.json").write_text(json.dumps(config))
    converted = convert_in_memory(folder)
    assert converted.family.startswith(EXPECTED_FAMILY[name])
    if fixture.startswith("gena_lm/"):
        reference = convert_in_memory(layout_folder(tmp_path / "ref", fixture)).model.state_dict()
        got = converted.model.state_dict()
        assert sorted(got) == sorted(reference) and all(torch.equal(got[k], reference[k]) for k in got)
    else:
        assert_same_model(converted, fixture)


def test_missing_hyenadna_embeddings_message_does_not_contradict_itself(tmp_path):
    folder = copy_fixture(PORTS / "hyenadna" / "original", tmp_path / "src")
    state = read_state(folder)
    del state["model.backbone.embeddings.word_embeddings.weight"]
    torch.save({"state_dict": state}, folder / "weights.ckpt")
    with pytest.raises(ConversionError) as error:
        convert_in_memory(folder)
    message = str(error.value)
    expected, _, found = message.partition("found")
    assert "model.backbone.embeddings.word_embeddings.weight" in expected
    assert "embeddings.word_embeddings" not in found  # never lists, as present, the key it says is missing
