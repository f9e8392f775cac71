"""The stand-in ``cupy.ndarray``: device memory that is really a private NumPy array.

It is not a ``numpy.ndarray`` and does not convert to one: ``numpy.asarray(a)`` raises
``TypeError`` (as CuPy's ``__array__`` does) and the way to the host is ``a.get()``. Its
behaviour is CuPy's where CuPy differs from NumPy: an integer index gives a 0-d view (never
a NumPy scalar), reductions give 0-d arrays, a view's ``base`` is the array owning the
memory, ``T`` of a 1-d array is the array itself, and assigning a ``numpy.ndarray`` through
a basic index raises ``ValueError`` (CuPy routes it to ``fill``). NumPy functions called on
stand-in arrays dispatch here (``__array_ufunc__``, ``__array_function__``) and give
stand-in arrays, or raise ``TypeError`` when a host array is mixed in.
"""

import functools
import sys

import numpy as np

from . import _interop
from ._interop import SCALAR_TYPES, call_numpy, unsupported, unwrap, wrap
from ._poison import poison
from ._ufunc import numpy_backed
from .cuda import memory as _memory
from .cuda._device import Device
from .cuda._stream import get_current_stream

_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. "
             "Please use `.get()` to construct a NumPy array explicitly.")
_NON_SCALAR_FILL = "non-scalar numpy.ndarray cannot be used for fill"
_COMPARISONS = frozenset({"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"})


