"""CuPy's module-level names that have a NumPy namesake, made on first use.

An exported name resolves to: NumPy's own object where CuPy's *is* NumPy's (the scalar
types, ``dtype``, ``finfo``, the exception and warning classes, the float constants); the
stand-in ufunc over NumPy's ufunc; or NumPy's function run on the arrays behind stand-in
arguments, with its results as stand-in arrays. Every such function raises ``TypeError`` for
a ``numpy.ndarray`` argument. That is stricter than CuPy, some of whose functions return
a NumPy result when handed NumPy input, which on a GPU silently computes on the host.
"""

import functools

import numpy as np

from ._interop import call_numpy
from ._ufunc import numpy_backed

# aliases NumPy 2 dropped that CuPy still exports (as NumPy's types)
_ALIASES = {"float_": np.float64, "complex_": np.complex128, "cfloat": np.complex128, "singlecomplex": np.complex64}

# CuPy returns a 0-d device array where NumPy returns a Python bool or int
_SCALAR_RESULTS = frozenset({"allclose", "array_equal", "array_equiv", "count_nonzero"})


def _numpy_namesake(name, *namespaces):
    for namespace in namespaces:
        value = getattr(namespace, name, None)
        if value is not None:
            return value
    return None


def device_function(numpy_function, name: str):
    """``numpy_function`` over stand-in arrays: arguments unwrapped (host arrays refused),
    ``out=`` written through, results wrapped."""

    @functools.wraps(numpy_function)
    def function(*args, **kwargs):
        result = call_numpy(numpy_function, args, kwargs)
        if name in _SCALAR_RESULTS and isinstance(result, (bool, int, np.bool_)):
            from ._interop import wrap

            result = wrap(np.asarray(result))
        return result

    function.__module__ = __package__
    return function


def resolve(name: str, *namespaces):
    """The stand-in for CuPy's ``name`` (looked up in ``namespaces``, NumPy's modules), or
    None when it has no NumPy namesake to build it from."""
    if name in _ALIASES:
        return _ALIASES[name]
    value = _numpy_namesake(name, *namespaces)
    if value is None:
        return None
    if isinstance(value, np.ufunc):
        return numpy_backed(name)
    if isinstance(value, type):
        if issubclass(value, (np.generic, np.dtype, BaseException)) or value in (np.finfo, np.iinfo):
            return value
        return None
    if isinstance(value, float):
        return value
    if callable(value):
        return device_function(value, name)
    return None
