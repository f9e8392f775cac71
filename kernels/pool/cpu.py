"""Numba pooling kernels for the CPU; each agrees with its namesake in ``reference.py``.
Channels_last inputs go to ``cpu_channels_last.py``; this file holds the NCHW planes.

Every kernel gives each thread whole (n, c) planes, so the scatters (max-pool and
avg-pool backward) add into memory no other thread touches: no races, and the order of
additions is fixed, so two runs give bit-identical results. Outputs are allocated by
NumPy and passed in (see ``cpu.py`` for why).

Speed comes from two things:

* Interior windows (wholly inside the image) are split from border windows, so the
  inner loops have no bounds tests; only the border windows are clipped.
* The work on one plane is written once, as an ``inline="always"`` function of the
  window geometry. Each entry point calls it in one branch per common geometry (2x2/s2,
  3x3/s2, 3x3/s1) with the sizes as literal constants, which Numba inlines, so LLVM sees
  fixed trip counts and unrolls and vectorises the window loops: 2-3x faster than the
  same code with the sizes as run-time values (``python -m benchmarks layers``). Every
  other geometry takes the generic branch, with the sizes as run-time values.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...backend import is_channels_last
from .._numba import PARALLEL
from . import cpu_channels_last


def interior(size, out_size, kernel, stride, pad, dilation=1):
    """[lo, hi): the output positions along one axis whose window lies inside [0, size)."""
    reach = dilation * (kernel - 1)
    lo = min(-(-pad // stride), out_size)
    last_start = size - 1 - reach + pad  # the largest padded start whose window fits
    hi = last_start // stride + 1 if last_start >= 0 else 0
    return lo, max(min(hi, out_size), lo)


# ------------------------------------------------------------------ one plane each
@njit(inline="always")
def _max_clipped(src, r0, c0, kh, kw, dh, dw):
    """Max and flat argmax of one window that overhangs the border (padding is -inf)."""
    h, w = src.shape
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
            if best_index < 0 or v > best or v != v:  # NaN wins, as in PyTorch
                best = v
                best_index = r * w + col
    return best, best_index


@njit(inline="always")
def _max_plane(src, dst, index, kh, kw, sh, sw, ph, pw, dh, dw, rows, cols):
    w = src.shape[1]
    oh, ow = dst.shape
    for i in range(oh):
        r0 = i * sh - ph
        inner_row = rows[0] <= i < rows[1]
        for j in range(ow):
            c0 = j * sw - pw
            if inner_row and cols[0] <= j < cols[1]:
                best = src[r0, c0]
                best_index = r0 * w + c0
                for ki in range(kh):
                    for kj in range(kw):
                        v = src[r0 + ki * dh, c0 + kj * dw]
                        if v > best or v != v:
                            best = v
                            best_index = (r0 + ki * dh) * w + c0 + kj * dw
            else:
                best, best_index = _max_clipped(src, r0, c0, kh, kw, dh, dw)
            dst[i, j] = best
            index[i, j] = best_index


@njit(inline="always")
def _window_sum(src, r0, c0, kh, kw):
    """Sum of one window clipped to the image (zero padding)."""
    h, w = src.shape
    total = 0.0
    for r in range(max(r0, 0), min(r0 + kh, h)):
        for col in range(max(c0, 0), min(c0 + kw, w)):
            total += src[r, col]
    return total


@njit(inline="always")
def _avg_plane(src, dst, inv_divisor, kh, kw, sh, sw, ph, pw, rows, cols):
    oh, ow = dst.shape
    for i in range(oh):
        r0 = i * sh - ph
        inner_row = rows[0] <= i < rows[1]
        for j in range(ow):
            c0 = j * sw - pw
            if inner_row and cols[0] <= j < cols[1]:
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += src[r0 + ki, c0 + kj]
            else:
                total = _window_sum(src, r0, c0, kh, kw)
            dst[i, j] = total * inv_divisor[i, j]


@njit(inline="always")
def _avg_adjoint_plane(grad, dst, inv_divisor, kh, kw, sh, sw, ph, pw, rows, cols):
    h, w = dst.shape
    oh, ow = grad.shape
    dst[:, :] = 0.0
    for i in range(oh):
        r0 = i * sh - ph
        inner_row = rows[0] <= i < rows[1]
        for j in range(ow):
            c0 = j * sw - pw
            share = grad[i, j] * inv_divisor[i, j]
            if inner_row and cols[0] <= j < cols[1]:
                for ki in range(kh):
                    for kj in range(kw):
                        dst[r0 + ki, c0 + kj] += share
            else:
                for r in range(max(r0, 0), min(r0 + kh, h)):
                    for col in range(max(c0, 0), min(c0 + kw, w)):
                        dst[r, col] += share


# ------------------------------------------------------------------ entry points
# One entry point per op, one plane per iteration of prange. ``shape`` picks the geometry:
# each branch passes it as literals (see the module docstring), so each is compiled with
# fixed trip counts; GENERIC passes the run-time sizes. The branch is taken once per plane.
GENERIC, K2S2, K3S2, K3S1 = 0, 1, 2, 3
# (kernel, stride) -> shape code, for dilation 1; every other geometry is GENERIC
SPECIALISED = {((2, 2), (2, 2)): K2S2, ((3, 3), (2, 2)): K3S2, ((3, 3), (1, 1)): K3S1}


@njit(**PARALLEL)
def _max_pool(x, out, index, shape, kh, kw, sh, sw, ph, pw, dh, dw, rows, cols):
    n, c = x.shape[:2]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        src, dst, where = x[b, ch], out[b, ch], index[b, ch]
        if shape == K2S2:
            _max_plane(src, dst, where, 2, 2, 2, 2, ph, pw, 1, 1, rows, cols)
        elif shape == K3S2:
            _max_plane(src, dst, where, 3, 3, 2, 2, ph, pw, 1, 1, rows, cols)
        elif shape == K3S1:
            _max_plane(src, dst, where, 3, 3, 1, 1, ph, pw, 1, 1, rows, cols)
        else:
            _max_plane(src, dst, where, kh, kw, sh, sw, ph, pw, dh, dw, rows, cols)


@njit(**PARALLEL)
def _avg_pool(x, out, inv_divisor, shape, kh, kw, sh, sw, ph, pw, rows, cols):
    n, c = x.shape[:2]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        src, dst = x[b, ch], out[b, ch]
        if shape == K2S2:
            _avg_plane(src, dst, inv_divisor, 2, 2, 2, 2, ph, pw, rows, cols)
        elif shape == K3S2:
            _avg_plane(src, dst, inv_divisor, 3, 3, 2, 2, ph, pw, rows, cols)
        elif shape == K3S1:
            _avg_plane(src, dst, inv_divisor, 3, 3, 1, 1, ph, pw, rows, cols)
        else:
            _avg_plane(src, dst, inv_divisor, kh, kw, sh, sw, ph, pw, rows, cols)


@njit(**PARALLEL)
def _avg_adjoint(grad, out, inv_divisor, shape, kh, kw, sh, sw, ph, pw, rows, cols):
    n, c = grad.shape[:2]
    for plane in prange(n * c):
        b, ch = plane // c, plane % c
        src, dst = grad[b, ch], out[b, ch]
        if shape == K2S2:
            _avg_adjoint_plane(src, dst, inv_divisor, 2, 2, 2, 2, ph, pw, rows, cols)
        elif shape == K3S2:
            _avg_adjoint_plane(src, dst, inv_divisor, 3, 3, 2, 2, ph, pw, rows, cols)
        elif shape == K3S1:
            _avg_adjoint_plane(src, dst, inv_divisor, 3, 3, 1, 1, ph, pw, rows, cols)
        else:
            _avg_adjoint_plane(src, dst, inv_divisor, kh, kw, sh, sw, ph, pw, rows, cols)


# ``specialise=False`` runs the generic branch for every geometry (tests compare both)
specialise = True


def _geometry(kernel, stride, padding, dilation, in_hw, out_hw):
    """(shape code, rows, cols): the branch to take and the interior output ranges."""
    rows, cols = (interior(in_hw[a], out_hw[a], kernel[a], stride[a], padding[a], dilation[a]) for a in range(2))
    shape = SPECIALISED.get((tuple(kernel), tuple(stride)), GENERIC) if specialise and tuple(dilation) == (1, 1) \
        else GENERIC
    return shape, rows, cols


def _nhwc(array):
    """The (N, H, W, C) view of a channels-innermost array (a copy for any other layout)."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1))


