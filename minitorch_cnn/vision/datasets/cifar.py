"""``CIFAR10`` and ``CIFAR100`` with torchvision's signature and items: ``.data`` is a
(N, 32, 32, 3) uint8 ndarray, ``.targets`` a list of ints, an item is (PIL "RGB" image,
int). They read torchvision's layout, the "python version" (``root/cifar-10-batches-py/``,
``root/cifar-100-python/``), through ``safe_pickle`` (which never unpickles), or else the
binary version (``root/cifar-10-batches-bin/``, ``root/cifar-100-binary/``) through
``data.CIFAR10``/``data.CIFAR100``."""

from __future__ import annotations

import os

import numpy as np

from ... import data as _data
from ...data.dataset import _check_index
from ...data.downloads import DatasetFileError
from .._pil import pil_image_module
from .locate import find_in, require
from .safe_pickle import read_python_batch
from .vision_dataset import VisionDataset


class CIFAR10(VisionDataset):
    base_folder = "cifar-10-batches-py"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    meta = {"filename": "batches.meta", "key": "label_names"}
    labels_key = "labels"
    binary_files = {True: [f"data_batch_{i}.bin" for i in range(1, 6)], False: ["test_batch.bin"]}
    _binary = _data.CIFAR10
    _source = "unpack cifar-10-python.tar.gz from www.cs.toronto.edu/~kriz/cifar.html there"

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        names = self.train_list if train else self.test_list
        if all(find_in(self.root, (self.base_folder,), names).values()):
            self._read_python(names)
        elif all(find_in(self.root, (self._binary.folder, ""), self.binary_files[train]).values()):
            table = self._binary(self.root, train=train)
            self.data, self.targets, self.classes = table.data, table.targets.tolist(), table.classes
        else:
            require(type(self).__name__, self.root, (self.base_folder,), names + [self.meta["filename"]],
                    self._source, download)
        self.class_to_idx = {name: index for index, name in enumerate(self.classes)}

    def _read_python(self, names):
        folder = os.path.join(self.root, self.base_folder)
        images, labels = [], []
        for name in names:
            path = os.path.join(folder, name)
            batch = read_python_batch(path)
            if "data" not in batch or self.labels_key not in batch:
                raise DatasetFileError(f"{path}: a CIFAR batch needs 'data' and {self.labels_key!r}, "
                                       f"found {sorted(batch)}")
            pixels, batch_labels = batch["data"], batch[self.labels_key]
            if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 2 or \
                    pixels.shape[1] != 3 * 32 * 32:
                found = (f"{pixels.dtype} {list(pixels.shape)}" if isinstance(pixels, np.ndarray)
                         else type(pixels).__name__)
                raise DatasetFileError(f"{path}: expected (N, 3072) uint8 pixels under 'data', got {found}")
            # bool is an int to Python, never a label
            if not isinstance(batch_labels, list) or not all(type(label) is int for label in batch_labels) or \
                    len(batch_labels) != len(pixels):
                found = (f"{len(batch_labels)} entries of types {sorted({type(v).__name__ for v in batch_labels})}"
                         if isinstance(batch_labels, list) else type(batch_labels).__name__)
                raise DatasetFileError(f"{path}: expected a list of {len(pixels)} int labels under "
                                       f"{self.labels_key!r}, got {found}")
            images.append(pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels.extend(batch_labels)
        self.data = np.ascontiguousarray(np.concatenate(images))
        self.targets = labels
        meta_path = os.path.join(folder, self.meta["filename"])
        count = self._binary.num_classes
        if os.path.isfile(meta_path):
            names = read_python_batch(meta_path).get(self.meta["key"], [])
            self.classes = [str(n) for n in names] if isinstance(names, list) else []
        else:
            self.classes = []
        if len(self.classes) != count:
            raise DatasetFileError(f"{meta_path}: expected {count} names under {self.meta['key']!r}, "
                                   f"got {len(self.classes)}")
        if labels and not 0 <= min(labels) <= max(labels) < count:
            raise DatasetFileError(f"{folder}: labels must lie in [0, {count}), got {min(labels)}..{max(labels)}")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        index = _check_index(self, index)
        image = pil_image_module().fromarray(self.data[index])
        return self.apply_transforms(image, self.targets[index])

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    base_folder = "cifar-100-python"
    train_list = ["train"]
    test_list = ["test"]
    meta = {"filename": "meta", "key": "fine_label_names"}
    labels_key = "fine_labels"
    binary_files = {True: ["train.bin"], False: ["test.bin"]}
    _binary = _data.CIFAR100
    _source = "unpack cifar-100-python.tar.gz from www.cs.toronto.edu/~kriz/cifar.html there"
