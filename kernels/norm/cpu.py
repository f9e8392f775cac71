"""Numba batch-norm kernels for the CPU; they agree with ``reference.py``.

(N, C, L) inputs in the default layout: one thread per channel, each reading its
channel's N contiguous rows of L values. Channels_last inputs (channels innermost) are
read as (N*L, C) rows instead, in place (``_forward_rows``, ``_backward_rows``): each thread
sums blocks of rows into per-channel partial sums, which are then added in block order,
so no layout copy is made and the result does not depend on the threads.
Statistics accumulate in float64 (a float32 running sum over 10^5 values loses digits).
The forward is two passes (shifted sums, then the normalised write); the backward is two
passes (the two reductions, then dx): the fewest that the formulas allow.

``fastmath`` allows only reassociation and contraction (FMA): a running sum is otherwise
one long chain of dependent float64 adds, which neither vectorises nor pipelines; with
them LLVM keeps several partial sums in vector lanes (forward 2-4x, backward 1.3-2x
faster). The order is still fixed by the compiled code, so results stay bit-identical
run to run; NaN and infinity keep their IEEE meaning (no ``nnan``/``ninf``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...backend import is_channels_last
from .._numba import PARALLEL_REDUCTION

# rows per block of the channels_last kernels' partial sums: a fixed number, so that the
# blocks (and hence the order of the additions) depend on the shape only
ROWS_PER_BLOCK = 256


@njit(**PARALLEL_REDUCTION)
def _forward(x, scale_in, shift_in, y, mean_out, var_out, invstd_out, eps):
    n, c, length = x.shape
    count = n * length
    for ch in prange(c):
        shift = np.float64(x[0, ch, 0])  # summing x - shift keeps the variance accurate
        s = 0.0
        ss = 0.0
        for b in range(n):
            for k in range(length):
                d = np.float64(x[b, ch, k]) - shift
                s += d
                ss += d * d
        mean_shifted = s / count
        var = max(ss / count - mean_shifted * mean_shifted, 0.0)
        mean = mean_shifted + shift
        invstd = 1.0 / np.sqrt(var + eps)
        scale = invstd * scale_in[ch]
        offset = shift_in[ch] - mean * scale
        for b in range(n):
            for k in range(length):
                y[b, ch, k] = x[b, ch, k] * scale + offset
        mean_out[ch] = mean
        var_out[ch] = var
        invstd_out[ch] = invstd


@njit(**PARALLEL_REDUCTION)
def _backward(x, grad, mean, invstd, weight, dx, dweight, dbias):
    n, c, length = x.shape
    count = n * length
    for ch in prange(c):
        mu = np.float64(mean[ch])
        inv = np.float64(invstd[ch])
        sg = 0.0
        sgx = 0.0
        for b in range(n):
            for k in range(length):
                g = np.float64(grad[b, ch, k])
                sg += g
                sgx += g * (np.float64(x[b, ch, k]) - mu)
        sgxhat = sgx * inv
        dbias[ch] = sg
        dweight[ch] = sgxhat
        # the elementwise pass runs in the input's dtype (16 lanes for float32, as
        # PyTorch's): the coefficients are rounded to it through ``coef``, a scratch row
        # of that dtype. x - mu is still formed before scaling, so no large terms cancel.
        coef = np.empty(4, dtype=dx.dtype)
        coef[0] = inv * weight[ch]
        coef[1] = sg / count
        coef[2] = sgxhat / count * inv
        coef[3] = mu
        gamma, a, bcoef, mu_x = coef[0], coef[1], coef[2], coef[3]
        for b in range(n):
            for k in range(length):
                dx[b, ch, k] = gamma * (grad[b, ch, k] - a - (x[b, ch, k] - mu_x) * bcoef)


@njit(**PARALLEL_REDUCTION)
def _forward_rows(x, scale_in, shift_in, y, mean_out, var_out, invstd_out, eps, block):
    """``_forward`` for (M, C) rows, channels innermost (a channels_last tensor's memory)."""
    count, c = x.shape
    blocks = (count + block - 1) // block
    shift = np.empty(c)  # summing x - shift keeps the variance accurate, as in ``_forward``
    for ch in range(c):
        shift[ch] = x[0, ch]
    sums = np.zeros((blocks, c))
    squares = np.zeros((blocks, c))
    for b in prange(blocks):
        for r in range(b * block, min(count, (b + 1) * block)):
            for ch in range(c):
                d = np.float64(x[r, ch]) - shift[ch]
                sums[b, ch] += d
                squares[b, ch] += d * d
    scale = np.empty(c)
    offset = np.empty(c)
    for ch in range(c):
        s = 0.0
        ss = 0.0
        for b in range(blocks):
            s += sums[b, ch]
            ss += squares[b, ch]
        mean_shifted = s / count
        var = max(ss / count - mean_shifted * mean_shifted, 0.0)
        mean = mean_shifted + shift[ch]
        invstd = 1.0 / np.sqrt(var + eps)
        scale[ch] = invstd * scale_in[ch]
        offset[ch] = shift_in[ch] - mean * scale[ch]
        mean_out[ch] = mean
        var_out[ch] = var
        invstd_out[ch] = invstd
    for b in prange(blocks):
        for r in range(b * block, min(count, (b + 1) * block)):
            for ch in range(c):
                y[r, ch] = x[r, ch] * scale[ch] + offset[ch]


@njit(**PARALLEL_REDUCTION)
def _backward_rows(x, grad, mean, invstd, weight, dx, dweight, dbias, block):
    """``_backward`` for (M, C) rows, channels innermost."""
    count, c = x.shape
    blocks = (count + block - 1) // block
    sums = np.zeros((blocks, c))
    products = np.zeros((blocks, c))
    for b in prange(blocks):
        for r in range(b * block, min(count, (b + 1) * block)):
            for ch in range(c):
                g = np.float64(grad[r, ch])
                sums[b, ch] += g
                products[b, ch] += g * (np.float64(x[r, ch]) - mean[ch])
    # the elementwise pass in the input's dtype, with coefficients rounded to it (see _backward)
    gamma = np.empty(c, dtype=dx.dtype)
    a = np.empty(c, dtype=dx.dtype)
    bcoef = np.empty(c, dtype=dx.dtype)
    mu_x = np.empty(c, dtype=dx.dtype)
    for ch in range(c):
        sg = 0.0
        sgx = 0.0
        for b in range(blocks):
            sg += sums[b, ch]
            sgx += products[b, ch]
        sgxhat = sgx * invstd[ch]
        dbias[ch] = sg
        dweight[ch] = sgxhat
        gamma[ch] = invstd[ch] * weight[ch]
        a[ch] = sg / count
        bcoef[ch] = sgxhat / count * invstd[ch]
        mu_x[ch] = mean[ch]
    for b in prange(blocks):
        for r in range(b * block, min(count, (b + 1) * block)):
            for ch in range(c):
                dx[r, ch] = gamma[ch] * (grad[r, ch] - a[ch] - (x[r, ch] - mu_x[ch]) * bcoef[ch])


def _rows(array):
    """(N, C, L) with channels innermost -> its (N*L, C) rows: a view (a copy otherwise)."""
    return np.ascontiguousarray(array.transpose(0, 2, 1)).reshape(-1, array.shape[1])


def _from_rows(rows, shape):
    """(N*L, C) rows -> the (N, C, L) view of them, channels innermost."""
    n, c, length = shape
    return rows.reshape(n, length, c).transpose(0, 2, 1)


def _statistics_buffers(c):
    return tuple(np.empty(c, dtype=np.float64) for _ in range(3))


def batch_norm_train(x, weight, bias, eps):
    """(y, mean, biased var, invstd) of (N, C, L) x; y in x's memory format."""
    c = x.shape[1]
    scale = np.ones(c, dtype=np.float64) if weight is None else weight.astype(np.float64)
    shift = np.zeros(c, dtype=np.float64) if bias is None else bias.astype(np.float64)
    mean, var, invstd = _statistics_buffers(c)
    if is_channels_last(x):
        rows = _rows(x)
        y = np.empty_like(rows)
        _forward_rows(rows, scale, shift, y, mean, var, invstd, float(eps), ROWS_PER_BLOCK)
        y = _from_rows(y, x.shape)
    else:
        x = np.ascontiguousarray(x)
        y = np.empty_like(x)
        _forward(x, scale, shift, y, mean, var, invstd, float(eps))
    return y, mean.astype(x.dtype), var.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(x, grad, mean, invstd, weight):
    """(dx, dweight, dbias); dx in x's memory format (grad is read in it too)."""
    c = x.shape[1]
    w = np.ones(c, dtype=np.float64) if weight is None else weight.astype(np.float64)
    mean, invstd = mean.astype(np.float64), invstd.astype(np.float64)
    dweight, dbias = np.empty(c, dtype=np.float64), np.empty(c, dtype=np.float64)
    if is_channels_last(x):
        rows = _rows(x)
        dx = np.empty_like(rows)
        _backward_rows(rows, _rows(grad), mean, invstd, w, dx, dweight, dbias, ROWS_PER_BLOCK)
        dx = _from_rows(dx, x.shape)
    else:
        x, grad = np.ascontiguousarray(x), np.ascontiguousarray(grad)
        dx = np.empty_like(x)
        _backward(x, grad, mean, invstd, w, dx, dweight, dbias)
    return dx, dweight.astype(x.dtype), dbias.astype(x.dtype)
