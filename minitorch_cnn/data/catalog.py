"""The datasets the ``minitorch-cnn`` command knows by name, and ``load_dataset``."""

from __future__ import annotations

import difflib

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .mnist import MNIST, FashionMNIST

DATASETS = {"digits": Digits, "mnist": MNIST, "fashion-mnist": FashionMNIST, "cifar10": CIFAR10, "cifar100": CIFAR100}


def dataset_names() -> list[str]:
    """The names ``load_dataset`` and ``minitorch-cnn train --data`` take (digits, mnist, ...)."""
    return list(DATASETS)


def load_dataset(name: str, root=None, train: bool = True, transform=None, target_transform=None):
    """The named dataset's training or test split. ``digits`` ships with the package;
    the others read the files the user downloaded into ``root``."""
    if name not in DATASETS:
        close = difflib.get_close_matches(name, DATASETS, n=2)
        raise ValueError(f"unknown dataset {name!r}; "
                         + (f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(DATASETS)}"))
    cls = DATASETS[name]
    if cls is Digits:
        return Digits(train=train, transform=transform, target_transform=target_transform)
    if root is None:
        raise ValueError(f"dataset {name!r} is read from files you download: give their directory (--data-dir)")
    return cls(root, train=train, transform=transform, target_transform=target_transform)
