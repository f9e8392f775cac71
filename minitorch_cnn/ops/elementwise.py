"""More elementwise functions, as PyTorch's: rounding (``floor ceil round trunc frac``),
trigonometric and hyperbolic (``sin cos tan asin acos atan sinh cosh asinh acosh atanh``),
exponentials and logarithms in other bases (``exp2 expm1 log2 log10 log1p``), ``rsqrt``,
``reciprocal``, ``square``; and of two tensors: ``atan2``, ``lerp``, ``logaddexp``,
``copysign``; plus the comparisons ``isclose``/``allclose``.

Each one-input function is a row of ``_TABLE``: the array function for the forward and its
derivative written with Tensor ops of (x, out), so second derivatives come from the same
rows. Rounding is piecewise constant: its derivative is 0, as in PyTorch.
"""

from __future__ import annotations

import math
import numbers

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import as_operand, broadcast_shapes, constant, first_tensor, result_type

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _zeros_like(t):
    return constant(backend.xp_of(t.array).zeros_like(t.array))


# name: (forward on arrays, derivative from (x, out) Tensors, keeps integer dtype)
_TABLE = {
    "floor": (lambda xp, a: xp.floor(a), lambda x, out: _zeros_like(x), True),
    "ceil": (lambda xp, a: xp.ceil(a), lambda x, out: _zeros_like(x), True),
    "trunc": (lambda xp, a: xp.trunc(a), lambda x, out: _zeros_like(x), True),
    "frac": (lambda xp, a: a - xp.trunc(a), lambda x, out: None, False),
    "sin": (lambda xp, a: xp.sin(a), lambda x, out: x.cos(), False),
    "cos": (lambda xp, a: xp.cos(a), lambda x, out: -x.sin(), False),
    "tan": (lambda xp, a: xp.tan(a), lambda x, out: 1 + out * out, False),
    "asin": (lambda xp, a: xp.arcsin(a), lambda x, out: (1 - x * x).rsqrt(), False),
    "acos": (lambda xp, a: xp.arccos(a), lambda x, out: -(1 - x * x).rsqrt(), False),
    "atan": (lambda xp, a: xp.arctan(a), lambda x, out: 1 / (1 + x * x), False),
    "sinh": (lambda xp, a: xp.sinh(a), lambda x, out: x.cosh(), False),
    "cosh": (lambda xp, a: xp.cosh(a), lambda x, out: x.sinh(), False),
    "asinh": (lambda xp, a: xp.arcsinh(a), lambda x, out: (x * x + 1).rsqrt(), False),
    "acosh": (lambda xp, a: xp.arccosh(a), lambda x, out: (x * x - 1).rsqrt(), False),
    "atanh": (lambda xp, a: xp.arctanh(a), lambda x, out: 1 / (1 - x * x), False),
    "exp2": (lambda xp, a: xp.exp2(a), lambda x, out: out * _LN2, False),
    "expm1": (lambda xp, a: xp.expm1(a), lambda x, out: out + 1, False),
    "log2": (lambda xp, a: xp.log2(a), lambda x, out: 1 / (x * _LN2), False),
    "log10": (lambda xp, a: xp.log10(a), lambda x, out: 1 / (x * _LN10), False),
    "log1p": (lambda xp, a: xp.log1p(a), lambda x, out: 1 / (1 + x), False),
    "rsqrt": (lambda xp, a: 1 / xp.sqrt(a), lambda x, out: -0.5 * out * out * out, False),
    "reciprocal": (lambda xp, a: 1 / a, lambda x, out: -(out * out), False),
    "square": (lambda xp, a: a * a, lambda x, out: 2 * x, True),
}


class Elementwise(Function):
    """One row of ``_TABLE`` applied to a tensor; ``backward`` is grad · f'(x)."""

    @staticmethod
    def forward(ctx, a, name):
        xp = backend.xp_of(a)
        forward, _, keeps_integers = _TABLE[name]
        if a.dtype.kind != "f" and not (keeps_integers and a.dtype.kind in "iu"):
            a = a.astype(backend.get_default_dtype())
        out = forward(xp, a)
        out = xp.asarray(out).astype(a.dtype, copy=False)
        ctx.name = name
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        derivative = _TABLE[ctx.name][1](x, out)
        return (grad if derivative is None else grad * derivative), None  # None: a derivative of 1 (frac)


