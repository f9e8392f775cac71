"""``cupy.lib.stride_tricks`` for the stand-in: strided views of device memory. The views
share the array's memory, and their ``base`` is the array that owns it, as in CuPy."""

import numpy as _np

from .._exports import gate as _gate
from .._interop import is_device_array as _is_device_array
from .._interop import wrap as _wrap


def _device(x, name):
    if not _is_device_array(x):
        raise TypeError(f"{name}: x must be a cupy.ndarray, got {type(x)}")
    return x._a


def as_strided(x, shape=None, strides=None):
    return _wrap(_np.lib.stride_tricks.as_strided(_device(x, "as_strided"), shape, strides))


def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    return _wrap(_np.lib.stride_tricks.sliding_window_view(_device(x, "sliding_window_view"), window_shape, axis,
                                                           writeable=writeable))


__getattr__ = _gate("cupy.lib.stride_tricks", globals())
