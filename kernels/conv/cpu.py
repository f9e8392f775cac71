"""Numba CPU convolution kernels. Each must agree with the function of the same name in
``reference.py`` (``tests/test_kernel_contract.py`` checks them on drawn cases).

Choices that come from measurements on our 2-core machines:

* Kernels write into buffers allocated by NumPy and passed in: large allocations made
  inside ``@njit`` miss huge pages, and the im2col copy ran 3x slower.
* ``col2im`` and the direct input gradient are *gathers*: each thread owns whole rows of
  the input gradient and adds its contributions in a fixed order, so there are no races
  and two runs give bit-identical results. Owning a row, the thread also zeroes it, which
  saves a separate pass over the output.
* The compile options (threading layer, caching) are set once in ``kernels/_numba.py``.
"""

from __future__ import annotations

from numba import njit, prange

from .._numba import PARALLEL, SERIAL


@njit(**PARALLEL)
def _im2col(xpad, cols, sh, sw, dh, dw):
    # explicit 7-D indexing: taking row views (cols[n, oh, ow]) inside the loop made Numba
    # build an array object per pixel and ran 1.5-2x slower
    n_images, out_h, out_w, groups, kh, kw, cg = cols.shape
    for row in prange(n_images * out_h):
        n = row // out_h
        oh = row % out_h
        for ow in range(out_w):
            for g in range(groups):
                for i in range(kh):
                    ih = oh * sh + i * dh
                    for j in range(kw):
                        iw = ow * sw + j * dw
                        for c in range(cg):
                            cols[n, oh, ow, g, i, j, c] = xpad[n, ih, iw, g * cg + c]


def im2col(xpad, cols, stride, dilation):
    _im2col(xpad, cols, stride[0], stride[1], dilation[0], dilation[1])
    return cols


@njit(**PARALLEL)
def _col2im(cols, xpad, sh, sw, dh, dw):
    n_images, out_h, out_w, groups, kh, kw, cg = cols.shape
    padded_h, padded_w = xpad.shape[1], xpad.shape[2]
    for row in prange(n_images * padded_h):
        n = row // padded_h
        ih = row % padded_h
        xpad[n, ih] = 0.0  # this thread owns the row: zero it here, while it is in cache
        for i in range(kh):
            top = ih - i * dh
            if top < 0 or top % sh != 0:
                continue
            oh = top // sh
            if oh >= out_h:
                continue
            for iw in range(padded_w):
                for j in range(kw):
                    left = iw - j * dw
                    if left < 0 or left % sw != 0:
                        continue
                    ow = left // sw
                    if ow >= out_w:
                        continue
                    for g in range(groups):
                        for c in range(cg):
                            xpad[n, ih, iw, g * cg + c] += cols[n, oh, ow, g, i, j, c]


def col2im(cols, xpad, stride, dilation):
    _col2im(cols, xpad, stride[0], stride[1], dilation[0], dilation[1])
    return xpad


# ----------------------------------------------- serial, for the per-core pipelines
# pipelines.py runs these from its own threads, one each, on a band of output rows
# (from ``first_row``) of a few images. They read the unpadded channels-last image through
# tap tables (``taps.tap_tables``: -1 where a tap falls in the padding), as the direct
# kernels below do, so that no zero-padded copy of the input is made, nor of its gradient.


@njit(**SERIAL)
def im2col_taps(x, cols, first_row, in_rows, in_cols):
    """cols[n, r, ow, g, i, j, c] = x[n, in_rows[first_row + r, i], in_cols[ow, j], g*Cg + c],
    or 0 where either table says -1."""
    n_images, rows, out_w, groups, kh, kw, cg = cols.shape
    for n in range(n_images):
        for r in range(rows):
            for ow in range(out_w):
                for g in range(groups):
                    for i in range(kh):
                        ih = in_rows[first_row + r, i]
                        for j in range(kw):
                            iw = in_cols[ow, j]
                            if ih < 0 or iw < 0:
                                for c in range(cg):
                                    cols[n, r, ow, g, i, j, c] = 0.0
                            else:
                                for c in range(cg):
                                    cols[n, r, ow, g, i, j, c] = x[n, ih, iw, g * cg + c]
    return cols


