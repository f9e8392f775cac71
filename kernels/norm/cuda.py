"""CUDA training-mode batch norm (``norm.cu``) for CuPy arrays; it agrees with
``reference.py`` and keeps x's memory format.

(N, C, L) inputs are read in place in one of two orders: ``ncl`` (C-contiguous) or
``rows`` (channels innermost: a channels_last tensor's memory as (N*L, C) rows, which is
also what an L == 1 input is). Anything else is made contiguous first. Each direction is
three launches (partial sums over fixed chunks, a per-channel finish, the elementwise
pass); see ``norm.cu`` for why the results are deterministic whatever the launch shape.
Nothing here waits for the GPU: this runs every training step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...backend import is_channels_last, xp_of
from .. import cuda_launch

SOURCE = Path(__file__).with_name("norm.cu")

# values of one channel per partial sum (16 per virtual lane of norm.cu): a constant, so
# the chunks, and with them the order of the additions, depend on the shape only
CHUNK = 16 * 256
MAX_LANES = 32  # channels per block in the rows order: a warp reads 32 consecutive values


def _acc_dtype(dtype):
    """The dtype of norm.cu's acc_t for ``dtype`` (float32 for float16, as the prelude)."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


def _reads_rows(x):
    """Whether x is read as (N*L, C) rows: channels_last, or L == 1 (both orders at once)."""
    return is_channels_last(x) or (x.shape[2] == 1 and x.shape[1] > 1)


def _buffer(array, rows):
    """The C-contiguous buffer the kernels read: (N, L, C) for rows, else (N, C, L)."""
    xp = xp_of(array)
    return xp.ascontiguousarray(array.transpose(0, 2, 1) if rows else array)


def _empty_like_layout(xp, shape, dtype, rows):
    """(buffer the kernels write, its (N, C, L) view)."""
    n, c, length = shape
    if rows:
        buffer = xp.empty((n, length, c), dtype=dtype)
        return buffer, buffer.transpose(0, 2, 1)
    buffer = xp.empty(shape, dtype=dtype)
    return buffer, buffer


def _vector(v, dtype, dummy):
    """(array, present flag) of an optional per-channel vector, in the kernels' dtype; a
    missing one is replaced by ``dummy``, which the kernel never reads."""
    if v is None:
        return dummy, 0
    return xp_of(v).ascontiguousarray(v.astype(dtype, copy=False)), 1


def _lanes(c):
    """Channels per block in the rows order: the largest power of two <= min(C, 32)."""
    lanes = 1
    while lanes * 2 <= min(c, MAX_LANES):
        lanes *= 2
    return lanes


def _partial_sums(kernel_ncl, kernel_rows, arrays, shape, rows, src):
    """Launch the partial-sums kernel of the order; returns (partials, chunks)."""
    xp = xp_of(src)
    n, c, length = shape
    m = n * length
    if rows:
        lanes = _lanes(c)
        chunk_rows = CHUNK // lanes
        chunks = -(-m // chunk_rows)
        partials = xp.empty((c, chunks, 2), dtype=np.float64)
        groups = -(-c // lanes)
        function = cuda_launch.function(SOURCE, kernel_rows, src.dtype)
        cuda_launch.launch_per_block(function, groups * chunks, arrays + (partials, m, c, lanes, chunk_rows, chunks))
    else:
        chunks = -(-m // CHUNK)
        partials = xp.empty((c, chunks, 2), dtype=np.float64)
        function = cuda_launch.function(SOURCE, kernel_ncl, src.dtype)
        cuda_launch.launch_per_block(function, c * chunks, arrays + (partials, n, c, length, CHUNK, chunks))
    return partials, chunks


def batch_norm_train(x, weight, bias, eps):
    """(y, mean, biased var, invstd) of (N, C, L) x; y in x's memory format."""
    xp = xp_of(x)
    n, c, length = (int(s) for s in x.shape)
    rows = _reads_rows(x)
    src = _buffer(x, rows)
    partials, chunks = _partial_sums("batch_norm_stats_ncl", "batch_norm_stats_rows", (src,), (n, c, length), rows,
                                     src)
    weight, has_weight = _vector(weight, x.dtype, src)
    bias, has_bias = _vector(bias, x.dtype, src)
    mean, var, invstd = (xp.empty(c, dtype=x.dtype) for _ in range(3))
    coef = xp.empty((c, 2), dtype=_acc_dtype(x.dtype))
    finish = cuda_launch.function(SOURCE, "batch_norm_stats_finish", x.dtype)
    cuda_launch.launch(finish, c, (src, partials, weight, bias, mean, var, invstd, coef, c, chunks, n * length,
                                   1 if rows else length, has_weight, has_bias, float(eps)))
    y, y_view = _empty_like_layout(xp, (n, c, length), x.dtype, rows)
    apply = cuda_launch.function(SOURCE, "batch_norm_apply", x.dtype)
    cuda_launch.launch(apply, y.size, (src, coef, y, int(y.size), c, 1 if rows else length))
    return y_view, mean, var, invstd


def batch_norm_backward(x, grad, mean, invstd, weight):
    """(dx, dweight, dbias); dx in x's memory format (grad is read in it too)."""
    xp = xp_of(x)
    n, c, length = (int(s) for s in x.shape)
    rows = _reads_rows(x)
    src, g = _buffer(x, rows), _buffer(grad.astype(x.dtype, copy=False), rows)
    mean = xp.ascontiguousarray(mean.astype(x.dtype, copy=False))
    invstd = xp.ascontiguousarray(invstd.astype(x.dtype, copy=False))
    partials, chunks = _partial_sums("batch_norm_grad_sums_ncl", "batch_norm_grad_sums_rows", (src, g, mean),
                                     (n, c, length), rows, src)
    weight, has_weight = _vector(weight, x.dtype, src)
    dweight, dbias = xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
    coef = xp.empty((c, 4), dtype=_acc_dtype(x.dtype))
    finish = cuda_launch.function(SOURCE, "batch_norm_grad_finish", x.dtype)
    cuda_launch.launch(finish, c, (partials, mean, invstd, weight, dweight, dbias, coef, c, chunks, n * length,
                                   has_weight))
    dx, dx_view = _empty_like_layout(xp, (n, c, length), x.dtype, rows)
    apply = cuda_launch.function(SOURCE, "batch_norm_grad_input", x.dtype)
    cuda_launch.launch(apply, dx.size, (src, g, coef, dx, int(dx.size), c, 1 if rows else length))
    return dx_view, dweight, dbias
