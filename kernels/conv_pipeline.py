"""Per-core pipelines for the dense convolution (im2col + GEMM) on the CPU.

The chunked path in ``conv.py`` runs each step of a chunk on all cores in turn: a
parallel im2col, then a multithreaded GEMM, then a parallel col2im. Each step waits for
the last thread of the one before; OpenBLAS's threads spin after every GEMM while Numba's
want the same cores; and each step streams a buffer that the step before wrote, half of
it from the other core's cache. Here every core instead runs the whole chain (im2col, GEMM,
col2im) on its own share of the batch, with serial Numba kernels and a single-threaded
GEMM, in a buffer that stays in its own cache. The kernels read the unpadded input through
tap tables, so no zero-padded copy of the input (nor of its gradient) is made either.
Measured side by side on our 2-core machine, forward+backward of the ResNet-18
64-channel layer went from 48 to 38 ms, and AlexNet's conv1 from 59 to 34 ms (its
stride-4 col2im most of all). Running no OpenBLAS threads also stops them spinning after
each GEMM, which slowed whatever ran next (PyTorch's timings in the benchmark included).

How the work is cut (``plan``): each worker gets a contiguous share of the batch's output
rows, cut into units of whole images, or bands of one image's output rows when an image's
columns would not fit ``step_bytes``. For the input gradient the bands of an image must
stay with one worker, since neighbouring bands' windows add into the same input rows
(``cpu.col2im_taps_add``, in order). The plan depends on shapes only, and the weight gradient sums
the workers' partial sums in worker order, so two runs give bit-identical results.

OpenBLAS's thread count is process-wide: ``blas.one_thread()`` sets it to one for the
duration, and the number of workers is the thread count it had. With another BLAS (or
none found) ``workers()`` is None and ``conv.py`` keeps to its chunked path.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..blas import one_thread, threads
from . import cpu
from .gemm import grouped_matmul, workspace

enabled = True  # False: the chunked path everywhere (the tests run both)

_pool = None
_pool_lock = threading.Lock()


def workers():
    """How many pipelines to run: the cores OpenBLAS would use, or None (not ours to split)."""
    return threads() if enabled else None


def plan(n_images, out_h, row_bytes, n_workers, step_bytes, whole_images):
    """Each worker's units of work, ``(first image, end image, first row, end row)``.

    A unit is either several whole images or a band of one image's output rows, with at
    most ``step_bytes`` of im2col columns (``row_bytes`` per output row; at least one row).
    ``whole_images``: every image goes to a single worker (for the input gradient).
    """
    total = n_images * out_h
    if whole_images:
        bounds = [n_images * k // n_workers * out_h for k in range(n_workers + 1)]
    else:
        bounds = [total * k // n_workers for k in range(n_workers + 1)]
    rows_per_step = max(1, step_bytes // max(row_bytes, 1))
    return [_cut(start, stop, out_h, rows_per_step) for start, stop in zip(bounds, bounds[1:])]


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
            _pool = ThreadPoolExecutor(threads_needed, thread_name_prefix="minitorch-conv")
        return _pool


def run_shares(task, shares):
    """``task(units)`` for every share, in parallel: the calling thread takes the first
    share, pool threads the others. Returns the results in share order; waits for every
    share before raising the first error (they all write into the caller's arrays)."""
    if len(shares) == 1:
        return [task(shares[0])]
    futures = [_executor(len(shares) - 1).submit(task, share) for share in shares[1:]]
    results, error = [], None
    try:
        results.append(task(shares[0]))
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


def run_on_cores(task, shares):
    """``run_shares`` with OpenBLAS on one thread: each core's GEMMs run on that core alone."""
    with one_thread():
        return run_shares(task, shares)


def summed_on_cores(task, shares):
    """``run_on_cores``, then the shares' results added in share order: the same sum, bit
    for bit, on every run."""
    partials = run_on_cores(task, shares)
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    return total


def forward(x, wmat, bias, out, in_rows, in_cols, kernel, groups, n_workers, step_bytes):
    """``out`` (N, OH, OW, C_out) = im2col(x) @ wmat (+ bias), per core; ``x`` is the
    unpadded channels-last input, read through the tap tables ``in_rows``/``in_cols``."""
    n, out_h, out_w, c_out = out.shape
    kh, kw = kernel
    cg = x.shape[3] // groups
    depth = kh * kw * cg
    shares = plan(n, out_h, out_w * groups * depth * x.itemsize, n_workers, step_bytes, whole_images=False)

    def task(units):
        for n0, n1, r0, r1 in units:
            cols = workspace((n1 - n0, r1 - r0, out_w, groups, kh, kw, cg), x.dtype, np)
            cpu.im2col_taps(x[n0:n1], cols, r0, in_rows, in_cols)
            target = out[n0:n1, r0:r1]
            grouped_matmul(cols.reshape(-1, groups, depth), wmat, target.reshape(-1, groups, c_out // groups))
            if bias is not None:
                target += bias  # while the unit's output is still in cache

    run_on_cores(task, shares)
    return out


def gradients(x, gy, wmat_t, dx, in_rows, in_cols, kernel, groups, n_workers, step_bytes):
    """The input gradient ``dx`` (N, H, W, C) = col2im(gy @ wmat_t) unless ``dx`` is None,
    and the weight gradient (G, C_out/G, KH*KW*Cg) = the sum over the batch of
    gy^T @ im2col(x), returned unless ``x`` is None. Asked for both, one pass takes each
    unit of ``gy`` once for both (each image then stays on one core, for ``dx``'s sake);
    the workers' partial weight gradients are added in worker order."""
    n, out_h, out_w, c_out = gy.shape
    kh, kw = kernel
    cg = (dx if dx is not None else x).shape[3] // groups
    depth = kh * kw * cg
    og = c_out // groups
    shares = plan(n, out_h, out_w * groups * depth * gy.itemsize, n_workers, step_bytes, whole_images=dx is not None)

    def task(units):
        total = None if x is None else np.zeros((groups, og, depth), dtype=gy.dtype)
        for n0, n1, r0, r1 in units:
            cols = workspace((n1 - n0, r1 - r0, out_w, groups, kh, kw, cg), gy.dtype, np)
            grads = gy[n0:n1, r0:r1].reshape(-1, groups, og)
            if dx is not None:
                if r0 == 0:  # an image's first unit: its bands add into these rows from here on
                    dx[n0:n1] = 0
                grouped_matmul(grads, wmat_t, cols.reshape(-1, groups, depth))
                cpu.col2im_taps_add(cols, dx[n0:n1], r0, in_rows, in_cols)
            if x is not None:
                cpu.im2col_taps(x[n0:n1], cols, r0, in_rows, in_cols)
                rows = cols.reshape(-1, groups, depth).transpose(1, 0, 2)  # (G, m, K)
                total += np.matmul(grads.transpose(1, 2, 0), rows)  # (G, Og, m) @ (G, m, K)
        return total

    if x is None:
        run_on_cores(task, shares)
        return None
    return summed_on_cores(task, shares)
