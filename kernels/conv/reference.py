"""Reference convolution kernels: readable, vectorised array code that runs on NumPy or
CuPy arrays. These are the specification: every faster version (Numba in ``cpu.py``, CUDA
in the family's ``cuda.py``) must agree with the function of the same name here, and
``kernels.use("reference")`` runs these instead, to compare.

Three groups: the convolution itself and its two gradients (the "reference" route), the
im2col/col2im pair the GEMM routes are built on (over a padded image, or through tap
tables over an unpadded band of rows), and the direct kernels for thin groups.
"""

from __future__ import annotations

from ...backend import xp_of
from .geometry import conv_output_size


# ------------------------------------------------------------------------ convolution
# Layout conventions shared by every convolution kernel:
#   * images are NCHW arrays (the public layout); kernels may return NCHW *views* of
#     channels-last memory, which NumPy and the next convolution handle without copies;
#   * ``padding`` is (top, bottom, left, right), so "same" padding can be asymmetric;
#   * the im2col buffer is channels-last: cols[n, oh, ow, g, kh, kw, cg], so a GEMM row
#     holds one output pixel's receptive field, group by group.


def _window(offset, count, step):
    """The slice that picks ``count`` positions ``offset, offset+step, ...``."""
    return slice(offset, offset + step * (count - 1) + 1, step)


def im2col(xpad, cols, stride, dilation):
    """Fill ``cols`` (N, OH, OW, G, KH, KW, Cg) from the padded channels-last image ``xpad``
    (N, Hp, Wp, C): one strided slice per kernel offset."""
    _, oh, ow, groups, kh, kw, cg = cols.shape
    for i in range(kh):
        for j in range(kw):
            window = xpad[:, _window(i * dilation[0], oh, stride[0]), _window(j * dilation[1], ow, stride[1]), :]
            cols[:, :, :, :, i, j, :] = window.reshape(window.shape[:3] + (groups, cg))
    return cols


def col2im(cols, xpad, stride, dilation):
    """The adjoint of ``im2col``: every column added back into the padded channels-last
    image ``xpad`` (N, Hp, Wp, C), which is overwritten. Overlapping windows accumulate, one
    kernel offset after another, so the result is the same on every run."""
    n, oh, ow, groups, kh, kw, cg = cols.shape
    xpad[...] = 0
    for i in range(kh):
        for j in range(kw):
            window = (slice(None), _window(i * dilation[0], oh, stride[0]), _window(j * dilation[1], ow, stride[1]))
            xpad[window] += cols[:, :, :, :, i, j, :].reshape(n, oh, ow, groups * cg)
    return xpad


def _padded(x, padding):
    xp = xp_of(x)
    top, bottom, left, right = padding
    return xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def _offset_slices(kh, kw, out_h, out_w, stride, dilation):
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(None), slice(None), _window(i * dilation[0], out_h, stride[0]),
                         _window(j * dilation[1], out_w, stride[1]))


