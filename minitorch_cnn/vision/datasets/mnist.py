"""``MNIST`` and ``FashionMNIST`` with torchvision's signature and items: the IDX files
(plain or .gz) under ``root/MNIST/raw/`` (also ``root/MNIST/`` or ``root`` itself), read
by ``data.MNIST``; ``.data`` is a (N, 28, 28) uint8 tensor, ``.targets`` an int64 tensor,
and an item is (PIL "L" image, int) unless a transform changes it."""

from __future__ import annotations

import os

from ... import data as _data
from ...data.dataset import _check_index
from ...tensor import Tensor
from .._pil import pil_image_module
from .locate import require
from .vision_dataset import VisionDataset


class MNIST(VisionDataset):
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    _reader = _data.MNIST
    _source = "the four IDX files from yann.lecun.com/exdb/mnist or a torchvision download"
    training_file_names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    test_file_names = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        name = type(self).__name__
        names = self.training_file_names if train else self.test_file_names
        require(name, self.root, (os.path.join(name, "raw"), name, ""), names, self._source, download)
        table = self._reader(self.root, train=train)
        self.data = Tensor._wrap(table.data)
        self.targets = Tensor._wrap(table.targets)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        index = _check_index(self, index)
        image = pil_image_module().fromarray(self.data.array[index])
        return self.apply_transforms(image, int(self.targets.array[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    _reader = _data.FashionMNIST
    _source = "the four IDX files from github.com/zalandoresearch/fashion-mnist or a torchvision download"
