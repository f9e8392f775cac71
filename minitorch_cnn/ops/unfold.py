"""``F.unfold`` (im2col as a user-facing op) and its adjoint ``F.fold`` (col2im), as
PyTorch's.

``unfold`` turns an (N, C, H, W) input into (N, C·kH·kW, L) columns, one per sliding
window position (L of them, row-major); ``fold`` adds columns back into an image, summing
where windows overlap. Each is the other's adjoint, so each one's backward is the other,
and higher derivatives follow. This framework's convolutions are built on the same idea
(``kernels/conv``); these two are the readable array version, one strided slice per kernel
offset, on NumPy or CuPy alike.
"""

from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..errors import ShapeError
from ..tensor import Tensor
from .common import as_operand, int_tuple


def _window_count(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _offset_slices(i, j, geometry, out_hw):
    (kh, kw), (dh, dw), _, (sh, sw) = geometry
    oh, ow = out_hw
    return (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _unfold_array(x, geometry):
    (kh, kw), dilation, (ph, pw), stride = geometry
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    out_hw = (_window_count(h, kh, dilation[0], ph, stride[0]), _window_count(w, kw, dilation[1], pw, stride[1]))
    padded = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    columns = xp.empty((n, c, kh, kw) + out_hw, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = _offset_slices(i, j, geometry, out_hw)
            columns[:, :, i, j] = padded[:, :, rows, cols]
    return columns.reshape(n, c * kh * kw, out_hw[0] * out_hw[1])


def _fold_array(columns, output_size, geometry):
    (kh, kw), dilation, (ph, pw), stride = geometry
    xp = backend.xp_of(columns)
    n = columns.shape[0]
    c = columns.shape[1] // (kh * kw)
    h, w = output_size
    out_hw = (_window_count(h, kh, dilation[0], ph, stride[0]), _window_count(w, kw, dilation[1], pw, stride[1]))
    blocks = columns.reshape((n, c, kh, kw) + out_hw)
    padded = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=columns.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = _offset_slices(i, j, geometry, out_hw)
            padded[:, :, rows, cols] += blocks[:, :, i, j]  # one offset's windows never overlap
    return xp.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w])


class Unfold(Function):
    @staticmethod
    def forward(ctx, x, geometry):
        ctx.size, ctx.geometry = x.shape[2:], geometry
        return _unfold_array(x, geometry)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.size, ctx.geometry), None


class Fold(Function):
    @staticmethod
    def forward(ctx, columns, output_size, geometry):
        ctx.geometry = geometry
        return _fold_array(columns, output_size, geometry)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.geometry), None, None


def _geometry(kernel_size, dilation, padding, stride):
    return (int_tuple(kernel_size, 2, "kernel_size", 1), int_tuple(dilation, 2, "dilation", 1),
            int_tuple(padding, 2, "padding", 0), int_tuple(stride, 2, "stride", 1))


def _batched(input, fn, ndims):
    input = as_operand(input, "input")
    if not isinstance(input, Tensor) or input.ndim not in ndims:
        got = input.ndim if isinstance(input, Tensor) else type(input).__name__
        raise ShapeError(f"{fn}: Expected {ndims[0]}D (unbatched) or {ndims[1]}D (batched) input, got {got}")
    return input, input.ndim == ndims[0]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding windows of an (N, C, H, W) (or (C, H, W)) input as columns:
    (N, C·kH·kW, L), L = the number of window positions."""
    input, unbatched = _batched(input, "unfold", (3, 4))
    geometry = _geometry(kernel_size, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    h, w = input.shape[-2:]
    if _window_count(h, kh, dh, ph, sh) < 1 or _window_count(w, kw, dw, pw, sw) < 1:
        raise ShapeError(f"unfold: the kernel {kh}x{kw} (dilation {dh}x{dw}) does not fit the padded input "
                         f"{h + 2 * ph}x{w + 2 * pw}")
    x = input.unsqueeze(0) if unbatched else input
    out = Unfold.apply(x, geometry)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C·kH·kW, L) (or (C·kH·kW, L)) summed back into an (N, C, H, W) image of
    ``output_size``; overlapping windows add up. ``fold(unfold(x))`` is x times the number of
    windows covering each pixel."""
    input, unbatched = _batched(input, "fold", (2, 3))
    geometry = _geometry(kernel_size, dilation, padding, stride)
    output_size = int_tuple(output_size, 2, "output_size", 1)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geometry
    x = input.unsqueeze(0) if unbatched else input
    if x.shape[1] % (kh * kw):
        raise ShapeError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                         f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={(kh, kw)}")
    blocks = _window_count(output_size[0], kh, dh, ph, sh) * _window_count(output_size[1], kw, dw, pw, sw)
    if blocks < 1 or x.shape[2] != blocks:
        raise ShapeError(f"fold: Given output_size={output_size}, kernel_size={(kh, kw)}, dilation={(dh, dw)}, "
                         f"padding={(ph, pw)}, stride={(sh, sw)}, expected size of input's dimension 2 to match "
                         f"the calculated number of sliding blocks {blocks}, but got input.size(2)={x.shape[2]}")
    out = Fold.apply(x, output_size, geometry)
    return out.squeeze(0) if unbatched else out
