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

Reading parses each array's header before its bytes (``npz_reader``: the dtype must be a
tensor's, the shape must match the bytes held) and the description with ``json``,
checking every node: nothing in a file can execute, and any damage is a
``CheckpointError``. Writing
goes to a temporary file in the same folder, flushed to disk, then renamed over the
target, so a crash mid-save leaves the old checkpoint intact, never half a new one.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile

import numpy as np

from . import backend
from .npz_reader import read_arrays
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
    if not isinstance(f, (str, bytes, os.PathLike)):
        raise TypeError(f"save: f must be a path (str or os.PathLike), got {type(f).__name__}")
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):  # else the error would name the temporary file, not the folder
        raise FileNotFoundError(f"save: the folder {folder} of {path} does not exist")
    arrays: dict = {}
    tree = _encode(obj, "", arrays)
    meta = json.dumps({"format": "minitorch_cnn", "version": FORMAT_VERSION, "tree": tree})
    arrays[_META_KEY] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
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


# deeper than any object save() writes from a model, optimizer or training state; deeper
# descriptions are refused before Python's recursion limit is reached
_MAX_DEPTH = 100
_SCALARS = (str, int, float, bool, type(None))


def _decode(node, arrays, device, path, depth=0):
    """The object a description node stands for, every node's shape checked: a damaged or
    foreign description is a CheckpointError, never a KeyError or TypeError."""
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"{path}: the checkpoint's description nests deeper than {_MAX_DEPTH} levels")
    if isinstance(node, _SCALARS):
        return node
    if isinstance(node, list):
        raise CheckpointError(f"{path}: a bare list in the checkpoint's description (lists are {{'list': [...]}})")
    if not isinstance(node, dict):
        raise CheckpointError(f"{path}: unexpected {type(node).__name__} in the checkpoint's description")
    kind = "tensor" if "tensor" in node else next(iter(node), None)
    expected_keys = {"tensor": {"tensor", "dtype"}}.get(kind, {kind})
    if set(node) != expected_keys:
        raise CheckpointError(f"{path}: unknown entry {sorted(node)} in the checkpoint's description")
    value = node[kind]
    if kind == "tensor":
        if not isinstance(value, str) or value not in arrays:
            raise CheckpointError(f"{path}: the checkpoint names array {value!r} but does not contain it")
        array = arrays[value]
        if node["dtype"] != str(array.dtype):
            raise CheckpointError(f"{path}: array {value!r} is {array.dtype} where the description says "
                                  f"{node['dtype']!r}")
        return Tensor._wrap(backend.to_device(array, device))
    if kind == "dict":
        if not isinstance(value, list) or not all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], (str, int))
                                                  and not isinstance(e[0], bool) for e in value):
            raise CheckpointError(f"{path}: a dict entry of the description is not a [key, value] pair")
        return {key: _decode(item, arrays, device, path, depth + 1) for key, item in value}
    if kind in ("list", "tuple"):
        if not isinstance(value, list):
            raise CheckpointError(f"{path}: a {kind} in the description holds a {type(value).__name__}")
        items = [_decode(v, arrays, device, path, depth + 1) for v in value]
        return items if kind == "list" else tuple(items)
    if kind == "float":
        if value not in ("nan", "inf", "-inf"):
            raise CheckpointError(f"{path}: the special float {value!r} is not nan, inf or -inf")
        return float(value)
    if kind == "device":
        try:
            return backend.as_device(value)
        except (TypeError, ValueError, RuntimeError) as failure:
            raise CheckpointError(f"{path}: the device {value!r} in the description is not one: {failure}") from None
    raise CheckpointError(f"{path}: unknown entry {sorted(node)} in the checkpoint's description")


def load(f, map_location=None):
    """Read what ``save`` wrote; tensors land on ``map_location`` (default: the CPU).

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError`` (a
    ValueError) for anything else wrong with it: truncated, corrupt, foreign, an array
    whose dtype no tensor has or whose header does not match its bytes, a description
    that is not ours. Each array's header is checked before its bytes are read
    (``npz_reader``), and nothing in the file can execute."""
    path = os.fspath(f)
    device = backend.as_device(map_location if map_location is not None else "cpu", "map_location")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path!r}")
    arrays = read_arrays(path, CheckpointError)
    if _META_KEY not in arrays:
        raise CheckpointError(f"{path}: not a minitorch_cnn checkpoint (an .npz without the "
                              f"{_META_KEY!r} entry; found {sorted(arrays)[:5]})")
    description = arrays.pop(_META_KEY)
    if description.dtype != np.uint8 or description.ndim != 1:
        raise CheckpointError(f"{path}: the description is not UTF-8 bytes ({description.dtype}, "
                              f"{description.ndim}-d)")
    try:
        meta = json.loads(description.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as failure:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise CheckpointError(f"{path}: the description is not readable JSON: {type(failure).__name__}") from None
    if not isinstance(meta, dict) or meta.get("format") != "minitorch_cnn":
        raise CheckpointError(f"{path}: the description does not say format 'minitorch_cnn'")
    if meta.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {meta.get('version')!r} is not supported "
                              f"(this version reads {FORMAT_VERSION})")
    if "tree" not in meta:
        raise CheckpointError(f"{path}: the description has no 'tree'")
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
