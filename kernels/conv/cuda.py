"""CUDA versions of the convolution building blocks, for CuPy arrays: the glue that
launches ``conv.cu``. Each function has the signature, in-place behaviour and result
layout of the function of the same name in ``reference.py`` (the spec), and agrees with it
(``tests/test_kernel_contract.py``; ``tests/test_cuda_host_build.py`` runs the same source
on the CPU under odd launch shapes).

The kernels index C-contiguous arrays densely, so inputs are made contiguous (and of the
output's dtype, as the reference's assignments would cast) and an output that is a strided
view is computed in a dense temporary and copied back. Tap tables become contiguous int64
device arrays. Nothing here waits for the device: the functions run once per training
step, and everything they decide comes from shapes. Importing this module does not import
CuPy (kernels register at import, on machines without a GPU too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...backend import xp_of
from .. import cuda_launch

SOURCE = Path(__file__).with_name("conv.cu")

# direct_weight_grad cuts each image's output positions into slices summed by separate
# threads (see conv.cu) until there are about this many threads, enough to fill an H200
# (132 SMs x 2048 resident threads) ...
WEIGHT_GRAD_THREADS = 1 << 18
# ... but leaves each slice at least this many positions, so that a thread's work
# outweighs its index arithmetic and the second pass that adds the slices
WEIGHT_GRAD_MIN_POSITIONS = 32


def _kernel(name, dtype):
    return cuda_launch.function(SOURCE, name, dtype)


def _check(condition, kernel, message):
    """The kernels trust the shapes they are given (a wrong one reads out of bounds on the
    device), so inconsistent ones are refused here, as the reference's slicing would."""
    if not condition:
        raise ValueError(f"{kernel} (cuda): {message}")


def _dense(xp, array, dtype):
    return xp.ascontiguousarray(array, dtype=dtype)


def _table(xp, table):
    return xp.ascontiguousarray(xp.asarray(table), dtype=np.int64)


def _writable(xp, out):
    """``out`` when the kernels can write it densely, else a dense temporary (``_copy_back``)."""
    return out if out.flags.c_contiguous else xp.empty(out.shape, dtype=out.dtype)


def _copy_back(out, dense):
    if dense is not out:
        out[...] = dense


# ------------------------------------------------------------------ im2col, col2im
def _padded_geometry(name, cols, xpad, stride, dilation):
    n, out_h, out_w, groups, kh, kw, cg = cols.shape
    sh, sw, dh, dw = int(stride[0]), int(stride[1]), int(dilation[0]), int(dilation[1])
    _check(xpad.ndim == 4 and xpad.shape[0] == n and xpad.shape[3] == groups * cg, name,
           f"xpad must be (N, Hp, Wp, C) = ({n}, Hp, Wp, {groups * cg}) for columns {cols.shape}, got {xpad.shape}")
    _check(min(sh, sw, dh, dw) >= 1, name, f"stride and dilation must be positive, got {stride}, {dilation}")
    _check(out_h == 0 or out_w == 0 or ((out_h - 1) * sh + (kh - 1) * dh < xpad.shape[1]
                                        and (out_w - 1) * sw + (kw - 1) * dw < xpad.shape[2]), name,
           f"the windows of columns {cols.shape} (stride {stride}, dilation {dilation}) reach past xpad {xpad.shape}")
    return n, out_h, out_w, groups, kh, kw, cg, sh, sw, dh, dw


def im2col(xpad, cols, stride, dilation):
    """Fill ``cols`` (N, OH, OW, G, KH, KW, Cg) from the padded channels-last ``xpad``."""
    xp = xp_of(cols)
    n, out_h, out_w, groups, kh, kw, cg, sh, sw, dh, dw = _padded_geometry("im2col", cols, xpad, stride, dilation)
    source, target = _dense(xp, xpad, cols.dtype), _writable(xp, cols)
    hp, wp = source.shape[1:3]
    cuda_launch.launch(_kernel("im2col", cols.dtype), n * out_h * out_w * groups * cg,
                       (source, target, n, hp, wp, out_h, out_w, groups, kh, kw, cg, sh, sw, dh, dw))
    _copy_back(cols, target)
    return cols


