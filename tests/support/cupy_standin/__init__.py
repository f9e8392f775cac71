"""A NumPy-backed stand-in for the ``cupy`` module, to run the test suite on device "cuda"
without a GPU (``--cuda-standin``) while keeping CuPy's rules, so code that would fail on
a GPU fails here too:

- ``cupy_standin.ndarray`` is not a ``numpy.ndarray``; ``numpy.asarray(a)`` raises
  TypeError, ``a.get()`` copies to the host, ``cupy.asarray(host)`` to the device;
- a ``numpy.ndarray`` inside a device operation raises TypeError (``a + host``,
  ``host + a``, ``cupy.where(c, host, a)``, ``cupy.concatenate([a, host])``), and assigning
  one through a basic index raises ValueError, as CuPy routes it to ``fill``;
- integer indexing gives 0-d arrays (views), reductions give 0-d arrays, views keep
  ``base``; dtypes follow NumPy 2's promotion, which CuPy 14 shares;
- only names CuPy 14.2 exports exist (``cupy_exports.json``, listed from the wheel);
- ``empty`` is poisoned (NaN), the memory pool counts live arrays, events time with the
  host clock, and ``RawModule`` runs CUDA C on the CPU through ``tests/support/cuda_host.py``.

``install()`` puts it in ``sys.modules`` as ``cupy`` (and ``cupy.cuda``, ``cupyx``, ...);
``uninstall()`` puts back what was there. The stand-in never imports minitorch_cnn.

Stand-in only, not CuPy names: ``install``, ``uninstall`` and the ``cupyx`` attribute.
"""

import sys as _sys

import numpy as _np

from . import _functions
from ._exports import gate as _gate
from ._creation import (array, asanyarray, asarray, ascontiguousarray, asfortranarray, asnumpy, empty,
                        empty_like, get_array_module)
from ._ndarray import ndarray
from ._raw import RawKernel, RawModule
from .cuda._pinned import _default_pinned_pool
from .cuda.memory import _default_pool
from . import cuda, cupyx, lib, random

newaxis = None
pi, e, inf, nan = _np.pi, _np.e, _np.inf, _np.nan

__all__ = ["RawKernel", "RawModule", "array", "asanyarray", "asarray", "ascontiguousarray", "asfortranarray",
           "asnumpy", "cuda", "cupyx", "e", "empty", "empty_like", "get_array_module",
           "get_default_memory_pool", "get_default_pinned_memory_pool", "inf", "install", "is_available",
           "lib", "nan", "ndarray", "newaxis", "pi", "random", "uninstall"]

# the stand-in's own names, which real CuPy does not have
STANDIN_ONLY = frozenset({"install", "uninstall", "cupyx", "STANDIN_ONLY"})


def is_available() -> bool:
    return True


def get_default_memory_pool():
    return _default_pool


def get_default_pinned_memory_pool():
    return _default_pinned_pool


__getattr__ = _gate("cupy", globals(), lambda name: _functions.resolve(name, _np, _np.exceptions))

# what install() puts in sys.modules: the modules CuPy has that can be imported by name
# (cupy.cuda.driver is an attribute only, in CuPy and here)
_MODULES = {
    "cupy": _sys.modules[__name__],
    "cupy.cuda": cuda,
    "cupy.cuda.memory": cuda.memory,
    "cupy.cuda.runtime": cuda.runtime,
    "cupy.lib": lib,
    "cupy.lib.stride_tricks": lib.stride_tricks,
    "cupy.random": random,
    "cupyx": cupyx,
    "cupyx.scipy": cupyx.scipy,
    "cupyx.scipy.special": cupyx.scipy.special,
}

_saved: list = []  # one entry per install(): what sys.modules held before it


def install():
    """Make ``import cupy`` (and its submodules, and ``cupyx``) give the stand-in; returns
    it. Calls nest: each ``uninstall()`` undoes the latest ``install()``."""
    _saved.append({name: _sys.modules.get(name) for name in _MODULES})
    _sys.modules.update(_MODULES)
    return _sys.modules[__name__]


def uninstall() -> None:
    """Put back whatever ``sys.modules`` held under those names before the latest ``install()``."""
    if not _saved:
        return
    for name, previous in _saved.pop().items():
        if previous is None:
            _sys.modules.pop(name, None)
        else:
            _sys.modules[name] = previous
