"""CUDA pooling kernels (``pool.cu``) for CuPy arrays; each agrees with its namesake in
``reference.py`` and returns its results in the same memory format.

The kernels read and write dense buffers in one of two memory orders: NCHW, or NHWC for
channels_last tensors (whose ``transpose(0, 2, 3, 1)`` is that buffer, so no copy is
made). An argument in the other order, or strided, is made dense first. Results are
allocated uninitialised: every kernel writes each element of what it returns.
Nothing here waits for the GPU (no host reads of device values): this runs every step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...backend import is_channels_last, xp_of
from .. import cuda_launch

SOURCE = Path(__file__).with_name("pool.cu")

# scatter_add_planes: threads enough to fill the GPU once (see _owners)
FILL_THREADS = cuda_launch.MAX_BLOCKS * cuda_launch.THREADS_PER_BLOCK // 4
MAX_OWNERS = 32


def _channels_last_order(ndim):
    return (0,) + tuple(range(2, ndim)) + (1,)


def _dense(array, channels_last, dtype=None):
    """The C-contiguous buffer a kernel reads: the (N, *spatial, C) memory when
    ``channels_last``, else the (N, C, *spatial) array (a copy only when not already so)."""
    xp = xp_of(array)
    if channels_last:
        array = array.transpose(_channels_last_order(array.ndim))
    return xp.ascontiguousarray(array, dtype=dtype)


def _empty(xp, shape, dtype, channels_last):
    """(buffer the kernel writes, the (N, C, *spatial) view returned): NHWC memory when
    ``channels_last``."""
    if not channels_last:
        buffer = xp.empty(shape, dtype=dtype)
        return buffer, buffer
    order = _channels_last_order(len(shape))
    buffer = xp.empty(tuple(shape[d] for d in order), dtype=dtype)
    return buffer, buffer.transpose((0, len(shape) - 1) + tuple(range(1, len(shape) - 1)))


def _divisor(xp, divisor):
    """avg_pool2d_divisor's (OH, OW) float64 host array, as the kernels read it."""
    return xp.ascontiguousarray(xp.asarray(divisor, dtype=np.float64))


def _inverse_divisor(xp, divisor):
    """1 / divisor, as avg_pool2d_backward reads it (taken on the host when it is there)."""
    if isinstance(divisor, np.ndarray):
        return _divisor(xp, 1.0 / divisor.astype(np.float64))
    return 1.0 / _divisor(xp, divisor)


def _ints(*values):
    # CuPy passes a Python int as long long (index_t); NumPy integers are not always
    return tuple(int(v) for v in values)


def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    xp = xp_of(x)
    channels_last = is_channels_last(x)
    n, c, h, w = x.shape
    out, out_view = _empty(xp, (n, c) + tuple(out_hw), x.dtype, channels_last)
    index, index_view = _empty(xp, (n, c) + tuple(out_hw), np.int64, channels_last)
    function = cuda_launch.function(SOURCE, "max_pool2d", x.dtype)
    cuda_launch.launch(function, out.size, (_dense(x, channels_last), out, index)
                       + _ints(n, c, h, w, *out_hw, *kernel, *stride, *padding, *dilation, channels_last))
    return out_view, index_view


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    xp = xp_of(x)
    channels_last = is_channels_last(x)
    n, c, h, w = x.shape
    out, out_view = _empty(xp, (n, c) + tuple(out_hw), x.dtype, channels_last)
    function = cuda_launch.function(SOURCE, "avg_pool2d", x.dtype)
    cuda_launch.launch(function, out.size, (_dense(x, channels_last), _divisor(xp, divisor), out)
                       + _ints(n, c, h, w, *out_hw, *kernel, *stride, *padding, channels_last))
    return out_view


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor, channels_last=False):
    xp = xp_of(grad)
    channels_last = bool(channels_last)
    n, c, oh, ow = grad.shape
    out, out_view = _empty(xp, (n, c) + tuple(in_hw), grad.dtype, channels_last)
    function = cuda_launch.function(SOURCE, "avg_pool2d_backward", grad.dtype)
    cuda_launch.launch(function, out.size, (_dense(grad, channels_last), _inverse_divisor(xp, divisor), out)
                       + _ints(n, c, *in_hw, oh, ow, *kernel, *stride, *padding, channels_last))
    return out_view


def gather_planes(x, index):
    xp = xp_of(x)
    channels_last = is_channels_last(x)
    n, c = x.shape[:2]
    plane = int(np.prod(x.shape[2:], dtype=np.int64))
    length = int(np.prod(index.shape[2:], dtype=np.int64))
    out, out_view = _empty(xp, tuple(index.shape), x.dtype, channels_last)
    function = cuda_launch.function(SOURCE, "gather_planes", x.dtype)
    cuda_launch.launch(function, out.size, (_dense(x, channels_last), _dense(index, channels_last, np.int64), out)
                       + _ints(n, c, plane, length, channels_last))
    return out_view


def _owners(planes, plane):
    """How many threads share each plane of scatter_add_planes: enough to fill the GPU when
    the planes are few, at most one per position and MAX_OWNERS (each owner reads the
    plane's whole index, so more cost reads). The result does not depend on it."""
    return max(1, min(MAX_OWNERS, plane, -(-FILL_THREADS // max(planes, 1))))


def scatter_add_planes(values, index, in_hw, channels_last=False):
    xp = xp_of(values)
    channels_last = bool(channels_last)
    n, c = values.shape[:2]
    plane = int(in_hw[0]) * int(in_hw[1])
    length = int(np.prod(values.shape[2:], dtype=np.int64))
    owners = _owners(n * c, plane)
    out, out_view = _empty(xp, (n, c) + tuple(in_hw), values.dtype, channels_last)
    function = cuda_launch.function(SOURCE, "scatter_add_planes", values.dtype)
    cuda_launch.launch(function, n * c * owners,
                       (_dense(values, channels_last), _dense(index, channels_last, np.int64), out)
                       + _ints(n, c, length, plane, owners, channels_last))
    return out_view
