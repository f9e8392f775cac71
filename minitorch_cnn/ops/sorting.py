"""Ordering ops, as PyTorch's: ``sort``, ``argsort``, ``msort``, ``topk``, ``kthvalue`` and
``median``/``nanmedian`` along a dim.

The order itself is not differentiable: each op finds its indices on the raw array, then
reads the values with ``gather``, so the gradient goes back to the selected elements
through gather's backward (a scatter-add), to any order. Sorting is stable (equal
elements keep their order, descending too), and NaN sorts as the largest value, as in
PyTorch.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from .. import backend
from ..tensor import Tensor
from .common import as_operand, normalize_dim
from .scatter import gather

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])


def _stable_order(a, axis: int, descending: bool):
    """Indices that sort ``a`` along ``axis``, equal elements in their original order both
    ways. Descending order is the ascending order of the reversed array, read backwards:
    that keeps ties in their order, and works for unsigned and bool arrays, which cannot be
    negated."""
    xp = backend.xp_of(a)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    reversed_order = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(reversed_order, axis)


def _dim(input, dim, fn):
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{fn}: dim must be an int, got {type(dim).__name__}")
    return normalize_dim(dim, max(input.ndim, 1))


def _indexed(input, order, dim):
    """(values, indices) of ``input`` at ``order`` along ``dim``; 0-d inputs stay 0-d."""
    indices = Tensor._wrap(order.astype(np.int64, copy=False))
    if input.ndim == 0:
        return input.clone(), indices.reshape(())
    return gather(input, dim, indices), indices


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``; ``stable`` is accepted for PyTorch's
    signature: the sort is always stable."""
    input = _tensor(input, "sort")
    dim = _dim(input, dim, "sort")
    order = _stable_order(_at_least_1d(input.array), dim, bool(descending))
    return SortResult(*_indexed(input, order, dim))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    return sort(input, dim, descending, stable).indices


def msort(input):
    """``input`` sorted along its first dim."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, in order. Equal elements come in their original order (PyTorch leaves the
    order of ties unspecified)."""
    input = _tensor(input, "topk")
    dim = _dim(input, dim, "topk")
    size = input.shape[dim] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k out of range: k = {k} for dimension {dim} of size {size}")
    order = _stable_order(_at_least_1d(input.array), dim, bool(largest))
    order = order[(slice(None),) * dim + (slice(0, k),)]
    return TopkResult(*_indexed(input, order, dim))


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
    input = _tensor(input, "kthvalue")
    dim = _dim(input, dim, "kthvalue")
    size = input.shape[dim] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= size:
        raise RuntimeError(f"kthvalue: selected number k out of range: k = {k} for dimension {dim} of size {size}")
    return _select(input, dim, keepdim, lambda order, n: order[_take(dim, k - 1)], KthvalueResult)


def median(input, dim=None, keepdim=False):
    """The lower median (``median()`` of all elements; along ``dim``: ``(values, indices)``).
    For an even count it is the smaller of the two middle values, as in PyTorch; any NaN
    makes the result NaN."""
    return _median(input, dim, keepdim, "median", ignore_nan=False)


def nanmedian(input, dim=None, keepdim=False):
    """``median`` ignoring NaN (NaN only where every element is NaN)."""
    return _median(input, dim, keepdim, "nanmedian", ignore_nan=True)


def _median(input, dim, keepdim, fn, ignore_nan):
    input = _tensor(input, fn)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{fn}() input tensor cannot be empty")
        result = _median(input.reshape(-1), 0, False, fn, ignore_nan)
        return result.values
    dim = _dim(input, dim, fn)
    xp = backend.xp_of(input.array)

    def middle(order, n):
        values = xp.take_along_axis(_at_least_1d(input.array), order, axis=dim)
        nan = xp.isnan(values) if values.dtype.kind == "f" else xp.zeros(values.shape, dtype=bool)
        if ignore_nan:
            count = n - nan.sum(axis=dim, keepdims=True)  # NaNs sort last: the median of the rest
            position = xp.maximum(count - 1, 0) // 2
        else:
            # a NaN anywhere: the first NaN (NaNs sort last, in their order); else the lower middle
            position = xp.where(nan.any(axis=dim, keepdims=True), n - nan.sum(axis=dim, keepdims=True),
                                (n - 1) // 2)
        return xp.take_along_axis(order, position.astype(order.dtype), axis=dim)

    return _select(input, dim, keepdim, middle, MedianResult)


def _take(dim, i):
    return (slice(None),) * dim + (slice(i, i + 1),)


def _select(input, dim, keepdim, pick, result):
    """``(values, indices)`` at the one position per row that ``pick(order, n)`` names in the
    ascending order; the dim kept as size 1 or removed."""
    order = _stable_order(_at_least_1d(input.array), dim, False)
    n = order.shape[dim]
    chosen = pick(order, n)
    values, indices = _indexed(input, chosen, dim)
    if input.ndim == 0:
        return result(values, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return result(values, indices)


def _at_least_1d(array):
    return array.reshape(1) if array.ndim == 0 else array


def _tensor(input, fn):
    input = as_operand(input, "input")
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    return input
