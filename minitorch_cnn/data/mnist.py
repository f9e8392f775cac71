"""MNIST and Fashion-MNIST from the IDX files a user downloads (plain or ``.gz``).

The IDX format (LeCun et al.): a 4-byte magic number — two zero bytes, a type code
(0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E
float64) and the number of dimensions — then each dimension as a big-endian int32, then
the values, big-endian, row-major. ``read_idx`` checks every part of that and names the
file and the fault: wrong magic, truncated header, too few or too many bytes.
"""

from __future__ import annotations

import math

import numpy as np

from .downloads import DatasetFileError, find_file, read_bytes
from .images import ImageDataset

IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (in native byte order)."""
    raw = read_bytes(path)
    if len(raw) < 4:
        raise DatasetFileError(f"{path}: too short for an IDX file ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise DatasetFileError(f"{path}: wrong magic number 0x{raw[:4].hex()} (an IDX file starts with 0x0000, "
                               f"a type code in {{{', '.join(f'0x{t:02x}' for t in IDX_TYPES)}}} and its rank)")
    dtype, ndim = IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFileError(f"{path}: truncated header: {ndim} dimensions need {header} bytes, "
                               f"the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    # Python's integers: a header of three dimensions near 2**32 overflows int64
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "too long"
        raise DatasetFileError(f"{path}: {problem}: shape {list(shape)} of {dtype.name} needs {expected} bytes, "
                               f"the file has {len(raw)}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


_MNIST_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


class MNIST(ImageDataset):
    """The 28×28 grey MNIST digits (60,000 train, 10,000 test) from ``root``, which holds
    the four IDX files (``train-images-idx3-ubyte[.gz]``, …) directly or in torchvision's
    ``MNIST/raw/`` layout."""

    classes_names = [str(d) for d in range(10)]
    url_hint = "download the four IDX files from the MNIST page (yann.lecun.com/exdb/mnist) into it"

    def __init__(self, root, train: bool = True, transform=None, target_transform=None):
        name = type(self).__name__
        folders = ("", name, f"{name}/raw")
        images_file, labels_file = (find_file(root, [f], folders, name, self.url_hint) for f in _MNIST_FILES[train])
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DatasetFileError(f"{images_file}: expected (N, H, W) unsigned bytes, got {images.dtype} "
                                   f"{list(images.shape)}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise DatasetFileError(f"{labels_file}: expected {len(images)} labels to match {images_file}, "
                                   f"got shape {list(labels.shape)}")
        if labels.dtype.kind not in "iu":
            raise DatasetFileError(f"{labels_file}: expected integer labels, got {labels.dtype}")
        if labels.size and not 0 <= labels.min() <= labels.max() < len(self.classes_names):
            bad = int(labels.min()) if labels.min() < 0 else int(labels.max())
            raise DatasetFileError(f"{labels_file}: label {bad} is out of range for {len(self.classes_names)} "
                                   f"classes (expected 0 to {len(self.classes_names) - 1})")
        super().__init__(images, labels, self.classes_names, transform, target_transform)
        self.train = train


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same files and layout as MNIST, ten kinds of clothing."""

    classes_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                     "Ankle boot"]
    url_hint = "download the four IDX files from github.com/zalandoresearch/fashion-mnist into it"
