"""Tensor factories with PyTorch's names and dtype rules: ``tensor``, ``zeros``, ``randn``…

dtype inference follows PyTorch: Python floats give the default float dtype (float32),
Python ints give int64, bools give bool, and a NumPy array keeps its own dtype. Random
factories draw from the framework's one generator (``manual_seed``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import backend
from .memory import check_allocation
from .tensor import Tensor

# the random factories draw float64 (int64) values on the host, then cast: 8 bytes an element
HOST_DRAW_ITEMSIZE = 8


def _finish(array, dtype, dev, requires_grad) -> Tensor:
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    array = backend.to_device(array, dev)
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _infer_dtype(array: np.ndarray, data) -> np.dtype:
    if isinstance(data, np.ndarray):
        return array.dtype
    if array.dtype.kind == "f":
        return backend.get_default_dtype()
    if array.dtype.kind in "iu":
        return backend.int64
    return array.dtype


def _device_array(data):
    """``data`` when it is a device (CuPy) array, else None."""
    if isinstance(data, np.ndarray) or not hasattr(data, "__cuda_array_interface__"):
        return None
    cupy = backend.cupy_module()
    return data if cupy is not None and isinstance(data, cupy.ndarray) else None


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, NumPy or CuPy
    arrays, tensors). With no ``device``, a tensor or a CuPy array keeps its own device
    and anything else goes to the default device, as ``torch.tensor``."""
    if isinstance(data, Tensor):
        device = data.device if device is None else device
        data = data.array
    on_device = _device_array(data)
    if on_device is not None:
        dev = backend.device_of(on_device) if device is None else backend.as_device(device)
        target = backend.as_dtype(on_device.dtype if dtype is None else dtype, "dtype")
        # copied on its own device, then moved: no trip through the host
        return _finish(on_device.astype(target, copy=True), None, dev, requires_grad)
    dev = backend.as_device(device)
    if not isinstance(data, np.ndarray) and hasattr(data, "__cuda_array_interface__"):
        raise TypeError(f"tensor(): data is a device array ({type(data).__name__}) but CUDA is not available: "
                        f"{backend.cuda_unavailable_reason()}")
    try:
        array = np.array(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"tensor(): data could not be converted to an array: {exc}") from None
    if array.dtype == object or array.dtype.kind in "USVc":
        raise TypeError(f"tensor(): data must be numbers (bool, int or float), got dtype {array.dtype} "
                        f"from {type(data).__name__}")
    target = backend.as_dtype(dtype) if dtype is not None else _infer_dtype(array, data)
    backend.as_dtype(target, "data")
    return _finish(array, target, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but without a copy when ``data`` already is a tensor of that kind."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (as ``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    backend.as_dtype(array.dtype, "array")
    return Tensor._wrap(array)


def _size(size, name: str) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``; reject negative sizes."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    result = []
    for s in size:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{name}(): size must be a sequence of ints, got {size!r}")
        if s < 0:
            raise ValueError(f"{name}(): negative dimension {int(s)} in size {tuple(int(x) for x in size)}")
        result.append(int(s))
    return tuple(result)


def _float_dtype(dtype):
    return backend.get_default_dtype() if dtype is None else backend.as_dtype(dtype, "dtype")


def _allocate(fill: str, size, dtype, device, requires_grad) -> Tensor:
    """``xp.zeros``/``ones``/``empty`` on the device, with PyTorch's size and dtype rules."""
    shape = _size(size, fill)
    dev = backend.as_device(device)
    dtype = _float_dtype(dtype)
    check_allocation(shape, dtype.itemsize, f"{fill}()", dev)
    array = getattr(backend.array_module(dev), fill)(shape, dtype=dtype)
    return _finish(array, None, dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of ``size`` (ints, or one tuple), as ``torch.zeros``; the default
    float dtype and device unless given. A size larger than the device's memory is refused
    (``AllocationTooLarge``) before allocating.
    """
    return _allocate("zeros", size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of ``size``, as ``torch.ones`` (dtype, device and size checks as ``zeros``)."""
    return _allocate("ones", size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size``, as ``torch.empty``: its values are whatever the
    memory held, so write every element before reading one.
    """
    return _allocate("empty", size, dtype, device, requires_grad)


def _scalar_dtype(value) -> np.dtype:
    if isinstance(value, (bool, np.bool_)):
        return backend.bool_
    if isinstance(value, numbers.Integral):
        return backend.int64
    if isinstance(value, numbers.Real):
        return backend.get_default_dtype()
    raise TypeError(f"fill_value must be a real number, got {value!r}")


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64
    or the default float) unless given, as ``torch.full``.
    """
    shape = _size((size,) if isinstance(size, (tuple, list)) else (size,), "full")
    dtype = _scalar_dtype(fill_value) if dtype is None else backend.as_dtype(dtype)
    dev = backend.as_device(device)
    check_allocation(shape, dtype.itemsize, "full()", dev)
    xp = backend.array_module(dev)
    return _finish(xp.full(shape, fill_value, dtype=dtype), None, dev, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (default 0) up to but excluding ``end``, ``step`` apart, as
    ``torch.arange``: int64 when every bound is an int, else the default float dtype. Bounds
    must be finite numbers; ``step`` nonzero and pointing from start to end.

    Example:

        >>> mt.arange(0, 1, 0.25)
        tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"arange(): {name} must be a real number, got {type(value).__name__} {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"arange(): {name} must be finite, got {value}")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise ValueError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange(): upper bound and larger bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = backend.int64 if integral else backend.get_default_dtype()
    dev = backend.as_device(device)
    count = max(0, math.ceil((end - start) / step))
    check_allocation((count,), HOST_DRAW_ITEMSIZE, "arange()", "cpu")
    # computed in float64/int64 on the host, then cast: the same values on every device
    return _finish(np.arange(start, end, step), backend.as_dtype(dtype), dev, requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end``, both included, as
    ``torch.linspace`` (the default float dtype).
    """
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace(): steps must be a non-negative int, got {steps!r}")
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"linspace(): {name} must be a finite number, got {value!r}")
    dtype = _float_dtype(dtype)
    check_allocation((steps,), HOST_DRAW_ITEMSIZE, "linspace()", "cpu")
    return _finish(np.linspace(start, end, int(steps)), dtype, backend.as_device(device), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The ``n`` × ``m`` identity (``m`` defaults to ``n``), as ``torch.eye``."""
    m = n if m is None else m
    check_allocation(_size((n, m), "eye"), HOST_DRAW_ITEMSIZE, "eye()", "cpu")
    return _finish(np.eye(n, m), _float_dtype(dtype), backend.as_device(device), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), from the framework's generator."""
    shape = _size(size, "rand")
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"rand(): dtype must be floating, got {dtype}")
    check_allocation(shape, HOST_DRAW_ITEMSIZE, "rand()", "cpu")
    values = backend.default_rng.generator.random(shape)
    return _finish(values, dtype, backend.as_device(device), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal, from the framework's generator."""
    shape = _size(size, "randn")
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"randn(): dtype must be floating, got {dtype}")
    check_allocation(shape, HOST_DRAW_ITEMSIZE, "randn()", "cpu")
    values = backend.default_rng.generator.standard_normal(shape)
    return _finish(values, dtype, backend.as_device(device), requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high); ``randint(high, size)`` as in PyTorch."""
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint(): size must be given as a tuple, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint(): high is required")
    for name, bound in (("low", low), ("high", high)):  # a float bound would be truncated
        if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, numbers.Integral):
            raise TypeError(f"randint(): {name} must be an int, got {type(bound).__name__} {bound!r}")
    if high <= low:
        raise ValueError(f"randint(): low ({low}) must be smaller than high ({high})")
    shape = _size((size,), "randint")
    dtype = backend.int64 if dtype is None else backend.as_dtype(dtype)
    check_allocation(shape, HOST_DRAW_ITEMSIZE, "randint()", "cpu")
    values = backend.default_rng.generator.integers(low, high, size=shape)
    return _finish(values, dtype, backend.as_device(device), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 … n-1 (int64 by default), from the framework's generator
    (or ``generator``, a ``numpy.random.Generator``, as the samplers take)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"randperm(): n must be a non-negative int, got {n!r}")
    check_allocation((n,), HOST_DRAW_ITEMSIZE, "randperm()", "cpu")
    source = backend.default_rng.generator if generator is None else generator
    values = source.permutation(int(n))
    dtype = backend.int64 if dtype is None else backend.as_dtype(dtype)
    return _finish(values, dtype, backend.as_device(device), requires_grad)


def _like(t: Tensor, dtype, device):
    if not isinstance(t, Tensor):
        raise TypeError(f"input: expected a Tensor, got {type(t).__name__}")
    return t.shape, (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape, dtype and device (each may be overridden)."""
    shape, dtype, device = _like(input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape, dtype and device (each may be overridden)."""
    shape, dtype, device = _like(input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``input``'s shape, dtype and device."""
    shape, dtype, device = _like(input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``input``'s shape, dtype and device."""
    shape, dtype, device = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) values in ``input``'s shape, dtype and device, from the framework's generator."""
    shape, dtype, device = _like(input, dtype, device)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal values in ``input``'s shape, dtype and device, from the framework's generator."""
    shape, dtype, device = _like(input, dtype, device)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low, high=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high) in ``input``'s shape (``randint_like(input, high)`` draws
    from [0, high)).
    """
    if high is None:
        low, high = 0, low
    shape, dtype, device = _like(input, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad)
