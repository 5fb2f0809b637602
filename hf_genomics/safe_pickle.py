"""Read a user's PyTorch pickle (``pytorch_model.bin``, Lightning ``weights.ckpt``) without running it.

``torch.load(weights_only=True)`` refuses real Lightning checkpoints: besides ``state_dict`` they
pickle ``hyper_parameters`` with OmegaConf objects, optimizer and loop state, callbacks. Plain
``pickle`` would run whatever the file asks for. This unpickler sits between the two:

* it never imports a module named by the file; ``GLOBAL`` resolves only names on an allow-list
  (PyTorch's tensor/storage rebuild functions, dtypes, ``torch.Size``, ``OrderedDict`` and plain
  containers) -- every other name becomes an inert placeholder class that only records its name;
* placeholder classes may be *created* (``NEWOBJ``, the way OmegaConf, dataclasses and Lightning's
  ``AttributeDict`` are pickled) and filled (``BUILD``, ``SETITEMS``): the result is an inert
  :class:`Placeholder` holding plain data;
* a *call* (``REDUCE``, ``INST``, ``OBJ``) runs only for allow-listed functions. Calls to a few data
  constructors that hyper-parameters and loop state use (NumPy scalars and arrays, ``defaultdict``,
  paths, dates, OmegaConf/Lightning classes) are recorded as placeholders, never run. Any other call --
  ``os.system``, ``builtins.eval``, ``builtins.getattr``, ``subprocess.*``, ``torch.load`` -- refuses
  the whole file with :class:`UnsafePickleError`;
* ``BUILD`` only fills placeholders (it can never set attributes of a real object or function).

:func:`load_checkpoint_state_dict` keeps the tensors only (``state_dict`` of a Lightning checkpoint,
or the top-level dict of a plain state dict) and refuses anything that is not a name -> tensor map.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import types
from pathlib import Path
from typing import Any

import torch


class UnsafePickleError(pickle.UnpicklingError):
    """The file asks to run code that is not on the allow-list; nothing of it was executed."""


class NotAStateDictError(ValueError):
    """The file unpickled, but holds no ``name -> tensor`` map (a bare tensor, a list, mixed values)."""


# ---------------------------------------------------------------------------------------------
# what a pickle may name and call
# ---------------------------------------------------------------------------------------------
_TORCH_CALLABLES = (
    "_utils._rebuild_tensor",
    "_utils._rebuild_tensor_v2",
    "_utils._rebuild_tensor_v3",
    "_utils._rebuild_parameter",
    "_utils._rebuild_parameter_with_state",
    "_utils._rebuild_sparse_tensor",
    "_utils._rebuild_meta_tensor_no_storage",
    "_utils._rebuild_device_tensor_from_cpu_tensor",
    "_tensor._rebuild_from_type_v2",
    "Size",
    "device",
    "serialization._get_layout",
)
_PLAIN_CALLABLES: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
}
# calls recorded as inert placeholders (never run): data constructors of checkpoint metadata
_INERT_CALL_MODULES = (
    "omegaconf",
    "pytorch_lightning",
    "lightning",
    "lightning_fabric",
    "numpy",
    "pathlib",
    "datetime",
    "decimal",
    "fractions",
    "uuid",
    "argparse",
    "typing",
    "enum",
    "collections",
)
_INERT_CALLS = {("_codecs", "encode"), ("copyreg", "_reconstructor"), ("builtins", "object")}


def _torch_object(dotted: str) -> Any:
    target: Any = torch
    for part in dotted.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def _allowed_globals() -> dict[tuple[str, str], Any]:
    allowed = dict(_PLAIN_CALLABLES)
    for dotted in _TORCH_CALLABLES:
        target = _torch_object(dotted)
        if target is not None:
            module, _, name = f"torch.{dotted}".rpartition(".")
            allowed[(module, name)] = target
    for name in dir(torch):  # dtypes and layouts: values, not callables
        value = getattr(torch, name, None)
        if isinstance(value, (torch.dtype, torch.layout, torch.memory_format)):
            allowed[("torch", name)] = value
    allowed[("torch", "Tensor")] = torch.Tensor
    allowed[("torch._tensor", "Tensor")] = torch.Tensor
    allowed[("torch.nn.parameter", "Parameter")] = torch.nn.Parameter
    return allowed


_ALLOWED = _allowed_globals()
_CALLABLE_IDS = {id(value) for key, value in _ALLOWED.items() if callable(value)} - {
    id(torch.Tensor),
    id(torch.nn.Parameter),
}
_NEWOBJ_CLASSES = (collections.OrderedDict, collections.Counter, dict, list, set)


# ---------------------------------------------------------------------------------------------
# placeholders
# ---------------------------------------------------------------------------------------------
class Placeholder:
    """An object of a class the unpickler did not load: its name, arguments and state as plain data."""

    _module: str = ""
    _qualname: str = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Placeholder:
        self = object.__new__(cls)
        self.__dict__.update(args=args, kwargs=kwargs, state=None, items={}, list=[])
        return self

    def __setstate__(self, state: Any) -> None:
        self.__dict__["state"] = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__dict__["items"][key] = value

    def append(self, value: Any) -> None:
        self.__dict__["list"].append(value)

    def extend(self, values: Any) -> None:
        self.__dict__["list"].extend(values)

    def add(self, value: Any) -> None:
        self.__dict__["list"].append(value)

    def __repr__(self) -> str:
        return f"<not loaded: {self._module}.{self._qualname}>"


class _PlaceholderType(type):
    """The type of placeholder classes: calling one is the pickle asking to run its target."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        module, name = cls._module, cls._qualname
        if (module, name) in _INERT_CALLS or module.split(".")[0] in _INERT_CALL_MODULES:
            return cls.__new__(cls, *args, **kwargs)
        raise UnsafePickleError(f"it asks to call {module}.{name}, which is not on the allow-list")


