"""``Shapes``: a small synthetic segmentation set, generated on the spot from a seed, for
training and testing dense-prediction models (FCN, U-Net) without any download.

Each grey image has a dark, noisy background and one to three bright shapes, squares and
discs of random size, place and brightness; the target gives every pixel its class
(0 background, 1 square, 2 disc; a later shape covers an earlier one). Telling squares from
discs needs the shape's outline, not just its brightness, which is what the skips of U-Net
and FCN are for.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dataset import Dataset, _check_index

CLASSES = ["background", "square", "disc"]


def draw_shapes(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(images (count, size, size) uint8, masks (count, size, size) int64), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    images = np.empty((count, size, size), dtype=np.uint8)
    masks = np.zeros((count, size, size), dtype=np.int64)
    for i in range(count):
        image = rng.uniform(10, 70) + rng.normal(0, 12, (size, size))
        for _ in range(rng.integers(1, 4)):
            radius = rng.integers(size // 10 + 2, size // 4 + 2)
            centre_y, centre_x = rng.integers(radius, size - radius, 2)
            kind = int(rng.integers(1, 3))
            if kind == 1:
                inside = (np.abs(rows - centre_y) <= radius) & (np.abs(cols - centre_x) <= radius)
            else:
                inside = (rows - centre_y) ** 2 + (cols - centre_x) ** 2 <= radius ** 2
            image[inside] = rng.uniform(140, 250) + rng.normal(0, 12, inside.sum())
            masks[i][inside] = kind
        images[i] = np.clip(np.rint(image), 0, 255)
    return images, masks


class Shapes(Dataset):
    """``count`` images of ``size``×``size`` with their masks; ``transform`` applies to the image."""

    classes = CLASSES

    def __init__(self, count: int = 256, size: int = 32, seed: int = 0, transform=None):
        for name, value in (("count", count), ("size", size), ("seed", seed)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"Shapes: {name} must be an int, got {type(value).__name__} {value!r}")
        if count < 1 or size < 16:
            raise ValueError(f"Shapes: count must be positive and size at least 16, got count={count}, size={size}")
        self.data, self.masks = draw_shapes(count, size, seed)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        index = _check_index(self, index)
        image = self.data[index] if self.transform is None else self.transform(self.data[index])
        return image, self.masks[index]
