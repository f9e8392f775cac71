"""``DataLoader``, ``default_collate`` and ``default_convert``, as ``torch.utils.data``:
batches of samples stacked into tensors on the chosen device, read in the calling process
or by worker processes (``num_workers``, see ``workers.py``).

Which indices each batch holds comes from a sampler (``samplers.py``): ``shuffle=True`` is
a ``RandomSampler``, which draws a fresh permutation from the framework's seeded
generator (or the ``generator`` given) each time iteration starts, so ``manual_seed``
fixes the order of every epoch, and a checkpoint that saved the generator's state resumes
the same order.
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from .. import backend
from ..tensor import Tensor
from . import workers
from .dataset import IterableDataset
from .samplers import BatchSampler, RandomSampler, SequentialSampler


def _as_array(value):
    if isinstance(value, Tensor):
        return value.array if value.device.type == "cpu" else value.array.get()
    return np.asarray(value)


def default_collate(batch, device=None):
    """Stack a list of samples field by field, as PyTorch's ``default_collate``: tensors and
    arrays gain a leading batch dim; Python ints become an int64 tensor (a default-dtype
    one when a later sample is a float, as ``torch.tensor([1, 2.5])``), floats a float64
    one, bools a bool one (int64 among ints), NumPy scalars keep their dtype; strings and
    bytes stay a list; tuples and lists are collated per entry into a list (a named tuple
    keeps its type), dicts per key. The tensors go onto ``device`` (the default device
    when None)."""
    if not isinstance(batch, (list, tuple)):
        raise TypeError(f"default_collate: batch must be a list of samples, got {type(batch).__name__}")
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    first = batch[0]
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, (tuple, list)):
        if any(not isinstance(sample, (tuple, list)) or len(sample) != len(first) for sample in batch):
            raise ValueError(f"default_collate: samples have different numbers of fields: "
                             f"{sorted({len(s) if isinstance(s, (tuple, list)) else 1 for s in batch})}")
        fields = [default_collate([s[i] for s in batch], device) for i in range(len(first))]
        if hasattr(first, "_fields"):  # a named tuple keeps its type
            return type(first)(*fields)
        return fields  # a list for tuple samples too, as PyTorch's
    if isinstance(first, dict):
        for i, sample in enumerate(batch):
            if not isinstance(sample, dict) or sample.keys() != first.keys():
                got = sorted(map(str, sample)) if isinstance(sample, dict) else type(sample).__name__
                raise ValueError(f"default_collate: sample {i} has keys {got}, sample 0 {sorted(map(str, first))}: "
                                 f"dict samples must share their keys")
        return {key: default_collate([s[key] for s in batch], device) for key in first}
    stacked = _stack(batch, first)
    dev = backend.as_device(device, "device")
    return Tensor._wrap(backend.to_device(stacked, dev))


def _stack(batch, first):
    if isinstance(first, (Tensor, np.ndarray)):
        shapes = {tuple(np.shape(_as_array(s))) for s in batch}
        if len(shapes) != 1:
            raise ValueError(f"default_collate: cannot stack samples of different shapes {sorted(shapes)}; "
                             "resize them to one size (transforms.Resize) or pass a collate_fn")
        return np.stack([_as_array(s) for s in batch])
    if not isinstance(first, (numbers.Number, np.generic)):
        raise TypeError(f"default_collate: cannot collate samples of type {type(first).__name__}")
    kinds = {type(s).__name__ for s in batch if not isinstance(s, (numbers.Number, np.generic))}
    if kinds:
        raise TypeError(f"default_collate: cannot collate {type(first).__name__} samples with {', '.join(sorted(kinds))}"
                        f" ones; give a collate_fn")
    if isinstance(first, np.generic):
        return np.asarray(batch)
    if isinstance(first, bool) and all(isinstance(s, (bool, np.bool_)) for s in batch):
        return np.array(batch, dtype=np.bool_)
    if isinstance(first, numbers.Integral):  # bools among ints count as ints (torch.tensor([True, 2]))
        if all(isinstance(s, numbers.Integral) for s in batch):
            return np.array(batch, dtype=np.int64)
        return np.array(batch, dtype=backend.get_default_dtype())  # torch.tensor([1, 2.5]): the default float
    if isinstance(first, numbers.Real):
        return np.array(batch, dtype=np.float64)
    raise TypeError(f"default_collate: cannot collate samples of type {type(first).__name__}")


def default_convert(data, device=None):
    """One sample as the loader gives it without batching (``batch_size=None``): NumPy
    arrays and scalars (not of strings or objects) become tensors, containers are
    converted per entry, anything else is kept, as PyTorch's ``default_convert``."""
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "OSU":
        return Tensor._wrap(backend.to_device(np.asarray(data), backend.as_device(device, "device")))
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d, device) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d, device) for d in data)
    if isinstance(data, dict):
        return {k: default_convert(v, device) for k, v in data.items()}
    return data


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"DataLoader: {name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def _count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"DataLoader: {name} must be {expected}, got {value!r}")
    return int(value)


