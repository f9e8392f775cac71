"""The per-core pipelines route: the dense convolution (im2col + GEMM) on the CPU, each
core running the whole chain on its own share of the batch.

The chunked route runs each step of a chunk on all cores in turn: a parallel im2col, then
a multithreaded GEMM, then a parallel col2im. Each step waits for the last thread of the
one before; OpenBLAS's threads spin after every GEMM while Numba's want the same cores; and
each step streams a buffer that the step before wrote, half of it from the other core's
cache. Here every core instead runs im2col, GEMM and col2im on its own share, with serial
Numba kernels and a single-threaded GEMM, in a buffer that stays in its own cache. The
kernels read the unpadded input through tap tables, so no zero-padded copy of the input
(nor of its gradient) is made either. Measured side by side on our 2-core machine,
forward+backward of the ResNet-18 64-channel layer went from 48 to 38 ms, and AlexNet's
conv1 from 59 to 34 ms (its stride-4 col2im most of all). Running no OpenBLAS threads also
stops them spinning after each GEMM, which slowed whatever ran next (PyTorch's timings in
the benchmark included).

How the work is cut (``parallel.shares``): each of ``plan.workers`` gets a contiguous share
of the batch's output rows, in units of whole images, or bands of one image's output rows
when an image's columns would not fit ``plan.step_bytes``. For the input gradient the bands
of an image stay with one worker, since neighbouring bands' windows add into the same
input rows (``col2im_taps_add``, in order). The cut depends on shapes only, and the weight
gradient adds the workers' partial sums in worker order, so two runs give bit-identical
results. OpenBLAS's thread count is process-wide: ``blas.one_thread()`` sets it to one for
the duration (``parallel.run_on_cores``).
"""

from __future__ import annotations

import numpy as np

from ..parallel import run_on_cores, shares, summed_on_cores
from ..registry import lookup
from ..workspace import workspace
from .gemm import grouped_matmul
from .layout import as_nchw, channels_last, empty_output, filters_from_rows, weight_matrix


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = ("im2col_taps", "col2im_taps_add")
INPUT_LAYOUT, GRAD_LAYOUT = "nhwc", "nhwc"


def input_layout(x, plan):
    return channels_last(x)


def grad_layout(grad, plan):
    return channels_last(grad)


def _depth(plan):
    c_out, cg, kh, kw = plan.weight_shape
    return kh * kw * cg


def _shares(plan, itemsize, whole_images):
    n, out_w = plan.input_shape[0], plan.output_hw[1]
    row_bytes = out_w * plan.groups * _depth(plan) * itemsize  # im2col columns of one output row
    return shares(n, plan.output_hw[0], row_bytes, plan.workers, plan.step_bytes, whole_images)


def _columns(plan, n0, n1, r0, r1, dtype):
    c_out, cg, kh, kw = plan.weight_shape
    return workspace((n1 - n0, r1 - r0, plan.output_hw[1], plan.groups, kh, kw, cg), dtype, np)


def forward(x, weight, bias, plan):
    """(N, OH, OW, C_out) = im2col(x) @ weight matrix (+ bias), per core, as NCHW."""
    c_out = plan.weight_shape[0]
    groups, depth = plan.groups, _depth(plan)
    out = empty_output(plan, x)
    wmat = weight_matrix(weight, groups)
    in_rows, in_cols, _, _ = plan.tables
    im2col = lookup("im2col_taps", x)

    def task(units):
        for n0, n1, r0, r1 in units:
            cols = _columns(plan, n0, n1, r0, r1, x.dtype)
            im2col(x[n0:n1], cols, r0, in_rows, in_cols)
            target = out[n0:n1, r0:r1]
            grouped_matmul(cols.reshape(-1, groups, depth), wmat, target.reshape(-1, groups, c_out // groups))
            if bias is not None:
                target += bias  # while the unit's output is still in cache

    run_on_cores(task, _shares(plan, x.itemsize, whole_images=False))
    return as_nchw(out, plan.channels_last)


def _gradients(x, gy, weight, plan):
    """The input gradient (N, H, W, C) = col2im(gy @ weight matrix^T) unless ``weight`` is
    None, and the weight gradient rows (G, C_out/G, KH*KW*Cg) = the sum over the batch of
    gy^T @ im2col(x) unless ``x`` is None. Asked for both, one pass takes each unit of
    ``gy`` once for both (each image then stays on one core, for the input gradient's
    sake); the workers' partial weight gradients are added in worker order."""
    n, c, h, w = plan.input_shape
    c_out = plan.weight_shape[0]
    groups, depth, og = plan.groups, _depth(plan), c_out // plan.groups
    in_rows, in_cols, _, _ = plan.tables
    dx = None if weight is None else np.empty((n, h, w, c), dtype=gy.dtype)  # the workers zero it
    wmat_t = None if weight is None else weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, Og, depth)
    im2col, col2im_add = lookup("im2col_taps", gy), lookup("col2im_taps_add", gy)

    def task(units):
        total = None if x is None else np.zeros((groups, og, depth), dtype=gy.dtype)
        for n0, n1, r0, r1 in units:
            cols = _columns(plan, n0, n1, r0, r1, gy.dtype)
            grads = gy[n0:n1, r0:r1].reshape(-1, groups, og)
            if dx is not None:
                if r0 == 0:  # an image's first unit: its bands add into these rows from here on
                    dx[n0:n1] = 0
                grouped_matmul(grads, wmat_t, cols.reshape(-1, groups, depth))
                col2im_add(cols, dx[n0:n1], r0, in_rows, in_cols)
            if x is not None:
                im2col(x[n0:n1], cols, r0, in_rows, in_cols)
                rows = cols.reshape(-1, groups, depth).transpose(1, 0, 2)  # (G, m, K)
                total += np.matmul(grads.transpose(1, 2, 0), rows)  # (G, Og, m) @ (G, m, K)
        return total

    work = _shares(plan, gy.itemsize, whole_images=dx is not None)
    if x is None:
        run_on_cores(task, work)
        return dx, None
    return dx, summed_on_cores(task, work)


def input_grad(gy, weight, plan):
    dx, _ = _gradients(None, gy, weight, plan)
    return as_nchw(dx, plan.channels_last)


def weight_grad(x, gy, plan):
    _, rows = _gradients(x, gy, None, plan)
    return filters_from_rows(rows, plan.weight_shape, plan.groups)


def backward(x, gy, weight, plan):
    """Both gradients in one pass over the output gradient."""
    dx, rows = _gradients(x, gy, weight, plan)
    return as_nchw(dx, plan.channels_last), filters_from_rows(rows, plan.weight_shape, plan.groups)
