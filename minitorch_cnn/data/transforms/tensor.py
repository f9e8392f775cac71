"""From images to network inputs: ``ToTensor`` (H×W×C uint8 → C×H×W float32 in [0, 1])
and ``Normalize`` (per-channel ``(x - mean) / std``)."""

from __future__ import annotations


import numpy as np

from ...tensor import Tensor
from .layout import to_chw


class ToTensor:
    """A NumPy image (H, W) or (H, W, C) as a (C, H, W) float32 Tensor; integer images are
    divided by 255 (their range becomes [0, 1]), float images keep their values."""

    def __call__(self, image):
        if isinstance(image, Tensor):
            raise TypeError("ToTensor: the image already is a Tensor")
        array, _ = to_chw(np.asarray(image), "ToTensor")
        scale = 1.0 / 255.0 if array.dtype.kind in "iu" else 1.0  # bool images become 0.0 / 1.0
        return Tensor._wrap(np.ascontiguousarray(array, dtype=np.float32) * np.float32(scale))

    def __repr__(self):
        return "ToTensor()"


def _per_channel(name, values) -> np.ndarray:
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError(f"Normalize: {name} must be a number or a list of numbers, got {values.tolist()}")
    return values


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a (C, H, W) image (always a new
    tensor: PyTorch's ``inplace`` option is not offered)."""

    def __init__(self, mean, std):
        self.mean = _per_channel("mean", mean)
        self.std = _per_channel("std", std)
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean has {len(self.mean)} channels but std has {len(self.std)}")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must not contain zeros, got {self.std.tolist()}")

    def __call__(self, image):
        array, back = to_chw(image, "Normalize")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float image (apply ToTensor first), got {array.dtype}")
        if len(self.mean) not in (1, array.shape[0]):
            raise ValueError(f"Normalize: mean/std have {len(self.mean)} channels, the image has {array.shape[0]}")
        mean = self.mean.astype(array.dtype)[:, None, None]
        std = self.std.astype(array.dtype)[:, None, None]
        return back((array - mean) / std)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"
