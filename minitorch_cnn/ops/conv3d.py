"""Volumetric convolution: ``conv3d`` and ``conv_transpose3d``, as ``torch.nn.functional``.

A reference-speed op: no Numba or CUDA kernel of its own. Each kernel offset
(kD·kH·kW of them) contributes one strided slice of the padded input, contracted with
that offset's weight matrix per group by ``xp.einsum``; the same code runs on NumPy and
CuPy through ``backend.xp_of``. That is vol2col without materialising the column buffer,
so memory stays at the size of the input while time grows with the kernel volume.

As in ``ops/conv.py`` for 2-D, three ops close the family under differentiation:

* ``Conv3d``            y  = conv(x, w) (+ b)
* ``ConvTranspose3d``   x' = the adjoint of conv in x (its input gradient)
* ``Conv3dWeight``      w' = d<conv(x, w), g>/dw (its weight gradient, a correlation)

and each one's backward is written with the other two, so double backward works.
Arguments and errors follow PyTorch; every check runs before any arithmetic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .. import backend, kernels
from ..autograd.function import Function
from ..errors import ShapeError
from .common import int_tuple
from .conv import _check_group_count, _check_groups, _check_tensors

_SPATIAL = 3


@dataclass(frozen=True)
class Geometry:
    """What a 3-D convolution does besides its weight: stride, (before, after) padding
    per spatial dim, dilation and groups."""
    stride: tuple
    pads: tuple
    dilation: tuple
    groups: int

    def output_size(self, size, kernel):
        return tuple(kernels.conv_output_size(size[a], kernel[a], self.stride[a], *self.pads[a], self.dilation[a])
                     for a in range(_SPATIAL))

    def windows(self, kernel, counts):
        """For every kernel offset, the slices of the padded input that it meets when the
        output has ``counts`` positions: (offset, index tuple over (N, G, C/G, D, H, W))."""
        for offset in itertools.product(*(range(k) for k in kernel)):
            spatial = tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                            for o, d, s, n in zip(offset, self.dilation, self.stride, counts))
            yield offset, (slice(None),) * 3 + spatial


# ------------------------------------------------------------------ array kernels
def _pad(x, pads):
    return backend.xp_of(x).pad(x, ((0, 0), (0, 0)) + tuple(pads))


def _grouped(a, groups):
    """(N, C, ...) as (N, groups, C/groups, ...)."""
    return a.reshape((a.shape[0], groups, a.shape[1] // groups) + a.shape[2:])


def _forward(x, w, geometry):
    xp = backend.xp_of(x)
    g, kernel = geometry.groups, w.shape[2:]
    counts = geometry.output_size(x.shape[2:], kernel)
    padded = _grouped(_pad(x, geometry.pads), g)
    weight = w.reshape((g, w.shape[0] // g) + w.shape[1:])  # (G, O/G, C/G, kD, kH, kW)
    out = xp.zeros((x.shape[0], g, w.shape[0] // g) + counts, dtype=x.dtype)
    for offset, where in geometry.windows(kernel, counts):
        out += xp.einsum("ngcdhw,goc->ngodhw", padded[where], weight[(Ellipsis,) + offset])
    return out.reshape((x.shape[0], w.shape[0]) + counts)


def _input_grad(y, w, geometry, in_size):
    """The adjoint of ``_forward`` in x, for an input of spatial size ``in_size``; ``y``
    may cover fewer positions than the convolution computes (the rest count as zero)."""
    xp = backend.xp_of(y)
    g, kernel = geometry.groups, w.shape[2:]
    n, channels = y.shape[0], w.shape[1] * g
    padded_size = tuple(s + before + after for s, (before, after) in zip(in_size, geometry.pads))
    grad = xp.zeros((n, g, channels // g) + padded_size, dtype=y.dtype)
    y_grouped = _grouped(y, g)
    weight = w.reshape((g, w.shape[0] // g) + w.shape[1:])
    for offset, where in geometry.windows(kernel, y.shape[2:]):
        grad[where] += xp.einsum("ngodhw,goc->ngcdhw", y_grouped, weight[(Ellipsis,) + offset])
    inside = tuple(slice(before, before + s) for s, (before, _) in zip(in_size, geometry.pads))
    return xp.ascontiguousarray(grad.reshape((n, channels) + padded_size)[(slice(None), slice(None)) + inside])


def _weight_grad(x, y, geometry, kernel):
    """d<conv(x, w), y>/dw: for each offset, the correlation of the input slice it meets
    with ``y`` (which may cover fewer positions than the convolution computes)."""
    xp = backend.xp_of(x)
    g = geometry.groups
    padded = _grouped(_pad(x, geometry.pads), g)
    y_grouped = _grouped(y, g)
    out = xp.empty((g, y.shape[1] // g, x.shape[1] // g) + tuple(kernel), dtype=x.dtype)
    for offset, where in geometry.windows(kernel, y.shape[2:]):
        out[(Ellipsis,) + offset] = xp.einsum("ngcdhw,ngodhw->goc", padded[where], y_grouped)
    return out.reshape((y.shape[1], x.shape[1] // g) + tuple(kernel))


# ------------------------------------------------------------------ the three ops
class Conv3d(Function):
    @staticmethod
    def forward(ctx, x, w, b, geometry):
        ctx.save_for_backward(x, w)
        ctx.geometry = geometry
        out = _forward(x, w, geometry)
        if b is not None:
            out += b.reshape(1, -1, 1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        geometry, needs = ctx.geometry, ctx.needs_input_grad
        gx = ConvTranspose3d.apply(grad, w, geometry, x.shape[2:]) if needs[0] else None
        gw = Conv3dWeight.apply(x, grad, geometry, w.shape[2:]) if needs[1] else None
        gb = grad.sum((0, 2, 3, 4)) if needs[2] else None
        return gx, gw, gb, None


class ConvTranspose3d(Function):
    """The adjoint of ``Conv3d`` in its input: an output-shaped ``y`` mapped back to an
    input of spatial size ``in_size``, with the same weight."""

    @staticmethod
    def forward(ctx, y, w, geometry, in_size):
        ctx.save_for_backward(y, w)
        ctx.geometry = geometry
        return _input_grad(y, w, geometry, tuple(in_size))

    @staticmethod
    def backward(ctx, grad):
        y, w = ctx.saved_tensors
        geometry, needs = ctx.geometry, ctx.needs_input_grad
        gy = _crop(Conv3d.apply(grad, w, None, geometry), y.shape) if needs[0] else None
        gw = Conv3dWeight.apply(grad, y, geometry, w.shape[2:]) if needs[1] else None
        return gy, gw, None, None


class Conv3dWeight(Function):
    """The weight gradient of ``Conv3d`` for input ``x`` and output gradient ``g``; linear
    in each, so its backward is a transposed convolution and a convolution."""

    @staticmethod
    def forward(ctx, x, g, geometry, kernel):
        ctx.save_for_backward(x, g)
        ctx.geometry = geometry
        return _weight_grad(x, g, geometry, tuple(kernel))

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        geometry, needs = ctx.geometry, ctx.needs_input_grad
        gx = ConvTranspose3d.apply(g, grad, geometry, x.shape[2:]) if needs[0] else None
        gg = _crop(Conv3d.apply(x, grad, None, geometry), g.shape) if needs[1] else None
        return gx, gg, None, None


def _crop(conv_output, shape):
    """The first ``shape[2:]`` positions: a transposed convolution whose output padding
    reaches past its stride (a larger dilation allows it) has output positions no input
    position reaches, and a convolution over its gradient computes those too."""
    if conv_output.shape[2:] == tuple(shape[2:]):
        return conv_output
    return conv_output[:, :, :shape[2], :shape[3], :shape[4]]


# ------------------------------------------------------------------ argument checking
def _prologue(fn, input, weight, bias, stride, dilation):
    _check_tensors(fn, input, weight, bias, _SPATIAL)
    unbatched = input.ndim == _SPATIAL + 1
    if unbatched:
        input = input.unsqueeze(0)
    return (input, unbatched, int_tuple(stride, _SPATIAL, f"{fn}: stride", 1),
            int_tuple(dilation, _SPATIAL, f"{fn}: dilation", 1))


def _conv3d_geometry(fn, input, weight, bias, stride, padding, dilation, groups):
    """conv3d's checks, in PyTorch's order. Returns (batched input, unbatched, Geometry)."""
    input, unbatched, stride, dilation = _prologue(fn, input, weight, bias, stride, dilation)
    out_channels, channels_per_group = weight.shape[:2]
    kernel = weight.shape[2:]
    _check_groups(fn, groups, input.shape[1], out_channels, channels_per_group, weight.shape, input.shape)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * _SPATIAL
        elif padding == "same":
            if stride != (1,) * _SPATIAL:
                raise ShapeError(f"{fn}: padding='same' is not supported for strided convolutions (stride={stride})")
            pads = kernels.same_padding(kernel, dilation)
        else:
            raise ShapeError(f"{fn}: padding must be 'valid', 'same', an int or a triple, got {padding!r}")
    else:
        pads = tuple((p, p) for p in int_tuple(padding, _SPATIAL, f"{fn}: padding", 0))
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"{fn}: bias must have shape [{out_channels}] (out_channels), got {list(bias.shape)}")
    padded = tuple(s + before + after for s, (before, after) in zip(input.shape[2:], pads))
    reach = tuple(kernels.kernel_span(k, d) for k, d in zip(kernel, dilation))
    if any(p < r for p, r in zip(padded, reach)):
        raise ShapeError(f"{fn}: calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                         f"Kernel size (dilated): ({' x '.join(map(str, reach))}). Kernel size can't be greater "
                         f"than actual input size")
    return input, unbatched, Geometry(stride, tuple(pads), dilation, groups)


# --------------------------------------------------------------------------- public
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input,
    as ``torch.nn.functional.conv3d``; weight (C_out, C_in/groups, kD, kH, kW).

    ``padding`` is an int, a triple, ``"valid"`` or ``"same"`` (stride 1 only; when the
    dilated kernel is even the extra plane/row/column goes at the end, as PyTorch).
    Reference speed: see the module docstring.
    """
    input, unbatched, geometry = _conv3d_geometry("conv3d", input, weight, bias, stride, padding, dilation, groups)
    out = Conv3d.apply(input, weight, bias, geometry)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (the adjoint of conv3d in its input), as
    ``torch.nn.functional.conv_transpose3d``; weight (C_in, C_out/groups, kD, kH, kW).
    Each output size is (in - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1."""
    fn = "conv_transpose3d"
    input, unbatched, stride, dilation = _prologue(fn, input, weight, bias, stride, dilation)
    padding = int_tuple(padding, _SPATIAL, f"{fn}: padding", 0)
    output_padding = int_tuple(output_padding, _SPATIAL, f"{fn}: output_padding", 0)
    in_channels, out_per_group = weight.shape[:2]
    kernel = weight.shape[2:]
    _check_group_count(fn, groups)
    if input.shape[1] != in_channels:
        raise ShapeError(f"{fn}: weight of size {list(weight.shape)} expects input with {in_channels} channels, "
                         f"but got input of shape {list(input.shape)}")
    if in_channels % groups:
        raise ShapeError(f"{fn}: in_channels ({in_channels}) must be divisible by groups ({groups})")
    for a, axis in enumerate(("depth", "height", "width")):
        if output_padding[a] >= max(stride[a], dilation[a]):
            raise ShapeError(f"{fn}: output_padding ({output_padding[a]}) must be smaller than either stride "
                             f"({stride[a]}) or dilation ({dilation[a]}) along the {axis}")
    out_size = tuple(kernels.conv_transpose_output_size(input.shape[2 + a], kernel[a], stride[a], padding[a],
                                                        dilation[a], output_padding[a]) for a in range(_SPATIAL))
    if min(out_size) < 1:
        raise ShapeError(f"{fn}: the output size would be {list(out_size)} for input {list(input.shape)}, kernel "
                         f"{tuple(kernel)}, stride {stride}, padding {padding}: it must be positive")
    out_channels = out_per_group * groups
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"{fn}: bias must have shape [{out_channels}], got {list(bias.shape)}")
    # the adjoint of the conv3d from out_channels to in_channels whose weight this is
    geometry = Geometry(stride, tuple((p, p) for p in padding), dilation, groups)
    out = ConvTranspose3d.apply(input, weight, geometry, out_size)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


__all__ = ["conv3d", "conv_transpose3d"]
