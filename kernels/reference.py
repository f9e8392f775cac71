"""Reference kernels: readable, vectorised array code that runs on NumPy or CuPy arrays.

These are the specification. Every faster implementation (Numba in ``cpu.py``, CUDA in
``cuda.py``) must agree with the function of the same name here, and a user can force
these with ``minitorch_cnn.kernels.use("reference")`` to compare.
"""

from __future__ import annotations

import numpy as np


def _xp(array):
    if isinstance(array, np.ndarray):
        return np
    import cupy

    return cupy


def index_add(target, index, values):
    """``target[index] += values`` in place, where repeated indices *accumulate*.

    Plain ``target[index] += values`` keeps only one of several writes to the same element;
    the unbuffered ``ufunc.at`` adds every one. ``index`` is a tuple as NumPy indexing takes
    it (integer arrays, slices, None, Ellipsis); ``values`` broadcasts to ``target[index]``.
    """
    _xp(target).add.at(target, index, values)
    return target
