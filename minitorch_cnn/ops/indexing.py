"""Indexing with gradient: ``t[index]`` (basic and integer/bool-array) and ``t[index] = v``.

The backward of ``getitem`` scatters the gradient into zeros of the input's shape with
``kernels.index_add``, so an element picked several times (``t[[0, 0, 1]]``) receives the
sum of its gradients. That scatter (``IndexAdd``) and ``getitem`` are each other's
backward, so second derivatives flow through indexing too.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from .. import kernels
from ..autograd.function import Function
from ..tensor import Tensor


def _index_array(item, xp, dev):
    if isinstance(item, Tensor):
        if item.device != dev:
            raise RuntimeError(f"index: indices are on {item.device} but the indexed tensor is on {dev}")
        array = item.data
    else:
        array = xp.asarray(item)
    if array.dtype.kind == "b":
        return tuple(array.nonzero())
    if array.dtype.kind not in "iu":
        raise IndexError(f"index: tensors used as indices must be integer or bool tensors, got {array.dtype}")
    return (array,)


def normalize_index(index, tensor: Tensor) -> tuple:
    """A NumPy index tuple: tensors and lists become arrays, bool masks become nonzero()."""
    xp = backend.xp_of(tensor.data)
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            out.append(item)
        elif isinstance(item, bool):
            raise IndexError("index: a Python bool is not a valid index here; use a bool tensor mask")
        elif isinstance(item, numbers.Integral):
            out.append(int(item))
        elif isinstance(item, (Tensor, list, np.ndarray)) or hasattr(item, "__cuda_array_interface__"):
            out.extend(_index_array(item, xp, tensor.device))
        else:
            raise IndexError(f"index: unsupported index of type {type(item).__name__}: {item!r}")
    return tuple(out)


def _is_advanced(index: tuple) -> bool:
    return any(hasattr(i, "dtype") for i in index)


class GetItem(Function):
    @staticmethod
    def forward(ctx, a, index):
        # the gradient comes back in a's memory format (a slice of a channels_last tensor
        # gives it a channels_last gradient)
        ctx.shape, ctx.index, ctx.channels_last = a.shape, index, backend.is_channels_last(a)
        return backend.xp_of(a).asarray(a[index])

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.index, ctx.channels_last), None


class IndexAdd(Function):
    """zeros(shape) with ``values`` added at ``index`` (repeated indices accumulate), laid
    out channels_last when ``channels_last``."""

    @staticmethod
    def forward(ctx, values, shape, index, channels_last=False):
        ctx.index = index
        out = backend.full_in_format(shape, 0, values.dtype, channels_last, backend.xp_of(values))
        if _is_advanced(index):
            kernels.index_add(out, index, values)
        else:
            out[index] = values  # basic indexing never selects an element twice
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index), None, None, None


def getitem(input, index):
    return GetItem.apply(input, normalize_index(index, input))


def _host_index(index):
    """``index`` with its device arrays replaced by host arrays that select the same shape:
    an integer array by zeros of its shape (no copy), a boolean mask by its values (the
    selected shape depends on them: a host synchronisation, as in PyTorch)."""
    def on_host(item):
        if isinstance(item, np.ndarray) or not hasattr(item, "__cuda_array_interface__"):
            return item
        if item.dtype == np.bool_:
            return item.get()
        return np.broadcast_to(np.zeros((), dtype=np.intp), item.shape)

    return tuple(on_host(item) for item in index) if isinstance(index, tuple) else on_host(index)


def setitem(input, index, value):
    """``input[index] = value`` in place (allowed where in-place ops are, see ``inplace``)."""
    from .inplace import check_inplace, write_inplace

    check_inplace(input, value, "__setitem__")
    normalized = normalize_index(index, input)
    xp = backend.xp_of(input.data)
    if isinstance(value, Tensor):
        if value.device != input.device:
            raise RuntimeError(f"__setitem__: value is on {value.device} but the tensor is on {input.device}")
        array = value.data
    else:
        array = xp.asarray(value)
    # the indexed region's shape, from a zero-byte stand-in of the input (no allocation),
    # checked before anything is written, on every device
    stand_in = np.broadcast_to(np.empty((), dtype=np.int8), input.shape)
    target_shape = stand_in[_host_index(normalized)].shape
    from .common import broadcast_shapes

    if broadcast_shapes(target_shape, array.shape, "__setitem__") != target_shape:
        raise RuntimeError(f"__setitem__: value of shape {list(array.shape)} cannot be broadcast to "
                           f"the indexed shape {list(target_shape)}")

    def write(data):
        data[normalized] = array.astype(data.dtype, copy=False)

    write_inplace(input, write, "__setitem__")
