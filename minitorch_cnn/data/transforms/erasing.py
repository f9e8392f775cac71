"""Occlusion: ``RandomErasing`` (Zhong et al., 2017: a random rectangle of random area
and aspect ratio set to a value, as torchvision) and ``Cutout`` (DeVries & Taylor, 2017:
a fixed-size square centred on a random pixel, clipped at the borders)."""

from __future__ import annotations

import math
import numbers

from ...arguments import number_pair
from .layout import rng, to_chw


class RandomErasing:
    """With probability ``p``, erase a rectangle covering a fraction ``scale`` of the image
    with aspect ratio in ``ratio`` (log-uniform); ``value`` is a number, one per channel, or
    ``"random"`` (standard normal noise, as torchvision). Ten tries to fit the rectangle, then the image is left as it is (as torchvision)."""

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"RandomErasing: p must be in [0, 1], got {p!r}")
        scale, ratio = number_pair(scale, "RandomErasing: scale"), number_pair(ratio, "RandomErasing: ratio")
        if isinstance(value, str):
            if value != "random":
                raise ValueError(f"RandomErasing: a string value must be 'random', got {value!r}")
        elif isinstance(value, (tuple, list)):
            if not value or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
                raise TypeError(f"RandomErasing: value must be a number, one number per channel or 'random', "
                                f"got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"RandomErasing: value must be a number, one number per channel or 'random', "
                            f"got {value!r}")
        if not (0 < scale[0] <= scale[1] <= 1) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"RandomErasing: need 0 < scale min <= max <= 1 and 0 < ratio min <= max, "
                             f"got scale={scale!r}, ratio={ratio!r}")
        self.p, self.scale, self.ratio, self.value = p, tuple(scale), tuple(ratio), value

    def __call__(self, image):
        if rng().random() >= self.p:
            return image
        array, back = to_chw(image, "RandomErasing")
        channels, height, width = array.shape
        if isinstance(self.value, (tuple, list)) and len(self.value) not in (1, channels):
            raise ValueError(f"RandomErasing: value must have 1 or {channels} entries (the image's channels), "
                             f"got {self.value!r}")
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = height * width * rng().uniform(*self.scale)
            aspect = math.exp(rng().uniform(*log_ratio))
            box_h, box_w = int(round(math.sqrt(area * aspect))), int(round(math.sqrt(area / aspect)))
            if box_h < height and box_w < width:
                top = int(rng().integers(0, height - box_h + 1))
                left = int(rng().integers(0, width - box_w + 1))
                out = array.copy()
                if self.value == "random":
                    value = rng().standard_normal((channels, box_h, box_w))
                else:
                    value = self.value if isinstance(self.value, numbers.Real) else [[[v]] for v in self.value]
                out[:, top:top + box_h, left:left + box_w] = value
                return back(out)
        return image

    def __repr__(self):
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value})"


class Cutout:
    """Zero (or ``value``) a ``size``×``size`` square centred on a uniformly drawn pixel;
    the square may hang over the border, so less is erased near edges (as in the paper)."""

    def __init__(self, size: int, value=0):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"Cutout: size must be a positive int, got {size!r}")
        self.size, self.value = int(size), value

    def __call__(self, image):
        array, back = to_chw(image, "Cutout")
        height, width = array.shape[1:]
        centre_y, centre_x = int(rng().integers(0, height)), int(rng().integers(0, width))
        half = self.size // 2
        top, left = max(0, centre_y - half), max(0, centre_x - half)
        bottom, right = min(height, centre_y - half + self.size), min(width, centre_x - half + self.size)
        out = array.copy()
        out[:, top:bottom, left:right] = self.value
        return back(out)

    def __repr__(self):
        return f"Cutout(size={self.size}, value={self.value})"
