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
* The buffer is reused from call to call (per thread; ``gemm.workspace``).
* On NumPy with OpenBLAS, the dense path runs as per-core pipelines instead of chunks
  (``conv_pipeline.py``), and 3x3 stride-1 layers as Winograd F(2x2, 3x3) on them
  (``winograd.py``); ``_dense_route`` chooses. The chunked path stays for CuPy, for other
  BLAS libraries (whose threads we cannot hand to the pipelines), and for GEMMs with few
  rows for their width.
"""

from __future__ import annotations

import numpy as np

from . import conv_pipeline, lookup, winograd
from ..backend import xp_of
from .gemm import grouped_matmul, workspace
from .taps import tap_tables

_budget = 16 * 2**20


def memory_budget() -> int:
    """Bytes the im2col buffer of one chunk may use."""
    return _budget


def set_memory_budget(nbytes: int) -> None:
    global _budget
    if not isinstance(nbytes, (int, np.integer)) or nbytes <= 0:
        raise ValueError(f"set_memory_budget: nbytes must be a positive int, got {nbytes!r}")
    _budget = int(nbytes)


def _out_size(size, before, after, k, s, d):
    return (size + before + after - d * (k - 1) - 1) // s + 1


# the per-core pipelines take GEMMs with at least this many rows per core per im2col
# column (the tests set 0 to send every dense case through them)
PIPELINE_MIN_ROWS_PER_COLUMN = 1


def _dense_route(array, n_images, out_hw, weight_shape, stride, dilation, groups):
    """How the dense path runs: ("winograd" or "pipelines", cores) on the per-core
    pipelines, or ("chunks", None). CuPy arrays, and BLAS libraries whose threads we
    cannot take, get the chunks; so do GEMMs with fewer rows per core than columns in the
    im2col buffer: their weight matrix outweighs the rest, and one GEMM threaded by
    OpenBLAS reads it once instead of once per core (measured on ResNet-18's 512-channel
    4x4 layer on im2col, 512 rows of 4608: 33.6 against 36.2 ms forward+backward; that
    layer now takes Winograd, split by channels)."""
    c_out, cg, kh, kw = weight_shape
    cores = conv_pipeline.workers() if isinstance(array, np.ndarray) else None
    if not cores:
        return "chunks", None
    if winograd.applies((kh, kw), stride, dilation, groups, cg * groups, c_out, n_images, out_hw):
        return "winograd", cores
    if n_images * out_hw[0] * out_hw[1] < PIPELINE_MIN_ROWS_PER_COLUMN * cores * kh * kw * cg:
        return "chunks", None
    return "pipelines", cores


def _step(cores):
    """Bytes of im2col columns one pipeline takes at a time: its share of the budget."""
    return max(1, _budget // cores)


def _chunks(n_images, per_image_bytes):
    step = max(1, min(n_images, _budget // max(per_image_bytes, 1)))
    return [(start, min(start + step, n_images)) for start in range(0, n_images, step)]


def _channels_last(x):
    """(N, C, H, W) -> a C-contiguous (N, H, W, C) array (free when x is an NCHW view of
    channels-last memory, as our own results are)."""
    return xp_of(x).ascontiguousarray(x.transpose(0, 2, 3, 1))


def _padded_channels_last(x, padding):
    """Zero-padded channels-last copy of an NCHW image: layout change and padding in one
    pass. Only the border is zeroed (zeroing the whole buffer first cost as much again)."""
    xp = xp_of(x)
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


def _dense_input(x, padding, prepared, padded):
    """The channels-last input the dense path reads: zero-padded for the chunks, unpadded
    for the pipelines (they read it through tap tables). ``prepared`` is used when it is
    the one wanted (the path cannot change between forward and backward, but be sure)."""
    n, c, h, w = x.shape
    wanted = (n, h + padding[0] + padding[1], w + padding[2] + padding[3], c) if padded else (n, h, w, c)
    if prepared is not None and prepared.shape == wanted:
        return prepared
    return _padded_channels_last(x, padding) if padded else _channels_last(x)


def _is_channels_last(x):
    """An NCHW-shaped array whose memory is NHWC (PyTorch's channels_last format)."""
    return not x.flags.c_contiguous and x.transpose(0, 2, 3, 1).flags.c_contiguous


def _as_nchw(nhwc, channels_last):
    """The NCHW result, in the memory format of the input, as PyTorch does: plain
    contiguous NCHW by default (so that ``y.view(n, -1)`` works), and a free NCHW view of
    the NHWC buffer when the input was channels_last."""
    view = nhwc.transpose(0, 3, 1, 2)
    return view if channels_last else xp_of(nhwc).ascontiguousarray(view)


def _weight_matrix(weight, groups):
    """(C_out, Cg, KH, KW) -> (G, KH*KW*Cg, C_out/G), rows ordered as im2col's columns.

    It is the transposed view of a C-contiguous (G, C_out/G, KH*KW*Cg) copy: keeping C_out
    outermost makes the copy a short shuffle within each output channel's filter (0.9 ms
    for a 512-channel 3x3 weight, against 8.7 ms to move C_out innermost), and BLAS reads
    a transposed operand as it is. The input gradient wants exactly the untransposed copy.
    """
    c_out, cg, kh, kw = weight.shape
    w = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2)
    return xp_of(weight).ascontiguousarray(w).reshape(groups, c_out // groups, kh * kw * cg).transpose(0, 2, 1)


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
    return xp_of(weight).ascontiguousarray(w)


def _group_minor(x, groups):
    """NCHW (N, G*Cg, H, W) -> group-minor (N, H, W, Cg, G): free for a depthwise layer's
    channels_last tensor, one copy otherwise."""
    n, c, h, w = x.shape
    return xp_of(x).ascontiguousarray(x.reshape(n, groups, c // groups, h, w).transpose(0, 3, 4, 2, 1))


def _direct_tables(in_hw, out_hw, kernel, stride, padding, dilation):
    """(in_rows, in_cols, out_rows, out_cols) for the direct kernels."""
    rows = tap_tables(in_hw[0], out_hw[0], kernel[0], stride[0], padding[0], dilation[0])
    cols = tap_tables(in_hw[1], out_hw[1], kernel[1], stride[1], padding[2], dilation[1])
    return rows[0], cols[0], rows[1], cols[1]


def _from_group_minor(array, channels_last):
    """(N, H, W, O, G) group-minor -> NCHW (N, G*O, H, W), in the requested memory format."""
    xp = xp_of(array)
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
def prepare_input(x, weight_shape, stride, padding, dilation, groups):
    """The input as the forward and weight-gradient kernels read it (None: nothing to share)."""
    _, cg, kh, kw = weight_shape
    if _is_direct(cg, groups):
        return _group_minor(x, groups)
    if _is_pointwise(kh, kw, padding):
        return None  # reads a strided slice of x, which differs per use
    out_hw = (_out_size(x.shape[2], padding[0], padding[1], kh, stride[0], dilation[0]),
              _out_size(x.shape[3], padding[2], padding[3], kw, stride[1], dilation[1]))
    route, _ = _dense_route(x, x.shape[0], out_hw, weight_shape, stride, dilation, groups)
    return _dense_input(x, padding, None, padded=route == "chunks")


def prepare_grad(grad_out, weight_shape, groups):
    """The output gradient as both gradient kernels read it."""
    if _is_direct(weight_shape[1], groups):
        return _group_minor(grad_out, groups)
    return _channels_last(grad_out)


# ----------------------------------------------------------------------------- forward
def conv2d(x, weight, bias, stride, padding, dilation, groups, prepared_input=None):
    xp = xp_of(x)
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
        grouped_matmul(a, _weight_matrix(weight, groups), out.reshape(-1, groups, c_out // groups))
    else:
        route, cores = _dense_route(x, n, (out_h, out_w), weight.shape, stride, dilation, groups)
        if route == "winograd":
            winograd.forward(_dense_input(x, padding, prepared_input, padded=False), weight, bias, out, padding,
                             cores, _step(cores))
            return _as_nchw(out, _is_channels_last(x))
        wmat = _weight_matrix(weight, groups)
        if route == "pipelines":
            in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
            conv_pipeline.forward(_dense_input(x, padding, prepared_input, padded=False), wmat, bias, out,
                                  in_rows, in_cols, (kh, kw), groups, cores, _step(cores))
            return _as_nchw(out, _is_channels_last(x))
        xpad = _dense_input(x, padding, prepared_input, padded=True)
        per_image = out_h * out_w * kh * kw * c * x.dtype.itemsize
        im2col = lookup("im2col", x)
        for start, stop in _chunks(n, per_image):
            cols = workspace((stop - start, out_h, out_w, groups, kh, kw, cg), x.dtype, xp)
            im2col(xpad[start:stop], cols, stride, dilation)
            rows = cols.reshape(-1, groups, kh * kw * cg)
            grouped_matmul(rows, wmat, out[start:stop].reshape(-1, groups, c_out // groups))
    if bias is not None:
        out += bias
    return _as_nchw(out, _is_channels_last(x))


# ------------------------------------------------------------------ input gradient
def conv2d_input_grad(grad_out, weight, input_hw, stride, padding, dilation, groups, prepared_grad=None):
    """Also ``conv_transpose2d``: the adjoint of ``conv2d`` with respect to its input."""
    xp = xp_of(grad_out)
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
        grouped_matmul(gy.reshape(-1, groups, c_out // groups), wmat, rows)
        rows = rows.reshape(n, out_h, out_w, c)
        if stride == (1, 1) and (out_h, out_w) == (h, w):
            return _as_nchw(rows, keep)
        dxpad = xp.zeros((n, h, w, c), dtype=grad_out.dtype)
        dxpad[:, :out_h * stride[0]:stride[0], :out_w * stride[1]:stride[1], :] = rows
        return _as_nchw(dxpad, keep)
    else:
        route, cores = _dense_route(grad_out, n, (out_h, out_w), weight.shape, stride, dilation, groups)
        if route == "winograd":
            dx = xp.empty((n, h, w, c), dtype=grad_out.dtype)  # the pipelines zero it
            winograd.input_grad(gy, weight, dx, padding, cores, _step(cores))
            return _as_nchw(dx, keep)
        wmat = _weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, KH*KW*Cg)
        if route == "pipelines":
            dx = xp.empty((n, h, w, c), dtype=grad_out.dtype)  # the pipelines zero it
            in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
            conv_pipeline.gradients(None, gy, wmat, dx, in_rows, in_cols, (kh, kw), groups, cores, _step(cores))
            return _as_nchw(dx, keep)
        dxpad = xp.empty((n, hp, wp, c), dtype=grad_out.dtype)  # col2im overwrites it
        per_image = out_h * out_w * kh * kw * c * grad_out.dtype.itemsize
        col2im = lookup("col2im", grad_out)
        for start, stop in _chunks(n, per_image):
            cols = workspace((stop - start, out_h, out_w, groups, kh, kw, cg), grad_out.dtype, xp)
            grouped_matmul(gy[start:stop].reshape(-1, groups, c_out // groups), wmat,
                            cols.reshape(-1, groups, kh * kw * cg))
            col2im(cols, dxpad[start:stop], stride, dilation)
    return _as_nchw(dxpad[:, padding[0]:hp - padding[1], padding[2]:wp - padding[3], :], keep)


# ----------------------------------------------------------------- weight gradient
def conv2d_weight_grad(x, grad_out, weight_shape, stride, padding, dilation, groups, prepared_input=None,
                       prepared_grad=None):
    xp = xp_of(x)
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
    if _is_pointwise(kh, kw, padding):
        gy_rows = gy.reshape(-1, groups, c_out // groups).transpose(1, 2, 0)  # (G, C_out/G, M)
        xs = x[:, :, ::stride[0], ::stride[1]][:, :, :out_h, :out_w]
        a = _channels_last(xs).reshape(-1, groups, cg).transpose(1, 0, 2)  # (G, M, Cg)
        dw = xp.matmul(gy_rows, a)  # (G, C_out/G, Cg)
        return dw.reshape(c_out, cg, 1, 1)

    route, cores = _dense_route(x, n, (out_h, out_w), weight_shape, stride, dilation, groups)
    if route == "winograd":
        return winograd.weight_grad(_dense_input(x, padding, prepared_input, padded=False), gy, padding, cores,
                                    _step(cores))
    if route == "pipelines":
        in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
        dw = conv_pipeline.gradients(_dense_input(x, padding, prepared_input, padded=False), gy, None, None,
                                     in_rows, in_cols, (kh, kw), groups, cores, _step(cores))
    else:
        dw = _chunked_weight_grad(_dense_input(x, padding, prepared_input, padded=True), gy, (kh, kw), groups,
                                  stride, dilation)
    return _weight_from_rows(dw, weight_shape, groups)


def _weight_from_rows(dw, weight_shape, groups):
    """(G, C_out/G, KH*KW*Cg), im2col's column order -> (C_out, Cg, KH, KW)."""
    c_out, cg, kh, kw = weight_shape
    blocks = dw.reshape(groups, c_out // groups, kh, kw, cg).transpose(0, 1, 4, 2, 3)
    return xp_of(dw).ascontiguousarray(blocks).reshape(c_out, cg, kh, kw)


def _chunked_weight_grad(xpad, gy, kernel, groups, stride, dilation):
    """(G, C_out/G, KH*KW*Cg): the sum of gy^T @ im2col(xpad), chunk by chunk."""
    xp = xp_of(xpad)
    n, out_h, out_w, c_out = gy.shape
    kh, kw = kernel
    cg = xpad.shape[3] // groups
    gy_rows = gy.reshape(-1, groups, c_out // groups).transpose(1, 2, 0)  # (G, C_out/G, M)
    dw = xp.empty((groups, c_out // groups, kh * kw * cg), dtype=xpad.dtype)
    per_image = out_h * out_w * kh * kw * xpad.shape[3] * xpad.dtype.itemsize
    im2col = lookup("im2col", xpad)
    rows_per_image = out_h * out_w
    for start, stop in _chunks(n, per_image):
        cols = workspace((stop - start, out_h, out_w, groups, kh, kw, cg), xpad.dtype, xp)
        im2col(xpad[start:stop], cols, stride, dilation)
        rows = cols.reshape(-1, groups, kh * kw * cg).transpose(1, 0, 2)  # (G, m, K)
        product = gy_rows[:, :, start * rows_per_image:stop * rows_per_image]
        if start == 0:  # the first chunk's product is the sum so far (no zeroing, no add)
            xp.matmul(product, rows, out=dw)
        else:
            dw += xp.matmul(product, rows)
    return dw


# ------------------------------------------------------------------ both gradients
def conv2d_backward(x, grad_out, weight, stride, padding, dilation, groups, prepared_input=None, prepared_grad=None):
    """(input gradient, weight gradient) of ``conv2d``, in one pass on the per-core routes
    (each unit of the output gradient is read, and for Winograd transformed, once for
    both); on the others, the two kernels one after the other."""
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    out_h, out_w = grad_out.shape[2:]
    route = None
    if not _is_direct(cg, groups) and not _is_pointwise(kh, kw, padding):
        route, cores = _dense_route(x, n, (out_h, out_w), weight.shape, stride, dilation, groups)
    if route not in ("winograd", "pipelines"):
        return (conv2d_input_grad(grad_out, weight, (h, w), stride, padding, dilation, groups, prepared_grad),
                conv2d_weight_grad(x, grad_out, weight.shape, stride, padding, dilation, groups, prepared_input,
                                   prepared_grad))
    gy = _channels_last(grad_out) if prepared_grad is None else prepared_grad
    xin = _dense_input(x, padding, prepared_input, padded=False)
    dx = np.empty((n, h, w, c), dtype=grad_out.dtype)  # the pipelines zero it
    if route == "winograd":
        dw = winograd.gradients(xin, gy, weight, dx, padding, cores, _step(cores))
    else:
        in_rows, in_cols, _, _ = _direct_tables((h, w), (out_h, out_w), (kh, kw), stride, padding, dilation)
        wmat = _weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, KH*KW*Cg)
        dw = _weight_from_rows(conv_pipeline.gradients(xin, gy, wmat, dx, in_rows, in_cols, (kh, kw), groups, cores,
                                                       _step(cores)), weight.shape, groups)
    return _as_nchw(dx, _is_channels_last(grad_out)), dw
