"""The fast convolution path: layout, padding, batching under a memory budget, and one
GEMM per chunk around the registered ``im2col``/``col2im`` kernels, and the direct
kernels for depthwise and thin-group convolutions.

Array-API code (NumPy here; CuPy arrays take the same path with their own kernels), and
registered as the ``cpu`` implementation of ``conv2d``, ``conv2d_input_grad`` and
``conv2d_weight_grad``; ``reference.py`` holds the readable spec they must agree with.

Why it is shaped like this:

* Channels-last inside. An NHWC image makes every im2col copy a contiguous run of
  channels, and the GEMM result is the output in NHWC. The public layout stays NCHW, and
  results keep the input's memory format as in PyTorch: contiguous NCHW by default (one
  copy back, so that ``y.view(n, -1)`` works), and, for channels_last inputs, free NCHW
  views of the NHWC result (the next convolution reads them without any copy). The copy
  back cost 6% on a dense 3x3 layer and 38% on a depthwise one, measured side by side.
* 1x1 convolutions need no im2col: the (strided) input is already the GEMM operand.
* Depthwise convolutions (groups == channels) have K = KH*KW per output, and thin groups
  (a few channels each) little more: as GEMMs those run at 1-3 GFLOP/s, so they use
  direct kernels instead, in a group-minor channel order (see ``cpu.py``) folded into the
  layout copy.
* Grouped convolutions are one batched matmul over the groups, not a Python loop.
* The im2col buffer is KH*KW times the input; batches are processed in chunks so that
  it stays under ``memory_budget()`` bytes (at least one image per chunk). The default,
  16 MiB, is also the fastest: a chunk that stays in cache between the im2col copy and the
  GEMM that reads it beat one big buffer by 1.2-1.6x on ResNet and VGG layers.
* The buffer is reused from call to call (per thread): a fresh 75 MB allocation pays a
  page fault per 4 KiB page on first touch.
"""

from __future__ import annotations

import threading

import numpy as np

from . import lookup

_budget = 16 * 2**20
_workspaces = threading.local()


def memory_budget() -> int:
    """Bytes the im2col buffer of one chunk may use."""
    return _budget


def set_memory_budget(nbytes: int) -> None:
    global _budget
    if not isinstance(nbytes, (int, np.integer)) or nbytes <= 0:
        raise ValueError(f"set_memory_budget: nbytes must be a positive int, got {nbytes!r}")
    _budget = int(nbytes)


def _workspace(shape, dtype, xp):
    """An uninitialised array of ``shape`` backed by this thread's reusable buffer."""
    count = int(np.prod(shape))
    nbytes = count * np.dtype(dtype).itemsize
    key = "numpy" if xp is np else "cupy"
    buffer = getattr(_workspaces, key, None)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = xp.empty(max(nbytes, 1), dtype=np.uint8)
        setattr(_workspaces, key, buffer)
    return buffer[:nbytes].view(dtype).reshape(shape)


def _xp(array):
    if isinstance(array, np.ndarray):
        return np
    import cupy

    return cupy


def _out_size(size, before, after, k, s, d):
    return (size + before + after - d * (k - 1) - 1) // s + 1