class _Fetcher:
    """Reads and collates one batch: ``fetch(dataset, indices)`` for a map-style dataset
    (``indices`` one index when ``batched`` is False), ``fetch(stream, None)`` the next
    batch of an iterator (``workers.END`` once it is exhausted). A plain class, so that it
    pickles for the "spawn" start method."""

    def __init__(self, collate_fn, device, batched, batch_size, drop_last, iterable):
        self.collate_fn, self.device, self.batched = collate_fn, device, batched
        self.batch_size, self.drop_last, self.iterable = batch_size, drop_last, iterable

    def collate(self, samples):
        if self.collate_fn is not None:
            return self.collate_fn(samples)
        if not self.batched:
            return default_convert(samples, self.device)
        return default_collate(samples, self.device)

    def __call__(self, source, indices):
        if not self.iterable:
            return self.collate([source[i] for i in indices] if self.batched else source[indices])
        if not self.batched:
            sample = next(source, workers.END)
            return sample if sample is workers.END else self.collate(sample)
        samples = []
        for sample in source:
            samples.append(sample)
            if len(samples) == self.batch_size:
                break
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            return workers.END
        return self.collate(samples)


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader`` (same
    arguments, same order).

    ``shuffle`` reorders each epoch (a ``RandomSampler``); ``sampler`` gives the order
    yourself and ``batch_sampler`` whole batches of indices; ``batch_size=None`` yields the
    samples one by one, unbatched. ``drop_last`` skips a final short batch. ``num_workers``
    processes load and collate batches in parallel, ``prefetch_factor`` batches each ahead
    (default 2), seeded as PyTorch seeds them and set up by ``worker_init_fn(worker_id)``;
    ``persistent_workers`` keeps them between epochs; ``timeout`` (seconds, 0 = none)
    bounds each wait for a worker's batch; ``in_order=False`` yields batches as they are
    ready. ``pin_memory`` is accepted (CPU arrays are already in host memory).

    ``device`` (ours: PyTorch moves batches in the training loop) puts the batches on the
    CPU or a GPU; by default they go to the default device at the time of each batch, as
    tensors made from the samples would in PyTorch under ``set_default_device``.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, device=None):
        iterable = isinstance(dataset, IterableDataset)
        if batch_size is not None:
            batch_size = _count(batch_size, "batch_size", 1)
        shuffle = False if shuffle is None else _flag(shuffle, "shuffle")
        drop_last = _flag(drop_last, "drop_last")
        num_workers = _count(num_workers, "num_workers", 0)
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout >= 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if prefetch_factor is not None:
            if num_workers == 0:
                raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing. "
                                 "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
            prefetch_factor = _count(prefetch_factor, "prefetch_factor", 1)
        if _flag(persistent_workers, "persistent_workers") and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                             f"batch_sampler options, got shuffle={shuffle}, sampler={sampler!r}, "
                             f"batch_sampler={batch_sampler!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                             "sampler, and drop_last")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        for name, function in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if function is not None and not callable(function):
                raise TypeError(f"DataLoader: {name} must be callable or None, got {type(function).__name__}")
        if not iterable and not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must have __getitem__ (map-style) or be an IterableDataset, got "
                            f"{type(dataset).__name__}")
        if not iterable and batch_sampler is None and sampler is None and len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        if batch_sampler is not None:
            batch_size = None
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.num_workers, self.collate_fn, self.pin_memory = num_workers, collate_fn, _flag(pin_memory, "pin_memory")
        self.timeout, self.worker_init_fn = float(timeout), worker_init_fn
        self.multiprocessing_context, self.generator = multiprocessing_context, generator
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers, self.pin_memory_device = persistent_workers, pin_memory_device
        self.in_order = _flag(in_order, "in_order")
        self._iterable = iterable
        if not iterable:
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_sampler is None and batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._device = None if device is None else backend.as_device(device, "device")
        self._pool = None
        self._pools_started = 0

    @property
    def device(self):
        """Where the batches go: ``device=`` if given, else the default device now."""
        return self._device if self._device is not None else backend.get_default_device()

    @property
    def shuffle(self) -> bool:
        return isinstance(self.sampler, RandomSampler)

    def __len__(self) -> int:
        if self._iterable:
            try:
                len(self.dataset)
            except (TypeError, NotImplementedError):
                raise TypeError(f"DataLoader: the IterableDataset {type(self.dataset).__name__} has no len()") from None
            if self.batch_size is None:
                return len(self.dataset)
            count = len(self.dataset) / self.batch_size
            return math.floor(count) if self.drop_last else math.ceil(count)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _fetcher(self, device):
        """The batch reader; in a worker it collates on the CPU (the loader moves the batch)."""
        batched = self.batch_size is not None if self._iterable else self.batch_sampler is not None
        return _Fetcher(self.collate_fn, device, batched, self.batch_size, self.drop_last, self._iterable)

    def _index_batches(self):
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        return iter(self.sampler)  # batch_size=None: one index per "batch"

    def __iter__(self):
        if self.num_workers == 0:
            return self._single_process()
        return self._with_workers()

    def _single_process(self):
        fetch = self._fetcher(self._device)  # None: the default device when each batch is made
        if self._iterable:
            stream = iter(self.dataset)
            while True:
                batch = fetch(stream, None)
                if batch is workers.END:
                    return
                yield batch
        for indices in self._index_batches():
            yield fetch(self.dataset, indices)

    def _with_workers(self):
        index_batches = None
        if not self._iterable:
            # the epoch's order is drawn before the workers' base seed, so that a loader
            # with workers reads the batches one without them reads
            order = self._index_batches()
            first = next(order, None)
            index_batches = itertools.chain([] if first is None else [first], order)
        pool = self._pool
        if pool is None or pool.closed:
            pool = workers.WorkerPool(self, self._fetcher("cpu"), self._iterable)
            if self.persistent_workers:
                self._pool = pool
        try:
            for batch in pool.batches(index_batches):
                yield workers.unship(batch, self.device)  # the default device when each batch is made
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown()
