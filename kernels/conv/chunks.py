"""The chunked route: im2col + one GEMM per chunk of images, on a zero-padded
channels-last copy of the input. Array-API code around the registered ``im2col`` and
``col2im`` kernels, so it serves every device (NumPy with Numba's kernels, CuPy with its
own); grouped convolutions are one batched matmul over the groups, not a Python loop.

The im2col buffer is KH*KW times the input, so batches are processed in chunks of
``plan.chunk_images`` images, as many as keep it under the memory budget (at least one).
The default budget, 16 MiB, is also the fastest: a chunk that stays in cache between the
im2col copy and the GEMM that reads it beat one big buffer by 1.2-1.6x on ResNet and VGG
layers. The buffer is reused from call to call (per thread; ``workspace``).

On the CPU with OpenBLAS the dense layers take the per-core routes instead
(``pipelines.py``, ``winograd.py``); this one stays for CuPy, for other BLAS libraries
(whose threads the per-core routes cannot take) and for GEMMs with few rows for their width.
"""

from __future__ import annotations

from ...backend import xp_of
from ..registry import lookup
from ..workspace import workspace
from .gemm import grouped_matmul
from .layout import as_nchw, channels_last, empty_output, filters_from_rows, padded_channels_last, weight_matrix


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = ("im2col", "col2im")
INPUT_LAYOUT, GRAD_LAYOUT = "padded nhwc", "nhwc"


def input_layout(x, plan):
    return padded_channels_last(x, plan.padding)


def grad_layout(grad, plan):
    return channels_last(grad)


def _chunks(plan):
    n, step = plan.input_shape[0], plan.chunk_images
    return [(start, min(start + step, n)) for start in range(0, n, step)]


def _columns(plan, images, xp):
    """This thread's im2col buffer for a chunk of ``images``: (images, OH, OW, G, KH, KW, Cg)."""
    c_out, cg, kh, kw = plan.weight_shape
    return workspace((images,) + tuple(plan.output_hw) + (plan.groups, kh, kw, cg), plan.dtype, xp)


def forward(xpad, weight, bias, plan):
    xp = xp_of(xpad)
    c_out, cg, kh, kw = plan.weight_shape
    groups = plan.groups
    out = empty_output(plan, xpad)
    wmat = weight_matrix(weight, groups)
    im2col = lookup("im2col", xpad)
    for start, stop in _chunks(plan):
        cols = _columns(plan, stop - start, xp)
        im2col(xpad[start:stop], cols, plan.stride, plan.dilation)
        grouped_matmul(cols.reshape(-1, groups, kh * kw * cg), wmat, out[start:stop].reshape(-1, groups, c_out // groups))
    if bias is not None:
        out += bias
    return as_nchw(out, plan.channels_last)


def input_grad(gy, weight, plan):
    """Also ``conv_transpose2d``: GEMMs into columns, col2im into a padded gradient, cropped."""
    xp = xp_of(gy)
    n, c, h, w = plan.input_shape
    c_out, cg, kh, kw = plan.weight_shape
    groups, (top, bottom, left, right) = plan.groups, plan.padding
    hp, wp = h + top + bottom, w + left + right
    wmat = weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, KH*KW*Cg)
    dxpad = xp.empty((n, hp, wp, c), dtype=gy.dtype)  # col2im overwrites it
    col2im = lookup("col2im", gy)
    for start, stop in _chunks(plan):
        cols = _columns(plan, stop - start, xp)
        grouped_matmul(gy[start:stop].reshape(-1, groups, c_out // groups), wmat, cols.reshape(-1, groups, kh * kw * cg))
        col2im(cols, dxpad[start:stop], plan.stride, plan.dilation)
    return as_nchw(dxpad[:, top:hp - bottom, left:wp - right, :], plan.channels_last)


def weight_grad(xpad, gy, plan):
    """The sum over chunks of gy^T @ im2col(xpad)."""
    xp = xp_of(xpad)
    c_out, cg, kh, kw = plan.weight_shape
    groups, rows_per_image = plan.groups, plan.output_hw[0] * plan.output_hw[1]
    gy_rows = gy.reshape(-1, groups, c_out // groups).transpose(1, 2, 0)  # (G, C_out/G, M)
    dw = xp.empty((groups, c_out // groups, kh * kw * cg), dtype=xpad.dtype)
    im2col = lookup("im2col", xpad)
    for start, stop in _chunks(plan):
        cols = _columns(plan, stop - start, xp)
        im2col(xpad[start:stop], cols, plan.stride, plan.dilation)
        rows = cols.reshape(-1, groups, kh * kw * cg).transpose(1, 0, 2)  # (G, m, K)
        product = gy_rows[:, :, start * rows_per_image:stop * rows_per_image]
        if start == 0:  # the first chunk's product is the sum so far (no zeroing, no add)
            xp.matmul(product, rows, out=dw)
        else:
            dw += xp.matmul(product, rows)
    return filters_from_rows(dw, plan.weight_shape, groups)


def backward(xpad, gy, weight, plan):
    return input_grad(gy, weight, plan), weight_grad(xpad, gy, plan)
