"""Datasets as ``torch.utils.data``: ``Dataset`` (anything with ``__getitem__`` and
``__len__``), ``IterableDataset`` (a stream: anything with ``__iter__``), ``TensorDataset``,
``Subset``, ``ConcatDataset`` and ``random_split``."""

from __future__ import annotations

import bisect
import math
import numbers

import numpy as np

from .. import backend


class Dataset:
    """A map-style dataset: ``dataset[i]`` is one sample, ``len(dataset)`` how many there are.
    ``a + b`` concatenates two datasets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: ``iter(dataset)`` yields its samples. In a ``DataLoader``
    with worker processes every worker iterates its own copy; ``get_worker_info()`` inside
    ``__iter__`` says which worker it is, so that each can read its own share."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self):
        # TypeError, as for any object without len(): list(loader) then does not fail
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: it is read by iterating, not by index")

    def __add__(self, other):
        raise TypeError("IterableDataset: concatenating streams is not supported (PyTorch's ChainDataset)")


def _check_index(dataset, index) -> int:
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{type(dataset).__name__} indices must be ints, got {type(index).__name__}")
    size = len(dataset)
    if not -size <= index < size:
        raise IndexError(f"{type(dataset).__name__} index {index} out of range for {size} samples")
    return int(index) % size


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (or arrays), which share their first dim."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: all tensors must have the same first dim, got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        index = _check_index(self, index)
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        return self.dataset[self.indices[_check_index(self, index)]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __getitem__(self, index):
        index = _check_index(self, index)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])


def _split_lengths(lengths, total: int) -> list[int]:
    if not isinstance(lengths, (list, tuple)):
        raise TypeError(f"random_split: lengths must be a list of lengths or of fractions, got "
                        f"{type(lengths).__name__} {lengths!r}")
    lengths = list(lengths)
    if not lengths or any(isinstance(n, bool) or not isinstance(n, numbers.Real) or n < 0 for n in lengths):
        raise ValueError(f"random_split: lengths must be non-negative numbers, got {lengths}")
    if all(isinstance(n, numbers.Integral) for n in lengths):
        if sum(lengths) != total:
            raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, not the dataset's {total} samples")
        return [int(n) for n in lengths]
    if not math.isclose(sum(lengths), 1.0) or any(n > 1 for n in lengths):
        raise ValueError(f"random_split: fractions must sum to 1, got {lengths} (sum {sum(lengths)})")
    # as PyTorch: floor each share, then hand the remainder out one by one from the first
    counts = [int(math.floor(total * f)) for f in lengths]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (counts,
    or fractions summing to 1). The permutation comes from ``generator`` (a
    ``numpy.random.Generator``) or the framework's seeded generator."""
    counts = _split_lengths(lengths, len(dataset))
    rng = generator if generator is not None else backend.default_rng.generator
    order = rng.permutation(len(dataset))
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start:start + count]))
        start += count
    return subsets

