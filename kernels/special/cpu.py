"""The error function and GELU for the CPU, Numba; they agree with ``reference.py``.

GELU and its backward are one parallel pass each from a million values (the composition
x·0.5·(1 + erf(x/√2)) and its autograd made eight temporaries of the input's size forward
and backward), computed as the reference's terms in the input's dtype.

``math.erf`` does not vectorise, so the work is split over the cores instead: a parallel
loop over the array's memory for arrays of a million values and more (the exact GELU of
the zoo's small ViT takes erf of 3.2 M float32 values per block: 29-47 ms as a ufunc in
consecutive runs here, 14.6 ms in parallel on 2 cores), a serial ufunc below that, where
a parallel launch (about 120 µs here) would cost more than it saves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import float32, float64, njit, prange, vectorize

from .. import flat
from .._numba import PARALLEL
from . import reference

PARALLEL_FROM = 1 << 20


@vectorize([float32(float32), float64(float64)], cache=True)
def _erf_ufunc(x):
    return math.erf(x)


@njit(**PARALLEL)
def _erf_parallel(x, out):
    for i in prange(x.size):
        out[i] = math.erf(x[i])


def erf(x):
    """The error function, elementwise, in x's dtype (and its memory layout)."""
    if x.size >= PARALLEL_FROM and x.dtype in (np.float32, np.float64):
        out = np.empty_like(x)
        views = flat.flat_views(x, out)
        if views is not None:
            _erf_parallel(views[0], views[1])
            return out
    return _erf_ufunc(x)


# the constants in the arrays' dtype, as NumPy casts the reference's Python floats
def _constants(dtype):
    t = dtype.type
    return (t(reference.SQRT_HALF), t(reference.INV_SQRT_2PI), t(reference.TANH_SCALE), t(reference.TANH_CUBIC),
            t(3 * reference.TANH_CUBIC), t(0.5), t(1), t(-0.5))


@njit(**dict(PARALLEL, error_model="numpy"))
def _gelu_parallel(x, grad, out, exact, backward, sqrt_half, inv_sqrt_2pi, scale, cubic, cubic3, half, one, minus_half):
    for i in prange(x.size):
        v = x[i]
        if exact:
            cdf = half * (one + math.erf(v * sqrt_half))
            if backward:
                out[i] = grad[i] * (cdf + v * (math.exp(v * v * minus_half) * inv_sqrt_2pi))
            else:
                out[i] = v * half * (one + math.erf(v * sqrt_half))
        else:
            t = math.tanh((v + v * v * v * cubic) * scale)
            if backward:
                slope = (one + v * v * cubic3) * scale
                out[i] = grad[i] * (half * (one + t) + half * v * (one - t * t) * slope)
            else:
                out[i] = v * half * (one + t)


def _gelu(x, grad, approximate):
    """One pass of GELU (``grad`` None) or its backward, or None where the arrays do not suit
    (below PARALLEL_FROM values too: there the reference's few NumPy passes cost less than
    a parallel launch)."""
    if x.size < PARALLEL_FROM or x.dtype not in (np.float32, np.float64) or (
            grad is not None and grad.dtype != x.dtype):
        return None
    out = np.empty_like(x)
    views = flat.flat_views(*((x, out) if grad is None else (x, grad, out)))
    if views is None:
        return None
    x_flat, out_flat = views[0], views[-1]
    grad_flat = x_flat if grad is None else views[1]
    _gelu_parallel(x_flat, grad_flat, out_flat, approximate == "none", grad is not None, *_constants(x.dtype))
    return out


def gelu(x, approximate):
    out = _gelu(x, None, approximate)
    return reference.gelu(x, approximate) if out is None else out


def gelu_backward(x, grad, approximate):
    out = _gelu(x, grad, approximate)
    return reference.gelu_backward(x, grad, approximate) if out is None else out
