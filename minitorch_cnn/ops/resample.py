"""Resampling, as ``torch.nn.functional``: ``interpolate`` of 3-D (N, C, L), 4-D
(N, C, H, W) and 5-D (N, C, D, H, W) inputs (nearest and nearest-exact for all three;
linear, bilinear and trilinear for one each, with ``align_corners`` both ways),
``pixel_shuffle``/``pixel_unshuffle`` and ``channel_shuffle``.

Interpolation is separable: one spatial dim at a time, a gather along it and (for the
linear modes) a weighted sum of two gathers, so its gradient is the matching scatter and
second derivatives come for free. Source coordinates follow PyTorch exactly:

* nearest: ``src = floor(dst · scale)``, scale = in/out, or 1/scale_factor when given;
* nearest-exact: ``src = floor((dst + 0.5) · scale)``;
* (bi/tri)linear, align_corners=True: ``src = dst · (in - 1)/(out - 1)`` (corners meet);
* (bi/tri)linear, align_corners=False: ``src = (dst + 0.5) · scale - 0.5``, clamped at 0
  (pixel centres meet).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..errors import ArgumentTypeError
from ..arguments import integer
from ..memory import check_allocation
from ..tensor import Tensor


# each interpolating mode and the one input rank it takes (the nearest modes take all three)
LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}
MODES = ("nearest", "nearest-exact") + tuple(LINEAR_MODES)


def _integral(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _output_size(fn, input, size, scale_factor):
    """(output sizes, scales or Nones) of the spatial dims, every argument checked first: a
    size is positive ints (a float size, say 4.5, is refused, not truncated), a scale factor
    positive finite numbers, one per spatial dim, and the output must fit in memory."""
    spatial = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{fn}: exactly one of size or scale_factor must be given")
    if size is not None:
        sizes = (size,) * spatial if _integral(size) else tuple(size) if isinstance(size, (tuple, list)) else None
        if sizes is None or len(sizes) != spatial or not all(_integral(s) and s >= 1 for s in sizes):
            raise ValueError(f"{fn}: size must be a positive int or {spatial} positive ints for a {input.ndim}-D "
                             f"input, got {size!r}")
        sizes, scales = tuple(int(s) for s in sizes), tuple(None for _ in sizes)
    else:
        scales = ((scale_factor,) * spatial if _real(scale_factor) else
                  tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else None)
        if (scales is None or len(scales) != spatial
                or not all(_real(s) and math.isfinite(s) and s > 0 for s in scales)):
            raise ValueError(f"{fn}: scale_factor must be a positive finite number or {spatial} of them for a "
                             f"{input.ndim}-D input, got {scale_factor!r}")
        sizes = tuple(int(math.floor(input.shape[2 + a] * scales[a])) for a in range(spatial))
        if min(sizes) < 1:
            raise ValueError(f"{fn}: scale_factor {scale_factor} gives an empty output for input {list(input.shape)}")
        scales = tuple(float(s) for s in scales)
    check_allocation(tuple(input.shape[:2]) + sizes, input.dtype.itemsize, f"{fn}'s output", input.device)
    return sizes, scales


def _nearest_index(in_size, out_size, scale, exact=False):
    # in float32, as PyTorch computes it, so the rounding at window edges agrees;
    # "nearest" takes the input at floor(i * step) (shifted left: PyTorch's legacy rule),
    # "nearest-exact" at floor((i + 0.5) * step), the nearest centre (PIL's and OpenCV's)
    step = np.float32(1.0 / scale) if scale is not None else np.float32(in_size) / np.float32(out_size)
    position = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0.0))
    return np.minimum(np.floor(position * step).astype(np.int64), in_size - 1)


def _linear_weights(in_size, out_size, scale, align_corners):
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        src = dst * ((in_size - 1) / (out_size - 1)) if out_size > 1 else np.zeros(out_size)
    else:
        step = (1.0 / scale) if scale is not None else in_size / out_size
        src = np.maximum((dst + 0.5) * step - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    return low, high, src - low


def _along(input, dim, index):
    selector = (slice(None),) * dim + (backend.to_device(index, input.device),)
    return input[selector]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    """Resize the spatial dims of a 3-D, 4-D or 5-D input (``nearest``, ``nearest-exact``;
    ``linear`` for 3-D, ``bilinear`` for 4-D, ``trilinear`` for 5-D). PyTorch's errors:
    NotImplementedError for an unsupported rank, mode, or mode and rank that do not match."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4, 5) or mode not in MODES:
        raise NotImplementedError(f"interpolate: only 3-D (N, C, L), 4-D (N, C, H, W) and 5-D (N, C, D, H, W) "
                                  f"inputs and the modes {' | '.join(MODES)} are supported; got a {input.ndim}-D "
                                  f"input {list(input.shape)} with mode {mode!r}")
    if mode in ("nearest", "nearest-exact") and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | trilinear")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":
        # the interpolation weights are fractions: in an integer dtype they would all be 0
        # (PyTorch refuses integer inputs here too)
        raise ArgumentTypeError(f"interpolate: mode {mode!r} needs a floating point input, got {input.dtype}; convert "
                        f"it with .float()")
    expected = LINEAR_MODES.get(mode)
    if expected is not None and input.ndim != expected:
        raise NotImplementedError(f"interpolate: got a {input.ndim}-D input {list(input.shape)}, but {mode} mode "
                                  f"needs a {expected}-D input")
    sizes, scales = _output_size("interpolate", input, size, scale_factor)
    if recompute_scale_factor:
        scales = tuple(None for _ in scales)
    out = input
    for axis, (out_size, scale) in enumerate(zip(sizes, scales)):
        dim, in_size = 2 + axis, input.shape[2 + axis]
        if mode in ("nearest", "nearest-exact"):
            out = _along(out, dim, _nearest_index(in_size, out_size, scale, exact=mode == "nearest-exact"))
            continue
        low, high, frac = _linear_weights(in_size, out_size, scale, bool(align_corners))
        shape = (out_size,) + (1,) * (input.ndim - dim - 1)
        weight = Tensor._wrap(backend.to_device(frac.astype(input.dtype).reshape(shape), input.device))
        a, b = _along(out, dim, low), _along(out, dim, high)
        out = a + (b - a) * weight
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """``interpolate`` under its old name."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor: int):
    """(N, C·r², H, W) -> (N, C, H·r, W·r): sub-pixel convolution's rearrangement."""
    r = integer(upscale_factor, "pixel_shuffle: upscale_factor", low=1)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: channels (dim -3) of shape {list(input.shape)} must be divisible by "
                         f"upscale_factor² = {r * r}")
    *lead, c, h, w = input.shape
    out = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    k = len(lead)
    out = out.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return out.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int):
    """The inverse of pixel_shuffle: (N, C, H·r, W·r) -> (N, C·r², H, W)."""
    r = integer(downscale_factor, "pixel_unshuffle: downscale_factor", low=1)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: spatial dims of shape {list(input.shape)} must be divisible by "
                         f"downscale_factor = {r}")
    *lead, c, h, w = input.shape
    out = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    k = len(lead)
    out = out.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return out.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups: int):
    """ShuffleNet's shuffle: view channels as (groups, C/groups), transpose, flatten."""
    integer(groups, "channel_shuffle: groups", low=1)
    if input.ndim < 2 or input.shape[1] % groups:
        raise ValueError(f"channel_shuffle: number of channels ({input.shape[1] if input.ndim > 1 else None}) "
                         f"must be divisible by groups ({groups})")
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    if input.ndim == 4 and backend.is_channels_last(input.array):
        # shuffled in memory order: the one copy is channels_last too, as the input
        nhwc = input.permute(0, 2, 3, 1).reshape((n,) + rest + (groups, c // groups)).transpose(3, 4)
        return nhwc.reshape((n,) + rest + (c,)).permute(0, 3, 1, 2)
    out = input.reshape((n, groups, c // groups) + rest).transpose(1, 2)
    return out.reshape((n, c) + rest)
