"""Batch-level augmentation with soft targets: ``Mixup`` (Zhang et al., 2018) and
``CutMix`` (Yun et al., 2019).

Each is called on a whole batch, ``images (N, C, H, W), labels (N,)``, and returns the
mixed images and targets as class probabilities (N, num_classes), which
``F.cross_entropy`` accepts (so does its ``label_smoothing``). The batch is paired with
itself shifted by one (``roll(1)``, as torchvision's v2 transforms do: the loader already
shuffled it), and the mixing weight λ is drawn from Beta(α, α) once per batch.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ... import backend
from ...tensor import Tensor
from .layout import rng


def _check(name, alpha, num_classes):
    # NaN passes "alpha <= 0" and Beta(NaN, NaN) draws NaN: every mixed batch would be NaN
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not math.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"{name}: alpha must be a positive finite number, got {alpha!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError(f"{name}: num_classes must be a positive int, got {num_classes!r}")


def _batch(name, images, labels, num_classes):
    if not isinstance(images, Tensor) or images.ndim != 4:
        raise ValueError(f"{name}: images must be a (N, C, H, W) Tensor, got "
                         f"{list(images.shape) if isinstance(images, Tensor) else type(images).__name__}")
    if not isinstance(labels, Tensor) or labels.ndim != 1 or labels.dtype.kind not in "iu" \
            or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{name}: labels must be {images.shape[0]} class indices (an int Tensor of shape "
                         f"[{images.shape[0]}]), got {getattr(labels, 'dtype', type(labels).__name__)} "
                         f"{list(getattr(labels, 'shape', []))}")
    xp = backend.xp_of(labels.array)
    if labels.numel() and (int(labels.array.min()) < 0 or int(labels.array.max()) >= num_classes):
        raise ValueError(f"{name}: labels must lie in [0, {num_classes}), got values "
                         f"{int(labels.array.min())}..{int(labels.array.max())}")
    onehot = xp.eye(num_classes, dtype=images.dtype)[labels.array]
    return images.array, onehot, xp


class Mixup:
    """``λ·x + (1-λ)·x_rolled`` and the same blend of the one-hot targets."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 10):
        _check("Mixup", alpha, num_classes)
        self.alpha, self.num_classes = float(alpha), int(num_classes)

    def __call__(self, images, labels):
        x, onehot, xp = _batch("Mixup", images, labels, self.num_classes)
        lam = float(rng().beta(self.alpha, self.alpha))
        mixed = lam * x + (1 - lam) * xp.roll(x, 1, axis=0)
        targets = lam * onehot + (1 - lam) * xp.roll(onehot, 1, axis=0)
        return Tensor._wrap(mixed.astype(x.dtype, copy=False)), Tensor._wrap(targets.astype(x.dtype, copy=False))

    def __repr__(self):
        return f"Mixup(alpha={self.alpha}, num_classes={self.num_classes})"


class CutMix:
    """Paste a box of the rolled batch into each image; the box has area fraction 1-λ
    (side ratio sqrt(1-λ)), centred on a uniform pixel and clipped at the borders, and the
    targets mix by the area actually pasted."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 10):
        _check("CutMix", alpha, num_classes)
        self.alpha, self.num_classes = float(alpha), int(num_classes)

    def box(self, height: int, width: int, lam: float) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of the pasted box for mixing weight ``lam``."""
        side = math.sqrt(1.0 - lam)
        box_h, box_w = int(height * side), int(width * side)
        centre_y, centre_x = int(rng().integers(0, height)), int(rng().integers(0, width))
        top, bottom = np.clip([centre_y - box_h // 2, centre_y + box_h // 2], 0, height)
        left, right = np.clip([centre_x - box_w // 2, centre_x + box_w // 2], 0, width)
        return int(top), int(bottom), int(left), int(right)

    def __call__(self, images, labels):
        x, onehot, xp = _batch("CutMix", images, labels, self.num_classes)
        height, width = x.shape[2:]
        top, bottom, left, right = self.box(height, width, float(rng().beta(self.alpha, self.alpha)))
        mixed = x.copy()
        mixed[:, :, top:bottom, left:right] = xp.roll(x, 1, axis=0)[:, :, top:bottom, left:right]
        kept = 1.0 - (bottom - top) * (right - left) / (height * width)
        targets = kept * onehot + (1 - kept) * xp.roll(onehot, 1, axis=0)
        return Tensor._wrap(mixed), Tensor._wrap(targets.astype(x.dtype, copy=False))

    def __repr__(self):
        return f"CutMix(alpha={self.alpha}, num_classes={self.num_classes})"
