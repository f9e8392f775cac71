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
