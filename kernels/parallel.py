"""The per-core scheduler every CPU route shares: how many workers, how the work is cut
into their shares, and running the shares on the cores.

The convolution routes that run per core (``conv/pipelines.py``, ``conv/winograd.py``)
give every core the whole chain of steps on its own share of the work, with serial Numba
kernels and single-threaded GEMMs, instead of running each step on all cores in turn (see
``conv/pipelines.py`` for why and what it measured). What they have in common is here:

* ``workers()``: the number of cores OpenBLAS would use (``blas.threads()``), or None when
  NumPy's BLAS is not OpenBLAS (its threads are not ours to hand out).
* ``bounds`` / ``ranges``: the one near-equal split of a count into parts.
* ``shares``: each worker's units of work over a batch of output rows; it depends on
  shapes only, so that two runs give bit-identical results.
* ``run_shares``, ``run_on_cores``, ``summed_on_cores``: the shares run in parallel, the
  calling thread taking the first; partial results added in share order.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ..blas import one_thread, threads

_pool = None
_pool_lock = threading.Lock()


def workers():
    """How many shares to run at once: the cores OpenBLAS would use, or None (not ours to split)."""
    return threads()


def bounds(total, parts):
    """``parts + 1`` boundaries cutting ``range(total)`` into near-equal contiguous pieces."""
    return [total * k // parts for k in range(parts + 1)]


def ranges(total, parts):
    """Up to ``parts`` contiguous, near-equal, non-empty (start, stop) ranges of range(total)."""
    edges = bounds(total, parts)
    return [(start, stop) for start, stop in zip(edges, edges[1:]) if start < stop]


def shares(n_images, out_h, row_bytes, n_workers, step_bytes, whole_images):
    """Each worker's units of work, ``(first image, end image, first row, end row)``.

    A unit is either several whole images or a band of one image's output rows, with at
    most ``step_bytes`` of working buffer (``row_bytes`` per output row; at least one row).
    ``whole_images``: every image goes to a single worker (for an input gradient, whose
    neighbouring bands add into the same input rows).
    """
    if whole_images:
        edges = [image * out_h for image in bounds(n_images, n_workers)]
    else:
        edges = bounds(n_images * out_h, n_workers)
    rows_per_step = max(1, step_bytes // max(row_bytes, 1))
    return [_cut(start, stop, out_h, rows_per_step) for start, stop in zip(edges, edges[1:])]


def _cut(start, stop, out_h, rows_per_step):
    """Units covering flat output rows [start, stop), as even in size as the limit allows."""
    units = []
    position = start
    while position < stop:
        image, row = divmod(position, out_h)
        whole = (stop - position) // out_h if row == 0 else 0
        images_per_step = rows_per_step // out_h
        if whole and images_per_step:
            steps = -(-whole // images_per_step)
            sizes = [whole // steps + (k < whole % steps) for k in range(steps)]
            for size in sizes:
                units.append((image, image + size, 0, out_h))
                image += size
            position = image * out_h
        else:  # bands of this image's rows, up to the end of the image or of the share
            end = min(stop - image * out_h, out_h)
            count = end - row
            steps = -(-count // rows_per_step)
            for k in range(steps):
                units.append((image, image + 1, row + count * k // steps, row + count * (k + 1) // steps))
            position = image * out_h + end
    return units


def _forget_pool():
    """In a forked child the pool's threads do not exist: start a new pool there."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor(threads_needed):
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < threads_needed:
            _pool = ThreadPoolExecutor(threads_needed, thread_name_prefix="minitorch-kernels")
        return _pool


def run_shares(task, work):
    """``task(share)`` for every share in ``work``, in parallel: the calling thread takes
    the first share, pool threads the others. Returns the results in share order; waits
    for every share before raising the first error (they all write into the caller's
    arrays)."""
    if len(work) == 1:
        return [task(work[0])]
    futures = [_executor(len(work) - 1).submit(task, share) for share in work[1:]]
    results, error = [], None
    try:
        results.append(task(work[0]))
    except BaseException as exc:  # noqa: BLE001  (re-raised below, after the others finish)
        error = exc
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error
    return results


def run_on_cores(task, work):
    """``run_shares`` with OpenBLAS on one thread: each core's GEMMs run on that core alone."""
    with one_thread():
        return run_shares(task, work)


def summed_on_cores(task, work):
    """``run_on_cores``, then the shares' results added in share order: the same sum, bit
    for bit, on every run."""
    partials = run_on_cores(task, work)
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    return total
