"""Indexing with gradient: ``t[index]`` (basic and integer/bool-array) and ``t[index] = v``;
and ``one_hot``, indices to a one-hot encoding.

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
from ..errors import ArgumentTypeError
from ..autograd.function import Function
from ..tensor import Tensor


def _index_array(item, xp, dev, keep_mask=False):
    if isinstance(item, Tensor):
        if item.device != dev:
            raise RuntimeError(f"index: indices are on {item.device} but the indexed tensor is on {dev}")
        array = item.array
    else:
        array = xp.asarray(list(item) if isinstance(item, tuple) else item)
    if array.dtype.kind == "b":
        return array if keep_mask else tuple(array.nonzero())
    if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f"):
        raise IndexError(f"index: tensors used as indices must be integer or bool tensors, got {array.dtype}")
    return array.astype(np.int64) if array.dtype.kind == "f" else array


def _is_sequence(item) -> bool:
    # a tuple inside the index tuple is a sequence of indices, as a list (``x[:, (2, 1)]``)
    return isinstance(item, (Tensor, list, tuple, np.ndarray)) or hasattr(item, "__cuda_array_interface__")


def normalize_index(index, tensor: Tensor) -> tuple:
    """A NumPy index tuple: tensors, lists and tuples become arrays, bool masks become
    nonzero() after their shape is checked against the dims they index."""
    xp = backend.xp_of(tensor.array)
    items = index if isinstance(index, tuple) else (index,)
    arrays = {i: _index_array(item, xp, tensor.device, keep_mask=True) for i, item in enumerate(items)
              if _is_sequence(item) and not isinstance(item, bool)}
    # a 0-d index tensor is a scalar, as in PyTorch: an int (basic indexing), or a mask
    # that keeps everything under a new dim of size 1 (True)
    items = list(items)
    for i in [i for i, array in arrays.items() if array.ndim == 0]:
        array = arrays.pop(i)
        if array.dtype.kind != "b":
            items[i] = int(array)
        elif bool(array):
            items[i] = None
        else:
            raise IndexError("index: a 0-d False mask (an empty selection under a new dim) is not supported here")
    positions = _dim_positions(items, arrays, tensor.ndim)
    out = []
    for i, item in enumerate(items):
        if item is None or item is Ellipsis or isinstance(item, slice):
            out.append(item)
        elif isinstance(item, bool):
            raise IndexError("index: a Python bool is not a valid index here; use a bool tensor mask")
        elif isinstance(item, numbers.Integral):
            out.append(int(item))
        elif i in arrays:
            array = arrays[i]
            if array.dtype.kind == "b":
                start = positions[i]
                indexed = tuple(tensor.shape[start:start + array.ndim])
                if tuple(array.shape) != indexed:
                    raise IndexError(f"index: the shape of the mask {list(array.shape)} at index {i} does not match "
                                     f"the shape of the indexed tensor {list(tensor.shape)} at index {start}")
                out.extend(array.nonzero())
            else:
                out.append(array)
        else:
            raise IndexError(f"index: unsupported index of type {type(item).__name__}: {item!r}")
    return tuple(out)


def _dim_positions(items, arrays, ndim):
    """The first dim of the indexed tensor each index item applies to."""
    def consumed(i, item):
        if item is None or item is Ellipsis:
            return 0
        return arrays[i].ndim if i in arrays and arrays[i].dtype.kind == "b" else 1

    ellipsis = next((i for i, item in enumerate(items) if item is Ellipsis), None)
    positions, position = {}, 0
    for i, item in enumerate(items):
        if i == ellipsis:
            position = ndim - sum(consumed(j, other) for j, other in enumerate(items) if j > i)
            continue
        positions[i] = position
        position += consumed(i, item)
    return positions


def ints_first(index: tuple):
    """PyTorch's order for an index that mixes ints with index arrays: the ints act first,
    as basic indexing (``x[1, :, idx]`` on (2, 5, 6) is ``x[1][:, idx]``, of shape (5, 4);
    NumPy would broadcast the int with ``idx`` and, the two being separated by a slice, put
    their dim first: (4, 5)). Returns (basic index of the ints, the rest), or (None, index)
    when there is nothing to reorder."""
    if not (_is_advanced(index) and any(isinstance(item, int) for item in index)):
        return None, index
    first, second = [], []
    for item in index:
        if isinstance(item, int):
            first.append(item)
        elif item is None:
            second.append(None)
        elif item is Ellipsis:
            first.append(Ellipsis)
            second.append(Ellipsis)
        else:
            first.append(slice(None))
            second.append(item)
    return tuple(first), tuple(second)


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
    first, rest = ints_first(normalize_index(index, input))
    if first is not None:
        input = GetItem.apply(input, first)
    return GetItem.apply(input, rest)


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
    xp = backend.xp_of(input.array)
    if isinstance(value, Tensor):
        if value.device != input.device:
            raise RuntimeError(f"__setitem__: value is on {value.device} but the tensor is on {input.device}")
        array = value.array
    else:
        array = xp.asarray(value)
    # the indexed region's shape, from a zero-byte stand-in of the input (no allocation),
    # checked before anything is written, on every device
    first, rest = ints_first(normalized)
    stand_in = np.broadcast_to(np.empty((), dtype=np.int8), input.shape)
    if first is not None:
        stand_in = stand_in[first]
    target_shape = stand_in[_host_index(rest)].shape
    from .common import broadcast_shapes

    if broadcast_shapes(target_shape, array.shape, "__setitem__") != target_shape:
        raise RuntimeError(f"__setitem__: value of shape {list(array.shape)} cannot be broadcast to "
                           f"the indexed shape {list(target_shape)}")

    def write(data):
        # the ints' basic index is a view, so writing into it writes into data
        (data if first is None else data[first])[rest] = array.astype(data.dtype, copy=False)

    write_inplace(input, write, "__setitem__")


def one_hot(tensor, num_classes: int = -1):
    """``F.one_hot``: an int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at
    each index (``num_classes=-1``: one more than the largest index). Not differentiable."""
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise ArgumentTypeError(f"one_hot: one_hot is only applicable to index tensor (int64), got {got}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 or a non-negative int, got {num_classes!r}")
    values = tensor.array
    xp = backend.xp_of(values)
    if values.size and int(values.min()) < 0:
        raise RuntimeError(f"one_hot: Class values must be non-negative, got {int(values.min())}")
    largest = int(values.max()) if values.size else -1
    if num_classes == -1:
        if not values.size:
            raise RuntimeError("one_hot: cannot infer the number of classes of an empty tensor; give num_classes")
        num_classes = largest + 1
    elif largest >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), got {largest}")
    return Tensor._wrap((values[..., None] == xp.arange(num_classes)).astype(np.int64))
