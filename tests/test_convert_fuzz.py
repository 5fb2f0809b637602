"""The malformed-input campaign for ``convert`` (issue 20): damaged files end in a ConversionError
(one line, exit 2 from the CLI), never another exception, and no pickle payload ever runs.

Damage: weight files truncated, with bytes overwritten or inserted (safetensors, torch zip ``.bin``,
legacy ``.bin``, a real Lightning ``.ckpt``), random pickles, and ``config.json`` files whose values
are replaced by other JSON. The default run draws ~110 examples; ``-m slow`` runs ~2,300.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from convert_corpus import PORTS, lightning_checkpoint_folder, read_state  # noqa: E402

from hf_genomics.cli import main as cli_main  # noqa: E402
from hf_genomics.convert.base import ConversionError, load_original_state_dict  # noqa: E402

WEIGHT_KINDS = ("model.safetensors", "pytorch_model.bin", "legacy.bin", "weights.ckpt")


def weight_bytes(kind: str, scratch: Path) -> bytes:
    if kind == "weights.ckpt":
        return (lightning_checkpoint_folder() / "weights.ckpt").read_bytes()
    if kind == "model.safetensors":
        return (PORTS / "dnabert2" / "tiny_cls" / "model.safetensors").read_bytes()
    state = read_state(PORTS / "dnabert2" / "tiny_cls")
    path = scratch / kind
    torch.save(state, path, _use_new_zipfile_serialization=kind != "legacy.bin")
    return path.read_bytes()


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, bytes]:
    scratch = tmp_path_factory.mktemp("weights")
    return {kind: weight_bytes(kind, scratch) for kind in WEIGHT_KINDS}


damage = st.tuples(
    st.sampled_from(WEIGHT_KINDS),
    st.sampled_from(["truncate", "overwrite", "insert"]),
    st.floats(0, 1),
    st.binary(min_size=1, max_size=64),
)


def damaged(data: bytes, how: str, where: float, junk: bytes) -> bytes:
    at = int(where * len(data))
    if how == "truncate":
        return data[:at]
    if how == "overwrite":
        return data[:at] + junk + data[at + len(junk) :]
    return data[:at] + junk + data[at:]


def check_damaged_weights(originals, tmp_path, case) -> None:
    kind, how, where, junk = case
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    name = "pytorch_model.bin" if kind == "legacy.bin" else kind
    (folder / name).write_bytes(damaged(originals[kind], how, where, junk))
    try:
        state = load_original_state_dict(folder)
    except ConversionError as error:
        assert "\n" not in str(error) and str(folder) in str(error)
    else:
        assert state and all(torch.is_tensor(value) for value in state.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=damage)
def test_damaged_weight_files_are_conversion_errors(originals, tmp_path, case):
    check_damaged_weights(originals, tmp_path, case)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=damage)
def test_damaged_weight_files_are_conversion_errors_long(originals, tmp_path, case):
    check_damaged_weights(originals, tmp_path, case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_pickles_never_run_and_never_crash(tmp_path, data):
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x02" + data)
    try:
        load_original_state_dict(tmp_path)
    except ConversionError as error:
        assert "\n" not in str(error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
CONFIG_FIXTURES = (
    "dnabert2/tiny_cls",
    "hyenadna/original",
    "caduceus/ps_mlm",
    "nucleotide_transformer/nt_v2_tiny",
)


config_damage = dict(
    fixture=st.sampled_from(CONFIG_FIXTURES), key_index=st.integers(0, 200), value=json_values
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**config_damage)
def test_config_values_of_the_wrong_kind_end_in_one_line(tmp_path_factory, fixture, key_index, value):
    check_config_value(tmp_path_factory, fixture, key_index, value)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**config_damage)
def test_config_values_of_the_wrong_kind_end_in_one_line_long(tmp_path_factory, fixture, key_index, value):
    check_config_value(tmp_path_factory, fixture, key_index, value)


def check_config_value(tmp_path_factory, fixture: str, key_index: int, value) -> None:
    import shutil

    tmp_path = tmp_path_factory.mktemp("config")
    folder = shutil.copytree(PORTS / fixture, tmp_path / "src")
    config = json.loads((folder / "config.json").read_text())
    key = sorted(config)[key_index % len(config)]
    config[key] = value
    (folder / "config.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(["convert", str(folder), str(out)])
    lines = [
        line for line in err.getvalue().splitlines() if line.strip() and not line.startswith("Writing model")
    ]
    assert code in (0, 2), (key, value, lines)
    if code == 2:
        assert len(lines) == 1, (key, value, lines)
        assert not out.exists()
