"""CuPy's boundary between host and device, in one place: what may go into a device
operation, and how NumPy's results come back as stand-in arrays.

The rules (CuPy's): a device operation takes device arrays and scalars (Python's and
NumPy's), never a ``numpy.ndarray`` — CuPy raises ``TypeError: Unsupported type`` rather than
copy host data behind the caller's back. Only the host-to-device constructors
(``cupy.array``/``asarray``/``asanyarray``) and index arrays take host data. Results are
device arrays: a NumPy scalar comes back as a 0-d array, and a result that is a view of an
input is a view whose ``base`` is that input's owner, as in CuPy.
"""

import weakref

import numpy as np

# Python's and NumPy's scalars: what CuPy's kernels take besides device arrays
SCALAR_TYPES = (bool, int, float, complex, np.generic)

# id(numpy buffer that owns the memory) -> the stand-in array that owns it
_owners = weakref.WeakValueDictionary()


def unsupported(value) -> TypeError:
    """CuPy's error for a value a device operation cannot take (a host array, a list, ...)."""
    return TypeError(f"Unsupported type {type(value)}")


def is_device_array(value) -> bool:
    return type(value) is _ndarray


def unwrap(value, host_ok: bool = False):
    """The NumPy value behind ``value`` for a device operation: a stand-in array's backing
    array, lists and tuples element by element. A ``numpy.ndarray`` raises TypeError unless
    ``host_ok`` (the host-to-device constructors)."""
    kind = type(value)
    if kind is _ndarray:
        return value._a
    if kind is list or kind is tuple:
        return kind([unwrap(item, host_ok) for item in value])
    if isinstance(value, np.ndarray) and not host_ok:
        raise unsupported(value)
    return value


def unwrap_kwargs(kwargs: dict, host_ok: bool = False) -> dict:
    return {key: unwrap(value, host_ok) for key, value in kwargs.items()}


def operand(value):
    """One operand of an elementwise (ufunc) operation: a stand-in array or a scalar."""
    if type(value) is _ndarray:
        return value._a
    if isinstance(value, SCALAR_TYPES):
        return value
    raise unsupported(value)


def owner_of(array: np.ndarray) -> np.ndarray:
    """The NumPy array at the end of ``array``'s base chain (the one owning the memory)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def wrap_array(array: np.ndarray, same: dict | None = None):
    """``array`` as a stand-in array: an input itself when NumPy handed the input back, a
    view of the stand-in owning ``array``'s memory, or a new owning array."""
    if same:
        found = same.get(id(array))
        if found is not None and found._a is array:
            return found
    root = owner_of(array)
    owner = _owners.get(id(root))
    if owner is not None and owner._root is root:
        return _ndarray._view_of(owner, array)
    owned = _ndarray._owning(array, root)
    _owners[id(root)] = owned
    return owned


def wrap(value, same: dict | None = None):
    """NumPy results as device results: arrays wrapped, NumPy scalars as 0-d arrays,
    tuples and lists element by element, anything else (ints, dtypes, None) as it is."""
    if isinstance(value, np.ndarray):
        return wrap_array(value, same)
    if isinstance(value, np.generic):
        return wrap_array(np.array(value))
    kind = type(value)
    if kind is tuple or kind is list:
        return kind([wrap(item, same) for item in value])
    return value


def inputs_by_id(*groups) -> dict:
    """id(backing array) -> stand-in array for the stand-in arrays in ``groups`` (nested
    lists and tuples too), so a NumPy result that *is* an input maps back to it."""
    found = {}

    def visit(value):
        kind = type(value)
        if kind is _ndarray:
            found[id(value._a)] = value
        elif kind is list or kind is tuple:
            for item in value:
                visit(item)
        elif kind is dict:
            for item in value.values():
                visit(item)

    for group in groups:
        visit(group)
    return found


def call_numpy(function, args, kwargs, host_ok: bool = False):
    """Run a NumPy function on the arrays behind stand-in arguments and wrap its result."""
    same = inputs_by_id(args, kwargs)
    out = kwargs.get("out")
    if out is not None:
        for target in (out if type(out) is tuple else (out,)):
            if target is not None and type(target) is not _ndarray:
                raise TypeError(f"out must be a cupy.ndarray, got {type(target)}")
    result = function(*unwrap(args, host_ok), **unwrap_kwargs(kwargs, host_ok))
    return wrap(result, same)


# the stand-in ndarray class; _ndarray.py registers it (it imports this module, so this
# module cannot import it)
_ndarray = None


def register_array_type(cls) -> None:
    global _ndarray
    _ndarray = cls
