"""Combining transforms: ``Compose`` (one after another), ``RandomChoice`` (one of them
at random, e.g. Mixup or CutMix per batch) and ``Lambda`` (any function)."""

from __future__ import annotations

from .layout import rng


class Compose:
    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError(f"Compose: transforms must be a list of transforms, got {type(transforms).__name__}")
        for i, transform in enumerate(transforms):
            if not callable(transform):
                raise TypeError(f"Compose: transforms[{i}] must be callable, got {type(transform).__name__}")
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)"


class RandomChoice:
    """Apply one of ``transforms``, picked with probabilities ``p`` (uniform by default).
    Works for batch transforms too: the arguments are passed on as they came."""

    def __init__(self, transforms, p=None):
        self.transforms = list(transforms)
        if not self.transforms:
            raise ValueError("RandomChoice needs at least one transform")
        if p is not None and (len(p) != len(self.transforms) or min(p) < 0 or sum(p) <= 0):
            raise ValueError(f"RandomChoice: p must be {len(self.transforms)} non-negative weights, got {p!r}")
        self.p = None if p is None else [w / sum(p) for w in p]

    def __call__(self, *inputs):
        choice = self.transforms[int(rng().choice(len(self.transforms), p=self.p))]
        return choice(*inputs)

    def __repr__(self):
        return f"RandomChoice({self.transforms!r}, p={self.p})"


class Lambda:
    def __init__(self, function):
        if not callable(function):
            raise TypeError(f"Lambda: expected a callable, got {type(function).__name__}")
        self.function = function

    def __call__(self, image):
        return self.function(image)

    def __repr__(self):
        return f"Lambda({getattr(self.function, '__name__', self.function)!r})"
