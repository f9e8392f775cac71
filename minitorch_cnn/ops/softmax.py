"""``logsumexp``, ``softmax`` and ``log_softmax`` along a dim, numerically stable.

All three subtract the maximum before exponentiating, so large inputs do not overflow.
Their backward passes use the saved output (``softmax``: s * (g - sum(g * s))), written
with Tensor ops so they can be differentiated again.
"""

from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from .common import normalize_dim, normalize_dims


def _shifted(a, axis, xp):
    """``a - max(a)`` along ``axis`` (the max of an all -inf row is taken as 0)."""
    top = xp.amax(a, axis=axis, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0)
    return a - top, top


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        xp = backend.xp_of(a)
        shifted, top = _shifted(a, dims, xp)
        out = xp.log(xp.sum(xp.exp(shifted), axis=dims, keepdims=True)) + top
        result = out if keepdim else xp.squeeze(out, axis=dims)
        ctx.save_for_backward(a, result)
        ctx.dims, ctx.keepdim = dims, keepdim
        return result

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        kept_shape = [1 if i in ctx.dims else s for i, s in enumerate(a.shape)]
        if not ctx.keepdim:
            grad, out = grad.reshape(kept_shape), out.reshape(kept_shape)
        # d/dx logsumexp(x) = softmax(x) = exp(x - logsumexp(x)), differentiable again
        return grad * (a - out).exp(), None, None


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp = backend.xp_of(a)
        e = xp.exp(_shifted(a, dim, xp)[0])
        out = e / xp.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (grad - (grad * s).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp = backend.xp_of(a)
        shifted = _shifted(a, dim, xp)[0]
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None


def _float_input(input, name):
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got {input.dtype}")
    return input


def logsumexp(input, dim, keepdim=False):
    """``log Σ e^{x}`` over ``dim``, computed as ``m + log Σ e^{x - m}`` with m the max."""
    dims = normalize_dims(dim, input.ndim)
    return LogSumExp.apply(_float_input(input, "logsumexp"), dims, keepdim)


def softmax(input, dim, dtype=None):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``dim``, computed after subtracting the max (no overflow).
    The gradient is ``y·(g - Σ g·y)``.
    """
    if dtype is not None:
        input = input.to(backend.as_dtype(dtype))
    return Softmax.apply(_float_input(input, "softmax"), normalize_dim(dim, input.ndim))


def log_softmax(input, dim, dtype=None):
    """``x_i - log Σ_j e^{x_j}`` along ``dim``, computed stably (the log-sum-exp of the shifted input)."""
    if dtype is not None:
        input = input.to(backend.as_dtype(dtype))
    return LogSoftmax.apply(_float_input(input, "log_softmax"), normalize_dim(dim, input.ndim))
