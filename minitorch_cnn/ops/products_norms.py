"""``prod`` and the vector norms (``norm``, ``linalg.vector_norm``), and ``F.normalize``,
as PyTorch's.

``prod``'s gradient for each element is the product of the *others* along the dim: out / x
when no element is zero (O(n)); with a zero, where out / x is 0/0, it is built directly,
each row with its own element replaced by 1 (an n×n block per row: O(n²) memory, paid only
by inputs holding a zero). The p-norm's gradient is sign(x)·|x|^(p-1) / ‖x‖^(p-1), and 0 where
the norm is 0 (PyTorch's subgradient there).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import as_operand, constant, normalize_dim, normalize_dims


class ProdDim(Function):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.save_for_backward(a)
        ctx.dim, ctx.keepdim = dim, keepdim
        return backend.xp_of(a).prod(a, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        grad = grad if ctx.keepdim else grad.unsqueeze(ctx.dim)
        if bool((a.array != 0).all()):
            return grad * ProdDim.apply(a, ctx.dim, True) / a, None, None
        return grad_of_product(a, ctx.dim, grad), None, None


def grad_of_product(a, dim, grad):
    """grad · Π_{j≠i} a_j along ``dim``: a (…, n, n, …) tensor holding, at row i, ``a`` with
    a_i replaced by 1, multiplied out over the last of the two dims."""
    n = a.shape[dim]
    xp = backend.xp_of(a.array)
    rows = a.unsqueeze(dim).expand(a.shape[:dim] + (n,) + a.shape[dim:])  # (…, i, j, …)
    shape = [1] * rows.ndim
    shape[dim], shape[dim + 1] = n, n
    diagonal = constant(xp.eye(n, dtype=bool).reshape(shape))
    from .unary import where

    others = where(diagonal, 1.0, rows)
    return grad * ProdDim.apply(others, dim + 1, False)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of the elements (along ``dim``); integer and bool inputs multiply in
    int64, as in PyTorch."""
    input = as_operand(input, "input")
    if dtype is not None:
        input = input.to(backend.as_dtype(dtype))
    elif input.dtype.kind in "iub":
        input = input.to(np.int64)
    if dim is None:
        out = ProdDim.apply(input.reshape(-1), 0, False)
        return out.reshape((1,) * input.ndim) if keepdim else out
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"prod: dim must be an int, got {type(dim).__name__}")
    if input.ndim == 0:
        return input.clone()
    return ProdDim.apply(input, normalize_dim(dim, input.ndim), keepdim)


class VectorNorm(Function):
    @staticmethod
    def forward(ctx, a, p, dims, keepdim):
        xp = backend.xp_of(a)
        magnitude = xp.abs(a)
        axis = None if dims is None else tuple(dims)
        if p == math.inf:
            out = xp.amax(magnitude, axis=axis, keepdims=True)
        elif p == -math.inf:
            out = xp.amin(magnitude, axis=axis, keepdims=True)
        elif p == 0:
            out = xp.sum(magnitude != 0, axis=axis, keepdims=True).astype(a.dtype)
        elif p == 1:
            out = xp.sum(magnitude, axis=axis, keepdims=True)
        elif p == 2:
            out = xp.sqrt(xp.sum(magnitude * magnitude, axis=axis, keepdims=True))
        else:
            out = xp.sum(magnitude ** p, axis=axis, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.dims, ctx.keepdim, ctx.kept_shape = p, dims, keepdim, out.shape
        out = out if keepdim else out.reshape(_reduced_shape(a.shape, dims))
        # the returned array itself is saved: a saved output is part of the graph, so the
        # backward's use of it is differentiated too
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if not ctx.keepdim:
            grad, out = grad.reshape(ctx.kept_shape), out.reshape(ctx.kept_shape)
        p = ctx.p
        if p == 0:
            return a * 0.0, None, None, None
        if math.isinf(p):  # the gradient goes to the extreme elements, shared between ties
            from .comparison import eq

            chosen = eq(a.detach().abs(), out.detach()).to(a.dtype)
            share = chosen / chosen.sum(_dims_or_all(ctx.dims, a.ndim), keepdim=True)
            return grad * share * a.sign(), None, None, None
        if p == 1:
            return grad * a.sign(), None, None, None
        from .unary import where

        zero = constant(out.detach().array == 0)
        safe = where(zero, 1.0, out)
        if p == 2:
            return where(zero, 0.0, grad * a / safe), None, None, None
        scale = a.sign() * a.abs() ** (p - 1) / safe ** (p - 1)
        return where(zero, 0.0, grad * scale), None, None, None


def _dims_or_all(dims, ndim):
    return tuple(range(ndim)) if dims is None else tuple(dims)


def _reduced_shape(shape, dims):
    if dims is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002  (PyTorch's name)
    """(Σ |x|^ord)^(1/ord) over ``dim`` (all elements by default); ``ord`` = inf, -inf, 0
    (the count of non-zeros) as in ``torch.linalg.vector_norm``."""
    x = as_operand(x, "x")
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {type(ord).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype}")
    if dtype is not None:
        x = x.to(backend.as_dtype(dtype))
    dims = normalize_dims(dim, x.ndim) if x.ndim else None
    if ord < 0 and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor")
    return VectorNorm.apply(x, float(ord), dims, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default); ``"fro"``
    is the 2-norm of the elements. (Matrix norms such as ``"nuc"`` are not provided.)"""
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} (a matrix norm) is not supported; use a number or 'fro'")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``F.normalize``: ``input / max(‖input‖_p, eps)`` along ``dim``."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; assign the result instead")
    input = as_operand(input, "input")
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize: input must be a Tensor, got {type(input).__name__}")
    denominator = vector_norm(input, p, dim, keepdim=True).clamp(min=eps)
    return input / denominator
