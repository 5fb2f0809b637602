"""Build checkpoints in the layouts people actually have on disk, from the original-code fixtures.

Every builder starts from a committed parity fixture (``tests/fixtures/ports/<family>/``: weights
written by the ORIGINAL implementation, original key names, see ``make_*_fixtures.py``) and rewrites
only the *layout*: ``config.json`` revisions (``model_type`` present or absent, the published configs'
keys), sharded weights with their index, a Hugging Face Hub cache snapshot whose files are symbolic
links into ``blobs/``, a PyTorch Lightning checkpoint, hostile pickles. Big outputs are written under
the caller's ``tmp_path`` at test time; only small inputs are committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

PORTS = Path(__file__).parent / "fixtures" / "ports"
LAYOUTS = PORTS / "convert_layouts"
REAL_CONFIGS = LAYOUTS / "real_configs"


def copy_fixture(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def edit_config(folder: Path, drop: tuple[str, ...] = (), **changes) -> Path:
    config = json.loads((folder / "config.json").read_text())
    for key in drop:
        config.pop(key, None)
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return folder


def read_state(folder: Path) -> dict[str, torch.Tensor]:
    """The tensors of a single-file fixture (read with the trusted loaders: these are our own files)."""
    if (folder / "model.safetensors").is_file():
        return load_file(folder / "model.safetensors")
    for name in ("pytorch_model.bin", "weights.ckpt"):
        if (folder / name).is_file():
            state = torch.load(folder / name, map_location="cpu", weights_only=True)
            return state.get("state_dict", state)
    raise FileNotFoundError(folder)


def shard(folder: Path, kind: str, shards: int = 2) -> Path:
    """Replace the single weight file by ``shards`` files and the index transformers writes."""
    state = read_state(folder)
    for name in ("model.safetensors", "pytorch_model.bin", "weights.ckpt"):
        (folder / name).unlink(missing_ok=True)
    keys = sorted(state)
    weight_map = {}
    for index in range(shards):
        part = {key: state[key].contiguous() for key in keys[index::shards]}
        if kind == "safetensors":
            name = f"model-{index + 1:05d}-of-{shards:05d}.safetensors"
            save_file(part, folder / name, metadata={"format": "pt"})
        else:
            name = f"pytorch_model-{index + 1:05d}-of-{shards:05d}.bin"
            torch.save(part, folder / name)
        weight_map.update(dict.fromkeys(part, name))
    index_name = "model.safetensors.index.json" if kind == "safetensors" else "pytorch_model.bin.index.json"
    total = sum(t.numel() * t.element_size() for t in state.values())
    (folder / index_name).write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map})
    )
    return folder


def hub_cache_snapshot(source: Path, cache: Path, repo_id: str, commit: str = "0" * 40) -> Path:
    """``source``'s files as ``huggingface_hub`` caches them: ``models--owner--name/snapshots/<commit>/``
    holding relative symbolic links ``../../blobs/<sha256>``. Returns the snapshot folder."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    blobs, snapshot = repo / "blobs", repo / "snapshots" / commit
    blobs.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        shutil.copy(path, blobs / digest)
        os.symlink(Path("..") / ".." / "blobs" / digest, snapshot / path.name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def tree_fingerprint(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (links not followed) with its type, size, mtime and link target."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        target = os.readlink(path) if path.is_symlink() else None
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns, target)
    return found


# ------------------------------------------------------------------------------------------------
# hostile and odd pickles
# ------------------------------------------------------------------------------------------------
class CallsOnLoad:
    """Unpickling this calls ``function(*args)`` -- what a malicious checkpoint does."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def malicious_checkpoints(folder: Path, witness: Path) -> dict[str, Path]:
    """Checkpoints that would create ``witness`` (or run code) if any unpickler executed them."""
    import builtins

    folder.mkdir(parents=True, exist_ok=True)
    state = {"w": torch.zeros(2)}
    command = f"touch {witness}"
    cases = {
        # torch.save zip archives, the payload beside real tensors
        "os_system_in_state_dict.bin": {"state_dict": {**state, "x": CallsOnLoad(os.system, command)}},
        "os_system_in_hparams.ckpt": {
            "state_dict": state,
            "hyper_parameters": CallsOnLoad(os.system, command),
        },
        "eval.bin": {**state, "x": CallsOnLoad(builtins.eval, f"open({str(witness)!r}, 'w').close()")},
        "exec.bin": {**state, "x": CallsOnLoad(builtins.exec, f"open({str(witness)!r}, 'w').close()")},
        "getattr.bin": {**state, "x": CallsOnLoad(builtins.getattr, "text", "upper")},
        "import.bin": {**state, "x": CallsOnLoad(builtins.__import__, "os")},
        "torch_load.bin": {**state, "x": CallsOnLoad(torch.load, str(witness))},
    }
    paths = {}
    for name, payload in cases.items():
        torch.save(payload, folder / name)
        paths[name] = folder / name
    # a plain pickle (no zip archive): torch.load's legacy path
    plain = folder / "plain_pickle.bin"
    plain.write_bytes(pickle.dumps(CallsOnLoad(os.system, command), protocol=2))
    paths[plain.name] = plain
    # protocol 0 text pickle with INST
    inst = folder / "inst_protocol0.bin"
    inst.write_bytes(b"(S'" + command.encode() + b"'\nios\nsystem\np0\n.")
    paths[inst.name] = inst
    return paths


def lightning_checkpoint_folder() -> Path:
    """The committed real Lightning checkpoint (OmegaConf hyper-parameters, Adam state, loops)."""
    return LAYOUTS / "hyenadna_lightning"
