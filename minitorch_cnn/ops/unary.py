"""Elementwise functions of one tensor: ``exp log sqrt abs tanh sigmoid clamp``, and
``where``, ``sign`` (recorded, with a zero gradient); plus the non-differentiable
``isnan``/``isinf``/``isfinite``.

Integer inputs to the floating functions are promoted to the default float dtype, as in
PyTorch. Backward formulas use the saved output where that is cheaper (exp, sqrt, tanh,
sigmoid) and are written with Tensor ops so they can be differentiated again.
"""

from __future__ import annotations

import math
import numbers

from .. import backend, kernels
from ..autograd.function import Function
from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor
from .common import as_array, as_operand, broadcast_shapes, constant, first_tensor, result_type


def _float_array(a):
    return a if a.dtype.kind == "f" else a.astype(backend.get_default_dtype())


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        xp = backend.xp_of(a)
        out = xp.exp(_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        xp = backend.xp_of(a)
        return xp.log(_float_array(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        xp = backend.xp_of(a)
        out = xp.sqrt(_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        xp = backend.xp_of(a)
        ctx.sign = xp.sign(a)
        return xp.abs(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * constant(ctx.sign)  # d|x|/dx = sign(x), and 0 at 0 (as PyTorch)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = backend.xp_of(a).tanh(_float_array(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        xp = backend.xp_of(a)
        a = _float_array(a)
        # 1/(1+e^-x) overflows for large negative x; e^x/(1+e^x) there instead
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Clamp(Function):
    @staticmethod
    def forward(ctx, a, low, high):
        xp = backend.xp_of(a)
        inside = xp.ones(a.shape, dtype=bool)
        out = a
        if low is not None:
            inside &= a >= low
            out = xp.maximum(out, xp.asarray(low, dtype=a.dtype))
        if high is not None:
            inside &= a <= high
            out = xp.minimum(out, xp.asarray(high, dtype=a.dtype))
        ctx.inside = inside
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad):
        # the gradient passes where low <= x <= high, bounds included (as PyTorch)
        return where(constant(ctx.inside), grad, 0.0), None, None


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b, dtype, xp):
        ctx.condition = condition
        return kernels.where(condition, as_array(a, dtype, xp), as_array(b, dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        condition = constant(ctx.condition)
        grad_a = where(condition, grad, 0.0) if ctx.needs_input_grad[1] else None
        grad_b = where(condition, 0.0, grad) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b, None, None


def exp(input):
    """``e^input`` (gradient ``e^input·g``)."""
    return Exp.apply(as_operand(input, "input"))


def log(input):
    """The natural logarithm (gradient ``g / input``)."""
    return Log.apply(as_operand(input, "input"))


def sqrt(input):
    """``√input`` (gradient ``g / (2√input)``)."""
    return Sqrt.apply(as_operand(input, "input"))


def abs(input):
    """``|input|`` (gradient ``sign(input)·g``, 0 at 0 as PyTorch)."""
    return Abs.apply(as_operand(input, "input"))


def tanh(input):
    """``tanh(x)`` (gradient ``(1 - tanh²x)·g``)."""
    return Tanh.apply(as_operand(input, "input"))


def sigmoid(input):
    """``1 / (1 + e^{-x})`` (gradient ``σ(x)·(1 - σ(x))·g``)."""
    return Sigmoid.apply(as_operand(input, "input"))


def clamp(input, min=None, max=None):
    """Clip to [min, max] (numbers). With tensor bounds, use ``maximum``/``minimum``."""
    if min is None and max is None:
        raise ShapeError("clamp: at least one of 'min' or 'max' must not be None")
    for name, bound in (("min", min), ("max", max)):
        if isinstance(bound, Tensor):
            raise ArgumentTypeError(f"clamp: {name} must be a number here; for a tensor bound use "
                            f"{'maximum' if name == 'min' else 'minimum'}(input, {name})")
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, numbers.Real)):
            raise ArgumentTypeError(f"clamp: {name} must be a real number or None, got {type(bound).__name__} "
                                    f"{bound!r}")
    return Clamp.apply(as_operand(input, "input"), min, max)


def where(condition, input, other):
    """``condition ? input : other`` elementwise, broadcasting all three."""
    if not isinstance(condition, Tensor) or condition.dtype != backend.bool_:
        got = condition.dtype if isinstance(condition, Tensor) else type(condition).__name__
        raise TypeError(f"where: condition must be a bool Tensor, got {got}")
    a, b = as_operand(input, "input"), as_operand(other, "other")
    shape = condition.shape
    for name, x in (("input", a), ("other", b)):
        if isinstance(x, Tensor):
            shape = broadcast_shapes(shape, x.shape, f"where ({name})")
    dtype = result_type(a, b)
    xp = backend.xp_of(first_tensor(condition, a, b).array)
    return Where.apply(condition, a, b, dtype, xp)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where the bool ``mask`` (broadcast to the input's shape) is
    True, as ``torch.Tensor.masked_fill``; the gradient flows to the unmasked elements (and
    to ``value`` when it is a 0-d tensor)."""
    input = as_operand(input, "input")
    if not isinstance(mask, Tensor) or mask.dtype != backend.bool_:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise ArgumentTypeError(f"masked_fill: mask must be a bool Tensor, got {got}")
    broadcast_shapes(input.shape, mask.shape, "masked_fill")  # the result has the broadcast shape, as PyTorch's
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, got shape "
                               f"{list(value.shape)}")
        value = value.to(input.dtype)
    elif isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"masked_fill: value must be a number or a 0-d Tensor, got {type(value).__name__}")
    elif input.dtype.kind in "iu" and isinstance(value, float):
        if not math.isfinite(value):
            raise RuntimeError(f"masked_fill: value {value} cannot be converted to the input's dtype {input.dtype}")
        value = int(value)  # truncated, as PyTorch converts it
    return where(mask, value, input).to(input.dtype)


def _unrecorded(fn_name, input):
    input = as_operand(input, "input")
    xp = backend.xp_of(input.array)
    return Tensor._wrap(getattr(xp, fn_name)(input.array))


class Sign(Function):
    """sign(x): -1, 0 or 1; its derivative is 0 everywhere (PyTorch's convention at 0 too),
    so it is recorded, as in PyTorch: a graph through it gives zero gradients, not an error."""

    @staticmethod
    def forward(ctx, a):
        return backend.xp_of(a).sign(a)

    @staticmethod
    def backward(ctx, grad):
        return constant(backend.xp_of(grad.array).zeros_like(grad.array))  # zeros, even for an inf upstream


def sign(input):
    """-1, 0 or 1 by the sign of each element; its gradient is zero."""
    input = as_operand(input, "input")
    return Sign.apply(input) if input.dtype.kind == "f" else _unrecorded("sign", input)


def isnan(input):
    """A bool tensor: where ``input`` is NaN."""
    return _unrecorded("isnan", input)


def isinf(input):
    """A bool tensor: where ``input`` is +inf or -inf."""
    return _unrecorded("isinf", input)


def isfinite(input):
    """A bool tensor: where ``input`` is neither NaN nor infinite."""
    return _unrecorded("isfinite", input)
