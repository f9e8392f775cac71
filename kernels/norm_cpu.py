"""Numba batch-norm kernels for the CPU; they agree with ``norm_reference.py``.

One thread per channel, each reading its channel's N contiguous rows of L values.
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

from . import cpu as _cpu  # noqa: F401  (sets the workqueue threading layer first)

_JIT = dict(parallel=True, cache=True, nogil=True, fastmath={"reassoc", "contract"})


@njit(**_JIT)
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


@njit(**_JIT)
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


def batch_norm_train(x, weight, bias, eps):
    x = np.ascontiguousarray(x)
    c = x.shape[1]
    scale = np.ones(c, dtype=np.float64) if weight is None else weight.astype(np.float64)
    shift = np.zeros(c, dtype=np.float64) if bias is None else bias.astype(np.float64)
    y = np.empty_like(x)
    mean, var, invstd = (np.empty(c, dtype=np.float64) for _ in range(3))
    _forward(x, scale, shift, y, mean, var, invstd, float(eps))
    return y, mean.astype(x.dtype), var.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(x, grad, mean, invstd, weight):
    x, grad = np.ascontiguousarray(x), np.ascontiguousarray(grad)
    c = x.shape[1]
    w = np.ones(c, dtype=np.float64) if weight is None else weight.astype(np.float64)
    dx = np.empty_like(x)
    dweight, dbias = np.empty(c, dtype=np.float64), np.empty(c, dtype=np.float64)
    _backward(x, grad, mean.astype(np.float64), invstd.astype(np.float64), w, dx, dweight, dbias)
    return dx, dweight.astype(x.dtype), dbias.astype(x.dtype)