def conv2d(x, weight, bias, stride, padding, dilation, groups):
    """Cross-correlation, written as the sum over kernel offsets (i, j) of a strided slice of
    the padded input times that offset's weights. The readable spec of every route."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    out_h = conv_output_size(h, kh, stride[0], padding[0], padding[1], dilation[0])
    out_w = conv_output_size(w, kw, stride[1], padding[2], padding[3], dilation[1])
    xpad = _padded(x, padding).reshape(n, groups, cg, h + padding[0] + padding[1], w + padding[2] + padding[3])
    wg = weight.reshape(groups, c_out // groups, cg, kh, kw)
    out = xp.zeros((n, groups, c_out // groups, out_h, out_w), dtype=x.dtype)
    for i, j, window in _offset_slices(kh, kw, out_h, out_w, stride, dilation):
        patch = xpad[(slice(None),) + window]
        out += xp.einsum("ngchw,goc->ngohw", patch, wg[..., i, j])
    out = out.reshape(n, c_out, out_h, out_w)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


def conv2d_input_grad(grad_out, weight, input_hw, stride, padding, dilation, groups):
    """d<conv2d(x, weight), grad_out>/dx: each offset's weights applied transposed, added
    back into the padded input (this is also conv_transpose2d)."""
    xp = xp_of(grad_out)
    n, c_out, out_h, out_w = grad_out.shape
    _, cg, kh, kw = weight.shape
    h, w = input_hw
    hp, wp = h + padding[0] + padding[1], w + padding[2] + padding[3]
    gy = grad_out.reshape(n, groups, c_out // groups, out_h, out_w)
    wg = weight.reshape(groups, c_out // groups, cg, kh, kw)
    dxpad = xp.zeros((n, groups, cg, hp, wp), dtype=grad_out.dtype)
    for i, j, window in _offset_slices(kh, kw, out_h, out_w, stride, dilation):
        dxpad[(slice(None),) + window] += xp.einsum("ngohw,goc->ngchw", gy, wg[..., i, j])
    dxpad = dxpad.reshape(n, groups * cg, hp, wp)
    return dxpad[:, :, padding[0]:hp - padding[1], padding[2]:wp - padding[3]]


def conv2d_weight_grad(x, grad_out, weight_shape, stride, padding, dilation, groups):
    """d<conv2d(x, weight), grad_out>/dweight: per offset, the correlation of the input's
    strided slice with the output gradient."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight_shape
    out_h, out_w = grad_out.shape[2:]
    xpad = _padded(x, padding).reshape(n, groups, cg, h + padding[0] + padding[1], w + padding[2] + padding[3])
    gy = grad_out.reshape(n, groups, c_out // groups, out_h, out_w)
    dw = xp.zeros((groups, c_out // groups, cg, kh, kw), dtype=x.dtype)
    for i, j, window in _offset_slices(kh, kw, out_h, out_w, stride, dilation):
        dw[..., i, j] = xp.einsum("ngohw,ngchw->goc", gy, xpad[(slice(None),) + window])
    return dw.reshape(weight_shape)


# -------------------------------------------------- through tap tables, on unpadded images
# The per-core pipelines and the direct kernels read the unpadded image through tap tables
# (``taps.tap_tables``: -1 where a tap falls in the padding). Here -1 indexes a zero row and
# column appended to the image, which is what padding with zeros means.


def through_taps(x, rows, cols):
    """x (N, H, W, ...) read through tables ``rows`` (R, KH) and ``cols`` (Q, KW):
    (N, R, KH, Q, KW, ...), zero where a table says -1."""
    xp = xp_of(x)
    zero_edge = xp.pad(x, [(0, 0), (0, 1), (0, 1)] + [(0, 0)] * (x.ndim - 3))
    return zero_edge[:, xp.asarray(rows)[:, :, None, None], xp.asarray(cols)[None, None, :, :]]


def add_through_taps(target, values, rows, cols):
    """The adjoint of ``through_taps``: target (N, H, W, ...) += values (N, R, KH, Q, KW, ...)
    at the positions the tables name; values at -1 taps (the padding) are dropped."""
    xp = xp_of(target)
    h, w = target.shape[1:3]
    spill = xp.zeros((target.shape[0], h + 1, w + 1) + target.shape[3:], dtype=target.dtype)  # row h, column w: -1
    index = (slice(None), xp.asarray(rows)[:, :, None, None], xp.asarray(cols)[None, None, :, :])
    xp.add.at(spill, index, values)
    target += spill[:, :h, :w]
    return target


def im2col_taps(x, cols, first_row, in_rows, in_cols):
    """cols[n, r, ow, g, i, j, c] = x[n, in_rows[first_row + r, i], in_cols[ow, j], g*Cg + c],
    or 0 where either table says -1: im2col of a band of output rows of the unpadded
    channels-last image x (N, H, W, C)."""
    n, rows, out_w, groups, kh, kw, cg = cols.shape
    windows = through_taps(x, in_rows[first_row:first_row + rows], in_cols)  # (n, rows, kh, out_w, kw, C)
    cols[...] = windows.reshape(n, rows, kh, out_w, kw, groups, cg).transpose(0, 1, 3, 5, 2, 4, 6)
    return cols


def col2im_taps_add(cols, dx, first_row, in_rows, in_cols):
    """dx += the adjoint of ``im2col_taps``: every column added back to the pixel it was read
    from (taps in the padding are dropped). It adds to what ``dx`` holds, so that an image
    can be taken in bands whose windows overlap."""
    n, rows, out_w, groups, kh, kw, cg = cols.shape
    values = cols.transpose(0, 1, 4, 2, 5, 3, 6).reshape(n, rows, kh, out_w, kw, groups * cg)
    return add_through_taps(dx, values, in_rows[first_row:first_row + rows], in_cols)


# ------------------------------------------------------ direct (depthwise, thin groups)
# The direct kernels' arrays are group-minor (see ``layout.group_minor``):
#   x (N, H, W, Cg, G), weights (KH, KW, Cg, Og, G), output (N, OH, OW, Og, G),
# where output channel g * Og + m of group g reads input channels g * Cg .. g * Cg + Cg - 1.


def direct_forward(x, weights, bias, out, in_rows, in_cols):
    """out[n, oh, ow, m, g] = bias[m, g] + the sum over taps (i, j) and input channels c of
    x[n, in_rows[oh, i], in_cols[ow, j], c, g] * weights[i, j, c, m, g]."""
    xp = xp_of(x)
    windows = through_taps(x, in_rows, in_cols)  # (N, OH, KH, OW, KW, Cg, G)
    out[...] = xp.einsum("noipjcg,ijcmg->nopmg", windows, weights) + bias
    return out


def direct_input_grad(grad_out, weights, dx, out_rows, out_cols):
    """dx[n, ih, iw, c, g] = the sum over taps (i, j) and output channels m of
    grad_out[n, out_rows[ih, i], out_cols[iw, j], m, g] * weights[i, j, c, m, g]:
    the adjoint of ``direct_forward`` in x."""
    xp = xp_of(grad_out)
    windows = through_taps(grad_out, out_rows, out_cols)  # (N, H, KH, W, KW, Og, G)
    dx[...] = xp.einsum("nhiwjmg,ijcmg->nhwcg", windows, weights)
    return dx


def direct_weight_grad(x, grad_out, partial, in_rows, in_cols):
    """partial[n, i, j, c, m, g] = image n's part of the weight gradient: the sum over
    output positions of grad_out[n, oh, ow, m, g] * x[n, in_rows[oh, i], in_cols[ow, j], c, g]."""
    xp = xp_of(x)
    windows = through_taps(x, in_rows, in_cols)  # (N, OH, KH, OW, KW, Cg, G)
    partial[...] = xp.einsum("noipjcg,nopmg->nijcmg", windows, grad_out)
    return partial
