"""Broadcasting arithmetic: ``add sub mul div pow maximum minimum neg``, and the rounding
divisions ``remainder`` (Python's ``%``: the sign of the divisor), ``fmod`` (C's: the sign
of the dividend) and ``floor_divide`` (``//``).

Each forward casts its operands to the promoted dtype (``result_type``) and computes on
arrays; each backward is written with Tensor ops (so it can itself be differentiated) and
returns full-size gradients, which the engine sums back to each input's shape.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import as_operand, broadcast_shapes, constant, as_array, first_tensor, result_type


def _prepare(a, b, name: str, float_result: bool = False):
    a, b = as_operand(a, "input"), as_operand(b, "other")
    ref = first_tensor(a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        broadcast_shapes(a.shape, b.shape, name)
    dtype = result_type(a, b)
    if float_result and dtype.kind != "f":
        dtype = backend.get_default_dtype()
    return a, b, dtype, backend.xp_of(ref.array)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, dtype, xp):
        return xp.add(as_array(a, dtype, xp), as_array(b, dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        return grad, grad, None, None


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, dtype, xp):
        return xp.subtract(as_array(a, dtype, xp), as_array(b, dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad, None, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b, dtype, xp):
        ctx.save_for_backward(a, b)
        return xp.multiply(as_array(a, dtype, xp), as_array(b, dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None, None, None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b, dtype, xp):
        ctx.save_for_backward(a, b)
        return xp.true_divide(as_array(a, dtype, xp), as_array(b, dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None, None


class PowScalar(Function):
    """tensor ** number"""

    @staticmethod
    def forward(ctx, a, exponent, dtype, xp):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return xp.power(a.astype(dtype, copy=False), xp.asarray(exponent, dtype=dtype))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return grad * 0, None, None, None
        return grad * p * a ** (p - 1), None, None, None


class RPowScalar(Function):
    """number ** tensor"""

    @staticmethod
    def forward(ctx, base, b, dtype, xp):
        out = xp.power(xp.asarray(base, dtype=dtype), b.astype(dtype, copy=False))
        ctx.save_for_backward(out)
        ctx.log_base = float(np.log(base)) if base > 0 else (float("-inf") if base == 0 else float("nan"))
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if ctx.log_base == float("-inf"):
            # 0 ** b: PyTorch's convention, slope 0 where b >= 0 (the result is 0 or 1 there,
            # and 0 * -inf would be nan); where b < 0 the result is inf and so is the slope
            exponent_negative = constant(backend.xp_of(out.array).isinf(out.array))
            return None, where(exponent_negative, grad * out * ctx.log_base, 0.0), None, None
        return None, grad * out * ctx.log_base, None, None


class PowTensor(Function):
    """tensor ** tensor"""

    @staticmethod
    def forward(ctx, a, b, dtype, xp):
        out = xp.power(a.astype(dtype, copy=False), b.astype(dtype, copy=False))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # PyTorch's convention: 0 where the exponent is 0 (0 ** 0 has slope 0, not 0 * inf)
            grad_a = where(constant(b.array == 0), 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            # d/db a**b = a**b log a; PyTorch's convention: 0 where a == 0 and b >= 0
            zero_base = constant((a.array == 0) & (b.array >= 0))
            grad_b = where(zero_base, 0.0, grad * out * a.log())
        return grad_a, grad_b, None, None


def _tie_weights(a, b, xp, larger: bool):
    """Weight of ``a`` in max(a, b) (or min): 1 where it wins, 1/2 on ties (as PyTorch)."""
    wins = (a > b) if larger else (a < b)
    return xp.where(wins, 1.0, xp.where(a == b, 0.5, 0.0))


class _Extremum(Function):
    larger = True

    @classmethod
    def forward(cls, ctx, a, b, dtype, xp):
        a_arr, b_arr = as_array(a, dtype, xp), as_array(b, dtype, xp)
        ctx.weight_a = _tie_weights(a_arr, b_arr, xp, cls.larger).astype(dtype)
        return xp.maximum(a_arr, b_arr) if cls.larger else xp.minimum(a_arr, b_arr)

    @staticmethod
    def backward(ctx, grad):
        weight_a = constant(ctx.weight_a)
        return grad * weight_a, grad * (1.0 - weight_a), None, None


class Maximum(_Extremum):
    larger = True


class Minimum(_Extremum):
    larger = False


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise TypeError("neg: negation of a bool tensor is not supported; use ~ (logical_not) instead")
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class _Modulo(Function):
    """a - b·q with q = rounded(a / b); d/da = 1 and d/db = -q (q is piecewise constant).
    Subclasses say how q is rounded: ``floor`` True rounds down (Remainder), False
    towards zero (Fmod)."""

    floor: bool

    @classmethod
    def forward(cls, ctx, a, b, dtype, xp):
        a_arr, b_arr = as_array(a, dtype, xp), as_array(b, dtype, xp)
        if ctx.needs_input_grad[1]:
            ctx.quotient = (xp.floor if cls.floor else xp.trunc)(xp.true_divide(a_arr, b_arr))
        return xp.remainder(a_arr, b_arr) if cls.floor else xp.fmod(a_arr, b_arr)

    @staticmethod
    def backward(ctx, grad):
        grad_b = -grad * constant(ctx.quotient) if ctx.needs_input_grad[1] else None
        return grad if ctx.needs_input_grad[0] else None, grad_b, None, None


class Remainder(_Modulo):
    floor = True


class Fmod(_Modulo):
    floor = False


def _check_divisor(b, dtype, name):
    """Refuses bools, and integer division by zero (NumPy would return 0 with a warning;
    PyTorch raises). Floats divide by zero to inf/nan, as in PyTorch."""
    if dtype.kind == "b":
        raise TypeError(f"{name}: not defined for bool tensors")
    if dtype.kind in "iu":
        zero = (b.array == 0).any() if isinstance(b, Tensor) else b == 0
        if bool(zero):
            raise ZeroDivisionError(f"{name}: integer division by zero")


def _modulo(function, input, other, name):
    a, b, dtype, xp = _prepare(input, other, name)
    _check_divisor(b, dtype, name)
    return function.apply(a, b, dtype, xp)


def remainder(input, other):
    """Python's modulo (``a % b``): a - b·floor(a/b), with the sign of ``other``, as torch.remainder."""
    return _modulo(Remainder, input, other, "remainder")