def _chunks(n_images, per_image_bytes):
    step = max(1, min(n_images, _budget // max(per_image_bytes, 1)))
    return [(start, min(start + step, n_images)) for start in range(0, n_images, step)]


def _channels_last(x):
    """(N, C, H, W) -> a C-contiguous (N, H, W, C) array (free when x is an NCHW view of
    channels-last memory, as our own results are)."""
    return _xp(x).ascontiguousarray(x.transpose(0, 2, 3, 1))


def _padded_channels_last(x, padding):
    """Zero-padded channels-last copy of an NCHW image: layout change and padding in one
    pass. Only the border is zeroed (zeroing the whole buffer first cost as much again)."""
    xp = _xp(x)
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    if not any(padding):
        return _channels_last(x)
    xpad = xp.empty((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    xpad[:, :top] = 0
    xpad[:, top + h:] = 0
    xpad[:, top:top + h, :left] = 0
    xpad[:, top:top + h, left + w:] = 0
    xpad[:, top:top + h, left:left + w, :] = x.transpose(0, 2, 3, 1)
    return xpad


def _is_channels_last(x):
    """An NCHW-shaped array whose memory is NHWC (PyTorch's channels_last format)."""
    return not x.flags.c_contiguous and x.transpose(0, 2, 3, 1).flags.c_contiguous


def _as_nchw(nhwc, channels_last):
    """The NCHW result, in the memory format of the input, as PyTorch does: plain
    contiguous NCHW by default (so that ``y.view(n, -1)`` works), and a free NCHW view of
    the NHWC buffer when the input was channels_last."""
    view = nhwc.transpose(0, 3, 1, 2)
    return view if channels_last else _xp(nhwc).ascontiguousarray(view)


def _weight_matrix(weight, groups):
    """(C_out, Cg, KH, KW) -> (G, KH*KW*Cg, C_out/G), rows ordered as im2col's columns.

    It is the transposed view of a C-contiguous (G, C_out/G, KH*KW*Cg) copy: keeping C_out
    outermost makes the copy a short shuffle within each output channel's filter (0.9 ms
    for a 512-channel 3x3 weight, against 8.7 ms to move C_out innermost), and BLAS reads
    a transposed operand as it is. The input gradient wants exactly the untransposed copy.
    """
    c_out, cg, kh, kw = weight.shape
    w = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2)
    return _xp(weight).ascontiguousarray(w).reshape(groups, c_out // groups, kh * kw * cg).transpose(0, 2, 1)


def _grouped_matmul(a, b, out):
    """out[:, g, :] = a[:, g, :] @ b[g] for every group; a (M, G, K), b (G, K, P), out (M, G, P)."""
    xp = _xp(a)
    if a.shape[1] == 1:
        xp.matmul(a[:, 0, :], b[0], out=out[:, 0, :])
    else:
        out[...] = xp.matmul(a.transpose(1, 0, 2), b).transpose(1, 0, 2)
    return out


# groups with at most this many input channels each use the direct kernels
DIRECT_MAX_CHANNELS_PER_GROUP = 8


def _is_direct(channels_per_group, groups):
    """Depthwise (one input channel per group) and other thin groups: direct kernels."""
    return groups > 1 and channels_per_group <= DIRECT_MAX_CHANNELS_PER_GROUP


def _is_pointwise(kh, kw, padding):
    """A 1x1 kernel without padding: the (strided) input itself is the GEMM operand."""
    return kh == kw == 1 and not any(padding)


def _direct_weights(weight, groups):
    """(G*Og, Cg, KH, KW) -> (KH, KW, Cg, Og, G) contiguous, the direct kernels' layout."""
    c_out, cg, kh, kw = weight.shape
    w = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(3, 4, 2, 1, 0)
    return _xp(weight).ascontiguousarray(w)


def _group_minor(x, groups):
    """NCHW (N, G*Cg, H, W) -> group-minor (N, H, W, Cg, G): free for a depthwise layer's
    channels_last tensor, one copy otherwise."""
    n, c, h, w = x.shape
    return _xp(x).ascontiguousarray(x.reshape(n, groups, c // groups, h, w).transpose(0, 3, 4, 2, 1))


def tap_tables(in_size, out_size, kernel, stride, before, dilation):
    """For one spatial axis of a convolution, two int64 tables (-1 where nothing is read):

    * ``reads[o, t]``: the input position that tap t of output position o reads;
    * ``feeds[p, t]``: the output position whose tap t reads input position p.
    """
    taps = np.arange(kernel) * dilation
    reads = np.arange(out_size)[:, None] * stride - before + taps[None, :]
    reads = np.where((reads >= 0) & (reads < in_size), reads, -1)
    start = np.arange(in_size)[:, None] + before - taps[None, :]  # o * stride for each tap
    feeds = start // stride
    feeds = np.where((start >= 0) & (start % stride == 0) & (feeds < out_size), feeds, -1)
    return reads.astype(np.int64), feeds.astype(np.int64)


def _direct_tables(in_hw, out_hw, kernel, stride, padding, dilation):
    """(in_rows, in_cols, out_rows, out_cols) for the direct kernels."""
    rows = tap_tables(in_hw[0], out_hw[0], kernel[0], stride[0], padding[0], dilation[0])
    cols = tap_tables(in_hw[1], out_hw[1], kernel[1], stride[1], padding[2], dilation[1])
    return rows[0], cols[0], rows[1], cols[1]


def _from_group_minor(array, channels_last):
    """(N, H, W, O, G) group-minor -> NCHW (N, G*O, H, W), in the requested memory format."""
    xp = _xp(array)
    n, h, w, per_group, groups = array.shape
    nhwc = array.transpose(0, 1, 2, 4, 3)  # channel g * O + m
    if per_group == 1 or not channels_last:
        if channels_last:
            return nhwc.reshape(n, h, w, groups).transpose(0, 3, 1, 2)
        return xp.ascontiguousarray(array.transpose(0, 4, 3, 1, 2)).reshape(n, groups * per_group, h, w)
    return xp.ascontiguousarray(nhwc).reshape(n, h, w, groups * per_group).transpose(0, 3, 1, 2)


# ------------------------------------------------------------------ shared preparation
# The layout copies are a large part of a convolution's time, and forward, input gradient
# and weight gradient need the same ones: the input (forward, weight gradient) and the
# output gradient (both gradients). ``Conv2d`` prepares each once and passes it along.
def prepare_input(x, weight_shape, padding, groups):
    """The input as the forward and weight-gradient kernels read it (None: nothing to share)."""
    _, cg, kh, kw = weight_shape
    if _is_direct(cg, groups):
        return _group_minor(x, groups)
    if _is_pointwise(kh, kw, padding):
        return None  # reads a strided slice of x, which differs per use
    return _padded_channels_last(x, padding)


def prepare_grad(grad_out, weight_shape, groups):
    """The output gradient as both gradient kernels read it."""
    if _is_direct(weight_shape[1], groups):
        return _group_minor(grad_out, groups)
    return _channels_last(grad_out)


# ----------------------------------------------------------------------------- forward
def conv2d(x, weight, bias, stride, padding, dilation, groups, prepared_input=None):
    xp = _xp(x)
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    out_h = _out_size(h, padding[0], padding[1], kh, stride[0], dilation[0])
    out_w = _out_size(w, padding[2], padding[3], kw, stride[1], dilation[1])

    if _is_direct(cg, groups):
        og = c_out // groups
        grouped = xp.empty((n, out_h, out_w, og, groups), dtype=x.dtype)
        xin = _group_minor(x, groups) if prepared_input is None else prepared_input
        # the bias starts each sum, in the kernels' (Og, G) order
        bias_mg = xp.zeros((og, groups), x.dtype) if bias is None else xp.ascontiguousarray(
            bias.reshape(groups, og).T)
        in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
        lookup("direct_forward", x)(xin, _direct_weights(weight, groups), bias_mg, grouped,
                                    xp.asarray(in_rows), xp.asarray(in_cols))
        return _from_group_minor(grouped, _is_channels_last(x))
    out = xp.empty((n, out_h, out_w, c_out), dtype=x.dtype)
    if _is_pointwise(kh, kw, padding):
        xs = x[:, :, ::stride[0], ::stride[1]][:, :, :out_h, :out_w]
        a = _channels_last(xs).reshape(-1, groups, cg)
        _grouped_matmul(a, _weight_matrix(weight, groups), out.reshape(-1, groups, c_out // groups))
    else:
        xpad = _padded_channels_last(x, padding) if prepared_input is None else prepared_input
        wmat = _weight_matrix(weight, groups)
        per_image = out_h * out_w * kh * kw * c * x.dtype.itemsize
        im2col = lookup("im2col", x)
        for start, stop in _chunks(n, per_image):
            cols = _workspace((stop - start, out_h, out_w, groups, kh, kw, cg), x.dtype, xp)
            im2col(xpad[start:stop], cols, stride, dilation)
            rows = cols.reshape(-1, groups, kh * kw * cg)
            _grouped_matmul(rows, wmat, out[start:stop].reshape(-1, groups, c_out // groups))
    if bias is not None:
        out += bias
    return _as_nchw(out, _is_channels_last(x))


# ------------------------------------------------------------------ input gradient
def conv2d_input_grad(grad_out, weight, input_hw, stride, padding, dilation, groups, prepared_grad=None):
    """Also ``conv_transpose2d``: the adjoint of ``conv2d`` with respect to its input."""
    xp = _xp(grad_out)
    n, c_out, out_h, out_w = grad_out.shape
    _, cg, kh, kw = weight.shape
    c = cg * groups
    h, w = input_hw
    hp, wp = h + padding[0] + padding[1], w + padding[2] + padding[3]
    keep = _is_channels_last(grad_out)  # the gradient comes back in the upstream's format

    if _is_direct(cg, groups):
        dx = xp.empty((n, h, w, cg, groups), dtype=grad_out.dtype)
        gin = _group_minor(grad_out, groups) if prepared_grad is None else prepared_grad
        _, _, out_rows, out_cols = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
        lookup("direct_input_grad", grad_out)(gin, _direct_weights(weight, groups), dx,
                                              xp.asarray(out_rows), xp.asarray(out_cols))
        return _from_group_minor(dx, keep)
    gy = _channels_last(grad_out) if prepared_grad is None else prepared_grad
    if _is_pointwise(kh, kw, padding):
        wmat = _weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, Cg)
        rows = xp.empty((n * out_h * out_w, groups, cg), dtype=grad_out.dtype)
        _grouped_matmul(gy.reshape(-1, groups, c_out // groups), wmat, rows)
        rows = rows.reshape(n, out_h, out_w, c)
        if stride == (1, 1) and (out_h, out_w) == (h, w):
            return _as_nchw(rows, keep)
        dxpad = xp.zeros((n, h, w, c), dtype=grad_out.dtype)
        dxpad[:, :out_h * stride[0]:stride[0], :out_w * stride[1]:stride[1], :] = rows
        return _as_nchw(dxpad, keep)
    else:
        wmat = _weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, KH*KW*Cg)
        dxpad = xp.empty((n, hp, wp, c), dtype=grad_out.dtype)  # col2im overwrites it
        per_image = out_h * out_w * kh * kw * c * grad_out.dtype.itemsize
        col2im = lookup("col2im", grad_out)
        for start, stop in _chunks(n, per_image):
            cols = _workspace((stop - start, out_h, out_w, groups, kh, kw, cg), grad_out.dtype, xp)
            _grouped_matmul(gy[start:stop].reshape(-1, groups, c_out // groups), wmat,
                            cols.reshape(-1, groups, kh * kw * cg))
            col2im(cols, dxpad[start:stop], stride, dilation)
    return _as_nchw(dxpad[:, padding[0]:hp - padding[1], padding[2]:wp - padding[3], :], keep)


# ----------------------------------------------------------------- weight gradient
def conv2d_weight_grad(x, grad_out, weight_shape, stride, padding, dilation, groups, prepared_input=None,
                       prepared_grad=None):
    xp = _xp(x)
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight_shape
    out_h, out_w = grad_out.shape[2:]
    if _is_direct(cg, groups):
        og = c_out // groups
        partial = xp.empty((n, kh, kw, cg, og, groups), dtype=x.dtype)
        xin = _group_minor(x, groups) if prepared_input is None else prepared_input
        gin = _group_minor(grad_out, groups) if prepared_grad is None else prepared_grad
        in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
        lookup("direct_weight_grad", x)(xin, gin, partial, xp.asarray(in_rows), xp.asarray(in_cols))
        # (KH, KW, Cg, Og, G) summed over images in order -> (G*Og, Cg, KH, KW)
        summed = partial.sum(axis=0).transpose(4, 3, 2, 0, 1)
        return xp.ascontiguousarray(summed).reshape(c_out, cg, kh, kw)
    gy = _channels_last(grad_out) if prepared_grad is None else prepared_grad

    gy_rows = gy.reshape(-1, groups, c_out // groups).transpose(1, 2, 0)  # (G, C_out/G, M)
    if _is_pointwise(kh, kw, padding):
        xs = x[:, :, ::stride[0], ::stride[1]][:, :, :out_h, :out_w]
        a = _channels_last(xs).reshape(-1, groups, cg).transpose(1, 0, 2)  # (G, M, Cg)
        dw = xp.matmul(gy_rows, a)  # (G, C_out/G, Cg)
        return dw.reshape(c_out, cg, 1, 1)

    xpad = _padded_channels_last(x, padding) if prepared_input is None else prepared_input
    dw = xp.zeros((groups, c_out // groups, kh * kw * cg), dtype=x.dtype)
    per_image = out_h * out_w * kh * kw * c * x.dtype.itemsize
    im2col = lookup("im2col", x)
    rows_per_image = out_h * out_w
    for start, stop in _chunks(n, per_image):
        cols = _workspace((stop - start, out_h, out_w, groups, kh, kw, cg), x.dtype, xp)
        im2col(xpad[start:stop], cols, stride, dilation)
        rows = cols.reshape(-1, groups, kh * kw * cg).transpose(1, 0, 2)  # (G, m, K)
        dw += xp.matmul(gy_rows[:, :, start * rows_per_image:stop * rows_per_image], rows)
    # (G, C_out/G, KH, KW, Cg) -> (C_out, Cg, KH, KW)
    return xp.ascontiguousarray(dw.reshape(groups, c_out // groups, kh, kw, cg).transpose(0, 1, 4, 2, 3)).reshape(
        c_out, cg, kh, kw)
