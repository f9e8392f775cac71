"""Pixel-value transforms: ``Normalize`` (tensors), ``ColorJitter``, ``Grayscale`` and
``RandomGrayscale``. ``Normalize`` and ``ColorJitter`` are ``data.transforms``'
(``ColorJitter`` on a PIL image runs on its pixels and gives a PIL image back)."""

from __future__ import annotations

import numpy as np

from ...data.transforms.color import ColorJitter as _DataColorJitter
from ...data.transforms.layout import rng
from ...tensor import Tensor
from .._pil import array_to_pil, is_pil_image, pil_to_array
from . import functional as F


class Normalize:
    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace
        F._Normalize(mean, std)  # validates now, not at the first image

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class ColorJitter:
    """Random brightness, contrast and saturation (``data.transforms.ColorJitter``). Hue
    jitter is not offered: ``hue`` must be 0."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        if hue not in (0, (0, 0), [0, 0]):
            raise ValueError(f"ColorJitter: hue jitter is not offered here (hue must be 0, got {hue!r}); "
                             "brightness, contrast and saturation are")
        self._jitter = _DataColorJitter(brightness, contrast, saturation)
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue

    def __call__(self, img):
        if is_pil_image(img):
            return array_to_pil(self._jitter(pil_to_array(img)), img)
        if not isinstance(img, (Tensor, np.ndarray)):
            raise TypeError(f"ColorJitter: img should be a PIL Image or Tensor, got {type(img).__name__}")
        return self._jitter(img)

    def __repr__(self):
        return f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, saturation={self.saturation})"


class Grayscale:
    def __init__(self, num_output_channels: int = 1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """Grey with probability ``p``, keeping the number of channels."""

    def __init__(self, p: float = 0.1):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomGrayscale: p must be in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, img):
        if rng().random() >= self.p:
            return img
        channels = F.get_dimensions(img)[0]
        return F.rgb_to_grayscale(img, 3 if channels == 3 else 1)

    def __repr__(self):
        return f"RandomGrayscale(p={self.p})"