def col2im(cols, xpad, stride, dilation):
    """The adjoint of ``im2col``, overwriting ``xpad``: a gather, one thread per element."""
    xp = xp_of(xpad)
    n, out_h, out_w, groups, kh, kw, cg, sh, sw, dh, dw = _padded_geometry("col2im", cols, xpad, stride, dilation)
    source, target = _dense(xp, cols, xpad.dtype), _writable(xp, xpad)
    hp, wp = target.shape[1:3]
    cuda_launch.launch(_kernel("col2im", xpad.dtype), target.size,
                       (source, target, n, hp, wp, out_h, out_w, groups, kh, kw, cg, sh, sw,
                        dh // sh, dh % sh, dw // sw, dw % sw))
    _copy_back(xpad, target)
    return xpad


# ----------------------------------------------------------- through tap tables
def _band_geometry(name, cols, image, first_row, in_rows, in_cols):
    n, rows, out_w, groups, kh, kw, cg = cols.shape
    first_row = int(first_row)
    _check(image.ndim == 4 and image.shape[0] == n and image.shape[3] == groups * cg, name,
           f"the image must be (N, H, W, C) = ({n}, H, W, {groups * cg}) for columns {cols.shape}, got {image.shape}")
    _check(in_rows.ndim == 2 and in_rows.shape[1] == kh and 0 <= first_row
           and first_row + rows <= in_rows.shape[0], name,
           f"in_rows must be (>= {first_row + rows}, {kh}) for rows {first_row}..{first_row + rows - 1}, "
           f"got {in_rows.shape}")
    _check(tuple(in_cols.shape) == (out_w, kw), name, f"in_cols must be ({out_w}, {kw}), got {in_cols.shape}")
    return n, rows, out_w, groups, kh, kw, cg, first_row


def im2col_taps(x, cols, first_row, in_rows, in_cols):
    """Fill ``cols`` (N, R, OW, G, KH, KW, Cg) for output rows ``first_row`` on from the
    unpadded channels-last ``x`` through the tap tables (-1: padding, read as zero)."""
    xp = xp_of(cols)
    n, rows, out_w, groups, kh, kw, cg, first_row = _band_geometry("im2col_taps", cols, x, first_row, in_rows,
                                                                    in_cols)
    source, target = _dense(xp, x, cols.dtype), _writable(xp, cols)
    h, w = source.shape[1:3]
    cuda_launch.launch(_kernel("im2col_taps", cols.dtype), n * rows * out_w * groups * cg,
                       (source, target, _table(xp, in_rows), _table(xp, in_cols), n, h, w, rows, out_w, groups,
                        kh, kw, cg, first_row))
    _copy_back(cols, target)
    return cols


def _chains(xp, table, first_row, count, size, dtype):
    """(first (size, taps), next (count, taps)): the tap table rows ``first_row`` ..
    ``first_row + count - 1`` inverted as linked lists (see ``tap_chains`` in conv.cu).
    ``tap_chains`` reads no scalars; it is taken from the program compiled for ``dtype``,
    which the call compiles anyway."""
    taps = table.shape[1]
    first = xp.empty((size, taps), dtype=np.int64)
    following = xp.empty((count, taps), dtype=np.int64)
    cuda_launch.launch(_kernel("tap_chains", dtype), (size + count) * taps,
                       (table, first, following, first_row, count, size, taps))
    return first, following


def col2im_taps_add(cols, dx, first_row, in_rows, in_cols):
    """dx += the adjoint of ``im2col_taps`` (taps in the padding dropped): a gather, one
    thread per dx element, through the tables' inverses."""
    xp = xp_of(dx)
    n, rows, out_w, groups, kh, kw, cg, first_row = _band_geometry("col2im_taps_add", cols, dx, first_row, in_rows,
                                                                    in_cols)
    source = _dense(xp, cols, dx.dtype)
    target = dx if dx.flags.c_contiguous else xp.ascontiguousarray(dx)  # it adds to what dx holds
    h, w = target.shape[1:3]
    row_first, row_next = _chains(xp, _table(xp, in_rows), first_row, rows, h, dx.dtype)
    col_first, col_next = _chains(xp, _table(xp, in_cols), 0, out_w, w, dx.dtype)
    cuda_launch.launch(_kernel("col2im_taps_add", dx.dtype), target.size,
                       (source, target, row_first, row_next, col_first, col_next, n, h, w, rows, out_w, groups,
                        kh, kw, cg))
    _copy_back(dx, target)
    return dx


# ------------------------------------------------------ direct (depthwise, thin groups)
def _direct_geometry(name, image_shape, weights_shape, grad_shape, rows, cols, entries):
    """(N, H, W, KH, KW, Cg, Og, G, OH, OW) of the group-minor arrays' shapes; the tables
    must have a row of KH (KW) taps per ``entries`` ("input" or "output") row (column)."""
    _check(len(image_shape) == 5 and len(weights_shape) == 5, name,
           f"the image must be (N, H, W, Cg, G) and the weights (KH, KW, Cg, Og, G), got {tuple(image_shape)} "
           f"and {tuple(weights_shape)}")
    n, h, w, cg, groups = image_shape
    kh, kw, _, og, _ = weights_shape
    _check(tuple(weights_shape) == (kh, kw, cg, og, groups), name,
           f"weights must be (KH, KW, Cg, Og, G) with Cg = {cg}, G = {groups}, got {tuple(weights_shape)}")
    _check(len(grad_shape) == 5 and grad_shape[0] == n and tuple(grad_shape[3:]) == (og, groups), name,
           f"the output must be (N, OH, OW, Og, G) = ({n}, OH, OW, {og}, {groups}), got {tuple(grad_shape)}")
    out_h, out_w = grad_shape[1:3]
    positions = (h, w) if entries == "input" else (out_h, out_w)
    wanted = (positions[0], kh), (positions[1], kw)
    _check(tuple(rows.shape) == wanted[0] and tuple(cols.shape) == wanted[1], name,
           f"the tap tables must be {wanted[0]} and {wanted[1]}, got {rows.shape} and {cols.shape}")
    return n, h, w, kh, kw, cg, og, groups, out_h, out_w


def direct_forward(x, weights, bias, out, in_rows, in_cols):
    """out (N, OH, OW, Og, G) = bias + the window sums of x through the tap tables."""
    xp = xp_of(out)
    n, h, w, kh, kw, cg, og, groups, out_h, out_w = _direct_geometry("direct_forward", x.shape, weights.shape,
                                                                     out.shape, in_rows, in_cols, "output")
    _check(tuple(bias.shape) == (og, groups), "direct_forward", f"bias must be ({og}, {groups}), got {bias.shape}")
    target = _writable(xp, out)
    cuda_launch.launch(_kernel("direct_forward", out.dtype), target.size,
                       (_dense(xp, x, out.dtype), _dense(xp, weights, out.dtype), _dense(xp, bias, out.dtype),
                        target, _table(xp, in_rows), _table(xp, in_cols), n, h, w, out_h, out_w, kh, kw, cg, og,
                        groups))
    _copy_back(out, target)
    return out


def direct_input_grad(grad_out, weights, dx, out_rows, out_cols):
    """dx (N, H, W, Cg, G): the adjoint of ``direct_forward`` in x, a gather through the
    feeds tables, one thread per element."""
    xp = xp_of(dx)
    n, h, w, kh, kw, cg, og, groups, out_h, out_w = _direct_geometry("direct_input_grad", dx.shape, weights.shape,
                                                                     grad_out.shape, out_rows, out_cols, "input")
    target = _writable(xp, dx)
    cuda_launch.launch(_kernel("direct_input_grad", dx.dtype), target.size,
                       (_dense(xp, grad_out, dx.dtype), _dense(xp, weights, dx.dtype), target,
                        _table(xp, out_rows), _table(xp, out_cols), n, h, w, out_h, out_w, kh, kw, cg, og, groups))
    _copy_back(dx, target)
    return dx


def weight_grad_slices(elements, positions):
    """How many slices ``direct_weight_grad`` cuts each image's ``positions`` into, for a
    partial of ``elements`` elements (shapes only, so every run sums in the same order)."""
    wanted = -(-WEIGHT_GRAD_THREADS // max(elements, 1))
    return max(1, min(wanted, positions // WEIGHT_GRAD_MIN_POSITIONS))


def direct_weight_grad(x, grad_out, partial, in_rows, in_cols):
    """partial (N, KH, KW, Cg, Og, G): each image's part of the weight gradient, in two
    deterministic passes (slices of positions, then the slices added in order)."""
    xp = xp_of(partial)
    _check(partial.ndim == 6, "direct_weight_grad", f"partial must be (N, KH, KW, Cg, Og, G), got {partial.shape}")
    n, h, w, kh, kw, cg, og, groups, out_h, out_w = _direct_geometry("direct_weight_grad", x.shape, partial.shape[1:],
                                                                     grad_out.shape, in_rows, in_cols, "output")
    _check(partial.shape[0] == n, "direct_weight_grad", f"partial must have {n} images, got {partial.shape}")
    dtype = partial.dtype
    slices = weight_grad_slices(partial.size, out_h * out_w)
    sums = xp.empty((slices,) + partial.shape, dtype=np.float32 if dtype == np.float16 else dtype)  # acc_t
    cuda_launch.launch(_kernel("direct_weight_grad_slices", dtype), sums.size,
                       (_dense(xp, x, dtype), _dense(xp, grad_out, dtype), sums, _table(xp, in_rows),
                        _table(xp, in_cols), n, h, w, out_h, out_w, kh, kw, cg, og, groups, slices))
    target = _writable(xp, partial)
    cuda_launch.launch(_kernel("direct_weight_grad_sum", dtype), target.size, (sums, target, target.size, slices))
    _copy_back(partial, target)
    return partial
