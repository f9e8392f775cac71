"""The handwritten digits shipped inside the package, so the main job needs no download.

Source: the test set of the UCI "Optical Recognition of Handwritten Digits" data
(E. Alpaydin and C. Kaynak, 1998; https://doi.org/10.24432/C50P49), licensed CC BY 4.0:
1,797 images of the digits 0-9 written by 13 people, each 32×32 bitmap reduced to 8×8
by counting the set pixels in 4×4 blocks (values 0-16). ``files/digits.csv.gz`` holds it
as published: one image per line, 64 pixel values then the label, comma separated.

For LeNet-5 each image is scaled to 0-255 and resized back to 32×32 with our bilinear
resize. The train/test split is fixed and stratified: of each digit's images, in file
order, every fifth one (the 5th, 10th, …) is a test image — 1,442 for training and 355
for testing, each digit about 80/20.
"""

from __future__ import annotations

import functools
import gzip
import os

import numpy as np

from .images import ImageDataset
from .resize import resize_bilinear

DIGITS_FILE = os.path.join(os.path.dirname(__file__), "files", "digits.csv.gz")
TEST_EVERY = 5


@functools.lru_cache(maxsize=4)
def _load(size: int) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise ValueError(f"{DIGITS_FILE}: expected rows of 64 pixels and a label, got shape {table.shape}")
    images = table[:, :64].reshape(-1, 8, 8).astype(np.float64) * (255.0 / 16.0)
    if size != 8:
        images = np.stack([resize_bilinear(image, size) for image in images])
    images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    images.flags.writeable = False  # shared by every Digits built from the cache
    return images, table[:, 64]


def _rank_within_class(labels: np.ndarray) -> np.ndarray:
    """For each image, how many images of the same digit come before it in the file."""
    rank = np.empty(len(labels), dtype=np.int64)
    for digit in np.unique(labels):
        where = np.flatnonzero(labels == digit)
        rank[where] = np.arange(len(where))
    return rank


class Digits(ImageDataset):
    """The shipped UCI digits as (size, size) uint8 images (default 32, LeNet-5's input);
    ``train`` picks the 1,442 training images or the 355 test images."""

    def __init__(self, train: bool = True, transform=None, target_transform=None, size: int = 32):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"Digits: size must be a positive int, got {size!r}")
        images, labels = _load(size)
        is_test = _rank_within_class(labels) % TEST_EVERY == TEST_EVERY - 1
        keep = ~is_test if train else is_test
        super().__init__(images[keep], labels[keep], [str(d) for d in range(10)], transform, target_transform)
        self.train = train
