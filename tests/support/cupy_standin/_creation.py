"""The functions that cross between host and device, and CuPy's creation rules.

``array``/``asarray``/``asanyarray`` are the only ones that take host data (a
``numpy.ndarray``, a list, a scalar): they copy it to the device, whatever ``copy`` says.
``ascontiguousarray``/``asfortranarray`` take device arrays only, as in CuPy.
``empty``/``empty_like`` give poisoned memory (see ``_poison.py``). ``asnumpy`` copies to
the host; ``get_array_module`` says which module an array belongs to.
"""

import sys

import numpy as np

from ._interop import call_numpy, is_device_array, unwrap, wrap
from ._ndarray import ndarray
from ._poison import poison


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if subok:
        raise NotImplementedError("subok is not supported")
    if order is None:
        order = "K"
    if is_device_array(obj):
        result = obj.astype(obj.dtype if dtype is None else dtype, order=order, copy=bool(copy))
        if ndmin > result.ndim:
            result = result.reshape((1,) * (ndmin - result.ndim) + result.shape)
        return result
    host = np.array(unwrap(obj, host_ok=True), dtype=dtype, order=order, ndmin=ndmin, copy=True)
    return wrap(host)


def asarray(a, dtype=None, order=None, *, blocking=False):
    return array(a, dtype=dtype, copy=False, order=order, blocking=blocking)


def asanyarray(a, dtype=None, order=None, *, blocking=False):
    return array(a, dtype=dtype, copy=False, order=order, blocking=blocking)


def _device_only(a, name):
    if not is_device_array(a):
        raise TypeError(f"{name}: Argument 'a' has incorrect type (expected cupy.ndarray, got {type(a)})")


def ascontiguousarray(a, dtype=None):
    _device_only(a, "ascontiguousarray")
    return call_numpy(np.ascontiguousarray, (a,), dict(dtype=dtype))


def asfortranarray(a, dtype=None):
    _device_only(a, "asfortranarray")
    return call_numpy(np.asfortranarray, (a,), dict(dtype=dtype))


def empty(shape, dtype=float, order="C"):
    """Uninitialised device memory (poisoned: NaN, the largest integer, True)."""
    return wrap(poison(np.empty(shape, dtype=dtype, order=order)))


def empty_like(prototype, dtype=None, order="K", subok=None, shape=None):
    """Uninitialised device memory shaped like ``prototype`` (poisoned, as ``empty``)."""
    if not is_device_array(prototype):
        raise TypeError(f"empty_like: prototype must be a cupy.ndarray, got {type(prototype)}")
    return wrap(poison(np.empty_like(prototype._a, dtype=dtype, order=order, shape=shape)))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    """A host (NumPy) copy of a device array; host data goes through ``numpy.asarray``."""
    if is_device_array(a):
        return a.get(stream=stream, order=order, out=out, blocking=blocking)
    host = np.asarray(a, order=order)
    if out is None:
        return host
    out[...] = host
    return out


def get_array_module(*args):
    """The stand-in module when any argument is a stand-in array, else numpy."""
    for arg in args:
        if is_device_array(arg):
            return sys.modules[__package__]
    return np


__all__ = ["array", "asanyarray", "asarray", "ascontiguousarray", "asfortranarray", "asnumpy", "empty",
           "empty_like", "get_array_module", "ndarray"]
