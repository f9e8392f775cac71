"""Bilinear resizing of images held as NumPy arrays (H×W or H×W×C), for datasets and
transforms.

Each axis is resampled by a small matrix whose rows hold the two interpolation weights
of one output pixel, so a resize is two matrix products. Source coordinates use pixel
centres, as ``F.interpolate(mode="bilinear", align_corners=False)`` and PIL do
(``src = (dst + 0.5) · in/out - 0.5``, clamped to the image); there is no antialiasing,
as in ``interpolate``'s default, so shrinking by a large factor skips pixels.
"""

from __future__ import annotations

import numbers

import numpy as np


def interpolation_matrix(in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) matrix that resamples one axis linearly."""
    dst = np.arange(out_size, dtype=np.float64)
    src = np.clip((dst + 0.5) * (in_size / out_size) - 0.5, 0.0, in_size - 1)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    frac = src - low
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1.0 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix


def resize_bilinear(image: np.ndarray, size) -> np.ndarray:
    """``image`` (H, W) or (H, W, C) resized to ``size`` = (height, width) or one int for
    both. Integer images come back rounded and clipped to their dtype's range; float
    images as float32 (float64 stays float64)."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"resize_bilinear: image must be (H, W) or (H, W, C), got shape {image.shape}")
    height, width = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
    if min(height, width) < 1:
        raise ValueError(f"resize_bilinear: size must be positive, got {size!r}")
    dtype = np.float64 if image.dtype == np.float64 else np.float32
    rows = interpolation_matrix(image.shape[0], height).astype(dtype)
    cols = interpolation_matrix(image.shape[1], width).astype(dtype)
    out = np.einsum("ah,hw...,bw->ab...", rows, image.astype(dtype), cols, optimize=True)
    if image.dtype.kind in "iu":
        info = np.iinfo(image.dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(image.dtype)
    if image.dtype.kind == "b":
        raise TypeError("resize_bilinear: cannot interpolate a boolean image")
    return out
