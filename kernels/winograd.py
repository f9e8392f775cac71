"""Winograd F(2x2, 3x3) convolution on the per-core pipelines: the 3x3, stride-1,
ungrouped layers that fill ResNets and VGGs, with 2.25 times fewer flops than im2col.

Forward, in three linear steps per 4x4 input tile d and 2x2 output tile (see
``winograd_cpu.py`` for B, G and A):

    V = B^T d B  (per input channel)   U = G g G^T  (per filter)   M[xi] = V[xi] @ U[xi]
    Y = A^T M A                                                   (one GEMM per xi = 0..15)

The gradients are the adjoints of those steps, so they are exact too (not a second
approximation): with dM = A dY A^T,

    input gradient:  dV[xi] = dM[xi] @ U[xi]^T,  dd = B dV B^T, added into the input's tiles
    weight gradient: dU[xi] = sum over tiles of V[xi]^T @ dM[xi],  dg = G^T dU G

Each is one pass of the per-core pipelines (``conv_pipeline.plan``, ``run_on_cores``), in
bands of tile rows; two buffers per band (the transformed tiles and their products) are
what the memory budget bounds. Layers with few tiles for many channels split the
channels across the cores instead (``_by_channels``).

Rounding: in float32 the error against float64 is about im2col's (measured on a
32-channel layer; a test holds it to 4x im2col's). An inf or NaN in a tile reaches all
four of the tile's outputs, as in every Winograd convolution.
"""

from __future__ import annotations

import numpy as np

from ..blas import one_thread
from . import winograd_cpu
from .conv_pipeline import plan, run_shares, run_on_cores, summed_on_cores
from .gemm import workspace
from .taps import tap_tables

# layers with fewer channels (in or out) than this stay on im2col: the GEMMs are too thin
# for the transforms to pay for themselves (the tests lower it to cover small cases)
MIN_CHANNELS = 16
# ... and so do layers with fewer tiles in the batch: the filter transform (16 values per
# filter) would cost more than the multiplications it saves
MIN_TILES = 64
# with fewer tiles than this times the widest channel count, the cores split the channels
# instead of the tiles (see ``_by_channels``)
MIN_TILES_PER_CHANNEL = 2


