"""Reductions: ``sum mean var std max min amax amin argmax argmin any all``.

Each backward first puts the reduced dims back (as size 1) and then broadcasts with
``expand``, whose own backward is ``sum_to_size``, so second derivatives come for free.
``max``/``min`` over a dim send the gradient to the selected element (the first maximum,
as the returned index says); a full ``max()``/``amax`` shares it evenly between ties.
"""

from __future__ import annotations

import builtins  # this module defines sum, max, min, any and all (PyTorch's names)
import numbers
from collections import namedtuple

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import constant, normalize_dim, normalize_dims

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _kept_shape(shape, dims):
    """``shape`` with the reduced ``dims`` (None: all) set to 1."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _unreduce(grad, shape, dims, keepdim):
    """Reshape a reduction's gradient so that it broadcasts against the input."""
    return grad if keepdim else grad.reshape(_kept_shape(shape, dims))


def _count(shape, dims):
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


def _axis(dims):
    return None if dims is None else tuple(dims)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        xp = backend.xp_of(a)
        return xp.asarray(xp.sum(a, axis=_axis(dims), keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape), None, None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        xp = backend.xp_of(a)
        return xp.asarray(xp.mean(a, axis=_axis(dims), keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        n = _count(ctx.shape, ctx.dims)
        # divided while small, then a broadcast view: the op that reads it keeps the memory
        # format of its other operands (a global pooling's gradient stays channels_last)
        return (_unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim) / n).expand(ctx.shape), None, None


class Var(Function):
    @staticmethod
    def forward(ctx, a, dims, correction, keepdim):
        ctx.save_for_backward(a)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        xp = backend.xp_of(a)
        return xp.asarray(xp.var(a, axis=_axis(dims), ddof=correction, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        dims = ctx.dims
        n = _count(a.shape, dims)
        centered = a - a.mean(dim=dims, keepdim=True)
        scale = 2.0 / (n - ctx.correction) if n != ctx.correction else float("inf")
        return _unreduce(grad, a.shape, dims, ctx.keepdim) * centered * scale, None, None, None


class _ExtremumDim(Function):
    """max/min over one dim: values and (non-differentiable) int64 indices."""

    pick = "argmax"

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        xp = backend.xp_of(a)
        indices = getattr(xp, cls.pick)(a, axis=dim)
        kept = xp.expand_dims(indices, dim)
        values = xp.take_along_axis(a, kept, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.kept_indices = a.shape, dim, keepdim, kept
        if not keepdim:
            values = xp.squeeze(values, axis=dim)
            return values, indices.astype(backend.int64)
        return values, kept.astype(backend.int64)

    @staticmethod
    def backward(ctx, grad, grad_indices):
        xp = backend.xp_of(ctx.kept_indices)
        size = ctx.shape[ctx.dim]
        positions = xp.arange(size).reshape([size if i == ctx.dim else 1 for i in range(len(ctx.shape))])
        selected = constant(positions == ctx.kept_indices)
        grad = _unreduce(grad, ctx.shape, (ctx.dim,), ctx.keepdim)
        return grad * selected, None, None


class MaxDim(_ExtremumDim):
    pick = "argmax"


class MinDim(_ExtremumDim):
    pick = "argmin"


class _Extreme(Function):
    """amax/amin (and max()/min() without dim): ties share the gradient evenly."""

    largest = True

    @classmethod
    def forward(cls, ctx, a, dims, keepdim):
        xp = backend.xp_of(a)
        reduce = xp.amax if cls.largest else xp.amin
        kept = reduce(a, axis=_axis(dims), keepdims=True)
        ties = a == kept
        ctx.share = (ties / ties.sum(axis=_axis(dims), keepdims=True)).astype(a.dtype)
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return kept if keepdim else xp.asarray(kept.reshape([s for i, s in enumerate(kept.shape)
                                                             if dims is not None and i not in dims]))

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim) * constant(ctx.share), None, None


class Amax(_Extreme):
    largest = True


class Amin(_Extreme):
    largest = False


def _check_reducible(input, dims, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.numel() == 0:
        reduced = range(input.ndim) if dims is None else dims
        if builtins.any(input.shape[d] == 0 for d in reduced) or input.ndim == 0:
            raise RuntimeError(f"{name}(): cannot reduce over an empty dimension (input shape {list(input.shape)})")


def sum(input, dim=None, keepdim=False, dtype=None):
    """The sum over ``dim`` (an int, a tuple, or None for all), keeping reduced dims as size 1
    with ``keepdim``; integer inputs sum in int64 unless ``dtype`` says otherwise.
    """
    dims = normalize_dims(dim, input.ndim)
    if dtype is None and input.dtype.kind in "biu":
        dtype = backend.int64  # as PyTorch: integer sums do not overflow int32
    return Sum.apply(input, dims, keepdim, None if dtype is None else backend.as_dtype(dtype))


def mean(input, dim=None, keepdim=False):
    """The mean over ``dim`` (None: all) of a floating-point input."""
    if input.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, got {input.dtype}")
    return Mean.apply(input, normalize_dims(dim, input.ndim), keepdim)


def _correction(correction, unbiased):
    if unbiased is not None:
        if correction is not None:
            raise ValueError("var/std: give either correction or unbiased, not both")
        return 1 if unbiased else 0
    if correction is None:
        return 1
    if not isinstance(correction, numbers.Real) or correction < 0:
        raise ValueError(f"var/std: correction must be a non-negative number, got {correction!r}")
    return correction


def var(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """The variance over ``dim`` with Bessel's ``correction`` (default 1: the unbiased
    estimate), as ``torch.var``.
    """
    if input.dtype.kind != "f":
        raise RuntimeError(f"var(): input dtype must be floating point, got {input.dtype}")
    return Var.apply(input, normalize_dims(dim, input.ndim), _correction(correction, unbiased), keepdim)


def std(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """The square root of ``var`` (same arguments)."""
    return var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased).sqrt()


def _extremum(input, dim, keepdim, name, dim_function, full_function, result_type, binary):
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if dim is None:
        _check_reducible(input, None, name)
        return full_function.apply(input, None, False)
    d = normalize_dim(dim, input.ndim)
    _check_reducible(input, (d,), name)
    if input.ndim == 0:
        return result_type(input, Tensor._wrap(backend.xp_of(input.array).zeros((), dtype=backend.int64)))
    return result_type(*dim_function.apply(input, d, keepdim))


def max(input, dim=None, keepdim=False):
    """``max()`` -> the maximum; ``max(dim)`` -> (values, indices); ``max(other)`` -> maximum."""
    from .arithmetic import maximum

    return _extremum(input, dim, keepdim, "max", MaxDim, Amax, MaxResult, maximum)


def min(input, dim=None, keepdim=False):
    """``min(input)``: the smallest element; ``min(input, dim)``: (values, indices) along
    ``dim``; ``min(a, b)``: the elementwise minimum, as ``torch.min``.
    """
    from .arithmetic import minimum

    return _extremum(input, dim, keepdim, "min", MinDim, Amin, MinResult, minimum)


def amax(input, dim=None, keepdim=False):
    """The largest value over ``dim`` (an int or a tuple); the gradient is split evenly among
    tied maxima, as ``torch.amax``.
    """
    dims = normalize_dims(dim, input.ndim)
    _check_reducible(input, dims, "amax")
    return Amax.apply(input, dims, keepdim)


def amin(input, dim=None, keepdim=False):
    """The smallest value over ``dim``; the gradient is split evenly among tied minima."""
    dims = normalize_dims(dim, input.ndim)
    _check_reducible(input, dims, "amin")
    return Amin.apply(input, dims, keepdim)


def _arg(input, dim, keepdim, name):
    xp = backend.xp_of(input.array)
    _check_reducible(input, None if dim is None else (normalize_dim(dim, input.ndim),), name)
    if dim is None:
        out = getattr(xp, name)(input.array)
        out = out.reshape((1,) * input.ndim) if keepdim else out
    else:
        d = normalize_dim(dim, input.ndim)
        out = getattr(xp, name)(input.array, axis=d, keepdims=keepdim) if input.ndim else getattr(xp, name)(input.array)
    return Tensor._wrap(xp.asarray(out, dtype=backend.int64))


def argmax(input, dim=None, keepdim=False):
    """The index of the largest value over ``dim`` (of the flattened input when None)."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """The index of the smallest value over ``dim`` (of the flattened input when None)."""
    return _arg(input, dim, keepdim, "argmin")


def any(input, dim=None, keepdim=False):
    dims = normalize_dims(dim, input.ndim)
    xp = backend.xp_of(input.array)
    return Tensor._wrap(xp.asarray(xp.any(input.array, axis=_axis(dims), keepdims=keepdim)))


def all(input, dim=None, keepdim=False):
    dims = normalize_dims(dim, input.ndim)
    xp = backend.xp_of(input.array)
    return Tensor._wrap(xp.asarray(xp.all(input.array, axis=_axis(dims), keepdims=keepdim)))
