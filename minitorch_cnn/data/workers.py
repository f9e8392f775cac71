"""Worker processes for ``DataLoader(num_workers=N)``: each loads and collates whole batches,
in parallel with the training loop, as PyTorch's workers do.

How it runs, per pool (one per epoch, or one for the loader's life with
``persistent_workers``):

- N processes (``multiprocessing``; "fork" where the platform has it, as PyTorch on Linux,
  or the loader's ``multiprocessing_context``), each with its own task queue and one
  shared result queue.
- The loader sends tasks round-robin, at most ``prefetch_factor`` per worker ahead: the
  indices of one batch (map-style datasets), or "the next batch" of the worker's own
  iterator (iterable datasets, which every worker iterates in full unless it reads only
  its share through ``get_worker_info()``).
- Results come back in any order and are yielded in task order (``in_order=True``), or as
  they arrive. Each task carries the epoch it belongs to, so that results of an epoch left
  early are dropped, not served to the next one.
- Seeding: each pool takes a base seed from the loader's generator (or the framework's);
  worker ``i`` seeds the framework's generator and Python's ``random`` with
  ``base_seed + i`` (PyTorch's rule for torch's generator and ``random``), and NumPy's
  legacy global generator with ``(base_seed + i) mod 2**32`` (PyTorch derives that seed
  differently), before ``worker_init_fn(i)``. Unlike PyTorch, the base seed is derived
  from the generator's state and the number of pools the loader has started, without
  drawing from the generator: the stream the samplers shuffle with
  is the one a loader without workers sees, so with or without workers a loader reads the
  same batches in the same order, every epoch.
- Workers collate on the CPU (they never touch a GPU: a forked CUDA context is unusable)
  and ship NumPy arrays; the loader puts tensors on its device.
- An exception in a worker is raised again in the loop when its batch's turn comes, as
  the same type where it can be rebuilt from a message (else ``RuntimeError``), naming the
  worker and carrying the worker's traceback; a batch that cannot be pickled is such an
  error too. A worker that dies (killed, out of memory) ends the iteration with a
  ``RuntimeError`` naming its pid and exit code; ``timeout`` bounds each wait for a batch.
- Leaving an epoch early (``break``, an exception) stops its workers at once: they are
  told by an event, skip their queued tasks, and do not wait to flush their results.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import itertools
import multiprocessing
import pickle
import queue
import random
import time
import traceback

import numpy as np

from .. import backend
from ..tensor import Tensor

# how often (seconds) a wait for a batch checks that the workers are still alive
_POLL_S = 1.0


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """In a ``DataLoader`` worker process: its ``WorkerInfo`` (id, num_workers, seed, and
    this process's copy of the dataset); None in the main process."""
    return _worker_info


class _Shipped:
    """A tensor's array on its way from a worker (pickled as a plain NumPy array)."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


def ship(value):
    """``value`` with every tensor replaced by its host array, to send to the main process."""
    if isinstance(value, Tensor):
        return _Shipped(value.array if value.device.type == "cpu" else value.array.get())
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(ship(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(ship(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, ship(v)) for k, v in value.items())
    return value


def unship(value, device):
    """The inverse of ``ship``, with the tensors on ``device``."""
    if isinstance(value, _Shipped):
        return Tensor._wrap(backend.to_device(value.array, device))
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(unship(v, device) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(unship(v, device) for v in value)
    if isinstance(value, dict):
        return type(value)((k, unship(v, device)) for k, v in value.items())
    return value


class _Message(str):
    """A message whose repr is itself: ``KeyError`` prints its argument's repr, which would
    show the worker's traceback as one line of escaped newlines (PyTorch does the same)."""

    def __repr__(self):
        return str(self)


class _Failure:
    """An exception raised in a worker, as text: the exception itself may not pickle (a
    class defined in a function, an argument holding a lambda), and a result that cannot be
    pickled would be dropped by the queue's thread and leave the loop waiting forever."""

    def __init__(self, worker_id, error):
        kind = type(error)
        self.worker_id, self.module, self.name = worker_id, kind.__module__, kind.__qualname__
        self.trace = traceback.format_exc().split("\n", 1)[-1]  # without its "Traceback (most recent…)" line

    def reraise(self):
        text = _Message(f"Caught {self.name} in DataLoader worker process {self.worker_id}.\n"
                        f"Original Traceback (most recent call last):\n{self.trace}")
        kind = RuntimeError
        try:
            found = importlib.import_module(self.module)
            for part in self.name.split("."):
                found = getattr(found, part)
            if isinstance(found, type) and issubclass(found, BaseException):
                kind = found
        except Exception:  # a class defined in a function: RuntimeError with its name
            pass
        try:
            error = kind(text)
        except Exception:  # an exception type that takes other arguments
            error = RuntimeError(text)
        raise error


class _EndOfStream:
    """The answer of a worker whose stream is exhausted; unpickles as the one instance, so
    that ``answer is END`` holds across processes."""

    def __reduce__(self):
        return (_end_of_stream, ())

    def __repr__(self):
        return "END"


def _end_of_stream():
    return END


END = _END = _EndOfStream()


def _seed_worker(seed):
    backend.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


def _worker_loop(dataset, tasks, results, fetch, worker_id, num_workers, seed, init_fn, iterable, done):
    """A worker's life: seed, ``init_fn``, then answer tasks until told to stop (None, or
    the pool's ``done`` event)."""
    # ``fetch(dataset, indices)`` collates one batch; for an iterable dataset
    # ``fetch(stream, None)`` the next batch of the stream, or ``END`` when it is done
    global _worker_info
    failure = None
    try:
        backend.set_default_device("cpu")  # a worker never touches a GPU (see above)
        _seed_worker(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as error:  # every task then reports the failed start
        failure = _Failure(worker_id, error)
    stream = None
    try:
        while True:
            task = tasks.get()
            if task is None or done.is_set():
                break
            epoch, number, indices = task
            if iterable and indices == "restart":
                if failure is None:
                    try:
                        stream = iter(dataset)
                    except Exception as error:  # reported on the epoch's first task
                        failure = _Failure(worker_id, error)
                continue
            if failure is not None:
                answer = failure
            else:
                try:
                    answer = fetch(stream, None) if iterable else fetch(dataset, indices)
                    answer = _END if answer is _END else pickle.dumps(ship(answer), pickle.HIGHEST_PROTOCOL)
                except Exception as error:
                    answer = _Failure(worker_id, error)
            results.put((epoch, number, worker_id, answer))
    except KeyboardInterrupt:  # the main process handles Ctrl-C; a worker just ends
        pass
    # what is still queued is for a loop that no longer reads: do not wait to flush it
    results.cancel_join_thread()


def context(requested):
    """The multiprocessing context: the loader's, or "fork" where there is one."""
    if requested is not None:
        return multiprocessing.get_context(requested) if isinstance(requested, str) else requested
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def base_seed(generator, count) -> int:
    """The workers' base seed for a loader's ``count``-th pool, derived from ``generator``'s
    state and ``count`` without drawing from the generator: the stream the samplers shuffle
    with stays the one a loader without workers sees, and every epoch still gets seeds of
    its own (an unshuffled loader leaves the state as it was)."""
    bits = getattr(generator, "bit_generator", None)
    if bits is None:  # not a numpy Generator: draw, as PyTorch does
        return int(generator.integers(0, 2**62))
    state = repr((bits.state, count)).encode()
    return int.from_bytes(hashlib.sha256(state).digest()[:8], "little") >> 2


class WorkerPool:
    """``num_workers`` processes serving one loader (see the module docstring)."""

    def __init__(self, loader, fetch, iterable):
        self.closed, self.processes, self.tasks, self.results = False, [], [], None
        ctx = context(loader.multiprocessing_context)
        rng = loader.generator if loader.generator is not None else backend.default_rng.generator
        loader._pools_started += 1
        self.base_seed = base_seed(rng, loader._pools_started)
        self.loader, self.iterable, self.epoch = loader, iterable, 0
        count = loader.num_workers
        self.done = ctx.Event()
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(count)]
        try:
            for i in range(count):
                process = ctx.Process(target=_worker_loop, daemon=True,
                                      args=(loader.dataset, self.tasks[i], self.results, fetch, i, count,
                                            self.base_seed + i, loader.worker_init_fn, iterable, self.done))
                process.start()
                self.processes.append(process)
        except BaseException:  # e.g. "spawn" with a dataset that does not pickle
            self.shutdown()
            raise

    def batches(self, index_batches):
        """Yield the collated batches of one epoch (``index_batches``: the batches' index
        lists; None for an iterable dataset, whose workers read their own streams)."""
        self.epoch += 1
        epoch, loader = self.epoch, self.loader
        workers = list(range(len(self.processes)))
        if self.iterable:
            for w in workers:
                self.tasks[w].put((epoch, -1, "restart"))
            index_batches = itertools.repeat(None)
        index_batches = iter(index_batches)
        active, turn = set(workers), itertools.cycle(workers)
        sent, waiting, ready, next_number = 0, {}, {}, 0
        ahead = loader.prefetch_factor * len(workers)

        def send():
            nonlocal sent
            if not active:
                return False
            indices = next(index_batches, _END)
            if indices is _END:
                return False
            worker = next(w for w in turn if w in active)
            self.tasks[worker].put((epoch, sent, indices))
            waiting[sent] = worker
            sent += 1
            return True

        def answer_of(payload):
            if isinstance(payload, _Failure):
                payload.reraise()
            return payload if payload is _END else pickle.loads(payload)

        while len(waiting) < ahead and send():
            pass
        while waiting or ready:
            if self.epoch != epoch:
                raise RuntimeError("DataLoader: a new iteration over this loader's persistent workers started; "
                                   "an earlier iterator cannot go on (iterate one at a time)")
            if loader.in_order and next_number in ready:
                answer = answer_of(ready.pop(next_number))  # a worker's error, raised in its batch's turn
                next_number += 1
                if answer is not _END:
                    yield answer
                send()  # a slot is free, whatever the answer was
                continue
            number, worker, payload = self._receive(epoch, waiting)
            waiting.pop(number, None)
            if payload is _END:
                active.discard(worker)
            if loader.in_order:
                ready[number] = payload
                continue
            answer = answer_of(payload)
            if answer is not _END:
                yield answer
            send()

    def _receive(self, epoch, waiting):
        timeout = self.loader.timeout
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            wait = _POLL_S if deadline is None else max(0.0, min(_POLL_S, deadline - time.monotonic()))
            try:
                got_epoch, number, worker, answer = self.results.get(timeout=wait)
            except queue.Empty:
                busy = set(waiting.values())
                dead = [p for i, p in enumerate(self.processes) if i in busy and not p.is_alive()]
                if dead:
                    self.shutdown()
                    details = ", ".join(f"pid {p.pid} exit code {p.exitcode}" for p in dead)
                    raise RuntimeError(f"DataLoader worker ({details}) exited unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                continue
            if got_epoch == epoch:  # an earlier epoch's leftovers are dropped
                return number, worker, answer

    def shutdown(self):
        """Stop the workers: tell them (the ``done`` event, then None behind their queued
        tasks) and wait for all of them together, a few seconds at most, ending any that
        has not stopped. A worker leaves without flushing what it still had to send
        (``cancel_join_thread``), so nothing here reads the results pipe: a message cut
        short by a worker's exit would block that read forever."""
        if self.closed:
            return
        self.closed = True
        if getattr(self, "done", None) is not None:
            self.done.set()
        for tasks in self.tasks:
            try:
                tasks.put(None)
            except (OSError, ValueError):  # the queue is closed already: that worker is told enough
                pass
        deadline = time.monotonic() + 5
        for process in self.processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=1)
        for q in self.tasks + ([self.results] if self.results is not None else []):
            q.close()
            q.cancel_join_thread()

    def __del__(self):
        try:
            self.shutdown()
        except Exception:
            pass
