"""``minitorch_cnn.data``: datasets, the loader and transforms, as ``torch.utils.data``
and ``torchvision.datasets``/``transforms``.

- ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``,
  ``random_split``
- ``DataLoader`` (worker processes too), ``default_collate``, ``default_convert``, the
  samplers, ``get_worker_info``
- ``Digits``: the UCI handwritten digits shipped in the package (no download)
- ``MNIST``, ``FashionMNIST`` (IDX files), ``CIFAR10``, ``CIFAR100`` (binary files), read
  from a directory the user fills; ``load_dataset(name, root, train)``
- ``transforms``: per-image transforms and batch-level Mixup/CutMix
- ``Shapes``: a synthetic segmentation set (squares and discs), generated from a seed
"""

from . import transforms
from .catalog import DATASETS, dataset_names, load_dataset
from .cifar import CIFAR10, CIFAR100
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .digits import Digits
from .downloads import DatasetFileError
from .images import ImageDataset
from .loader import DataLoader, default_collate, default_convert
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                       WeightedRandomSampler)
from .workers import WorkerInfo, get_worker_info
from .mnist import MNIST, FashionMNIST, read_idx
from .resize import resize_bilinear
from .shapes import Shapes

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "default_convert", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "WorkerInfo", "get_worker_info",
           "ImageDataset", "Digits", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "read_idx", "DatasetFileError",
           "DATASETS", "dataset_names", "load_dataset", "resize_bilinear", "transforms", "Shapes"]
