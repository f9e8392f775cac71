"""Reference kernels: readable, vectorised array code that runs on NumPy or CuPy arrays.

These are the specification. Every faster implementation (Numba in ``cpu.py``, CUDA in
``cuda.py``) must agree with the function of the same name here, and a user can force
these with ``minitorch_cnn.kernels.use("reference")`` to compare.
"""

from __future__ import annotations

from ..backend import xp_of



def index_add(target, index, values):
    """``target[index] += values`` in place, where repeated indices *accumulate*.

    Plain ``target[index] += values`` keeps only one of several writes to the same element;
    the unbuffered ``ufunc.at`` adds every one. ``index`` is a tuple as NumPy indexing takes
    it (integer arrays, slices, None, Ellipsis); ``values`` broadcasts to ``target[index]``.
    """
    xp_of(target).add.at(target, index, values)
    return target


# ------------------------------------------------------------------------ convolution
# Layout conventions shared by every convolution kernel:
#   * images are NCHW arrays (the public layout); kernels may return NCHW *views* of
#     channels-last memory, which NumPy and the next convolution handle without copies;
#   * ``padding`` is (top, bottom, left, right), so "same" padding can be asymmetric;
#   * the im2col buffer is channels-last: cols[n, oh, ow, g, kh, kw, cg], so a GEMM row
#     holds one output pixel's receptive field, group by group.


def conv_output_size(size, pad_before, pad_after, kernel, stride, dilation):
    """PyTorch's formula: floor((size + pads - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


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


def conv2d_backward(x, grad_out, weight, stride, padding, dilation, groups, prepared_input=None,
                    prepared_grad=None):
    """(input gradient, weight gradient): the two kernels above, one after the other."""
    return (conv2d_input_grad(grad_out, weight, x.shape[2:], stride, padding, dilation, groups),
            conv2d_weight_grad(x, grad_out, weight.shape, stride, padding, dilation, groups))


def prepare_input(x, weight_shape, stride, padding, dilation, groups):
    """The reference kernels share no preparation: they compute everything from x."""
    return None


def prepare_grad(grad_out, weight_shape, groups):
    return None


def _padded(x, padding):
    xp = xp_of(x)
    top, bottom, left, right = padding
    return xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def _offset_slices(kh, kw, out_h, out_w, stride, dilation):
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(None), slice(None), _window(i * dilation[0], out_h, stride[0]),
                         _window(j * dilation[1], out_w, stride[1]))


def conv2d(x, weight, bias, stride, padding, dilation, groups, prepared_input=None):
    """Cross-correlation, written as the sum over kernel offsets (i, j) of a strided slice of
    the padded input times that offset's weights. The readable spec of the fast paths.
    (``prepared_*`` arguments, layout copies shared by the fast path, are not used here.)"""
    xp = xp_of(x)
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    out_h = conv_output_size(h, padding[0], padding[1], kh, stride[0], dilation[0])
    out_w = conv_output_size(w, padding[2], padding[3], kw, stride[1], dilation[1])
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


def conv2d_input_grad(grad_out, weight, input_hw, stride, padding, dilation, groups, prepared_grad=None):
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


def conv2d_weight_grad(x, grad_out, weight_shape, stride, padding, dilation, groups, prepared_input=None,
                       prepared_grad=None):
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