@njit(**SERIAL)
def col2im_taps_add(cols, dx, first_row, in_rows, in_cols):
    """dx += the adjoint of ``im2col_taps``: a scatter, in a fixed order on one thread, so
    there are no races and every run adds in the same order. It adds to what ``dx`` holds,
    so that an image can be taken in bands whose windows overlap."""
    n_images, rows, out_w, groups, kh, kw, cg = cols.shape
    for n in range(n_images):
        for r in range(rows):
            for ow in range(out_w):
                for i in range(kh):
                    ih = in_rows[first_row + r, i]
                    if ih < 0:
                        continue
                    for j in range(kw):
                        iw = in_cols[ow, j]
                        if iw < 0:
                            continue
                        for g in range(groups):
                            for c in range(cg):
                                dx[n, ih, iw, g * cg + c] += cols[n, r, ow, g, i, j, c]
    return dx


# ------------------------------------------------------- direct (grouped) convolution
# For groups with few channels each (depthwise: one), im2col + GEMM is the wrong tool: the
# GEMMs are tiny (K = KH*KW*Cg) and run at 1-3 GFLOP/s. These kernels loop directly, in a
# *group-minor* channel order: channel (c, g) of group g is stored at c * G + g, so that
# every innermost loop runs contiguously over all G groups and vectorises, whatever the
# (small) number of channels per group. For depthwise layers that order is plain
# channels-last, so channels_last tensors need no copy at all.
#   x (N, H, W, Cg, G), weights (KH, KW, Cg, Og, G), output (N, OH, OW, Og, G)
# where output channel g * Og + m of group g reads input channels g * Cg .. g * Cg + Cg - 1.
#
# Padding is never materialised: the tap tables (see ``taps.tap_tables``) say which input
# row/column each tap of each output row/column reads (-1: padding), and which output
# row/column each tap of an input row/column feeds. The kernels skip the -1 taps, so no
# zero-padded copy is made and no division or modulo runs inside the loops.


@njit(**PARALLEL)
def direct_forward(x, weights, bias, out, in_rows, in_cols):
    """out[n, oh, ow] = bias + sum over taps of x * weights (bias: (Og, G))."""
    n_images, out_h, out_w, og, groups = out.shape
    kh, kw, cg = weights.shape[0], weights.shape[1], weights.shape[2]
    for row in prange(n_images * out_h):
        n = row // out_h
        oh = row % out_h
        for ow in range(out_w):
            for m in range(og):
                for g in range(groups):
                    out[n, oh, ow, m, g] = bias[m, g]
            for i in range(kh):
                ih = in_rows[oh, i]
                if ih < 0:
                    continue
                for j in range(kw):
                    iw = in_cols[ow, j]
                    if iw < 0:
                        continue
                    for c in range(cg):
                        for m in range(og):
                            for g in range(groups):
                                out[n, oh, ow, m, g] += x[n, ih, iw, c, g] * weights[i, j, c, m, g]


@njit(**PARALLEL)
def direct_input_grad(grad_out, weights, dx, out_rows, out_cols):
    """A gather: each thread owns whole input rows, so no two threads write one element."""
    n_images, h, w, cg, groups = dx.shape
    og = grad_out.shape[3]
    kh, kw = weights.shape[0], weights.shape[1]
    for row in prange(n_images * h):
        n = row // h
        ih = row % h
        for iw in range(w):
            for c in range(cg):
                for g in range(groups):
                    dx[n, ih, iw, c, g] = 0.0
            for i in range(kh):
                oh = out_rows[ih, i]
                if oh < 0:
                    continue
                for j in range(kw):
                    ow = out_cols[iw, j]
                    if ow < 0:
                        continue
                    for c in range(cg):
                        for m in range(og):
                            for g in range(groups):
                                dx[n, ih, iw, c, g] += grad_out[n, oh, ow, m, g] * weights[i, j, c, m, g]


@njit(**PARALLEL)
def direct_weight_grad(x, grad_out, partial, in_rows, in_cols):
    """partial[n] = image n's contribution (N, KH, KW, Cg, Og, G); the caller sums over n in
    a fixed order, so the result does not depend on how threads were scheduled."""
    n_images, out_h, out_w, og, groups = grad_out.shape
    kh, kw, cg = partial.shape[1], partial.shape[2], partial.shape[3]
    for n in prange(n_images):
        for i in range(kh):
            for j in range(kw):
                for c in range(cg):
                    for m in range(og):
                        for g in range(groups):
                            partial[n, i, j, c, m, g] = 0.0
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(kh):
                    ih = in_rows[oh, i]
                    if ih < 0:
                        continue
                    for j in range(kw):
                        iw = in_cols[ow, j]
                        if iw < 0:
                            continue
                        for c in range(cg):
                            for m in range(og):
                                for g in range(groups):
                                    partial[n, i, j, c, m, g] += grad_out[n, oh, ow, m, g] * x[n, ih, iw, c, g]
