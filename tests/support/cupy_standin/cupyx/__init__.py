"""``cupyx`` for the stand-in: the scatter functions, ``rsqrt`` and ``cupyx.scipy``."""

import numpy as _np

from .._exports import gate as _gate
from .._ufunc import numpy_backed as _numpy_backed
from .._ufunc import typed_ufunc as _typed_ufunc
from . import scipy


def scatter_add(a, slices, value):
    """a[slices] += value, adding every value whose index repeats (CuPy's atomic scatter)."""
    _numpy_backed("add").at(a, slices, value)


def scatter_max(a, slices, value):
    _numpy_backed("maximum").at(a, slices, value)


def scatter_min(a, slices, value):
    _numpy_backed("minimum").at(a, slices, value)


def _reciprocal_sqrt(x):
    with _np.errstate(divide="ignore", invalid="ignore"):
        return 1 / _np.sqrt(x)


rsqrt = _typed_ufunc("rsqrt", ["e->e", "f->f", "d->d", "F->F", "D->D"], _reciprocal_sqrt)

__all__ = ["rsqrt", "scatter_add", "scatter_max", "scatter_min", "scipy"]

__getattr__ = _gate("cupyx", globals())
