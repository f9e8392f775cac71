"""The layouts the convolution routes read and write, and the conversions to and from the
public NCHW layout. Array-API code: NumPy and CuPy alike.

* Channels-last inside. An NHWC image makes every im2col copy a contiguous run of
  channels, and a GEMM's result (pixels x channels) is the output in NHWC.
* Results keep the memory format the plan recorded (the convolution's input's, as
  PyTorch): contiguous NCHW by default (one copy back, so that ``y.view(n, -1)`` works),
  and for channels_last inputs free NCHW views of the NHWC result, which the next
  convolution reads with no copy. The copy back cost 6% on a dense 3x3 layer and 38% on a
  depthwise one, measured side by side.
* Group-minor for the direct kernels: channel c of group g stored at c * G + g, so that
  every inner loop runs over all G groups (see ``cpu.py``); for a depthwise layer that is
  plain channels-last.
"""

from __future__ import annotations

from ...backend import xp_of


def laid_out_shape(kind, nchw_shape, plan):
    """The shape of an (N, C, H, W) array laid out as a route reads it: ``kind`` is the
    route's ``INPUT_LAYOUT`` or ``GRAD_LAYOUT`` (what its ``input_layout``/``grad_layout`` make)."""
    n, c, h, w = nchw_shape
    if kind == "nchw":
        return tuple(nchw_shape)
    if kind == "nhwc":
        return n, h, w, c
    if kind == "padded nhwc":
        top, bottom, left, right = plan.padding
        return n, h + top + bottom, w + left + right, c
    if kind == "strided nhwc":  # the positions a 1x1 kernel reads
        return (n,) + tuple(plan.output_hw) + (c,)
    if kind == "group-minor":
        return n, h, w, c // plan.groups, plan.groups
    raise ValueError(f"laid_out_shape: unknown layout {kind!r}")


def channels_last(x):
    """(N, C, H, W) -> a C-contiguous (N, H, W, C) array (free when x is an NCHW view of
    channels-last memory, as our own results are)."""
    return xp_of(x).ascontiguousarray(x.transpose(0, 2, 3, 1))


def padded_channels_last(x, padding):
    """Zero-padded channels-last copy of an NCHW image: layout change and padding in one
    pass. Only the border is zeroed (zeroing the whole buffer first cost as much again)."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    if not any(padding):
        return channels_last(x)
    xpad = xp.empty((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    xpad[:, :top] = 0
    xpad[:, top + h:] = 0
    xpad[:, top:top + h, :left] = 0
    xpad[:, top:top + h, left + w:] = 0
    xpad[:, top:top + h, left:left + w, :] = x.transpose(0, 2, 3, 1)
    return xpad


def empty_output(plan, like, *minor):
    """An uninitialised channels-last output of the planned call, (N, OH, OW) + ``minor``
    (default (C_out,)), on ``like``'s device and in its dtype."""
    minor = minor or (plan.weight_shape[0],)
    return xp_of(like).empty((plan.input_shape[0],) + tuple(plan.output_hw) + minor, dtype=like.dtype)


def as_nchw(nhwc, channels_last_result):
    """The NCHW result of an NHWC buffer, in the planned memory format: a plain contiguous
    copy by default (so that ``y.view(n, -1)`` works), a free view when channels_last."""
    view = nhwc.transpose(0, 3, 1, 2)
    return view if channels_last_result else xp_of(nhwc).ascontiguousarray(view)


def group_minor(x, groups):
    """NCHW (N, G*Cg, H, W) -> group-minor (N, H, W, Cg, G): free for a depthwise layer's
    channels_last tensor, one copy otherwise."""
    n, c, h, w = x.shape
    return xp_of(x).ascontiguousarray(x.reshape(n, groups, c // groups, h, w).transpose(0, 3, 4, 2, 1))


def from_group_minor(array, channels_last_result):
    """(N, H, W, O, G) group-minor -> NCHW (N, G*O, H, W), in the planned memory format."""
    xp = xp_of(array)
    n, h, w, per_group, groups = array.shape
    nhwc = array.transpose(0, 1, 2, 4, 3)  # channel g * O + m
    if per_group == 1 or not channels_last_result:
        if channels_last_result:
            return nhwc.reshape(n, h, w, groups).transpose(0, 3, 1, 2)
        return xp.ascontiguousarray(array.transpose(0, 4, 3, 1, 2)).reshape(n, groups * per_group, h, w)
    return xp.ascontiguousarray(nhwc).reshape(n, h, w, groups * per_group).transpose(0, 3, 1, 2)


def weight_matrix(weight, groups):
    """(C_out, Cg, KH, KW) -> (G, KH*KW*Cg, C_out/G), rows ordered as im2col's columns.

    It is the transposed view of a C-contiguous (G, C_out/G, KH*KW*Cg) copy: keeping C_out
    outermost makes the copy a short shuffle within each output channel's filter (0.9 ms
    for a 512-channel 3x3 weight, against 8.7 ms to move C_out innermost), and BLAS reads
    a transposed operand as it is. The input gradient wants exactly the untransposed copy.
    """
    c_out, cg, kh, kw = weight.shape
    w = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2)
    return xp_of(weight).ascontiguousarray(w).reshape(groups, c_out // groups, kh * kw * cg).transpose(0, 2, 1)


def filters_from_rows(dw, weight_shape, groups):
    """(G, C_out/G, KH*KW*Cg), im2col's column order -> (C_out, Cg, KH, KW)."""
    c_out, cg, kh, kw = weight_shape
    blocks = dw.reshape(groups, c_out // groups, kh, kw, cg).transpose(0, 1, 4, 2, 3)
    return xp_of(dw).ascontiguousarray(blocks).reshape(c_out, cg, kh, kw)


def direct_weights(weight, groups):
    """(G*Og, Cg, KH, KW) -> (KH, KW, Cg, Og, G) contiguous, the direct kernels' layout."""
    c_out, cg, kh, kw = weight.shape
    w = weight.reshape(groups, c_out // groups, cg, kh, kw).transpose(3, 4, 2, 1, 0)
    return xp_of(weight).ascontiguousarray(w)
