"""Numba pooling kernels for channels_last tensors: the same ops as ``cpu.py``, on NHWC
memory, so that a channels_last network pools without a layout copy (as PyTorch keeps
the memory format). Each agrees with its namesake in ``reference.py``.

Channels innermost, the loops put them innermost too: for each output position, each tap
of its window is one contiguous run of C values, which vectorises whatever the window's
geometry (so no specialised branches, unlike the NCHW planes). Threads own whole output
rows (forward) or whole images (the two scatters), so no two threads write one element
and the order of additions is fixed: the results are those of the NCHW kernels, bit for
bit, since each element sees the same additions in the same order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._numba import PARALLEL


@njit(**PARALLEL)
def max_pool(x, out, index, kh, kw, sh, sw, ph, pw, dh, dw):
    """out, index (N, OH, OW, C): the window maxima of x (N, H, W, C) and their flat
    positions r * W + c in the H x W plane; NaN wins, and the first in-image element
    starts each window (so an all -inf window still points inside the image). A dilated
    window can miss the image altogether: it gives -inf at index -1, as the reference."""
    n_images, h, w, channels = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for row in prange(n_images * out_h):
        n, i = row // out_h, row % out_h
        r0 = i * sh - ph
        for j in range(out_w):
            c0 = j * sw - pw
            for c in range(channels):
                out[n, i, j, c] = -np.inf
                index[n, i, j, c] = -1
            started = False
            for ki in range(kh):
                r = r0 + ki * dh
                if r < 0 or r >= h:
                    continue
                for kj in range(kw):
                    col = c0 + kj * dw
                    if col < 0 or col >= w:
                        continue
                    flat = r * w + col
                    if not started:
                        for c in range(channels):
                            out[n, i, j, c] = x[n, r, col, c]
                            index[n, i, j, c] = flat
                        started = True
                    else:
                        for c in range(channels):
                            v = x[n, r, col, c]
                            if v > out[n, i, j, c] or v != v:
                                out[n, i, j, c] = v
                                index[n, i, j, c] = flat


@njit(**PARALLEL)
def avg_pool(x, out, inv_divisor, kh, kw, sh, sw, ph, pw):
    """out (N, OH, OW, C): window sums over the zero-padded x, in float64, times 1/divisor."""
    n_images, h, w, channels = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for row in prange(n_images * out_h):
        n, i = row // out_h, row % out_h
        r0 = i * sh - ph
        total = np.empty(channels, dtype=np.float64)
        for j in range(out_w):
            c0 = j * sw - pw
            total[:] = 0.0
            for r in range(max(r0, 0), min(r0 + kh, h)):
                for col in range(max(c0, 0), min(c0 + kw, w)):
                    for c in range(channels):
                        total[c] += x[n, r, col, c]
            for c in range(channels):
                out[n, i, j, c] = total[c] * inv_divisor[i, j]


@njit(**PARALLEL)
def avg_adjoint(grad, out, inv_divisor, kh, kw, sh, sw, ph, pw):
    """out (N, H, W, C) = the adjoint of ``avg_pool`` applied to grad (N, OH, OW, C): each
    output's share added over its window; one thread per image."""
    n_images, out_h, out_w, channels = grad.shape
    h, w = out.shape[1], out.shape[2]
    for n in prange(n_images):
        out[n] = 0.0
        for i in range(out_h):
            r0 = i * sh - ph
            for j in range(out_w):
                c0 = j * sw - pw
                scale = inv_divisor[i, j]
                for r in range(max(r0, 0), min(r0 + kh, h)):
                    for col in range(max(c0, 0), min(c0 + kw, w)):
                        for c in range(channels):
                            out[n, r, col, c] += grad[n, i, j, c] * scale


@njit(**PARALLEL)
def scatter_add(values, index, out):
    """out (N, H*W, C) += values (N, K, C) at the flat positions ``index`` (N, K, C); one
    thread per image, positions in order; index -1 (a window that missed the image) adds
    nothing."""
    n_images, length, channels = values.shape
    for n in prange(n_images):
        for k in range(length):
            for c in range(channels):
                if index[n, k, c] >= 0:
                    out[n, index[n, k, c], c] += values[n, k, c]
