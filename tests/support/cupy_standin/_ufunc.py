"""CuPy's ufuncs (``cupy.add``, ``cupy.exp``, ...) over NumPy's, with CuPy's rules.

Operands are stand-in arrays or scalars only: a ``numpy.ndarray``, a list or any other
object raises ``TypeError: Unsupported type``, as CuPy's kernels do. Result dtypes are
NumPy 2's (NEP 50), which are CuPy 14's too (its loop tables select the same types).
The methods are CuPy's: ``at`` only for add, subtract, maximum and minimum (with CuPy's
dtype limits for atomic scatters), ``reduce`` and ``accumulate`` only for add and multiply,
``reduceat`` only for add; the rest raise ``NotImplementedError`` as in CuPy.
"""

import numpy as np

from ._interop import inputs_by_id, is_device_array, operand, unwrap, wrap

# CuPy's ufunc.at is a scatter: which ufuncs have one, its name, and which dtypes its
# atomics take (for an index with arrays in it; a plain slice is an ordinary ufunc call)
_ADD_TYPES = ("int32", "float16", "float32", "float64", "uint32", "uint64")
_MAX_TYPES = ("int32", "float32", "float64", "uint32", "uint64")
_SCATTERS = {"add": ("scatter_add", _ADD_TYPES), "subtract": ("scatter_sub", _ADD_TYPES),
             "maximum": ("scatter_max", _MAX_TYPES), "minimum": ("scatter_min", _MAX_TYPES)}
_REDUCE = {"add": "sum", "multiply": "prod"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}
_KEYWORDS = frozenset({"out", "dtype", "casting", "where"})


def _array_operand(value, what):
    if is_device_array(value):
        return value
    raise TypeError(f"{what} must be a cupy.ndarray, got {type(value)}")


class ufunc:
    """An elementwise function of CuPy's, computed by the NumPy ufunc of the same name."""

    def __init__(self, numpy_ufunc: np.ufunc, name: str | None = None):
        self._numpy = numpy_ufunc
        self.__name__ = name or numpy_ufunc.__name__
        self.name = "cupy_" + self.__name__
        self.nin, self.nout, self.nargs = numpy_ufunc.nin, numpy_ufunc.nout, numpy_ufunc.nargs
        self.types = list(numpy_ufunc.types)

    def __repr__(self):
        return f"<ufunc '{self.name}'>"

    def _outputs(self, positional, out):
        if positional:
            if out is not None:
                raise ValueError("Cannot specify 'out' as both a positional and keyword argument")
            out = positional[0] if self.nout == 1 else tuple(positional)
        if out is None:
            return None, {}
        targets = out if type(out) is tuple else (out,)
        for target in targets:
            if target is not None and not is_device_array(target):
                raise TypeError(f"Output arguments must be cupy.ndarray, got {type(target)}")
        return unwrap(out), inputs_by_id(targets)

    def __call__(self, *args, **kwargs):
        if not self.nin <= len(args) <= self.nargs:
            raise TypeError(f"Wrong number of arguments for {self.name!r}. It must be either {self.nin} or "
                            f"{self.nargs} (with outputs), but given {len(args)}.")
        unknown = set(kwargs) - _KEYWORDS
        if unknown:
            raise TypeError(f"Wrong arguments {kwargs}")
        inputs = [operand(value) for value in args[:self.nin]]
        out, same = self._outputs(args[self.nin:], kwargs.pop("out", None))
        if out is not None:
            kwargs["out"] = out
        if "where" in kwargs:
            kwargs["where"] = operand(kwargs["where"])
        return wrap(self._numpy(*inputs, **kwargs), same)

    def at(self, a, indices, b=None):
        scatter = _SCATTERS.get(self.__name__)
        if scatter is None:
            raise NotImplementedError(f"`{self.name}.at` is not supported yet")
        _array_operand(a, "a")
        from ._ndarray import device_index

        key, advanced = device_index(indices)
        scatter_name, dtypes = scatter
        if advanced and a.dtype.name not in dtypes:
            raise TypeError(f"{scatter_name} only supports {', '.join(dtypes)} as data type")
        if b is None:
            raise TypeError(f"{self.name}.at needs a value b")
        if advanced:  # CuPy copies host values for a scatter
            value = unwrap(b, host_ok=True)
        else:
            value = operand(b)
        self._numpy.at(a._a, key, value)

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False):
        method = _REDUCE.get(self.__name__)
        if method is None:
            raise NotImplementedError(f"`{self.name}.reduce` is not supported yet")
        return getattr(_array_operand(array, "array"), method)(axis, dtype, out, keepdims)

    def accumulate(self, array, axis=0, dtype=None, out=None):
        method = _ACCUMULATE.get(self.__name__)
        if method is None:
            raise NotImplementedError(f"`{self.name}.accumulate` is not supported yet")
        return getattr(_array_operand(array, "array"), method)(axis, dtype, out)

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        if self.__name__ != "add":
            raise NotImplementedError(f"`{self.name}.reduceat` is not supported yet")
        from ._interop import call_numpy

        _array_operand(array, "array")
        return call_numpy(np.add.reduceat, (array, indices), dict(axis=axis, dtype=dtype, out=out))

    def outer(self, A, B, **kwargs):
        from ._creation import array

        A, B = array(A), array(B)  # CuPy copies host operands here
        ndim_a, ndim_b = A.ndim, B.ndim
        return self(A.reshape(A.shape + (1,) * ndim_b), B.reshape((1,) * ndim_a + B.shape), **kwargs)


class typed_ufunc(ufunc):
    """A ufunc CuPy has and NumPy lacks (``cupyx.scipy.special.erf``, ``cupyx.rsqrt``):
    ``function`` computes in float64 (or complex128) and the result type comes from
    ``types``, CuPy's loop table, by its rule: the first loop the inputs cast to safely."""

    def __init__(self, name: str, types, function):
        self.__name__, self.name = name, "cupy_" + name
        self.nin, self.nout, self.nargs = 1, 1, 2
        self.types = list(types)
        self._function = function

    def _loop(self, dtype):
        for loop in self.types:
            source, result = loop.split("->")
            if np.can_cast(dtype, source, "safe"):
                return np.dtype(source), np.dtype(result)
        raise TypeError(f"Wrong type ({dtype},) of arguments for {self.name}")

    def __call__(self, x, out=None):
        value = operand(x)
        source, result = self._loop(np.asarray(value).dtype)
        computed = self._function(np.asarray(value, dtype=source)).astype(result, copy=False)
        if out is None:
            return wrap(np.asarray(computed))
        target = self._outputs((), out)[0]
        np.copyto(target, computed, casting="same_kind")
        return out

    def at(self, a, indices, b=None):
        raise NotImplementedError(f"`{self.name}.at` is not supported yet")


_cache: dict = {}


def numpy_backed(name: str):
    """The stand-in ufunc for CuPy's ``name`` (None when NumPy has no ufunc of that name)."""
    found = _cache.get(name)
    if found is None:
        numpy_ufunc = getattr(np, name, None)
        if not isinstance(numpy_ufunc, np.ufunc):
            return None
        found = _cache[name] = ufunc(numpy_ufunc, name)
    return found
