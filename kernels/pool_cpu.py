"""Numba pooling kernels for the CPU; each agrees with its namesake in ``pool_reference.py``.

Every kernel gives each thread whole (n, c) planes, so the scatters (max-pool and
avg-pool backward) add into memory no other thread touches: no races, and the order of
additions is fixed, so two runs give bit-identical results. Outputs are allocated by
NumPy and passed in (see ``cpu.py`` for why). Window bounds are clipped once per output
row and column rather than tested per element, so the inner loops have no branches.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import cpu as _cpu  # noqa: F401  (sets the workqueue threading layer first)

_JIT = dict(parallel=True, cache=True, nogil=True)


@njit(**_JIT)
def _max_pool(x, out, index, kh, kw, sh, sw, ph, pw, dh, dw):
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        src = x[b, ch]
        for i in range(oh):
            r0 = i * sh - ph
            for j in range(ow):
                c0 = j * sw - pw
                best = -np.inf
                best_index = -1
                for ki in range(kh):
                    r = r0 + ki * dh
                    if r < 0 or r >= h:
                        continue
                    for kj in range(kw):
                        col = c0 + kj * dw
                        if col < 0 or col >= w:
                            continue
                        v = src[r, col]
                        if best_index < 0:
                            best_index = r * w + col
                        if v > best or np.isnan(v):
                            best = v
                            best_index = r * w + col
                out[b, ch, i, j] = best
                index[b, ch, i, j] = best_index


@njit(**_JIT)
def _scatter_add(values, index, out):
    n_planes, length = values.shape
    for plane in prange(n_planes):
        for k in range(length):
            out[plane, index[plane, k]] += values[plane, k]


@njit(**_JIT)
def _avg_pool(x, out, inv_divisor, kh, kw, sh, sw, ph, pw):
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        src = x[b, ch]
        for i in range(oh):
            r_lo = max(i * sh - ph, 0)
            r_hi = min(i * sh - ph + kh, h)
            for j in range(ow):
                c_lo = max(j * sw - pw, 0)
                c_hi = min(j * sw - pw + kw, w)
                total = 0.0
                for r in range(r_lo, r_hi):
                    for col in range(c_lo, c_hi):
                        total += src[r, col]
                out[b, ch, i, j] = total * inv_divisor[i, j]


@njit(**_JIT)
def _avg_pool_backward(grad, out, inv_divisor, kh, kw, sh, sw, ph, pw):
    n, c, oh, ow = grad.shape
    h, w = out.shape[2], out.shape[3]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        dst = out[b, ch]
        dst[:, :] = 0.0
        for i in range(oh):
            r_lo = max(i * sh - ph, 0)
            r_hi = min(i * sh - ph + kh, h)
            for j in range(ow):
                c_lo = max(j * sw - pw, 0)
                c_hi = min(j * sw - pw + kw, w)
                share = grad[b, ch, i, j] * inv_divisor[i, j]
                for r in range(r_lo, r_hi):
                    for col in range(c_lo, c_hi):
                        dst[r, col] += share


def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    x = np.ascontiguousarray(x)
    n, c = x.shape[:2]
    out = np.empty((n, c) + tuple(out_hw), dtype=x.dtype)
    index = np.empty((n, c) + tuple(out_hw), dtype=np.int64)
    _max_pool(x, out, index, *kernel, *stride, *padding, *dilation)
    return out, index


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
    _avg_pool(x, out, (1.0 / divisor).astype(x.dtype), *kernel, *stride, *padding)
    return out


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor):
    grad = np.ascontiguousarray(grad)
    out = np.empty(grad.shape[:2] + tuple(in_hw), dtype=grad.dtype)
    _avg_pool_backward(grad, out, (1.0 / divisor).astype(grad.dtype), *kernel, *stride, *padding)
    return out


def scatter_add_planes(values, index, in_hw):
    n, c = values.shape[:2]
    out = np.zeros((n * c, in_hw[0] * in_hw[1]), dtype=values.dtype)
    _scatter_add(np.ascontiguousarray(values).reshape(n * c, -1), np.ascontiguousarray(index).reshape(n * c, -1), out)
    return out.reshape(n, c, in_hw[0], in_hw[1])


__all__ = ["max_pool2d", "avg_pool2d", "avg_pool2d_backward", "scatter_add_planes"]
