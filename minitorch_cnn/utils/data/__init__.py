"""``minitorch_cnn.utils.data``: the names of ``torch.utils.data``, so that
``from torch.utils.data import DataLoader, TensorDataset`` runs here with ``torch`` read as
``minitorch_cnn``. They are the objects of ``minitorch_cnn.data`` (one implementation):
datasets, ``random_split``, the samplers, ``DataLoader`` with worker processes,
``default_collate``/``default_convert`` and ``get_worker_info``."""

from ...data.dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from ...data.loader import DataLoader, default_collate, default_convert
from ...data.samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                              WeightedRandomSampler)
from ...data.workers import WorkerInfo, get_worker_info

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "default_convert", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "WorkerInfo", "get_worker_info"]