def applies(kernel, stride, dilation, groups, channels, out_channels, n_images, out_hw):
    """Whether a layer takes the Winograd path: 3x3, stride 1, no dilation, one group, with
    GEMMs neither too thin (``MIN_CHANNELS``) nor too short (``MIN_TILES``)."""
    tiles = n_images * (-(-out_hw[0] // 2)) * (-(-out_hw[1] // 2))
    return (tuple(kernel) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and groups == 1
            and min(channels, out_channels) >= MIN_CHANNELS and tiles >= MIN_TILES)


def _by_channels(n_tiles, channels, out_channels, itemsize, budget):
    """Whether the cores split the channels rather than the tiles. Split by tiles, every
    core reads all 16 transformed filters (16/9 of the weight) for its share of the rows:
    with few rows, that reading dominates (ResNet-18's 512-channel 4x4 layer, 128 tiles:
    1.4x slower than im2col). Split by channels, each core reads its share of the filters
    once, for all the tiles, which are transformed first into buffers shared by the cores
    (so the whole batch's tiles must fit the memory budget)."""
    widest = max(channels, out_channels)
    return n_tiles < MIN_TILES_PER_CHANNEL * widest and 2 * 16 * n_tiles * widest * itemsize <= budget


# Bytes between two of the 16 planes of a tile buffer beyond their size. A transform stores
# to all 16 planes at once; planes a multiple of 4 KiB apart map those 16 stores to the
# same cache sets, and the input transform ran 10x slower (measured, 64 channels).
_PLANE_GAP = 64


def _planes(shape, dtype, slot):
    """A (16, ...) buffer of this thread's, its planes ``_PLANE_GAP`` bytes further apart
    than their size."""
    size = int(np.prod(shape[1:]))
    gap = _PLANE_GAP // np.dtype(dtype).itemsize
    flat = workspace((16, size + gap), dtype, np, slot=slot)
    return flat[:, :size].reshape(shape)


def weight_transform(weight):
    """(C_out, C, 3, 3) -> U (16, C_out, C), U[4k + l] = (G g G^T)[k, l] for each filter
    (planes apart by more than their size, as ``_planes``; the GEMMs read U[xi] transposed)."""
    c_out, c = weight.shape[:2]
    gap = _PLANE_GAP // weight.itemsize
    u = np.empty((16, c_out * c + gap), dtype=weight.dtype)[:, :c_out * c].reshape(16, c_out, c)
    return winograd_cpu.filter_tiles(np.ascontiguousarray(weight), u)


def weight_transform_adjoint(du):
    """(16, C_out, C) -> (C_out, C, 3, 3): dg = G^T dU G, the adjoint of ``weight_transform``."""
    return winograd_cpu.filter_tiles_adjoint(du, np.empty(du.shape[1:] + (3, 3), dtype=du.dtype))


def tile_tables(in_size, out_size, before):
    """For one axis: the 4 input positions each tile reads (-1 in the padding)."""
    return tap_tables(in_size, -(-out_size // 2), 4, 2, before, 1)[0]


def _tile_plan(n_images, tile_h, tile_w, channels, n_workers, step_bytes, itemsize, whole_images):
    # two buffers of 16 values per tile and channel (the wider side bounds both)
    per_tile_row = 2 * 16 * tile_w * channels * itemsize
    return plan(n_images, tile_h, per_tile_row, n_workers, step_bytes, whole_images)


def forward(x, weight, bias, out, padding, n_workers, step_bytes):
    """``out`` (N, OH, OW, C_out) = conv(x, weight) + bias; ``x`` (N, H, W, C) unpadded."""
    n, h, w, c = x.shape
    _, out_h, out_w, c_out = out.shape
    rows, cols = tile_tables(h, out_h, padding[0]), tile_tables(w, out_w, padding[2])
    bias = np.zeros(c_out, x.dtype) if bias is None else bias
    if _by_channels(n * len(rows) * len(cols), c, c_out, x.itemsize, step_bytes * n_workers):
        return _forward_by_channels(x, weight, bias, out, rows, cols, n_workers)
    u = weight_transform(weight).transpose(0, 2, 1)  # (16, C, C_out)
    tile_w = len(cols)
    shares = _tile_plan(n, len(rows), tile_w, max(c, c_out), n_workers, step_bytes, x.itemsize, False)

    def task(units):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        for n0, n1, r0, r1 in units:
            tiles = _planes((16, n1 - n0, r1 - r0, tile_w, c), x.dtype, "tiles")
            products = _planes((16, n1 - n0, r1 - r0, tile_w, c_out), x.dtype, "products")
            winograd_cpu.input_tiles(x[n0:n1], tiles, r0, rows, cols, patch)
            np.matmul(tiles.reshape(16, -1, c), u, out=products.reshape(16, -1, c_out))
            winograd_cpu.output_tiles(products, out[n0:n1], r0, bias)

    run_on_cores(task, shares)
    return out


def gradients(x, gy, weight, dx, padding, n_workers, step_bytes):
    """The adjoints of ``forward`` applied to ``gy`` (N, OH, OW, C_out): the input
    gradient into ``dx`` (N, H, W, C) unless it is None, and the weight gradient
    (C_out, C, 3, 3) returned unless ``x`` is None (``weight`` is read only for the input
    gradient). Asked for both (a backward pass that
    needs no graph of its own), one pass transforms each band's output gradient once
    for both; each image then stays on one core, for the input gradient's sake."""
    _, h, w, c = (dx if dx is not None else x).shape
    n, c_out = gy.shape[0], gy.shape[3]
    rows, cols = tile_tables(h, gy.shape[1], padding[0]), tile_tables(w, gy.shape[2], padding[2])
    if _by_channels(n * len(rows) * len(cols), c, c_out, gy.itemsize, step_bytes * n_workers):
        if dx is not None:
            _input_grad_by_channels(gy, weight, dx, rows, cols, n_workers)
        return None if x is None else _weight_grad_by_channels(x, gy, rows, cols, n_workers)
    u = weight_transform(weight) if dx is not None else None  # (16, C_out, C)
    tile_w = len(cols)
    shares = _tile_plan(n, len(rows), tile_w, max(c, c_out), n_workers, step_bytes, gy.itemsize,
                        whole_images=dx is not None)

    def task(units):
        total = None if x is None else np.zeros((16, c_out, c), dtype=gy.dtype)
        patch = workspace((1, 4, 4, c), gy.dtype, np, slot="patch")
        block = workspace((2, 2, c_out), gy.dtype, np, slot="block")
        for n0, n1, r0, r1 in units:
            grads = _planes((16, n1 - n0, r1 - r0, tile_w, c_out), gy.dtype, "products")
            tiles = _planes((16, n1 - n0, r1 - r0, tile_w, c), gy.dtype, "tiles")
            winograd_cpu.grad_tiles(gy[n0:n1], grads, r0, block)
            if dx is not None:
                if r0 == 0:  # an image's first band: its tiles add into these rows from here on
                    dx[n0:n1] = 0
                np.matmul(grads.reshape(16, -1, c_out), u, out=tiles.reshape(16, -1, c))
                winograd_cpu.input_tiles_adjoint_add(tiles, dx[n0:n1], r0, rows, cols, patch)
            if x is not None:
                winograd_cpu.input_tiles(x[n0:n1], tiles, r0, rows, cols, patch)
                total += np.matmul(grads.reshape(16, -1, c_out).transpose(0, 2, 1), tiles.reshape(16, -1, c))
        return total

    if x is None:
        run_on_cores(task, shares)
        return None
    return weight_transform_adjoint(summed_on_cores(task, shares))


def input_grad(gy, weight, dx, padding, n_workers, step_bytes):
    """``dx`` (N, H, W, C) = the adjoint of ``forward`` in x, applied to ``gy``."""
    gradients(None, gy, weight, dx, padding, n_workers, step_bytes)
    return dx


def weight_grad(x, gy, padding, n_workers, step_bytes):
    """(C_out, C, 3, 3): the adjoint of ``forward`` in the weight, applied to ``gy``; the
    workers' partial sums of dU are added in worker order."""
    return gradients(x, gy, None, None, padding, n_workers, step_bytes)


# ------------------------------------------------- few tiles, many channels: split channels
# Three steps, each on all cores: transform every tile into buffers shared for the call
# (the calling thread's), split by images; then the GEMMs and the inverse transform, split
# by channels, so that each core reads only its share of the transformed filters and
# writes only its own channels. Nothing is summed across cores: results are repeatable.


def _ranges(total, parts):
    """Up to ``parts`` contiguous, near-equal, non-empty (start, stop) ranges of range(total)."""
    bounds = [total * k // parts for k in range(parts + 1)]
    return [(start, stop) for start, stop in zip(bounds, bounds[1:]) if start < stop]


def _shared_tiles(x_or_gy, rows, cols, channels, slot):
    return _planes((16, x_or_gy.shape[0], len(rows), len(cols), channels), x_or_gy.dtype, slot)


def _filters_by_channels(weight, n_workers):
    """U (16, C_out, C), each core transforming its share of the filters."""
    c_out, c = weight.shape[:2]
    gap = _PLANE_GAP // weight.itemsize
    u = np.empty((16, c_out * c + gap), dtype=weight.dtype)[:, :c_out * c].reshape(16, c_out, c)
    weight = np.ascontiguousarray(weight)

    def task(part):
        winograd_cpu.filter_tiles(weight[part[0]:part[1]], u[:, part[0]:part[1]])

    run_shares(task, _ranges(c_out, n_workers))
    return u


def _forward_by_channels(x, weight, bias, out, rows, cols, n_workers):
    n, c, c_out = x.shape[0], x.shape[3], out.shape[3]
    tiles = _shared_tiles(x, rows, cols, c, "shared tiles")

    def transform(part):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        winograd_cpu.input_tiles(x[part[0]:part[1]], tiles[:, part[0]:part[1]], 0, rows, cols, patch)

    def multiply(part):
        o0, o1 = part
        products = _planes(tiles.shape[:4] + (o1 - o0,), x.dtype, "products")
        np.matmul(tiles.reshape(16, -1, c), u[:, o0:o1].transpose(0, 2, 1), out=products.reshape(16, -1, o1 - o0))
        winograd_cpu.output_tiles(products, out[..., o0:o1], 0, bias[o0:o1])

    with one_thread():
        u = _filters_by_channels(weight, n_workers)
        run_shares(transform, _ranges(n, n_workers))
        run_shares(multiply, _ranges(c_out, n_workers))
    return out


def _input_grad_by_channels(gy, weight, dx, rows, cols, n_workers):
    n, c, c_out = gy.shape[0], dx.shape[3], gy.shape[3]
    grads = _shared_tiles(gy, rows, cols, c_out, "shared products")

    def transform(part):
        block = workspace((2, 2, c_out), gy.dtype, np, slot="block")
        winograd_cpu.grad_tiles(gy[part[0]:part[1]], grads[:, part[0]:part[1]], 0, block)

    def multiply(part):
        c0, c1 = part
        tiles = _planes(grads.shape[:4] + (c1 - c0,), gy.dtype, "tiles")
        np.matmul(grads.reshape(16, -1, c_out), u[:, :, c0:c1], out=tiles.reshape(16, -1, c1 - c0))
        patch = workspace((1, 4, 4, c1 - c0), gy.dtype, np, slot="patch")
        dx[..., c0:c1] = 0  # this core's channels, whole
        winograd_cpu.input_tiles_adjoint_add(tiles, dx[..., c0:c1], 0, rows, cols, patch)

    with one_thread():
        u = _filters_by_channels(weight, n_workers)
        run_shares(transform, _ranges(n, n_workers))
        run_shares(multiply, _ranges(c, n_workers))
    return dx


def _weight_grad_by_channels(x, gy, rows, cols, n_workers):
    n, c, c_out = x.shape[0], x.shape[3], gy.shape[3]
    tiles = _shared_tiles(x, rows, cols, c, "shared tiles")
    grads = _shared_tiles(gy, rows, cols, c_out, "shared products")
    result = np.empty((c_out, c, 3, 3), dtype=x.dtype)

    def transform(part):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        block = workspace((2, 2, c_out), x.dtype, np, slot="block")
        winograd_cpu.input_tiles(x[part[0]:part[1]], tiles[:, part[0]:part[1]], 0, rows, cols, patch)
        winograd_cpu.grad_tiles(gy[part[0]:part[1]], grads[:, part[0]:part[1]], 0, block)

    def multiply(part):
        o0, o1 = part
        du = np.matmul(grads.reshape(16, -1, c_out)[:, :, o0:o1].transpose(0, 2, 1), tiles.reshape(16, -1, c))
        winograd_cpu.filter_tiles_adjoint(du, result[o0:o1])

    with one_thread():
        run_shares(transform, _ranges(n, n_workers))
        run_shares(multiply, _ranges(c_out, n_workers))
    return result
