"""Poison for uninitialised device memory.

CuPy's ``empty``, ``empty_like`` and ``ndarray(shape)`` hand out memory as it is, holding
whatever the last kernel left there; NumPy's ``empty`` often hands out zeros, which would
hide a kernel that skips an element. The stand-in fills new uninitialised memory with NaN
(floating and complex dtypes), the dtype's largest value (integers: an index built from it
is out of bounds) or True (bool), so an element nobody wrote shows up in the result.
"""

import numpy as np


def poison(array: np.ndarray) -> np.ndarray:
    kind = array.dtype.kind
    if kind in "fc":
        array.fill(np.nan)
    elif kind in "iu":
        array.fill(np.iinfo(array.dtype).max)
    elif kind == "b":
        array.fill(True)
    return array
