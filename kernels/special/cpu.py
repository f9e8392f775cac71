"""The error function as a Numba ufunc for the CPU; it agrees with ``reference.erf``."""

from __future__ import annotations

import math

from numba import float32, float64, vectorize

from .. import _numba  # noqa: F401  (the threading layer, set before any kernel)


@vectorize([float32(float32), float64(float64)], cache=True)
def _erf_ufunc(x):
    return math.erf(x)


def erf(x):
    """The error function, elementwise, in x's dtype."""
    return _erf_ufunc(x)
