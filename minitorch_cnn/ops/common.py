"""Helpers every op module shares: dim normalisation, PyTorch's type promotion, broadcast
checks, and turning Python scalars into arrays of the right dtype and device."""

from __future__ import annotations

import functools
import numbers

import numpy as np

from ..errors import ArgumentTypeError, ShapeError
from .. import backend
from ..tensor import Tensor


def normalize_dim(dim, ndim: int, argument: str = "dim") -> int:
    """A dim in [-ndim, ndim) (a 0-d tensor accepts -1 and 0) as a non-negative int."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{argument}: expected an int, got {dim!r}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"{argument}: Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return int(dim) % bound


def normalize_dims(dim, ndim: int, argument: str = "dim") -> tuple | None:
    """None (all dims), an int, or a sequence of ints -> a sorted tuple without repeats."""
    if dim is None:
        return None
    if isinstance(dim, numbers.Integral):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)):
        dims = tuple(dim)
    else:  # a float, a string: "'float' object is not iterable" would name nothing
        raise TypeError(f"{argument}: expected an int, a tuple of ints or None, got {type(dim).__name__} {dim!r}")
    out = tuple(normalize_dim(d, ndim, argument) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{argument}: dim {dim} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim > 0 else ()


def int_tuple(value, n: int, name: str, minimum: int) -> tuple:
    """A size argument (kernel_size, stride, padding, dilation...) as a tuple of ``n`` ints,
    each at least ``minimum``: an int, or a sequence of one int (repeated, as PyTorch) or of
    ``n``. Anything else is a TypeError or ValueError naming ``name``."""
    integral = lambda v: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))  # noqa: E731
    if integral(value):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) in (1, n) and all(integral(v) for v in value):
        values = tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    else:
        raise ArgumentTypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ShapeError(f"{name} must be >= {minimum}, got {values}")
    return values


def _category(dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[np.dtype(dtype).kind]


def _scalar_category(value) -> int:
    if isinstance(value, (bool, np.bool_)):
        return 0
    if isinstance(value, numbers.Integral):
        return 1
    if isinstance(value, numbers.Real):
        return 2
    raise TypeError(f"expected a Tensor or a real number, got {type(value).__name__}")


def result_type(*operands) -> np.dtype:
    """PyTorch's promotion: the highest category (bool < int < float) wins; within it,
    dimensioned tensors outrank 0-d tensors, which outrank Python scalars; a Python scalar
    that decides the result gives the default dtype of its category (float32 / int64)."""
    if len(operands) == 2:  # the common cases first: they cost 9 µs a call through the rules below
        a, b = operands
        if isinstance(b, Tensor) and not isinstance(a, Tensor):
            a, b = b, a
        if isinstance(a, Tensor):
            if isinstance(b, Tensor) and a.dtype == b.dtype:
                return a.dtype
            if a.dtype.kind == "f" and isinstance(b, (int, float)):  # a float tensor and a Python number
                return a.dtype
    entries = []
    for x in operands:
        if isinstance(x, Tensor):
            entries.append((_category(x.dtype), 2 if x.ndim > 0 else 1, x.dtype))
        else:
            entries.append((_scalar_category(x), 0, None))
    top_category = max(e[0] for e in entries)
    top_priority = max(e[1] for e in entries if e[0] == top_category)
    dtypes = [e[2] for e in entries if e[0] == top_category and e[1] == top_priority]
    if top_priority == 0:
        return {0: backend.bool_, 1: backend.int64, 2: backend.get_default_dtype()}[top_category]
    return functools.reduce(np.promote_types, dtypes)


def broadcast_shapes(a: tuple, b: tuple, what: str = "") -> tuple:
    """NumPy/PyTorch broadcasting of two shapes, with PyTorch's error message."""
    ndim = max(len(a), len(b))
    pa, pb = (1,) * (ndim - len(a)) + tuple(a), (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for i in reversed(range(ndim)):  # from the last dim, so the error names what PyTorch names
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            prefix = f"{what}: " if what else ""
            raise RuntimeError(
                f"{prefix}The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i} (shapes {list(a)} and {list(b)})"
            )
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def as_array(x, dtype, xp):
    """A forward argument (an array from a Tensor, or a Python scalar) as an array in ``dtype``."""
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        return x if x.dtype == dtype else x.astype(dtype)
    return xp.asarray(x, dtype=dtype)


def first_tensor(*xs) -> Tensor:
    for x in xs:
        if isinstance(x, Tensor):
            return x
    raise TypeError("expected at least one Tensor argument")


def as_operand(x, name: str):
    """Accept Tensors and real numbers; anything else is a TypeError naming the argument."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Real, np.bool_)) and not isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.ndarray):
        raise TypeError(f"{name}: got a numpy array; wrap it with minitorch_cnn.tensor() first")
    raise TypeError(f"{name}: expected a Tensor or a real number, got {type(x).__name__}")


def constant(array) -> Tensor:
    """A tensor that carries no gradient (masks, indices) for use inside backward formulas."""
    return Tensor._wrap(array)
