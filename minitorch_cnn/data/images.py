"""``ImageDataset``: images held in memory as one uint8 array, as torchvision's MNIST and
CIFAR classes hold them — ``data`` (N, H, W) or (N, H, W, C), ``targets`` (N,) and
``classes`` — with ``transform`` applied to each image and ``target_transform`` to each
label when a sample is read."""

from __future__ import annotations

import numpy as np

from .dataset import Dataset, _check_index


class ImageDataset(Dataset):
    """Images held in memory with their integer labels: ``data`` (N, H, W) or (N, H, W, C) uint8,
    ``targets`` (N,), the class names; an item is ``(transform(image), target_transform(label))``.
    The readers (``load_dataset``: digits, MNIST, Fashion-MNIST, CIFAR) return these.
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray, classes, transform=None, target_transform=None):
        if len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data)} images but {len(targets)} labels")
        self.data = data
        self.targets = np.asarray(targets, dtype=np.int64)
        self.classes = list(classes)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        index = _check_index(self, index)
        image, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    @property
    def channels(self) -> int:
        return 1 if self.data.ndim == 3 else self.data.shape[3]

    def channel_stats(self) -> tuple[list[float], list[float]]:
        """Per-channel mean and standard deviation of the images scaled to [0, 1] — the
        numbers ``Normalize`` takes (computed from the data, so nothing is copied from
        elsewhere)."""
        pixels = self.data.reshape(len(self.data), -1, self.channels)
        mean = pixels.mean(axis=(0, 1), dtype=np.float64)
        # squared deviations a few thousand images at a time: CIFAR at once would be 1.2 GB of float64
        squares = sum(((chunk - mean) ** 2).sum(axis=(0, 1)) for chunk in
                      (pixels[i:i + 4096].astype(np.float64) for i in range(0, len(pixels), 4096)))
        std = np.sqrt(squares / (pixels.shape[0] * pixels.shape[1])) / 255.0
        mean = mean / 255.0
        return mean.tolist(), std.tolist()

    def __repr__(self):
        return (f"{type(self).__name__}({len(self)} images of {'x'.join(map(str, self.data.shape[1:]))}, "
                f"{len(self.classes)} classes)")
