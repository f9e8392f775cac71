"""CIFAR-10 and CIFAR-100 from their **binary** distribution (``*.bin``).

CIFAR-10's binary files (``cifar-10-batches-bin/``: ``data_batch_1.bin`` … ``_5.bin``,
``test_batch.bin``) hold records of 1 label byte and 3,072 pixel bytes (the red, green
and blue 32×32 planes); CIFAR-100's (``cifar-100-binary/``: ``train.bin``, ``test.bin``)
hold a coarse-label byte, a fine-label byte, then the pixels. Images come out as
(N, 32, 32, 3) uint8, as torchvision's CIFAR classes hold them.

The "python version" of CIFAR is a set of pickles, and reading a pickle can execute
arbitrary code, so it is refused with a message pointing at the binary version.
"""

from __future__ import annotations

import os

import numpy as np

from .downloads import DatasetFileError, find_file, read_bytes
from .images import ImageDataset

PIXELS = 3 * 32 * 32


def _pickled_version(root: str, python_folder: str) -> str | None:
    """Where under ``root`` the pickled "python version" lies, if it does."""
    for folder in (os.path.join(root, python_folder), root):
        if os.path.isdir(folder) and (os.path.basename(os.path.normpath(folder)) == python_folder or any(
                os.path.isfile(os.path.join(folder, f)) for f in ("data_batch_1", "test_batch", "train", "test"))):
            return folder
    return None


def _read_records(path: str, label_bytes: int, label_index: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    raw = read_bytes(path)
    record = label_bytes + PIXELS
    if len(raw) == 0 or len(raw) % record:
        raise DatasetFileError(f"{path}: {len(raw)} bytes is not a whole number of {record}-byte records "
                               "(truncated, or not a CIFAR binary file)")
    table = np.frombuffer(raw, dtype=np.uint8).reshape(-1, record)
    labels = table[:, label_index].astype(np.int64)
    if labels.max() >= classes:
        raise DatasetFileError(f"{path}: label {int(labels.max())} is out of range for {classes} classes "
                               "(is this the other CIFAR's file?)")
    images = table[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _class_names(folder, name, count) -> list[str]:
    path = os.path.join(folder, name)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            names = [line.strip() for line in handle if line.strip()]
        if len(names) == count:
            return names
    return [str(i) for i in range(count)]


class CIFAR10(ImageDataset):
    """CIFAR-10 (50,000 train, 10,000 test, 32×32 colour, 10 classes) from ``root``, the
    folder holding ``cifar-10-batches-bin/`` (or that folder itself)."""

    folder, python_folder, archive = "cifar-10-batches-bin", "cifar-10-batches-py", "cifar-10-binary.tar.gz"
    num_classes = 10

    def _files(self, train: bool) -> list[str]:
        return [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]

    def _records(self, path):
        return _read_records(path, label_bytes=1, label_index=0, classes=self.num_classes)

    def _names(self, folder):
        return _class_names(folder, "batches.meta.txt", self.num_classes)

    def __init__(self, root, train: bool = True, transform=None, target_transform=None):
        name = type(self).__name__
        root = os.fspath(root)
        hint = f"download the binary version ({self.archive}) from the CIFAR page and unpack it there"
        try:
            paths = [find_file(root, [f], (self.folder, ""), name, hint) for f in self._files(train)]
        except FileNotFoundError:
            pickled = _pickled_version(root, self.python_folder)
            if pickled is None:
                raise
            raise DatasetFileError(
                f"{name}: {pickled!r} holds the 'python version' of {name}, which is pickled; loading a pickle "
                f"can run arbitrary code, so minitorch_cnn never does. Download the binary version "
                f"({self.archive}), unpack it and pass the folder that holds {self.folder}/") from None
        parts = [self._records(path) for path in paths]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(images, labels, self._names(os.path.dirname(paths[0])), transform, target_transform)
        self.train = train


class CIFAR100(CIFAR10):
    """CIFAR-100 (100 fine classes; the coarse superclass label is skipped) from ``root``,
    the folder holding ``cifar-100-binary/`` (or that folder itself)."""

    folder, python_folder, archive = "cifar-100-binary", "cifar-100-python", "cifar-100-binary.tar.gz"
    num_classes = 100

    def _files(self, train: bool) -> list[str]:
        return ["train.bin" if train else "test.bin"]

    def _records(self, path):
        return _read_records(path, label_bytes=2, label_index=1, classes=self.num_classes)

    def _names(self, folder):
        return _class_names(folder, "fine_label_names.txt", self.num_classes)
