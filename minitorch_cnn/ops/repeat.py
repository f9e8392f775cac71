"""Repetition and running sums, as PyTorch's: ``repeat`` (tile), ``repeat_interleave``
(each element several times) and ``cumsum``.

``repeat`` is a reshape, an ``expand`` and a reshape, and ``repeat_interleave`` an
``index_select``: their gradients (sums over the copies) come from those ops. ``cumsum``'s
adjoint is the reversed running sum of the gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..errors import ShapeError
from ..tensor import Tensor
from .common import as_operand, normalize_dim
from .scatter import index_select


def _ints(values, fn, name):
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{fn}: {name} must be ints, got {values!r}")
    return tuple(int(v) for v in values)


def repeat(input, *sizes):
    """``input`` tiled ``sizes[d]`` times along each dim (``sizes`` may have more dims than
    the input: the input gains leading size-1 dims), as ``torch.Tensor.repeat``."""
    input = as_operand(input, "input")
    sizes = _ints(sizes, "repeat", "sizes")
    if len(sizes) < input.ndim:
        raise ShapeError(f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                         f"number of dimensions of tensor ({input.ndim})")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension: {list(sizes)}")
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    spread = []  # (1, s) per dim, expanded to (r, s): each dim's copies lie outside its values
    for s in shape:
        spread += [1, s]
    expanded = []
    for r, s in zip(sizes, shape):
        expanded += [r, s]
    target = tuple(r * s for r, s in zip(sizes, shape))
    if all(r == 1 for r in sizes):  # no tiling: a reshape alone would be a view of the input
        return input.reshape(target).clone()
    # the reshape of the expanded view is itself a view where a repeated dim leads (stride 0):
    # PyTorch's repeat always returns new memory, so that writing into one copy leaves the
    # others (and the input) as they were
    return input.reshape(spread).expand(expanded).reshape(target).contiguous()


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (``dim=None``: of the flattened input) or each slice along ``dim``
    repeated ``repeats`` times (an int, or a 1-d tensor with one count per slice). With a
    tensor alone, ``repeat_interleave(counts)`` gives ``0`` counts[0] times, ``1`` counts[1]
    times and so on."""
    if repeats is None:
        counts = input
        if not isinstance(counts, Tensor) or counts.dtype.kind not in "iu" or counts.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be a 0-d or 1-d integer tensor")
        return repeat_interleave(Tensor._wrap(backend.xp_of(counts.array).arange(counts.numel())), counts.reshape(-1))
    input = as_operand(input, "input")
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = normalize_dim(dim, max(input.ndim, 1))
    size = input.shape[dim] if input.ndim else 1
    xp = backend.xp_of(input.array)
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu" or repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-d or 1-d integer tensor, got "
                               f"{repeats.dtype} with {repeats.ndim} dims")
        counts = repeats.array.reshape(-1)
        if counts.size == 1:
            counts = xp.full(size, int(counts[0]))
    elif isinstance(repeats, bool) or not isinstance(repeats, numbers.Integral):
        raise TypeError(f"repeat_interleave: repeats must be an int or a Tensor, got {type(repeats).__name__}")
    else:
        counts = xp.full(size, int(repeats))
    if counts.shape[0] != size:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.shape[0]} and input.size({dim}) = {size}")
    if counts.size and int(counts.min()) < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    # slice i repeated counts[i] times: output position j reads the slice whose running
    # count first exceeds j (CuPy's repeat takes no array of counts, searchsorted works on both)
    ends = xp.cumsum(counts.astype(np.int64))
    total = int(ends[-1]) if ends.size else 0
    index = xp.searchsorted(ends, xp.arange(total, dtype=np.int64), side="right").astype(np.int64)
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: output_size is {output_size} but the repeats sum to {total}")
    return index_select(input if input.ndim else input.reshape(1), dim, Tensor._wrap(index))


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, dim, dtype):
        ctx.dim = dim
        return backend.xp_of(a).cumsum(a, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        # out[j] = Σ_{i<=j} a[i], so da[i] = Σ_{j>=i} grad[j]: the reversed running sum
        return Cumsum.apply(grad.flip(ctx.dim), ctx.dim, None).flip(ctx.dim), None, None


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``; integer and bool inputs sum in int64, as in PyTorch."""
    input = as_operand(input, "input")
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"cumsum: dim must be an int, got {type(dim).__name__}")
    dim = normalize_dim(dim, max(input.ndim, 1))
    if dtype is not None:
        dtype = backend.as_dtype(dtype)
    elif input.dtype.kind in "iub":
        dtype = np.dtype(np.int64)
    if input.ndim == 0:
        return input.to(dtype) if dtype is not None else input.clone()
    return Cumsum.apply(input, dim, dtype)
