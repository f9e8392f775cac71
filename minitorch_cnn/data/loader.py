"""``DataLoader`` and ``default_collate``, as ``torch.utils.data``: batches of samples
stacked into tensors on the chosen device.

Shuffling draws a fresh permutation from the framework's seeded generator (or the
``generator`` given) each time iteration starts, so ``manual_seed`` fixes the order of
every epoch, and a checkpoint that saved the generator's state resumes the same order.
Loading runs in the calling process: there are no worker processes to seed.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..tensor import Tensor


def _as_array(value):
    if isinstance(value, Tensor):
        return value.data if value.device.type == "cpu" else value.data.get()
    return np.asarray(value)


def default_collate(batch, device=None):
    """Stack a list of samples field by field: tensors and arrays gain a leading batch dim,
    ints become an int64 tensor, floats a float64 one (as PyTorch), tuples/lists and dicts
    are collated per entry, onto ``device`` (the default device when None)."""
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    first = batch[0]
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise ValueError(f"default_collate: samples have different numbers of fields: "
                             f"{sorted({len(s) for s in batch})}")
        fields = [default_collate([s[i] for s in batch], device) for i in range(len(first))]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in batch], device) for key in first}
    if isinstance(first, (Tensor, np.ndarray)):
        shapes = {tuple(np.shape(_as_array(s))) for s in batch}
        if len(shapes) != 1:
            raise ValueError(f"default_collate: cannot stack samples of different shapes {sorted(shapes)}; "
                             "resize them to one size (transforms.Resize) or pass a collate_fn")
        stacked = np.stack([_as_array(s) for s in batch])
    elif isinstance(first, bool):
        stacked = np.array(batch, dtype=np.bool_)
    elif isinstance(first, numbers.Integral):
        stacked = np.array(batch, dtype=np.int64)
    elif isinstance(first, numbers.Real):
        stacked = np.array(batch, dtype=np.float64)
    else:
        raise TypeError(f"default_collate: cannot collate samples of type {type(first).__name__}")
    dev = backend.as_device(device, "device")
    return Tensor._wrap(backend.to_device(stacked, dev))


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``; ``shuffle`` reorders each
    epoch, ``drop_last`` skips a final short batch, ``device`` puts the batches on the CPU
    or a GPU (our addition: PyTorch moves batches in the training loop instead); by
    default they go to the default device at the time of each batch, as tensors made
    from the samples would in PyTorch under ``set_default_device``."""

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, collate_fn=None,
                 drop_last: bool = False, generator=None, device=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self._device = None if device is None else backend.as_device(device, "device")

    @property
    def device(self):
        """Where the batches go: ``device=`` if given, else the default device now."""
        return self._device if self._device is not None else backend.get_default_device()

    def __len__(self) -> int:
        count = len(self.dataset) / self.batch_size
        return math.floor(count) if self.drop_last else math.ceil(count)

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.dataset))
        rng = self.generator if self.generator is not None else backend.default_rng.generator
        return rng.permutation(len(self.dataset))

    def __iter__(self):
        order = self._order()
        for b in range(len(self)):
            samples = [self.dataset[int(i)] for i in order[b * self.batch_size:(b + 1) * self.batch_size]]
            if self.collate_fn is not None:
                yield self.collate_fn(samples)
            else:
                yield default_collate(samples, self.device)