def _empty_channels_last(n, c, hw, dtype):
    """An uninitialised (N, H, W, C) array and its (N, C, H, W) view."""
    nhwc = np.empty((n,) + tuple(hw) + (c,), dtype=dtype)
    return nhwc, nhwc.transpose(0, 3, 1, 2)


def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    if is_channels_last(x):
        (out, out_nchw), (index, index_nchw) = (_empty_channels_last(x.shape[0], x.shape[1], out_hw, dtype)
                                                for dtype in (x.dtype, np.int64))
        cpu_channels_last.max_pool(_nhwc(x), out, index, *kernel, *stride, *padding, *dilation)
        return out_nchw, index_nchw
    x = np.ascontiguousarray(x)
    n, c = x.shape[:2]
    out = np.empty((n, c) + tuple(out_hw), dtype=x.dtype)
    index = np.empty((n, c) + tuple(out_hw), dtype=np.int64)
    shape, rows, cols = _geometry(kernel, stride, padding, dilation, x.shape[2:], out_hw)
    _max_pool(x, out, index, shape, *kernel, *stride, *padding, *dilation, rows, cols)
    return out, index


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    inv_divisor = (1.0 / divisor).astype(x.dtype)
    if is_channels_last(x):
        out, out_nchw = _empty_channels_last(x.shape[0], x.shape[1], out_hw, x.dtype)
        cpu_channels_last.avg_pool(_nhwc(x), out, inv_divisor, *kernel, *stride, *padding)
        return out_nchw
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
    shape, rows, cols = _geometry(kernel, stride, padding, (1, 1), x.shape[2:], out_hw)
    _avg_pool(x, out, inv_divisor, shape, *kernel, *stride, *padding, rows, cols)
    return out


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor, channels_last=False):
    inv_divisor = (1.0 / divisor).astype(grad.dtype)
    if channels_last:
        out, out_nchw = _empty_channels_last(grad.shape[0], grad.shape[1], in_hw, grad.dtype)
        cpu_channels_last.avg_adjoint(_nhwc(grad), out, inv_divisor, *kernel, *stride, *padding)
        return out_nchw
    grad = np.ascontiguousarray(grad)
    out = np.empty(grad.shape[:2] + tuple(in_hw), dtype=grad.dtype)
    shape, rows, cols = _geometry(kernel, stride, padding, (1, 1), tuple(in_hw), grad.shape[2:])
    _avg_adjoint(grad, out, inv_divisor, shape, *kernel, *stride, *padding, rows, cols)
    return out


@njit(**PARALLEL)
def _scatter_add(values, index, out):
    n_planes, length = values.shape
    for plane in prange(n_planes):
        for k in range(length):
            if index[plane, k] >= 0:  # -1: a dilated window that missed the image
                out[plane, index[plane, k]] += values[plane, k]


def scatter_add_planes(values, index, in_hw, channels_last=False):
    n, c = values.shape[:2]
    if channels_last:
        out = np.zeros((n, in_hw[0] * in_hw[1], c), dtype=values.dtype)
        cpu_channels_last.scatter_add(_nhwc(values).reshape(n, -1, c), _nhwc(index).reshape(n, -1, c), out)
        return out.reshape(n, in_hw[0], in_hw[1], c).transpose(0, 3, 1, 2)
    out = np.zeros((n * c, in_hw[0] * in_hw[1]), dtype=values.dtype)
    _scatter_add(np.ascontiguousarray(values).reshape(n * c, -1), np.ascontiguousarray(index).reshape(n * c, -1), out)
    return out.reshape(n, c, in_hw[0], in_hw[1])

