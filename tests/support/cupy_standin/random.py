"""``cupy.random`` for the stand-in: CuPy's sampling functions, drawn on the host by NumPy
(so the numbers differ from cuRAND's) and returned as device arrays, with CuPy's
signatures: a ``dtype`` argument (float32 or float64 for the real-valued samplers), and a
0-d array, never a Python scalar, when no size is given."""

import numpy as _np

from ._exports import gate as _gate
from ._interop import is_device_array as _is_device_array
from ._interop import unwrap as _unwrap
from ._interop import wrap as _wrap


def _float_dtype(dtype):
    dtype = _np.dtype(dtype)
    if dtype.char not in "fd":
        raise TypeError(f"cupy.random only supports float32 and float64, got {dtype}")
    return dtype


class RandomState:
    """A generator of CuPy's ``RandomState`` interface over NumPy's."""

    def __init__(self, seed=None, method=None):
        self._state = _np.random.RandomState(seed)

    def seed(self, seed=None):
        self._state.seed(seed)

    def _real(self, values, dtype):
        return _wrap(_np.asarray(values, dtype=_float_dtype(dtype)))

    def rand(self, *size, dtype=float):
        return self._real(self._state.random_sample(size), dtype)

    def randn(self, *size, dtype=float):
        return self._real(self._state.standard_normal(size), dtype)

    def random_sample(self, size=None, dtype=float):
        return self._real(self._state.random_sample(size), dtype)

    def standard_normal(self, size=None, dtype=float):
        return self._real(self._state.standard_normal(size), dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
        return self._real(self._state.normal(_unwrap(loc), _unwrap(scale), size), dtype)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
        return self._real(self._state.uniform(_unwrap(low), _unwrap(high), size), dtype)

    def randint(self, low, high=None, size=None, dtype="l"):
        return _wrap(_np.asarray(self._state.randint(low, high, size, dtype=dtype)))

    def permutation(self, num):
        if _is_device_array(num):
            return _wrap(self._state.permutation(num._a))
        return _wrap(self._state.permutation(num))

    def shuffle(self, a):
        if not _is_device_array(a):
            raise TypeError("The array must be a cupy.ndarray")
        self._state.shuffle(a._a)

    def choice(self, a, size=None, replace=True, p=None):
        return _wrap(_np.asarray(self._state.choice(_unwrap(a), size, replace, _unwrap(p))))


_random_state = RandomState()


def get_random_state():
    return _random_state


def set_random_state(rs):
    global _random_state
    if not isinstance(rs, RandomState):
        raise TypeError(f"Random state must be an instance of RandomState. Actual: {type(rs)}")
    _random_state = rs


def reset_states():
    global _random_state
    _random_state = RandomState()


def seed(seed=None):
    _random_state.seed(seed)


def rand(*size, dtype=float):
    return _random_state.rand(*size, dtype=dtype)


def randn(*size, dtype=float):
    return _random_state.randn(*size, dtype=dtype)


def random_sample(size=None, dtype=float):
    return _random_state.random_sample(size, dtype)


random = ranf = sample = random_sample


def standard_normal(size=None, dtype=float):
    return _random_state.standard_normal(size, dtype)


def normal(loc=0.0, scale=1.0, size=None, dtype=float):
    return _random_state.normal(loc, scale, size, dtype)


def uniform(low=0.0, high=1.0, size=None, dtype=float):
    return _random_state.uniform(low, high, size, dtype)


def randint(low, high=None, size=None, dtype="l"):
    return _random_state.randint(low, high, size, dtype)


def permutation(num):
    return _random_state.permutation(num)


def shuffle(a):
    _random_state.shuffle(a)


def choice(a, size=None, replace=True, p=None):
    return _random_state.choice(a, size, replace, p)


__getattr__ = _gate("cupy.random", globals())