_PLACEHOLDER_CLASSES: dict[tuple[str, str], type] = {}


def _placeholder_class(module: str, name: str) -> type:
    key = (module, name)
    if key not in _PLACEHOLDER_CLASSES:
        _PLACEHOLDER_CLASSES[key] = _PlaceholderType(
            name.rpartition(".")[2] or "Unknown",
            (Placeholder,),
            {"_module": module, "_qualname": name, "__module__": "hf_genomics.safe_pickle.placeholders"},
        )
    return _PLACEHOLDER_CLASSES[key]


# ---------------------------------------------------------------------------------------------
# the unpickler
# ---------------------------------------------------------------------------------------------
def _checked_call(func: Any, args: tuple) -> Any:
    if isinstance(func, _PlaceholderType):
        return func(*args)  # the metaclass records or refuses
    if id(func) not in _CALLABLE_IDS:
        raise UnsafePickleError(f"it asks to call {type(func).__name__} object {func!r:.60}")
    if func is _ALLOWED.get(("torch._tensor", "_rebuild_from_type_v2")):
        inner, new_type, inner_args, state = (list(args) + [None] * 4)[:4]
        if (
            id(inner) not in _CALLABLE_IDS
            or new_type not in (torch.Tensor, torch.nn.Parameter)
            or state not in (None, {})
        ):
            raise UnsafePickleError("it rebuilds a tensor subclass with custom code or state")
    return func(*args)


class RestrictedUnpickler(pickle._Unpickler):  # the pure-Python unpickler: every opcode is ours
    """``pickle.Unpickler`` that imports nothing and calls only allow-listed functions."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def find_class(self, module: str, name: str) -> Any:
        module = {"torch.tensor": "torch._tensor"}.get(module, module)
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        return _placeholder_class(module, name)

    def load_reduce(self) -> None:
        stack = self.stack
        args = stack.pop()
        stack[-1] = _checked_call(stack[-1], tuple(args))

    def _instantiate(self, klass: Any, args: list) -> None:
        self.append(_checked_call(klass, tuple(args)))

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new_object(cls, args, {}))

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new_object(cls, args, kwargs))

    @staticmethod
    def _new_object(cls: Any, args: tuple, kwargs: dict) -> Any:
        if isinstance(cls, _PlaceholderType):
            return cls.__new__(cls, *args, **kwargs)
        if cls in _NEWOBJ_CLASSES:
            return cls.__new__(cls)
        raise UnsafePickleError(f"it asks to create a {getattr(cls, '__name__', cls)!r:.60} object")

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(inst, Placeholder):
            inst.__setstate__(state)
        elif state not in (None, {}):
            raise UnsafePickleError(f"it asks to set the state of a {type(inst).__name__} object")

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.BUILD[0]] = load_build


def _restricted_load(file: Any, **kwargs: Any) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


# the object torch.load receives as ``pickle_module`` (it needs ``Unpickler`` and ``load``)
restricted_pickle_module = types.SimpleNamespace(
    __name__="hf_genomics.safe_pickle",
    Unpickler=RestrictedUnpickler,
    load=_restricted_load,
    UnpicklingError=pickle.UnpicklingError,
)


def safe_torch_load(path: str | os.PathLike) -> Any:
    """``torch.load`` through :class:`RestrictedUnpickler` (CPU tensors; placeholders for the rest)."""
    return torch.load(
        Path(path),
        map_location="cpu",
        pickle_module=restricted_pickle_module,  # never imports or runs what the file names
        weights_only=False,  # torch's own allow-list refuses Lightning checkpoints; ours replaces it
        mmap=False,
    )


def safe_pickle_loads(data: bytes) -> Any:
    """A plain pickle (not a torch zip archive) through the restricted unpickler."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def tensors_only(loaded: Any, source: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The ``name -> tensor`` map in a loaded checkpoint (a Lightning checkpoint's ``state_dict``)."""
    state = loaded
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        state = loaded["state_dict"]  # Lightning: drop hyper_parameters, optimizer and loop state
    elif isinstance(loaded, dict) and isinstance(loaded.get("model"), dict) and "state_dict" not in loaded:
        state = loaded["model"]  # {"model": state_dict, "optimizer": ...} training checkpoints
    if isinstance(loaded, torch.Tensor):
        raise NotAStateDictError(f"{source}: holds a single tensor, not a state dict (name -> tensor)")
    if not isinstance(state, dict) or not state:
        raise NotAStateDictError(
            f"{source}: holds a {type(loaded).__name__}, not a state dict (name -> tensor) "
            "or a Lightning checkpoint with a state_dict"
        )
    bad = [
        str(key)
        for key, value in state.items()
        if not isinstance(value, torch.Tensor) or not isinstance(key, str)
    ]
    if bad:
        raise NotAStateDictError(
            f"{source}: entries that are not tensors in its state dict: {', '.join(bad[:5])}"
            + (" ..." if len(bad) > 5 else "")
        )
    return dict(state)


def load_checkpoint_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a ``.bin``/``.ckpt``/``.pt`` file, read by :func:`safe_torch_load`."""
    return tensors_only(safe_torch_load(path), path)


__all__ = [
    "NotAStateDictError",
    "Placeholder",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "load_checkpoint_state_dict",
    "restricted_pickle_module",
    "safe_pickle_loads",
    "safe_torch_load",
    "tensors_only",
]