def _elementwise(name):
    def function(input):
        input = as_operand(input, "input")
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        if name in ("floor", "ceil", "trunc") and input.dtype.kind in "iub":
            return input.clone()  # already whole: PyTorch returns the values unchanged
        return Elementwise.apply(input, name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}`` elementwise (PyTorch's ``torch.{name}``)."
    return function


floor, ceil, trunc, frac = (_elementwise(n) for n in ("floor", "ceil", "trunc", "frac"))
sin, cos, tan, asin, acos, atan = (_elementwise(n) for n in ("sin", "cos", "tan", "asin", "acos", "atan"))
sinh, cosh, asinh, acosh, atanh = (_elementwise(n) for n in ("sinh", "cosh", "asinh", "acosh", "atanh"))
exp2, expm1, log2, log10, log1p = (_elementwise(n) for n in ("exp2", "expm1", "log2", "log10", "log1p"))
rsqrt, reciprocal, square = (_elementwise(n) for n in ("rsqrt", "reciprocal", "square"))
fix = trunc


class Round(Function):
    """Round half to even (as PyTorch and NumPy), to ``decimals`` places; derivative 0."""

    @staticmethod
    def forward(ctx, a, decimals):
        return backend.xp_of(a).round(a, decimals)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like(grad), None


def round(input, *, decimals=0):  # noqa: A001  (PyTorch's name)
    """Round half to even (as ``torch.round``), or to ``decimals`` places; its gradient is zero."""
    input = as_operand(input, "input")
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    if input.dtype.kind in "iub":
        return input.clone()
    return Round.apply(input, int(decimals))


# ------------------------------------------------------------------- two inputs
def _pair(input, other, fn):
    """Both operands as float tensors of their common dtype on one device, broadcast-checked."""
    a, b = as_operand(input, "input"), as_operand(other, "other")
    dtype = result_type(a, b)
    if dtype.kind != "f":
        dtype = backend.get_default_dtype()
    device = first_tensor(a, b).device
    a = a.to(dtype) if isinstance(a, Tensor) else Tensor._wrap(backend.array_module(device).asarray(a, dtype=dtype))
    b = b.to(dtype) if isinstance(b, Tensor) else Tensor._wrap(backend.array_module(device).asarray(b, dtype=dtype))
    if a.device != b.device:
        raise RuntimeError(f"{fn}: Expected all tensors to be on the same device, got {a.device} and {b.device}")
    broadcast_shapes(a.shape, b.shape, fn)
    return a, b


def atan2(input, other):
    """The angle of the point (other, input), in (-π, π]: ``atan(input / other)`` in the
    right quadrant. d/dy = x / (x² + y²), d/dx = -y / (x² + y²)."""
    y, x = _pair(input, other, "atan2")
    return _Atan2.apply(y, x)


class _Atan2(Function):
    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return backend.xp_of(y).arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        scale = grad / (x * x + y * y)
        return (scale * x).sum_to_size(y.shape), (-scale * y).sum_to_size(x.shape)


arctan2 = atan2


def lerp(input, end, weight):
    """``input + weight · (end - input)``; ``weight`` a number or a tensor."""
    start, end = _pair(input, end, "lerp")
    if isinstance(weight, Tensor):
        broadcast_shapes(broadcast_shapes(start.shape, end.shape), weight.shape, "lerp")
    elif isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f"lerp: weight must be a number or a Tensor, got {type(weight).__name__}")
    return start + weight * (end - start)


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow: max + log1p(exp(-|a - b|))."""
    a, b = _pair(input, other, "logaddexp")
    from .arithmetic import maximum
    from .unary import where

    # two equal infinities: their difference is nan, and the answer is the infinity itself
    same_infinity = constant(backend.xp_of(a.array).isinf(a.array) & (a.array == b.array))
    return where(same_infinity, a, maximum(a, b) + (-(a - b).abs()).exp().log1p())


def logaddexp2(input, other):
    """``log2(2**input + 2**other)`` without overflow."""
    a, b = _pair(input, other, "logaddexp2")
    from .arithmetic import maximum
    from .unary import where

    same_infinity = constant(backend.xp_of(a.array).isinf(a.array) & (a.array == b.array))
    return where(same_infinity, a, maximum(a, b) + (-(a - b).abs()).exp2().log1p() / _LN2)


class _Copysign(Function):
    @staticmethod
    def forward(ctx, a, b):
        xp = backend.xp_of(a)
        out = xp.copysign(a, b)
        # d/da: ±1 where |out| follows |a| (0 at a = 0, as PyTorch); d/db: 0
        ctx.factor = xp.where(a == 0, 0, xp.sign(a) * xp.sign(out)).astype(a.dtype)
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_b = _zeros_like(grad).sum_to_size(ctx.b_shape)
        return (grad * constant(ctx.factor)).sum_to_size(ctx.a_shape), grad_b


def copysign(input, other):
    """``|input|`` with the sign of ``other`` (a negative zero counts as negative)."""
    a, b = _pair(input, other, "copysign")
    return _Copysign.apply(a, b)


# ------------------------------------------------------------------- comparisons
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol · |other|`` elementwise (a bool tensor); infinities
    are close only to themselves, NaN only with ``equal_nan``."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
            raise RuntimeError(f"isclose: {name} must be a non-negative number, got {value!r}")
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("isclose: input and other must be Tensors")
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype}")
    if input.device != other.device:
        raise RuntimeError(f"isclose: input is on {input.device} and other on {other.device}")
    broadcast_shapes(input.shape, other.shape, "isclose")
    a, b = input.array, other.array
    xp = backend.xp_of(a)
    if a.dtype.kind == "b":
        return Tensor._wrap(xp.asarray(a == b))
    close = xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))
    return Tensor._wrap(xp.asarray(close))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())

