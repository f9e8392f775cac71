"""Colour transforms: ``ColorJitter`` (random brightness, contrast and saturation, in a
random order, as torchvision) and ``Grayscale``. Grey is the ITU-R 601 luma
0.299 R + 0.587 G + 0.114 B, as PIL and torchvision compute it."""

from __future__ import annotations

import numbers

import numpy as np

from .layout import like, max_value, rng, to_chw

_LUMA = np.array([0.299, 0.587, 0.114])


def _grey(array: np.ndarray) -> np.ndarray:
    """(1, H, W) luma of a (C, H, W) float image (a 1-channel image is its own grey)."""
    if array.shape[0] == 1:
        return array
    if array.shape[0] != 3:
        raise ValueError(f"colour transforms need 1 or 3 channels, got {array.shape[0]}")
    return np.tensordot(_LUMA, array, axes=1)[None]


def _factor_range(name, value, centre=1.0, bound=(0.0, float("inf"))):
    number = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)  # noqa: E731
    if number(value):
        if not 0 <= value < float("inf"):  # NaN fails this too
            raise ValueError(f"ColorJitter: {name} must be a non-negative finite number, got {value}")
        low, high = max(centre - value, bound[0]), centre + value
    else:
        if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(number(v) for v in value):
            raise TypeError(f"ColorJitter: {name} must be a number or a (min, max) pair of numbers, got {value!r}")
        low, high = (float(v) for v in value)
        if not bound[0] <= low <= high < float("inf"):
            raise ValueError(f"ColorJitter: {name} range must satisfy {bound[0]} <= min <= max, got {value!r}")
    return None if low == high == centre else (low, high)


class ColorJitter:
    """Scale brightness, contrast and saturation by factors drawn uniformly from
    [max(0, 1 - v), 1 + v] (or a given (min, max)). Brightness multiplies the image,
    contrast blends it with its mean grey level, saturation with its grey image; results
    are clipped to the image's range. Hue jitter is not offered."""

    def __init__(self, brightness=0, contrast=0, saturation=0):
        self.ranges = {"brightness": _factor_range("brightness", brightness),
                       "contrast": _factor_range("contrast", contrast),
                       "saturation": _factor_range("saturation", saturation)}

    def __call__(self, image):
        array, back = to_chw(image, "ColorJitter")
        values = array.astype(np.float64)
        for index in rng().permutation(3):
            name = ("brightness", "contrast", "saturation")[index]
            if self.ranges[name] is None:
                continue
            factor = rng().uniform(*self.ranges[name])
            if name == "brightness":
                blend_with = 0.0
            elif name == "contrast":
                blend_with = _grey(values).mean()
            else:
                blend_with = _grey(values)
            values = np.clip(factor * values + (1 - factor) * blend_with, 0.0, max_value(array))
        return back(like(values, array))

    def __repr__(self):
        return f"ColorJitter({', '.join(f'{k}={v}' for k, v in self.ranges.items() if v)})"


class Grayscale:
    """The luma image, repeated to ``num_output_channels`` (1 or 3) channels; grey images
    are repeated as they are (so a grey dataset can feed a network built for colour)."""

    def __init__(self, num_output_channels: int = 1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
        self.num_output_channels = num_output_channels

    def __call__(self, image):
        array, back = to_chw(image, "Grayscale")
        grey = like(_grey(array.astype(np.float64)), array)
        return back(np.repeat(grey, self.num_output_channels, axis=0))

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"
