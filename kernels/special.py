"""The error function, which NumPy lacks: a readable reference (``math.erf`` per element
on NumPy, CuPy's own ``erf`` on the GPU) and a Numba ufunc for the CPU."""

from __future__ import annotations

import math

import numpy as np
from numba import float32, float64, vectorize


def erf_reference(x):
    if isinstance(x, np.ndarray):
        return np.frompyfunc(math.erf, 1, 1)(x).astype(x.dtype)
    from cupyx.scipy import special  # only reached with CuPy arrays

    return special.erf(x)


@vectorize([float32(float32), float64(float64)], cache=True)
def _erf_ufunc(x):
    return math.erf(x)


def erf_cpu(x):
    return _erf_ufunc(x)
