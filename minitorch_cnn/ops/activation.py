"""Activation functions, as ``torch.nn.functional``: relu, relu6/hardtanh, leaky_relu,
prelu, elu, selu, gelu (exact and tanh), silu, hardswish, hardsigmoid, softplus, erf.

ReLU, hardtanh, softplus, erf and GELU are their own ``Function`` (they are hot, or need
a stable formula that composition would lose); the rest are compositions of differentiable
ops, so their first and higher derivatives come from the pieces. Each is stable for large
|x|: exponentials only ever see non-positive arguments.
"""

from __future__ import annotations

import math

from .. import backend, kernels
from ..autograd.function import Function
from ..tensor import Tensor
from ..arguments import real
from .common import constant
from .unary import exp, sigmoid, tanh, where


def _check_float(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got {input.dtype}")
    return input


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        xp = backend.xp_of(a)
        ctx.positive = a > 0
        return xp.maximum(a, 0)  # maximum keeps NaN, as PyTorch's relu does

    @staticmethod
    def backward(ctx, grad):
        # 0 at x = 0, as PyTorch
        return where(constant(ctx.positive), grad, 0.0)


class Hardtanh(Function):
    @staticmethod
    def forward(ctx, a, low, high):
        xp = backend.xp_of(a)
        ctx.inside = (a > low) & (a < high)  # PyTorch passes no gradient at the corners
        return xp.clip(a, low, high)

    @staticmethod
    def backward(ctx, grad):
        return where(constant(ctx.inside), grad, 0.0), None, None


class Softplus(Function):
    @staticmethod
    def forward(ctx, a, beta, threshold):
        xp = backend.xp_of(a)
        z = a * beta
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): never overflows
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        return xp.where(z > threshold, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        z = a * ctx.beta
        return where(z > ctx.threshold, grad, grad * sigmoid(z)), None, None


class Erf(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return kernels.erf(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * exp(-(a * a))


class Gelu(Function):
    """GELU as one kernel pass; its backward is ``GeluBackward``, one more (the composition
    made eight temporaries of the input's size, forward and backward)."""

    @staticmethod
    def forward(ctx, a, approximate):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        return kernels.gelu(a, approximate)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return GeluBackward.apply(a, grad, ctx.approximate), None


class GeluBackward(Function):
    """grad·gelu'(x), differentiable in both (for double backward): d/dgrad is this op
    again, d/dx is grad·gelu''(x), composed of differentiable ops."""

    @staticmethod
    def forward(ctx, a, grad, approximate):
        ctx.save_for_backward(a, grad)
        ctx.approximate = approximate
        return kernels.gelu_backward(a, grad, approximate)

    @staticmethod
    def backward(ctx, upstream):
        a, grad = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_a = upstream * grad * _gelu_second_derivative(a, ctx.approximate) if needs[0] else None
        grad_grad = GeluBackward.apply(a, upstream, ctx.approximate) if needs[1] else None
        return grad_a, grad_grad, None


def _gelu_second_derivative(x, approximate):
    """φ(x)(2 - x²) for x·Φ(x); for the tanh form, with u = s(x + c·x³) and t = tanh(u):
    (1 - t²)u' + ½x(1 - t²)(u'' - 2t·u'²), u' = s(1 + 3c·x²), u'' = 6s·c·x."""
    if approximate == "none":
        return exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi)) * (2 - x * x)
    s, c = math.sqrt(2.0 / math.pi), 0.044715
    t = tanh((x + x * x * x * c) * s)
    du = (1 + x * x * (3 * c)) * s
    d2u = x * (6 * s * c)
    sech2 = 1 - t * t
    return sech2 * du + x * 0.5 * sech2 * (d2u - t * du * du * 2)


def relu(input, inplace: bool = False):
    """max(x, 0). ``inplace`` is accepted for PyTorch compatibility and ignored: our
    in-place ops refuse tensors that need a gradient (see docs/tensor.md)."""
    return ReLU.apply(_check_float(input, "relu"))


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """``x`` clipped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh.apply(_check_float(input, "hardtanh"), min_val, max_val)


def relu6(input, inplace: bool = False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """``x`` where ``x > 0``, else ``negative_slope·x``."""
    real(negative_slope, "leaky_relu: negative_slope")
    _check_float(input, "leaky_relu")
    return where(input > 0, input, input * negative_slope)


def prelu(input, weight):
    """Leaky ReLU with a learned slope: one per channel (dim 1), or one shared."""
    _check_float(input, "prelu")
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D, got shape {list(weight.shape)}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise ValueError(f"prelu: weight has {weight.numel()} elements but the input has {channels} channels "
                         f"(dim 1 of shape {list(input.shape)}); expected 1 or {channels}")
    if weight.numel() > 1 and input.ndim >= 2:
        weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return where(input > 0, input, weight * input)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """``x`` where ``x > 0``, else ``alpha·(e^x - 1)``."""
    real(alpha, "elu: alpha")
    _check_float(input, "elu")
    negative = input.clamp(max=0.0)  # e^x only of x <= 0
    return where(input > 0, input, (exp(negative) - 1) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace: bool = False):
    """``scale·(max(0, x) + min(0, alpha·(e^x - 1)))``, alpha ≈ 1.6733, scale ≈ 1.0507."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """``max(0, x) + min(0, alpha·(e^{x/alpha} - 1))``."""

    _check_float(input, "celu")
    negative = input.clamp(max=0.0)
    return where(input > 0, input, (exp(negative / alpha) - 1) * alpha)


def erf(input):
    """The Gauss error function ``2/√π ∫₀ˣ e^{-t²} dt`` (gradient ``2/√π·e^{-x²}·g``)."""
    return Erf.apply(_check_float(input, "erf"))


def gelu(input, approximate: str = "none"):
    """x·Φ(x); ``approximate="tanh"``: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³)))."""
    _check_float(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate)


def silu(input, inplace: bool = False):
    """``x·σ(x)``."""
    return input * sigmoid(_check_float(input, "silu"))


def hardsigmoid(input, inplace: bool = False):
    """``relu6(x + 3)/6``."""
    return relu6(_check_float(input, "hardsigmoid") + 3.0) / 6.0


def hardswish(input, inplace: bool = False):
    """``x·relu6(x + 3)/6``."""
    return input * hardsigmoid(input)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """``log(1 + e^{βx})/β``, and ``x`` where ``βx > threshold``."""
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return Softplus.apply(_check_float(input, "softplus"), beta, threshold)


def logsigmoid(input):
    """``log σ(x) = -softplus(-x)``, computed stably."""
    return -softplus(-_check_float(input, "logsigmoid"))


def mish(input, inplace: bool = False):
    """``x·tanh(softplus(x))``."""
    return input * tanh(softplus(input))
