"""Transforms made of transforms: ``Compose``, ``Lambda`` and ``RandomChoice`` are
``data.transforms``'; ``RandomApply`` (all of them, with probability ``p``) is torchvision's."""

from __future__ import annotations

from ...data.transforms.compose import Compose, Lambda, RandomChoice
from ...data.transforms.layout import rng

__all__ = ["Compose", "Lambda", "RandomChoice", "RandomApply"]


class RandomApply:
    def __init__(self, transforms, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomApply: p must be in [0, 1], got {p!r}")
        self.transforms, self.p = list(transforms), p

    def __call__(self, img):
        if self.p < rng().random():
            return img
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        return f"RandomApply({self.transforms!r}, p={self.p})"
