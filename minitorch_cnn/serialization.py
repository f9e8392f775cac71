"""``save`` / ``load``: checkpoints as NumPy ``.npz`` files that never run code when read,
and ``load_safetensors`` for weights exported from PyTorch/torchvision.

The format (version 1). A ``.npz`` is a zip of ``.npy`` arrays. Ours holds:

* one array per tensor, named by its path in the saved object: a model's state_dict
  ``{"conv1.weight": …}`` gives ``conv1.weight``; a nested dict
  ``{"model": sd, "optimizer": …}`` gives ``model/conv1.weight``, ``optimizer/state/0/exp_avg``…
  so ``numpy.load`` alone shows the weights;
* ``__minitorch_cnn__``: UTF-8 JSON (stored as a uint8 array) describing the object:
  ``{"format": "minitorch_cnn", "version": 1, "tree": …}``, where the tree is made of
  ``{"tensor": name, "dtype": …}``, ``{"dict": [[key, node], …]}`` (keys may be str or
  int, order kept), ``{"list": […]}``, ``{"tuple": […]}`` and plain JSON scalars.

Reading uses ``allow_pickle=False`` and ``json``: nothing in a file can execute. Writing
goes to a temporary file in the same folder, flushed to disk, then renamed over the
target, so a crash mid-save leaves the old checkpoint intact, never half a new one.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
import zipfile

import numpy as np

from . import backend
from .tensor import Tensor

_META_KEY = "__minitorch_cnn__"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A file that is not a readable minitorch_cnn checkpoint (truncated, foreign, corrupt)."""


def _encode(obj, path: str, arrays: dict):
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        array = obj.detach().array if isinstance(obj, Tensor) else obj
        array = array if isinstance(array, np.ndarray) else array.get()
        if array.dtype == object:
            raise TypeError(f"save: {path or 'value'} is an object array, which cannot be saved without pickle")
        name = path or "tensor"
        if name in arrays or name == _META_KEY:
            raise ValueError(f"save: two entries would both be stored as {name!r}")
        # not ascontiguousarray: it turns 0-d arrays (num_batches_tracked) into 1-d ones
        arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        return {"tensor": name, "dtype": str(array.dtype)}
    if isinstance(obj, dict):
        entries = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, numbers.Integral)):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {path or 'top level'}")
            key = key if isinstance(key, str) else int(key)
            entries.append([key, _encode(value, f"{path}/{key}" if path else str(key), arrays)])
        return {"dict": entries}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        if math.isfinite(value):
            return value
        return {"float": repr(value)}  # JSON has no inf/nan
    if isinstance(obj, backend.device):
        return {"device": str(obj)}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {path or 'top level'} (tensors, arrays, dicts, "
                    "lists, tuples, numbers, strings and None can be saved)")


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(obj, f) -> None:
    """Write ``obj`` (a state_dict, or nested dicts/lists of tensors and plain values) to
    the path ``f`` atomically."""
    path = os.fspath(f)
    arrays: dict = {}
    tree = _encode(obj, "", arrays)
    meta = json.dumps({"format": "minitorch_cnn", "version": FORMAT_VERSION, "tree": tree})
    arrays[_META_KEY] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; a saved file is not
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _decode(node, arrays, device, path):
    if isinstance(node, dict):
        if "tensor" in node:
            name = node["tensor"]
            if name not in arrays:
                raise CheckpointError(f"{path}: the checkpoint names array {name!r} but does not contain it")
            array = arrays[name]
            return Tensor._wrap(backend.to_device(array, device))
        if "dict" in node:
            return {key: _decode(value, arrays, device, path) for key, value in node["dict"]}
        if "list" in node:
            return [_decode(v, arrays, device, path) for v in node["list"]]
        if "tuple" in node:
            return tuple(_decode(v, arrays, device, path) for v in node["tuple"])
        if "float" in node:
            return float(node["float"])
        if "device" in node:
            return backend.as_device(node["device"])
        raise CheckpointError(f"{path}: unknown entry {sorted(node)} in the checkpoint's description")
    return node


def load(f, map_location=None):
    """Read what ``save`` wrote; tensors land on ``map_location`` (default: the CPU).

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError`` (a
    ValueError) for one that is truncated, corrupt, or not ours."""
    path = os.fspath(f)
    device = backend.as_device(map_location if map_location is not None else "cpu", "map_location")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            if _META_KEY not in data.files:
                raise CheckpointError(f"{path}: not a minitorch_cnn checkpoint (an .npz without the "
                                      f"{_META_KEY!r} entry; found {data.files[:5]})")
            meta = json.loads(bytes(data[_META_KEY]).decode("utf-8"))
            arrays = {name: data[name] for name in data.files if name != _META_KEY}
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: not a readable minitorch_cnn checkpoint (truncated or corrupt?): "
                              f"{type(error).__name__}: {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != "minitorch_cnn":
        raise CheckpointError(f"{path}: the description does not say format 'minitorch_cnn'")
    if meta.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {meta.get('version')} is not supported "
                              f"(this version reads {FORMAT_VERSION})")
    return _decode(meta["tree"], arrays, device, path)


def load_safetensors(f, map_location=None) -> dict:
    """A ``.safetensors`` file (e.g. torchvision weights exported with
    ``safetensors.torch.save_file(model.state_dict(), …)``) as a dict of tensors, ready
    for ``load_state_dict``. Needs the ``safetensors`` package (extra ``safetensors``)."""
    path = os.fspath(f)
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise ImportError("load_safetensors needs the safetensors package: pip install 'minitorch_cnn[safetensors]'") \
            from None
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_safetensors: no such file: {path!r}")
    device = backend.as_device(map_location if map_location is not None else "cpu", "map_location")
    try:
        arrays = load_file(path)
    except Exception as error:  # the library raises its own error types for bad headers
        raise CheckpointError(f"{path}: not a readable safetensors file: {type(error).__name__}: {error}") from None
    return {name: Tensor._wrap(backend.to_device(a, device))
            for name, a in arrays.items()}
