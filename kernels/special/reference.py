"""The reference error function: ``math.erf`` per element on NumPy, CuPy's own ``erf`` on
the GPU."""

from __future__ import annotations

import math

import numpy as np


def erf(x):
    """The error function, elementwise, in x's dtype."""
    if isinstance(x, np.ndarray):
        return np.frompyfunc(math.erf, 1, 1)(x).astype(x.dtype)
    from cupyx.scipy import special  # only reached with CuPy arrays

    # CuPy's erf computes float16 in float64 and returns that: cast back, as the CPU does
    return special.erf(x).astype(x.dtype, copy=False)


SQRT_HALF = 1 / math.sqrt(2.0)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
TANH_SCALE = math.sqrt(2.0 / math.pi)
TANH_CUBIC = 0.044715


def _xp(x):
    if isinstance(x, np.ndarray):
        return np
    import cupy  # only reached with CuPy arrays

    return cupy


def gelu(x, approximate):
    """x·Φ(x) (``approximate="none"``) or 0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³))), in x's dtype."""
    if approximate == "none":
        return x * 0.5 * (1 + erf(x * SQRT_HALF))
    inner = (x + x * x * x * TANH_CUBIC) * TANH_SCALE
    return x * 0.5 * (1 + _xp(x).tanh(inner))


def gelu_backward(x, grad, approximate):
    """grad · d gelu/dx: Φ(x) + x·φ(x), or for the tanh form
    0.5·(1 + t) + 0.5·x·(1 - t²)·√(2/π)(1 + 3·0.044715 x²) with t its tanh."""
    if approximate == "none":
        cdf = 0.5 * (1 + erf(x * SQRT_HALF))
        return grad * (cdf + x * (_xp(x).exp(x * x * -0.5) * INV_SQRT_2PI))
    t = _xp(x).tanh((x + x * x * x * TANH_CUBIC) * TANH_SCALE)
    slope = (1 + x * x * (3 * TANH_CUBIC)) * TANH_SCALE
    return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)
