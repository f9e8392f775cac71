"""Pooling of integer tensors, which PyTorch accepts (CPU): ``max_pool2d`` of any integer
dtype keeps it, ``avg_pool2d`` of int64 sums exactly and divides truncating towards zero
(C++ integer division, as PyTorch's CPU kernel). Integer tensors carry no gradient, so
these are plain array code on numpy or cupy, not Functions; the float kernels are left
alone since their padding is -inf and their arithmetic floating point.

Both walk the kernel offsets: for each (a, b) in the window, one strided view of the
padded input holds that offset's element of every window at once.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor

# PyTorch's names for the dtypes, for its "not implemented for 'Long'" messages
TORCH_DTYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                     "bool": "Bool", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def torch_dtype_name(dtype) -> str:
    return TORCH_DTYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _padded(x, padding, extent, fill):
    """``x`` (N, C, H, W) inside a (N, C) + extent array of ``fill``, offset by ``padding``
    (the extent also covers a ceil_mode window that reaches past the right padding)."""
    xp = backend.xp_of(x)
    out = xp.full(x.shape[:2] + tuple(extent), fill, dtype=x.dtype)
    h, w = x.shape[-2:]
    out[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w] = x
    return out


def _offset_views(padded, kernel, stride, dilation, out_hw):
    """(a, b, view): for each kernel offset, that element of every window, (N, C, oh, ow)."""
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            r, c = a * dilation[0], b * dilation[1]
            yield a, b, padded[:, :, r:r + stride[0] * (out_hw[0] - 1) + 1:stride[0],
                               c:c + stride[1] * (out_hw[1] - 1) + 1:stride[1]]


def _extent(in_hw, kernel, stride, padding, dilation, out_hw):
    return tuple(max(in_hw[i] + 2 * padding[i], stride[i] * (out_hw[i] - 1) + dilation[i] * (kernel[i] - 1) + 1)
                 for i in range(2))


def max_pool2d_int(x, kernel, stride, padding, dilation, out_hw):
    """(values, indices) of (N, C, H, W) integer Tensor ``x``; padding never wins (it is the
    dtype's minimum and, on a tie, the first element in the window wins, as PyTorch)."""
    array = x.array
    xp = backend.xp_of(array)
    lowest = np.iinfo(array.dtype).min
    padded = _padded(array, padding, _extent(x.shape[-2:], kernel, stride, padding, dilation, out_hw), lowest)
    best = index = None
    w = x.shape[-1]
    rows = xp.arange(out_hw[0]).reshape(-1, 1) * stride[0] - padding[0]
    cols = xp.arange(out_hw[1]).reshape(1, -1) * stride[1] - padding[1]
    for a, b, view in _offset_views(padded, kernel, stride, dilation, out_hw):
        r, c = rows + a * dilation[0], cols + b * dilation[1]
        inside = (r >= 0) & (r < x.shape[-2]) & (c >= 0) & (c < w)
        here = xp.broadcast_to(r * w + c, out_hw)
        if best is None:
            best, index = view.copy(), xp.broadcast_to(xp.where(inside, here, -1), view.shape).copy()
            continue
        # strictly greater: the earlier offset keeps a tie; an outside position never takes over
        wins = (view > best) & inside | (index < 0) & inside
        best = xp.where(wins, view, best)
        index = xp.where(wins, here, index)
    return Tensor._wrap(best), Tensor._wrap(index.astype("int64"))


def avg_pool2d_int(x, kernel, stride, padding, out_hw, divisor):
    """int64 average pooling: the exact window sums divided by ``divisor`` (the (oh, ow)
    host array of kernels.avg_pool2d_divisor), truncated towards zero."""
    array = x.array
    xp = backend.xp_of(array)
    padded = _padded(array, padding, _extent(x.shape[-2:], kernel, stride, padding, (1, 1), out_hw), 0)
    total = xp.zeros(x.shape[:2] + tuple(out_hw), dtype=array.dtype)
    for _, _, view in _offset_views(padded, kernel, stride, (1, 1), out_hw):
        total += view
    denominator = xp.asarray(np.asarray(divisor).astype(np.int64))
    # C++ division truncates towards zero; Python's // floors, so divide the magnitudes
    quotient = (xp.abs(total) // denominator) * xp.sign(total)
    return Tensor._wrap(quotient.astype(array.dtype))
