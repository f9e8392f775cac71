"""Samplers, as ``torch.utils.data``: which dataset indices a ``DataLoader`` reads, in which
order (``Sampler`` and its kinds), and how they are grouped into batches (``BatchSampler``).

Random samplers draw from the ``generator`` given (a ``numpy.random.Generator``) or, at the
moment iteration starts, from the framework's seeded generator, so ``manual_seed`` fixes
every epoch's order and a checkpoint that saved the generator's state resumes it.
``RandomSampler`` without replacement draws one ``permutation`` of the dataset, exactly
what the loader's ``shuffle=True`` always drew, so runs saved before samplers existed
resume in the same order.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend


def _generator(generator):
    return generator if generator is not None else backend.default_rng.generator


def _positive_int(value, name, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


class Sampler:
    """Iterates over dataset indices; subclasses define ``__iter__`` (and ``__len__``)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the dataset (a new one per epoch), or ``num_samples`` draws with
    ``replacement``."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got replacement={replacement!r}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        rng, n = _generator(self.generator), len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, self.num_samples).tolist())
        # whole permutations, as many as num_samples needs (PyTorch's rule for num_samples > n)
        order = [rng.permutation(n) for _ in range(-(-self.num_samples // n))]
        return iter(np.concatenate(order)[:self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, a new one per epoch."""

    def __init__(self, indices, generator=None):
        if not hasattr(indices, "__len__") or not hasattr(indices, "__getitem__"):
            raise TypeError(f"SubsetRandomSampler: indices must be a sequence of indices, got "
                            f"{type(indices).__name__} {indices!r}")
        self.indices, self.generator = list(indices), generator

    def __iter__(self):
        order = _generator(self.generator).permutation(len(self.indices))
        return iter([self.indices[i] for i in order])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        num_samples = _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, but got "
                             f"replacement={replacement!r}")
        weights = np.asarray(weights.tolist() if hasattr(weights, "tolist") else weights, dtype=np.float64)
        if weights.ndim != 1 or not len(weights):
            raise ValueError(f"WeightedRandomSampler: weights should be a non-empty 1-D sequence, got shape "
                             f"{list(weights.shape)}")
        if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(weights)} non-zero weights")
        self.weights, self.num_samples, self.replacement, self.generator = weights, num_samples, replacement, generator

    def __iter__(self):
        rng = _generator(self.generator)
        picked = rng.choice(len(self.weights), self.num_samples, replace=self.replacement,
                            p=self.weights / self.weights.sum())
        return iter(picked.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)
