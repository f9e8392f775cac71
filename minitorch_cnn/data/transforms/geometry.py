"""Geometric transforms: ``Resize``, ``CenterCrop``, ``RandomCrop`` (with padding, the
CIFAR recipe), ``RandomResizedCrop`` (the ImageNet recipe) and ``RandomHorizontalFlip``.
Sizes are (height, width) or one int, as in torchvision."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ...arguments import number_pair
from ..resize import resize_bilinear
from .layout import rng, to_chw


def _pair(name, size) -> tuple[int, int]:
    pair = (size, size) if isinstance(size, numbers.Integral) else tuple(size) if isinstance(size, (tuple, list)) \
        else ()  # a float or a string: refused below by name
    if len(pair) != 2 or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in pair):
        raise ValueError(f"{name}: size must be a positive int or (height, width), got {size!r}")
    return int(pair[0]), int(pair[1])


def _resize_chw(array, size):
    return resize_bilinear(array.transpose(1, 2, 0), size).transpose(2, 0, 1)


class Resize:
    """Bilinear resize to (height, width); one int ``size`` matches the shorter edge and
    keeps the aspect ratio (torchvision's rule)."""

    def __init__(self, size):
        _pair("Resize", size)  # validates
        self.size = size

    def __call__(self, image):
        array, back = to_chw(image, "Resize")
        height, width = array.shape[1:]
        if isinstance(self.size, numbers.Integral):
            short, long = (height, width) if height <= width else (width, height)
            new_long = int(self.size * long / short)
            target = (self.size, new_long) if height <= width else (new_long, self.size)
        else:
            target = tuple(self.size)
        return back(_resize_chw(array, target))

    def __repr__(self):
        return f"Resize(size={self.size})"


def _crop(array, top, left, height, width):
    return array[:, top:top + height, left:left + width]


class CenterCrop:
    def __init__(self, size):
        self.size = _pair("CenterCrop", size)

    def __call__(self, image):
        array, back = to_chw(image, "CenterCrop")
        height, width = self.size
        if height > array.shape[1] or width > array.shape[2]:
            raise ValueError(f"CenterCrop: crop size {self.size} is larger than the image {array.shape[1:]}")
        top, left = (array.shape[1] - height) // 2, (array.shape[2] - width) // 2
        return back(_crop(array, top, left, height, width))

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


_PADDING_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


class RandomCrop:
    """A random ``size`` window, after padding each border by ``padding`` pixels (int, or
    (left/right, top/bottom), or (left, top, right, bottom), as torchvision)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = _pair("RandomCrop", size)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {sorted(_PADDING_MODES)}, got {padding_mode!r}")
        self.padding = self._padding(padding)
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode

    @staticmethod
    def _padding(padding):
        if padding is None:
            return (0, 0, 0, 0)
        values = (padding,) if isinstance(padding, numbers.Integral) else tuple(padding)
        if len(values) not in (1, 2, 4) or any(not isinstance(v, numbers.Integral) or v < 0 for v in values):
            raise ValueError(f"RandomCrop: padding must be non-negative ints (1, 2 or 4 of them), got {padding!r}")
        if len(values) == 1:
            return values * 4
        if len(values) == 2:
            return (values[0], values[1], values[0], values[1])
        return values

    def _pad(self, array, left, top, right, bottom):
        widths = ((0, 0), (top, bottom), (left, right))
        if self.padding_mode == "constant":
            return np.pad(array, widths, mode="constant", constant_values=self.fill)
        return np.pad(array, widths, mode=_PADDING_MODES[self.padding_mode])

    def __call__(self, image):
        array, back = to_chw(image, "RandomCrop")
        array = self._pad(array, *self.padding)
        height, width = self.size
        if self.pad_if_needed:
            grow_h, grow_w = max(0, height - array.shape[1]), max(0, width - array.shape[2])
            array = self._pad(array, grow_w, grow_h, grow_w, grow_h)
        if height > array.shape[1] or width > array.shape[2]:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded image {array.shape[1:]}")
        top = int(rng().integers(0, array.shape[1] - height + 1))
        left = int(rng().integers(0, array.shape[2] - width + 1))
        return back(_crop(array, top, left, height, width))

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomResizedCrop:
    """A crop covering a random fraction ``scale`` of the area with a random aspect ratio
    (log-uniform in ``ratio``), resized to ``size``. Ten tries, then the centre crop that
    fits the ratio range, as torchvision (Szegedy et al.'s Inception recipe)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size = _pair("RandomResizedCrop", size)
        scale = number_pair(scale, "RandomResizedCrop: scale")
        ratio = number_pair(ratio, "RandomResizedCrop: ratio")
        if not (0 < scale[0] <= scale[1] <= 1):
            raise ValueError(f"RandomResizedCrop: scale must satisfy 0 < min <= max <= 1, got {scale!r}")
        if not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"RandomResizedCrop: ratio must satisfy 0 < min <= max, got {ratio!r}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)

    def window(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(top, left, crop height, crop width) of one random draw."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * rng().uniform(*self.scale)
            aspect = math.exp(rng().uniform(*log_ratio))
            crop_w = int(round(math.sqrt(target_area * aspect)))
            crop_h = int(round(math.sqrt(target_area / aspect)))
            if 0 < crop_w <= width and 0 < crop_h <= height:
                top = int(rng().integers(0, height - crop_h + 1))
                left = int(rng().integers(0, width - crop_w + 1))
                return top, left, crop_h, crop_w
        aspect = width / height
        if aspect < self.ratio[0]:
            crop_w, crop_h = width, int(round(width / self.ratio[0]))
        elif aspect > self.ratio[1]:
            crop_h, crop_w = height, int(round(height * self.ratio[1]))
        else:
            crop_w, crop_h = width, height
        return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w

    def __call__(self, image):
        array, back = to_chw(image, "RandomResizedCrop")
        top, left, crop_h, crop_w = self.window(*array.shape[1:])
        return back(_resize_chw(_crop(array, top, left, crop_h, crop_w), self.size))

    def __repr__(self):
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class RandomHorizontalFlip:
    def __init__(self, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, image):
        if rng().random() >= self.p:
            return image
        array, back = to_chw(image, "RandomHorizontalFlip")
        return back(array[:, :, ::-1])

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"