def fmod(input, other):
    """C's modulo: a - b·trunc(a/b), with the sign of ``input``, as torch.fmod."""
    return _modulo(Fmod, input, other, "fmod")


def floor_divide(input, other):
    """floor(a / b) (``a // b``), as torch.floor_divide. Piecewise constant, so its result
    does not require grad (PyTorch does not differentiate it either)."""
    a, b, dtype, xp = _prepare(input, other, "floor_divide")
    _check_divisor(b, dtype, "floor_divide")
    return Tensor._wrap(xp.floor_divide(*(as_array(v.array if isinstance(v, Tensor) else v, dtype, xp)
                                          for v in (a, b))))


def add(input, other, alpha=1):
    """``input + alpha·other``, broadcasting, with PyTorch's type promotion (a Python number
    does not raise a tensor's dtype). Gradients: ``g`` to input, ``alpha·g`` to other, each
    summed over the dims it was broadcast along.
    """
    if alpha != 1:
        other = mul(other, alpha)
    a, b, dtype, xp = _prepare(input, other, "add")
    return Add.apply(a, b, dtype, xp)


def sub(input, other, alpha=1):
    """``input - alpha·other``, broadcasting (gradients ``g`` and ``-alpha·g``)."""
    if alpha != 1:
        other = mul(other, alpha)
    a, b, dtype, xp = _prepare(input, other, "sub")
    if dtype.kind == "b":
        raise TypeError("sub: subtraction of two bool tensors is not supported; use ^ (logical_xor) instead")
    return Sub.apply(a, b, dtype, xp)


def mul(input, other):
    """``input · other`` elementwise, broadcasting (gradients ``g·other`` and ``g·input``)."""
    a, b, dtype, xp = _prepare(input, other, "mul")
    return Mul.apply(a, b, dtype, xp)


class RoundedDiv(Function):
    """``div(rounding_mode="trunc"|"floor")``: piecewise constant, recorded with a zero
    gradient for both operands, as PyTorch records it (its ``floor_divide`` is not)."""

    @staticmethod
    def forward(ctx, a, b, dtype, xp, mode):
        x, y = as_array(a, dtype, xp), as_array(b, dtype, xp)
        ctx.shapes = (getattr(a, "shape", None), getattr(b, "shape", None))
        if mode == "floor":
            return xp.asarray(xp.floor_divide(x, y))
        if dtype.kind in "iu":  # exact on integers: the floor quotient moved up where the signs differ
            quotient = xp.floor_divide(x, y)
            return xp.asarray(quotient + ((quotient < 0) & (quotient * y != x))).astype(dtype, copy=False)
        return xp.asarray(xp.trunc(x / y))

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad.array)
        zeros = [None if shape is None else constant(xp.zeros(shape, dtype=grad.dtype)) for shape in ctx.shapes]
        return zeros[0], zeros[1], None, None, None


def div(input, other, *, rounding_mode=None):
    """``input / other``; ``rounding_mode="trunc"`` rounds the quotient towards zero,
    ``"floor"`` down (both keep integer dtypes, and have a zero derivative)."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"{rounding_mode!r}")
    if rounding_mode is not None:
        a, b, dtype, xp = _prepare(input, other, "div")
        _check_divisor(b, dtype, "div")
        return RoundedDiv.apply(a, b, dtype, xp, rounding_mode)
    a, b, dtype, xp = _prepare(input, other, "div", float_result=True)
    return Div.apply(a, b, dtype, xp)


def pow(input, exponent):
    """``input ** exponent`` elementwise; the gradient is ``exponent·input^(exponent-1)`` in the
    base and ``input^exponent·log(input)`` in a tensor exponent.
    """
    a, b, dtype, xp = _prepare(input, exponent, "pow")
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return PowTensor.apply(a, b, dtype, xp)
    if isinstance(a, Tensor):
        if a.dtype.kind in "iu" and dtype.kind in "iu" and b < 0:
            raise RuntimeError(f"pow: integers to negative integer powers are not allowed (exponent {b})")
        return PowScalar.apply(a, b, dtype, xp)
    return RPowScalar.apply(a, b, dtype, xp)


def maximum(input, other):
    """The elementwise maximum of two tensors, broadcasting; the gradient goes to the larger
    (split evenly where they are equal, as PyTorch).
    """
    a, b, dtype, xp = _prepare(input, other, "maximum")
    return Maximum.apply(a, b, dtype, xp)


def minimum(input, other):
    """The elementwise minimum of two tensors, broadcasting; the gradient goes to the smaller
    (split evenly where they are equal, as PyTorch).
    """
    a, b, dtype, xp = _prepare(input, other, "minimum")
    return Minimum.apply(a, b, dtype, xp)


def neg(input):
    """``-input``."""
    return Neg.apply(as_operand(input, "input"))


from .unary import where  # noqa: E402  (PowTensor's backward uses it)
