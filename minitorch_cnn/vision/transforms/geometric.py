"""Geometric transforms with torchvision's signatures: ``Resize``, ``CenterCrop``,
``RandomCrop``, ``RandomResizedCrop``, ``RandomHorizontalFlip``, ``RandomVerticalFlip``,
``Pad`` and ``RandomRotation``. The arithmetic is in ``functional``; every random draw
comes from the framework's generator (``manual_seed`` makes it reproducible), and
``RandomResizedCrop`` picks its window with ``data.transforms.RandomResizedCrop``'s rule."""

from __future__ import annotations

import numbers

from ...arguments import number_pair
from ...data.transforms.geometry import RandomResizedCrop as _WindowRule
from ...data.transforms.layout import rng
from . import functional as F
from .interpolation import InterpolationMode, as_mode


class Resize:
    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        F._pair("Resize", size)
        self.size, self.interpolation = size, as_mode(interpolation)
        self.max_size, self.antialias = max_size, antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return f"Resize(size={self.size}, interpolation={self.interpolation.value}, max_size={self.max_size}, " \
               f"antialias={self.antialias})"


class CenterCrop:
    def __init__(self, size):
        self.size = (F._pair("CenterCrop", size) * 2)[:2]

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"CenterCrop(size={tuple(self.size)})"


class RandomCrop:
    """A random ``size`` window after padding by ``padding``; ``pad_if_needed`` pads an image
    smaller than ``size`` on both sides by the shortfall, as torchvision."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = tuple((F._pair("RandomCrop", size) * 2)[:2])
        if padding is not None:
            F._padding(padding)
        F._fill("RandomCrop", fill)
        if padding_mode not in F._PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {F._PADDING_MODES}, got {padding_mode!r}")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        height, width = F._height_width(img)
        crop_h, crop_w = output_size
        if height < crop_h or width < crop_w:
            raise ValueError(f"RandomCrop: required crop size {(crop_h, crop_w)} is larger than the input image "
                             f"size {(height, width)}")
        top = int(rng().integers(0, height - crop_h + 1))
        left = int(rng().integers(0, width - crop_w + 1))
        return top, left, crop_h, crop_w

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        height, width = F._height_width(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomResizedCrop:
    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        self.size = tuple((F._pair("RandomResizedCrop", size) * 2)[:2])
        self._rule = _WindowRule(self.size, scale, ratio)
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation, self.antialias = as_mode(interpolation), antialias

    def get_params(self, img, scale=None, ratio=None):
        rule = self._rule if scale is None and ratio is None else \
            _WindowRule(self.size, scale or self.scale, ratio or self.ratio)
        return rule.window(*F._height_width(img))

    def __call__(self, img):
        top, left, height, width = self.get_params(img)
        return F.resized_crop(img, top, left, height, width, list(self.size), self.interpolation, self.antialias)

    def __repr__(self):
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


def _probability(name, p):
    if not 0 <= p <= 1:
        raise ValueError(f"{name}: p must be in [0, 1], got {p!r}")
    return p


class RandomHorizontalFlip:
    def __init__(self, p: float = 0.5):
        self.p = _probability("RandomHorizontalFlip", p)

    def __call__(self, img):
        return F.hflip(img) if rng().random() < self.p else img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomVerticalFlip:
    def __init__(self, p: float = 0.5):
        self.p = _probability("RandomVerticalFlip", p)

    def __call__(self, img):
        return F.vflip(img) if rng().random() < self.p else img

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


class Pad:
    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        F._padding(padding)
        F._fill("Pad", fill)
        if padding_mode not in F._PADDING_MODES:
            raise ValueError(f"Pad: padding_mode must be one of {F._PADDING_MODES}, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means (-d, d))."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
            if not 0 <= degrees < float("inf"):  # NaN fails this too
                raise ValueError(f"RandomRotation: a single degrees value must be a non-negative finite number, got "
                                 f"{degrees}")
            degrees = (-float(degrees), float(degrees))
        else:
            degrees = number_pair(degrees, "RandomRotation: degrees")
            if degrees[0] > degrees[1]:
                raise ValueError(f"RandomRotation: degrees must be a number or (min, max), got {degrees!r}")
        if center is not None and (not isinstance(center, (tuple, list)) or len(center) != 2 or not all(
                isinstance(c, numbers.Real) and not isinstance(c, bool) for c in center)):
            raise ValueError(f"RandomRotation: center must be None or an (x, y) pair of numbers, got {center!r}")
        F._fill("RandomRotation", fill)
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation, self.expand, self.center, self.fill = as_mode(interpolation), expand, center, fill

    @staticmethod
    def get_params(degrees) -> float:
        return float(rng().uniform(float(degrees[0]), float(degrees[1])))

    def __call__(self, img):
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self):
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation.value})"
