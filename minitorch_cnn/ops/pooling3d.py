"""Volumetric pooling, as ``torch.nn.functional``: ``max_pool3d`` (with indices),
``avg_pool3d`` and ``adaptive_avg_pool3d``, over (N, C, D, H, W) or unbatched (C, D, H, W)
input.

A reference-speed family (no kernels of its own, device-generic through
``backend.xp_of``): each loops over the kD·kH·kW kernel offsets, one strided slice of the
padded input each.

* Max pooling finds the argmax of each window without a gradient (the flat index into
  the D·H·W volume, as PyTorch returns it) and then gathers the values with the 2-D
  family's ``GatherPlanes``, whose backward is ``ScatterAddPlanes``: a volume is a plane of
  D rows of H·W. So double backward works, as for 2-D.
* Average pooling and its adjoint (``AvgPool3d``, ``AvgPool3dAdjoint``) are each other's
  backward.

Output sizes and divisors follow PyTorch, ``ceil_mode`` included (a last window that
would start in the end padding is dropped).
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from .. import backend, kernels
from ..autograd.function import Function
from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor
from .common import int_tuple
from .pooling import GatherPlanes, _adaptive_windows, _window_means, pooling_output_size

_SPATIAL = 3


# ------------------------------------------------------------------ argument checks
def _triple(value, name, fn, minimum):
    return int_tuple(value, _SPATIAL, f"{fn}: {name}", minimum)


def _check_input(fn, input):
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (4, 5):
        raise ShapeError(f"{fn}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {list(input.shape)}")
    if input.dtype.kind != "f":
        raise ArgumentTypeError(f"{fn}: input must be floating point, got {input.dtype}")
    if 0 in input.shape[-4:]:
        raise ShapeError(f"{fn}: input has a zero-size channel or spatial dim: shape {list(input.shape)}")


def _window_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    _check_input(fn, input)
    kernel = _triple(kernel_size, "kernel_size", fn, 1)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else _triple(stride, "stride", fn, 1)
    padding = _triple(padding, "padding", fn, 0)
    dilation = _triple(dilation, "dilation", fn, 1)
    for a in range(_SPATIAL):
        if padding[a] > kernels.kernel_span(kernel[a], dilation[a]) // 2:
            raise ShapeError(f"{fn}: padding should be at most half of effective kernel size, but got "
                             f"padding={padding} for kernel_size={kernel} and dilation={dilation}")
    size = input.shape[-_SPATIAL:]
    out = tuple(pooling_output_size(size[a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
                for a in range(_SPATIAL))
    if min(out) < 1:
        raise ShapeError(f"{fn}: output size is too small: input {tuple(size)} with kernel_size={kernel}, "
                         f"stride={stride}, padding={padding}, dilation={dilation} gives {out}")
    return kernel, stride, padding, dilation, out


def _batched(input):
    return (input.unsqueeze(0), True) if input.ndim == _SPATIAL + 1 else (input, False)


def _end_padding(size, kernel, stride, padding, dilation, out):
    """Padding after each dim so that all ``out`` windows fit: the given padding, or more
    where ceil_mode's last window runs past it."""
    return tuple(max(padding[a], (out[a] - 1) * stride[a] + kernels.kernel_span(kernel[a], dilation[a])
                     - size[a] - padding[a]) for a in range(_SPATIAL))


def _offsets(kernel, stride, dilation, out):
    """(offset, slices over (N, C, D, H, W) of the padded input) for every kernel offset."""
    for offset in itertools.product(*(range(k) for k in kernel)):
        yield offset, (slice(None),) * 2 + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                                                 for o, d, s, n in zip(offset, dilation, stride, out))


