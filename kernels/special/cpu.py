"""The error function for the CPU, Numba; it agrees with ``reference.erf``.

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
