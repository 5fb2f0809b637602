"""The restricted unpickler: real checkpoints load, hostile ones are refused and nothing of them runs."""

from __future__ import annotations

import pickle
import sys
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

from convert_corpus import PORTS, copy_fixture, lightning_checkpoint_folder, malicious_checkpoints  # noqa: E402

from hf_genomics.cli import main as cli_main  # noqa: E402
from hf_genomics.safe_pickle import (  # noqa: E402
    Placeholder,
    UnsafePickleError,
    load_checkpoint_state_dict,
    safe_pickle_loads,
    safe_torch_load,
)


def test_plain_state_dicts_round_trip(tmp_path):
    state = OrderedDict(
        weight=torch.randn(3, 4),
        half=torch.randn(2, dtype=torch.float16),
        ids=torch.arange(5),
        parameter=torch.nn.Parameter(torch.ones(2)),
        view=torch.arange(10.0)[2:6],  # a view into a larger storage
    )
    for legacy in (False, True):
        path = tmp_path / f"state-{legacy}.bin"
        torch.save(state, path, _use_new_zipfile_serialization=not legacy)
        loaded = load_checkpoint_state_dict(path)
        assert list(loaded) == list(state)
        for key, tensor in state.items():
            assert torch.equal(loaded[key], tensor.detach()) and loaded[key].dtype == tensor.dtype


def test_real_lightning_checkpoint_keeps_only_the_state_dict():
    path = lightning_checkpoint_folder() / "weights.ckpt"
    loaded = safe_torch_load(path)
    assert {"state_dict", "hyper_parameters", "optimizer_states", "loops", "callbacks"} <= set(loaded)
    hyper = loaded["hyper_parameters"]
    assert isinstance(hyper, Placeholder) and "omegaconf" in repr(hyper)  # inert, omegaconf never imported
    assert "omegaconf" not in sys.modules
    reference = torch.load(PORTS / "hyenadna" / "original" / "weights.ckpt", weights_only=True)["state_dict"]
    state = load_checkpoint_state_dict(path)
    assert sorted(state) == sorted(reference)
    assert all(torch.equal(state[key], reference[key]) for key in reference)
    assert torch.is_tensor(loaded["optimizer_states"][0]["state"][0]["exp_avg"])  # Adam moments read as data


@pytest.fixture
def hostile(tmp_path):
    witness = tmp_path / "PWNED"
    return malicious_checkpoints(tmp_path / "pickles", witness), witness


def test_every_hostile_pickle_is_refused_and_nothing_runs(hostile):
    paths, witness = hostile
    for name, path in paths.items():
        with pytest.raises(UnsafePickleError, match="allow-list|asks to"):
            load_checkpoint_state_dict(path)
        assert not witness.exists(), f"{name} ran code"
    assert len(paths) == 9


def test_the_witness_would_appear_if_the_pickle_ran(hostile):
    """The payloads are real: plain pickle runs them (so the refusal above is meaningful)."""
    paths, witness = hostile
    pickle.loads(paths["plain_pickle.bin"].read_bytes())
    assert witness.exists()


def test_hostile_checkpoint_in_a_folder_fails_convert_with_one_line(hostile, tmp_path, capsys):
    paths, witness = hostile
    for name in ("os_system_in_hparams.ckpt", "getattr.bin", "plain_pickle.bin", "inst_protocol0.bin"):
        folder = copy_fixture(PORTS / "hyenadna" / "original", tmp_path / f"src-{name}")
        (folder / "weights.ckpt").write_bytes(paths[name].read_bytes())
        assert cli_main(["convert", str(folder), str(tmp_path / f"out-{name}")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "refused to unpickle" in err[0] and "weights.ckpt" in err[0], err
        assert "weights_only" not in err[0]
        assert not witness.exists()
        assert not (tmp_path / f"out-{name}").exists()


@pytest.mark.parametrize(
    "payload",
    [
        b"cbuiltins\ngetattr\n(cos\nenviron\nS'x'\ntR.",  # builtins.getattr(os.environ, 'x')
        b"cbuiltins\n__import__\n(S'os'\ntR.",
        b"csubprocess\nPopen\n((S'true'\nltR.",
        b"ctorch\nload\n(S'/nonexistent'\ntR.",
        b"ctorch._utils\n_rebuild_tensor_v2\n(tR.",  # allowed function, malformed: still an error, not a crash
    ],
)
def test_handwritten_payloads_are_refused(payload):
    with pytest.raises((UnsafePickleError, TypeError)):
        safe_pickle_loads(payload)


def test_build_never_sets_state_on_real_objects():
    # GLOBAL torch._utils._rebuild_tensor_v2, then BUILD with a dict: would tamper with torch's function
    payload = b"ctorch._utils\n_rebuild_tensor_v2\n(dS'__defaults__'\n(I1\ntsb."
    with pytest.raises(UnsafePickleError, match="set the state"):
        safe_pickle_loads(payload)
    assert torch._utils._rebuild_tensor_v2.__defaults__ != (1,)


def test_unknown_classes_become_inert_placeholders():
    import types

    module = types.ModuleType("some_missing_package_config")

    class Settings:
        def __init__(self):
            self.lr, self.layers = 0.1, [1, 2]

    # pickled by reference to a module that exists only while pickling: the loader must not import it
    Settings.__module__, Settings.__qualname__ = module.__name__, "Settings"
    module.Settings = Settings
    sys.modules[module.__name__] = module
    try:
        data = pickle.dumps({"settings": Settings(), "w": 1}, protocol=4)
    finally:
        del sys.modules[module.__name__]
    loaded = safe_pickle_loads(data)
    assert isinstance(loaded["settings"], Placeholder)
    assert loaded["settings"].state == {"lr": 0.1, "layers": [1, 2]}
    assert module.__name__ not in sys.modules


def test_state_dict_that_is_not_tensors_is_refused(tmp_path):
    bare = tmp_path / "bare.bin"
    torch.save(torch.zeros(3), bare)
    with pytest.raises(ValueError, match="single tensor"):
        load_checkpoint_state_dict(bare)
    listed = tmp_path / "list.bin"
    torch.save([torch.zeros(3)], listed)
    with pytest.raises(ValueError, match="not a state dict"):
        load_checkpoint_state_dict(listed)
    mixed = tmp_path / "mixed.bin"
    torch.save({"w": torch.zeros(1), "step": 3}, mixed)
    with pytest.raises(ValueError, match="not tensors.*step"):
        load_checkpoint_state_dict(mixed)


def test_torchs_weights_only_refusal_is_never_passed_on_to_the_user():
    """Families that use torch's own weights-only loader (Evo) report its refusal without its advice."""
    from hf_genomics.convert.base import first_line

    with pytest.raises(Exception) as refusal:
        torch.load(lightning_checkpoint_folder() / "weights.ckpt", weights_only=True)
    assert "weights_only" in str(refusal.value)  # torch's message advises unsafe loading...
    message = first_line(refusal.value)
    assert "weights_only" not in message and "\n" not in message  # ...ours does not
    assert "nothing in it was run" in message