class Flags:
    """The memory-layout flags CuPy keeps: c_contiguous, f_contiguous, owndata."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, c_contiguous, f_contiguous, owndata):
        self.c_contiguous, self.f_contiguous, self.owndata = c_contiguous, f_contiguous, owndata

    def __getitem__(self, name):
        key = {"C_CONTIGUOUS": "c_contiguous", "C": "c_contiguous", "F_CONTIGUOUS": "f_contiguous",
               "F": "f_contiguous", "OWNDATA": "owndata"}.get(name)
        if key is None:
            raise KeyError(name)
        return getattr(self, key)

    def __repr__(self):
        return (f"  C_CONTIGUOUS : {self.c_contiguous}\n  F_CONTIGUOUS : {self.f_contiguous}\n"
                f"  OWNDATA : {self.owndata}")


def _defers_to(other) -> bool:
    """CuPy's ``_should_use_rop``: leave a binary operator to ``other``'s reflected one when
    ``other`` opts out of ufuncs (``__array_ufunc__ = None``) or, having no
    ``__array_ufunc__``, has a higher ``__array_priority__``."""
    try:
        other_ufunc = type(other).__array_ufunc__
    except AttributeError:
        return getattr(other, "__array_priority__", 0) > ndarray.__array_priority__
    return other_ufunc is None


def _binary(name, reflected=False):
    function = numpy_backed(name)

    def method(self, other):
        if type(other) is not ndarray and _defers_to(other):
            return NotImplemented
        return function(other, self) if reflected else function(self, other)

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


def _inplace(name):
    function = numpy_backed(name)

    def method(self, other):
        return function(self, other, out=self)

    return method


def _comparison(name):
    function = numpy_backed(name)

    def method(self, other):
        if type(other) is not ndarray:
            if _defers_to(other):
                return NotImplemented
            if isinstance(other, np.ndarray) and other.ndim == 0:
                other = other.item()  # CuPy reads a 0-d host array in a comparison
        return function(self, other)

    return method


def _index_array(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind not in "biu":
        raise IndexError(f"arrays used as indices must be of integer or boolean type. (actual: {array.dtype.type})")
    return array


def _slice_bound(bound):
    return int(bound) if type(bound) is ndarray else bound  # CuPy reads a 0-d device bound


def device_index(key):
    """A CuPy index as a NumPy one, and whether it has arrays in it (advanced indexing).
    Index arrays may be device arrays, host arrays or (nested) lists: CuPy copies host
    index data to the device, and so do these."""
    items = key if type(key) is tuple else (key,)
    converted, advanced = [], False
    for item in items:
        kind = type(item)
        if kind is ndarray:
            item, advanced = _index_array(item._a), True
        elif isinstance(item, np.ndarray):
            item, advanced = _index_array(item), True
        elif kind is list or kind is tuple:
            array = np.asarray(unwrap(item, host_ok=True))
            if array.size == 0:
                array = array.astype(np.int32)  # an empty list is empty indices, not an empty mask
            item, advanced = _index_array(array), True
        elif kind is slice:
            item = slice(_slice_bound(item.start), _slice_bound(item.stop), _slice_bound(item.step))
        elif isinstance(item, (bool, np.bool_)):
            advanced = True
        converted.append(item)
    return tuple(converted), advanced


class ndarray:
    """A CuPy array on the stand-in device (see the module docstring)."""

    __slots__ = ("_a", "_base", "_root", "_mem", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None or strides is not None:
            raise NotImplementedError("the CuPy stand-in cannot place an array on an existing MemoryPointer "
                                      "(memptr/strides)")
        if order not in ("C", "F", "c", "f", None):
            raise ValueError(f"order not understood. order={order}")
        array = poison(np.empty(shape, dtype=dtype, order=order or "C"))  # uninitialised device memory
        self._a, self._base, self._root = array, None, array
        self._mem = _memory._allocate(array.nbytes, array)
        _interop._owners[id(array)] = self

    @classmethod
    def _owning(cls, array: np.ndarray, root: np.ndarray):
        """A new array owning ``array``'s memory (``root``: the NumPy array that holds it)."""
        self = cls.__new__(cls)
        self._a, self._base, self._root = array, None, root
        self._mem = _memory._allocate(root.nbytes, root)
        return self

    @classmethod
    def _view_of(cls, owner, array: np.ndarray):
        """A view ``array`` into memory ``owner`` holds."""
        self = cls.__new__(cls)
        self._a, self._base, self._root, self._mem = array, owner, owner._root, None
        return self

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, shape):
        self._a.shape = shape  # without copying, or AttributeError, as CuPy

    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    base = property(lambda self: self._base)

    @property
    def flags(self):
        flags = self._a.flags
        return Flags(flags.c_contiguous, flags.f_contiguous, self._base is None)

    @property
    def T(self):
        return self if self.ndim < 2 else wrap(self._a.T)

    @property
    def mT(self):
        return wrap(self._a.mT)

    @property
    def real(self):
        return wrap(self._a.real) if self.dtype.kind == "c" else self

    @real.setter
    def real(self, value):
        self.real[...] = value

    @property
    def imag(self):
        if self.dtype.kind == "c":
            return wrap(self._a.imag)
        return wrap(np.zeros_like(self._a))

    @property
    def device(self):
        return Device(0)

    @property
    def data(self):
        mem = self._mem if self._base is None else self._base._mem
        ptr = self._a.__array_interface__["data"][0]
        return _memory.MemoryPointer(mem, ptr - mem.ptr)

    @property
    def __cuda_array_interface__(self):
        stream = get_current_stream().ptr
        return {
            "shape": self.shape,
            "typestr": self.dtype.str,
            "descr": self.dtype.descr,
            "stream": stream if stream else 1,  # the legacy default stream, as CuPy exports it
            "version": 3,
            "strides": None if self._a.flags.c_contiguous else self.strides,
            "data": (self.data.ptr if self.size else 0, False),
        }

    # ------------------------------------------------------------------ host transfer
    def get(self, stream=None, order="C", out=None, blocking=True):
        if out is None:
            order = order.upper()
            if order == "A":
                order = "F" if self._a.flags.f_contiguous and not self._a.flags.c_contiguous else "C"
            if order not in ("C", "F"):
                raise ValueError(f"unsupported order: {order}")
            return np.array(self._a, order=order, copy=True)
        if not isinstance(out, np.ndarray):
            raise TypeError("Only numpy.ndarray can be obtained from cupy.ndarray")
        if out.dtype != self.dtype:
            raise TypeError(f"{out.dtype} array cannot be obtained from {self.dtype} array")
        if out.shape != self.shape:
            raise ValueError(f"Shape mismatch. Expected shape: {self.shape}, actual shape: {out.shape}")
        if not (out.flags.c_contiguous or out.flags.f_contiguous):
            raise RuntimeError("`out` cannot be specified when copying to non-contiguous ndarray")
        out[...] = self._a
        return out

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError("Only numpy.ndarray can be set to cupy.ndarray")
        if self.dtype != arr.dtype:
            raise TypeError(f"{arr.dtype} array cannot be set to {self.dtype} array")
        if self.shape != arr.shape:
            raise ValueError(f"Shape mismatch. Old shape: {self.shape}, new shape: {arr.shape}")
        if not (self._a.flags.c_contiguous or self._a.flags.f_contiguous):
            raise RuntimeError("Cannot set to non-contiguous array")
        self._a[...] = arr

    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def tobytes(self, order="C"):
        return self._a.tobytes(order)

    # ------------------------------------------------------------------ conversion
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        return wrap(self._a.astype(dtype, order=order, casting=casting or "unsafe", copy=copy), {id(self._a): self})

    def copy(self, order="C"):
        return wrap(self._a.copy(order=order))

    def view(self, dtype=None, type=None):
        if type is not None and type is not ndarray:
            raise NotImplementedError("the CuPy stand-in has no ndarray subclasses")
        return wrap(self._a.view() if dtype is None else self._a.view(dtype))

    def fill(self, value):
        if isinstance(value, ndarray):
            if value.shape != ():
                raise ValueError("non-scalar cupy.ndarray cannot be used for fill")
            value = value._a
        elif isinstance(value, np.ndarray) or type(value) is list or type(value) is tuple:
            value = np.asarray(value)
            if value.shape != ():
                raise ValueError(_NON_SCALAR_FILL)
        elif not isinstance(value, SCALAR_TYPES):
            raise unsupported(value)
        self._a.fill(value)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape, order="C", copy=None):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return wrap(self._a.reshape(shape, order=order, copy=copy))

    def transpose(self, *axes):
        return wrap(self._a.transpose(*axes))

    def swapaxes(self, axis1, axis2):
        return wrap(self._a.swapaxes(axis1, axis2))

    def flatten(self, order="C"):
        return wrap(self._a.flatten(order))

    def ravel(self, order="C"):
        return wrap(self._a.ravel(order))

    def squeeze(self, axis=None):
        return wrap(self._a.squeeze(axis))

    def repeat(self, repeats, axis=None):
        return call_numpy(np.repeat, (self, repeats), dict(axis=axis))

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return wrap(self._a.diagonal(offset, axis1, axis2))

    # ------------------------------------------------------------------ selection
    def take(self, indices, axis=None, out=None):
        return call_numpy(np.take, (self, _to_device(indices)), dict(axis=axis, out=out))

    def put(self, indices, values, mode="wrap"):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError("clipmode not understood")
        np.put(self._a, _to_device(indices)._a, _to_device(values)._a, mode=mode)

    def compress(self, condition, axis=None, out=None):
        return call_numpy(np.compress, (_to_device(condition), self), dict(axis=axis, out=out))

    def nonzero(self):
        return wrap(self._a.nonzero())

    def searchsorted(self, v, side="left", sorter=None):
        return call_numpy(np.searchsorted, (self, v), dict(side=side, sorter=sorter))

    def sort(self, axis=-1, kind=None):
        self._a.sort(axis=axis, kind=kind)

    def argsort(self, axis=-1, kind=None):
        return wrap(self._a.argsort(axis=axis, kind=kind))

    def partition(self, kth, axis=-1):
        self._a.partition(unwrap(kth), axis=axis)

    def argpartition(self, kth, axis=-1):
        return wrap(self._a.argpartition(unwrap(kth), axis=axis))

    # ------------------------------------------------------------------ calculation
    def max(self, axis=None, out=None, keepdims=False):
        return call_numpy(np.amax, (self,), dict(axis=axis, out=out, keepdims=keepdims))

    def min(self, axis=None, out=None, keepdims=False):
        return call_numpy(np.amin, (self,), dict(axis=axis, out=out, keepdims=keepdims))

    def argmax(self, axis=None, out=None, dtype=None, keepdims=False):
        result = call_numpy(np.argmax, (self,), dict(axis=axis, out=out, keepdims=keepdims))
        return result if dtype is None else result.astype(dtype, copy=False)

    def argmin(self, axis=None, out=None, dtype=None, keepdims=False):
        result = call_numpy(np.argmin, (self,), dict(axis=axis, out=out, keepdims=keepdims))
        return result if dtype is None else result.astype(dtype, copy=False)

    def ptp(self, axis=None, out=None, keepdims=False):
        return call_numpy(np.ptp, (self,), dict(axis=axis, out=out, keepdims=keepdims))

    def clip(self, min=None, max=None, out=None):
        return call_numpy(np.clip, (self, min, max), dict(out=out))

    def round(self, decimals=0, out=None):
        return call_numpy(np.round, (self,), dict(decimals=decimals, out=out))

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return call_numpy(np.trace, (self,), dict(offset=offset, axis1=axis1, axis2=axis2, dtype=dtype, out=out))

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return call_numpy(np.sum, (self,), dict(axis=axis, dtype=dtype, out=out, keepdims=keepdims))

    def prod(self, axis=None, dtype=None, out=None, keepdims=None):
        return call_numpy(np.prod, (self,), dict(axis=axis, dtype=dtype, out=out, keepdims=bool(keepdims)))

    def cumsum(self, axis=None, dtype=None, out=None):
        return call_numpy(np.cumsum, (self,), dict(axis=axis, dtype=dtype, out=out))

    def cumprod(self, axis=None, dtype=None, out=None):
        return call_numpy(np.cumprod, (self,), dict(axis=axis, dtype=dtype, out=out))

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return call_numpy(np.mean, (self,), dict(axis=axis, dtype=dtype, out=out, keepdims=keepdims))

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return call_numpy(np.var, (self,), dict(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims))

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return call_numpy(np.std, (self,), dict(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims))

    def all(self, axis=None, out=None, keepdims=False):
        return call_numpy(np.all, (self,), dict(axis=axis, out=out, keepdims=keepdims))

    def any(self, axis=None, out=None, keepdims=False):
        return call_numpy(np.any, (self,), dict(axis=axis, out=out, keepdims=keepdims))

    def conj(self):
        return numpy_backed("conjugate")(self)

    conjugate = conj

    def dot(self, b, out=None):
        for name, value in (("b", b), ("out", out)):
            if value is not None and type(value) is not ndarray:
                raise TypeError(f"Argument '{name}' has incorrect type (expected cupy.ndarray, got {type(value)})")
        return call_numpy(np.dot, (self, b), dict(out=out))

    # ------------------------------------------------------------------ operators
    __add__, __radd__, __iadd__ = _binary("add"), _binary("add", True), _inplace("add")
    __sub__, __rsub__, __isub__ = _binary("subtract"), _binary("subtract", True), _inplace("subtract")
    __mul__, __rmul__, __imul__ = _binary("multiply"), _binary("multiply", True), _inplace("multiply")
    __truediv__, __rtruediv__ = _binary("true_divide"), _binary("true_divide", True)
    __itruediv__ = _inplace("true_divide")
    __floordiv__, __rfloordiv__ = _binary("floor_divide"), _binary("floor_divide", True)
    __ifloordiv__ = _inplace("floor_divide")
    __mod__, __rmod__, __imod__ = _binary("remainder"), _binary("remainder", True), _inplace("remainder")
    __divmod__, __rdivmod__ = _binary("divmod"), _binary("divmod", True)
    __lshift__, __rlshift__ = _binary("left_shift"), _binary("left_shift", True)
    __ilshift__ = _inplace("left_shift")
    __rshift__, __rrshift__ = _binary("right_shift"), _binary("right_shift", True)
    __irshift__ = _inplace("right_shift")
    __and__, __rand__, __iand__ = _binary("bitwise_and"), _binary("bitwise_and", True), _inplace("bitwise_and")
    __or__, __ror__, __ior__ = _binary("bitwise_or"), _binary("bitwise_or", True), _inplace("bitwise_or")
    __xor__, __rxor__, __ixor__ = _binary("bitwise_xor"), _binary("bitwise_xor", True), _inplace("bitwise_xor")
    __eq__, __ne__ = _comparison("equal"), _comparison("not_equal")
    __lt__, __le__ = _comparison("less"), _comparison("less_equal")
    __gt__, __ge__ = _comparison("greater"), _comparison("greater_equal")

    def __pow__(self, other, modulo=None):
        if type(other) is not ndarray and _defers_to(other):
            return NotImplemented
        return numpy_backed("power")(self, other)

    def __rpow__(self, other, modulo=None):
        return numpy_backed("power")(other, self)

    def __ipow__(self, other):
        return numpy_backed("power")(self, other, out=self)

    def __matmul__(self, other):
        if type(other) is not ndarray:
            if _defers_to(other):
                return NotImplemented
            raise TypeError(f"Argument 'b' has incorrect type (expected cupy.ndarray, got {type(other)})")
        return call_numpy(np.matmul, (self, other), {})

    def __rmatmul__(self, other):
        raise TypeError(f"Argument 'a' has incorrect type (expected cupy.ndarray, got {type(other)})")

    def __neg__(self):
        return numpy_backed("negative")(self)

    def __pos__(self):
        return numpy_backed("positive")(self)

    def __abs__(self):
        return numpy_backed("absolute")(self)

    def __invert__(self):
        return numpy_backed("invert")(self)

    # ------------------------------------------------------------------ Python protocols
    def __bool__(self):
        return bool(self._a)

    def __int__(self):
        return int(self._a)

    def __float__(self):
        return float(self._a)

    def __complex__(self):
        return complex(self._a)

    def __bytes__(self):
        return bytes(self._a)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, key):
        key, advanced = device_index(key)
        if not advanced and not any(item is Ellipsis for item in key):
            key += (Ellipsis,)  # a full integer index gives a 0-d view, as in CuPy
        return wrap(self._a[key])

    def __setitem__(self, key, value):
        key, advanced = device_index(key)
        if type(value) is ndarray:
            value = value._a
        elif isinstance(value, np.ndarray) or type(value) is list or type(value) is tuple:
            if advanced:  # a scatter copies host values to the device, as in CuPy
                value = np.asarray(unwrap(value, host_ok=True))
            else:  # CuPy fills a basic-index target, and fill takes only a scalar
                value = np.asarray(value)
                if value.shape != ():
                    raise ValueError(_NON_SCALAR_FILL)
        elif not isinstance(value, SCALAR_TYPES):
            raise unsupported(value)
        self._a[key] = value

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        try:
            function = getattr(sys.modules[__package__], ufunc.__name__)
        except AttributeError:
            return NotImplemented
        if "out" in kwargs:
            out = kwargs["out"]
            if len(out) != 1:
                raise ValueError("The 'out' parameter must have exactly one array value")
            kwargs["out"] = out[0]
            inputs_and_outputs = inputs + out
        else:
            inputs_and_outputs = inputs
        for value in inputs_and_outputs:
            if not (type(value) is ndarray or isinstance(value, (np.ndarray,) + SCALAR_TYPES)):
                return NotImplemented
        if ufunc.__name__ in _COMPARISONS:
            inputs = tuple(x.item() if isinstance(x, np.ndarray) and x.ndim == 0 else x for x in inputs)
        return function(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        try:
            module = functools.reduce(getattr, func.__module__.split(".")[1:], sys.modules[__package__])
            function = getattr(module, func.__name__)
        except AttributeError:
            return NotImplemented
        if function is func or any(t not in (ndarray, np.ndarray) for t in types):
            return NotImplemented
        return function(*args, **kwargs)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, format_spec):
        return format(self._a, format_spec)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        from ._creation import array

        return array, (self.get(),)


def _to_device(value) -> ndarray:
    """A device array for index or value data that CuPy copies from the host when given it."""
    if type(value) is ndarray:
        return value
    return wrap(np.array(unwrap(value, host_ok=True)))


_interop.register_array_type(ndarray)
