"""Resizing (C, H, W) arrays, NumPy or CuPy, as two matrix products (one per axis).

The bilinear matrix without antialiasing is ``data.resize``'s (half-pixel centres, as
``F.interpolate(align_corners=False)``). With antialiasing (torchvision's default) each
output pixel averages the input under a triangle filter widened by the shrink factor,
normalised over the pixels inside the image — PIL's bilinear filter, which torchvision's
antialiased tensor resize also follows; when enlarging it is plain bilinear
interpolation. Nearest takes ``floor(dst · in / out)``, torchvision's "nearest".
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ...data.resize import interpolation_matrix
from .interpolation import InterpolationMode


def antialiased_matrix(in_size: int, out_size: int) -> np.ndarray:
    scale = in_size / out_size
    width = max(scale, 1.0)
    centres = (np.arange(out_size) + 0.5) * scale
    taps = np.clip(1.0 - np.abs(np.arange(in_size)[None, :] + 0.5 - centres[:, None]) / width, 0.0, None)
    return taps / taps.sum(axis=1, keepdims=True)


def nearest_matrix(in_size: int, out_size: int) -> np.ndarray:
    source = np.minimum(np.floor(np.arange(out_size) * (in_size / out_size)).astype(np.int64), in_size - 1)
    matrix = np.zeros((out_size, in_size))
    matrix[np.arange(out_size), source] = 1.0
    return matrix


def axis_matrix(in_size: int, out_size: int, mode: InterpolationMode, antialias: bool) -> np.ndarray:
    if mode is InterpolationMode.NEAREST:
        return nearest_matrix(in_size, out_size)
    return antialiased_matrix(in_size, out_size) if antialias else interpolation_matrix(in_size, out_size)


def resize_array(array, size: tuple[int, int], mode: InterpolationMode, antialias: bool):
    """(..., H, W) resampled to (..., height, width); integer images rounded and clipped to their range."""
    xp = backend.xp_of(array)
    dtype = np.float64 if array.dtype == np.float64 else np.float32
    rows = xp.asarray(axis_matrix(array.shape[-2], size[0], mode, antialias).astype(dtype))
    cols = xp.asarray(axis_matrix(array.shape[-1], size[1], mode, antialias).astype(dtype))
    out = xp.matmul(xp.matmul(rows, array.astype(dtype)), cols.T)
    if array.dtype.kind in "iu":
        info = np.iinfo(array.dtype)
        return xp.clip(xp.rint(out), info.min, info.max).astype(array.dtype)
    if array.dtype.kind == "b":
        raise TypeError("resize: cannot interpolate a boolean image")
    return out