# ------------------------------------------------------------------ max pooling
def _argmax_index(x, kernel, stride, padding, dilation, out):
    """The flat D·H·W index of each window's maximum (first in window order; NaN wins, the
    last NaN as in PyTorch); -1 for a dilated window that misses the input entirely (where
    PyTorch's index points outside the input)."""
    xp = backend.xp_of(x)
    size = x.shape[2:]
    after = _end_padding(size, kernel, stride, padding, dilation, out)
    padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(zip(padding, after)), constant_values=-np.inf)
    best = xp.full(x.shape[:2] + out, -np.inf, dtype=x.dtype)
    index = xp.full(x.shape[:2] + out, -1, dtype=np.int64)
    for offset, where in _offsets(kernel, stride, dilation, out):
        # each dim's input position of this offset, for every output position
        position = [xp.arange(out[a]) * stride[a] - padding[a] + offset[a] * dilation[a] for a in range(_SPATIAL)]
        inside = [(p >= 0) & (p < size[a]) for a, p in enumerate(position)]
        valid = inside[0][:, None, None] & inside[1][None, :, None] & inside[2][None, None, :]
        flat = (position[0][:, None, None] * size[1] + position[1][None, :, None]) * size[2] \
            + position[2][None, None, :]
        values = padded[where]
        take = valid & ((index < 0) | (values > best) | xp.isnan(values))
        best = xp.where(take, values, best)
        index = xp.where(take, flat, index)
    return index


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window; padding counts as -inf. With ``return_indices`` also the flat
    position of each maximum in its D·H·W volume (PyTorch's indices)."""
    kernel, stride, padding, dilation, out = _window_args("max_pool3d", input, kernel_size, stride, padding,
                                                          dilation, ceil_mode)
    x, unbatched = _batched(input)
    n, c, d, h, w = x.shape
    index = _argmax_index(x.array, kernel, stride, padding, dilation, out)
    # a volume as a plane of d rows of h·w: the flat indices are the same
    values = GatherPlanes.apply(x.reshape(n, c, d, h * w), index.reshape(n, c, out[0], out[1] * out[2]))
    values = values.reshape((n, c) + out)
    missed = index < 0
    if bool(missed.any()):  # a window wholly in the padding: its max is -inf, as PyTorch's
        values = values.masked_fill(Tensor._wrap(missed), -np.inf)
    indices = Tensor._wrap(index)
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


# ------------------------------------------------------------------ average pooling
def _counts(size, kernel, stride, padding, out, count_include_pad):
    """Along one dim, how many positions each window counts: clipped to the padded input
    (``count_include_pad``) or to the input itself."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _divisor(size, kernel, stride, padding, out, count_include_pad, divisor_override, like):
    """PyTorch's divisor for every output position, on the device of ``like``."""
    xp = backend.xp_of(like)
    if divisor_override is not None:
        return xp.full(out, float(divisor_override), dtype=like.dtype)
    d, h, w = (_counts(size[a], kernel[a], stride[a], padding[a], out[a], count_include_pad) for a in range(3))
    host = (d[:, None, None] * h[None, :, None] * w[None, None, :]).astype(like.dtype)
    return xp.asarray(host)


class AvgPool3d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out, divisor):
        xp = backend.xp_of(x)
        ctx.args, ctx.size = (kernel, stride, padding, divisor), x.shape[2:]
        after = _end_padding(x.shape[2:], kernel, stride, padding, (1,) * _SPATIAL, out)
        padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(zip(padding, after)))
        total = xp.zeros(x.shape[:2] + tuple(out), dtype=x.dtype)
        for _, where in _offsets(kernel, stride, (1,) * _SPATIAL, out):
            total += padded[where]
        return total / divisor

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, divisor = ctx.args
        return AvgPool3dAdjoint.apply(grad, kernel, stride, padding, ctx.size, divisor), None, None, None, None, None


class AvgPool3dAdjoint(Function):
    """The adjoint of ``AvgPool3d``: each output's gradient, divided by its divisor, spread
    over its window; positions in the padding are dropped."""

    @staticmethod
    def forward(ctx, grad, kernel, stride, padding, size, divisor):
        xp = backend.xp_of(grad)
        out = grad.shape[2:]
        ctx.args, ctx.out = (kernel, stride, padding, divisor), out
        after = _end_padding(size, kernel, stride, padding, (1,) * _SPATIAL, out)
        padded_size = tuple(s + before + end for s, before, end in zip(size, padding, after))
        spread = xp.zeros(grad.shape[:2] + padded_size, dtype=grad.dtype)
        share = grad / divisor
        for _, where in _offsets(kernel, stride, (1,) * _SPATIAL, out):
            spread[where] += share
        inside = (slice(None),) * 2 + tuple(slice(p, p + s) for p, s in zip(padding, size))
        return xp.ascontiguousarray(spread[inside])

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, divisor = ctx.args
        return AvgPool3d.apply(grad, kernel, stride, padding, ctx.out, divisor), None, None, None, None, None


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window (zero padding). The divisor follows PyTorch: the window
    clipped to the padded input (``count_include_pad=True``) or to the input itself, or
    ``divisor_override``."""
    kernel, stride, padding, _, out = _window_args("avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool) or
                                         not isinstance(divisor_override, numbers.Integral) or divisor_override == 0):
        raise ShapeError(f"avg_pool3d: divisor_override must be a non-zero int, got {divisor_override!r}")
    x, unbatched = _batched(input)
    divisor = _divisor(x.shape[2:], kernel, stride, padding, out, count_include_pad, divisor_override, x.array)
    result = AvgPool3d.apply(x, kernel, stride, padding, out, divisor)
    return result.squeeze(0) if unbatched else result


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_size(fn, input, output_size):
    _check_input(fn, input)
    sizes = (output_size,) * _SPATIAL if isinstance(output_size, numbers.Integral) else output_size
    if not isinstance(sizes, (tuple, list)) or len(sizes) != _SPATIAL:
        raise ShapeError(f"{fn}: output_size must be an int or 3 ints (or None), got {output_size!r}")
    size = tuple(input.shape[-_SPATIAL + a] if s is None else s for a, s in enumerate(sizes))
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in size):
        raise ShapeError(f"{fn}: output_size must be positive ints (or None), got {output_size!r}")
    return tuple(int(s) for s in size)


def adaptive_avg_pool3d(input, output_size):
    """Average over PyTorch's adaptive windows [floor(i·in/out), ceil((i+1)·in/out)) along
    each dim. When they tile the input evenly this is avg_pool3d; otherwise the box mean
    is taken one dim at a time (uniform weights make it separable)."""
    out = _adaptive_size("adaptive_avg_pool3d", input, output_size)
    size = input.shape[-_SPATIAL:]
    if all(s % o == 0 for s, o in zip(size, out)):
        kernel = tuple(s // o for s, o in zip(size, out))
        return avg_pool3d(input, kernel, kernel)
    x, unbatched = _batched(input)
    for a in range(_SPATIAL):
        x = _window_means(x, 2 + a, _adaptive_windows(size[a], out[a]))
    return x.squeeze(0) if unbatched else x
