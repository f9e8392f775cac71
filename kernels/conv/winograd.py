"""The Winograd route: F(2x2, 3x3) convolution on the per-core pipelines, for the 3x3,
stride-1, ungrouped layers that fill ResNets and VGGs, with 2.25 times fewer flops than
im2col.

Forward, in three linear steps per 4x4 input tile d and 2x2 output tile (see
``winograd_cpu.py`` for B, G and A):

    V = B^T d B  (per input channel)   U = G g G^T  (per filter)   M[xi] = V[xi] @ U[xi]
    Y = A^T M A                                                   (one GEMM per xi = 0..15)

The gradients are the adjoints of those steps, so they are exact too (not a second
approximation): with dM = A dY A^T,

    input gradient:  dV[xi] = dM[xi] @ U[xi]^T,  dd = B dV B^T, added into the input's tiles
    weight gradient: dU[xi] = sum over tiles of V[xi]^T @ dM[xi],  dg = G^T dU G

``plan.split`` says how the cores share the work. "tiles": each core takes a share of the
tile rows, in bands (``parallel.shares``), two buffers per band (the transformed tiles and
their products) bounded by ``plan.step_bytes``. "channels", for layers with few tiles for
many channels: every tile is transformed first into buffers shared for the call, then
each core takes a share of the channels (see below). The choice is the plan's.

Rounding: in float32 the error against float64 is about im2col's (measured on a
32-channel layer; a test holds it to 4x im2col's). An inf or NaN in a tile reaches all
four of the tile's outputs, as in every Winograd convolution.
"""

from __future__ import annotations

import numpy as np

from ...blas import one_thread
from ..parallel import ranges, run_on_cores, run_shares, shares, summed_on_cores
from ..registry import lookup
from ..workspace import workspace
from .layout import as_nchw, channels_last, empty_output
from .taps import tap_tables


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = tuple(f"winograd_{name}" for name in ("input_tiles", "input_tiles_adjoint_add", "output_tiles",
                                                        "grad_tiles", "filter_tiles", "filter_tiles_adjoint"))
INPUT_LAYOUT, GRAD_LAYOUT = "nhwc", "nhwc"


def input_layout(x, plan):
    return channels_last(x)


def grad_layout(grad, plan):
    return channels_last(grad)


# Bytes between two of the 16 planes of a tile buffer beyond their size. A transform stores
# to all 16 planes at once; planes a multiple of 4 KiB apart map those 16 stores to the
# same cache sets, and the input transform ran 10x slower (measured, 64 channels).
_PLANE_GAP = 64


def _gapped(flat, shape):
    """The (16, ...) array ``shape`` over ``flat`` (16, size + gap): planes further apart than their size."""
    return flat[:, :int(np.prod(shape[1:]))].reshape(shape)


def _planes(shape, dtype, slot):
    """A (16, ...) buffer of this thread's, its planes ``_PLANE_GAP`` bytes further apart
    than their size."""
    gap = _PLANE_GAP // np.dtype(dtype).itemsize
    return _gapped(workspace((16, int(np.prod(shape[1:])) + gap), dtype, np, slot=slot), shape)


def _filter_buffer(c_out, c, dtype):
    """A fresh U (16, C_out, C), planes apart by more than their size (as ``_planes``)."""
    gap = _PLANE_GAP // np.dtype(dtype).itemsize
    return _gapped(np.empty((16, c_out * c + gap), dtype=dtype), (16, c_out, c))


def weight_transform(weight):
    """(C_out, C, 3, 3) -> U (16, C_out, C), U[4k + l] = (G g G^T)[k, l] for each filter
    (the GEMMs read U[xi] transposed)."""
    u = _filter_buffer(weight.shape[0], weight.shape[1], weight.dtype)
    return lookup("winograd_filter_tiles", weight)(np.ascontiguousarray(weight), u)


def weight_transform_adjoint(du):
    """(16, C_out, C) -> (C_out, C, 3, 3): dg = G^T dU G, the adjoint of ``weight_transform``."""
    return lookup("winograd_filter_tiles_adjoint", du)(du, np.empty(du.shape[1:] + (3, 3), dtype=du.dtype))


def tile_tables(in_size, out_size, before):
    """For one axis: the 4 input positions each tile reads (-1 in the padding)."""
    return tap_tables(in_size, -(-out_size // 2), 4, 2, before, 1)[0]


class _Tiles:
    """The plan's tile geometry and the transforms, looked up once per call."""

    def __init__(self, plan, array):
        n, c, h, w = plan.input_shape
        (out_h, out_w), top, left = plan.output_hw, plan.padding[0], plan.padding[2]
        self.rows, self.cols = tile_tables(h, out_h, top), tile_tables(w, out_w, left)
        self.n, self.c, self.c_out = n, c, plan.weight_shape[0]
        self.inputs = lookup("winograd_input_tiles", array)
        self.outputs = lookup("winograd_output_tiles", array)
        self.grads = lookup("winograd_grad_tiles", array)
        self.inputs_adjoint_add = lookup("winograd_input_tiles_adjoint_add", array)

    def bands(self, plan, itemsize, whole_images):
        """Each worker's bands of tile rows: two buffers of 16 values per tile and channel
        (the wider side bounds both) per ``plan.step_bytes``."""
        per_tile_row = 2 * 16 * len(self.cols) * max(self.c, self.c_out) * itemsize
        return shares(self.n, len(self.rows), per_tile_row, plan.workers, plan.step_bytes, whole_images)


def forward(x, weight, bias, plan):
    """conv(x, weight) + bias for the unpadded channels-last x (N, H, W, C), as NCHW."""
    tiles_of = _Tiles(plan, x)
    c, c_out, tile_w = tiles_of.c, tiles_of.c_out, len(tiles_of.cols)
    out = empty_output(plan, x)
    bias = np.zeros(c_out, x.dtype) if bias is None else bias
    if plan.split == "channels":
        return as_nchw(_forward_by_channels(x, weight, bias, out, tiles_of, plan.workers), plan.channels_last)
    u = weight_transform(weight).transpose(0, 2, 1)  # (16, C, C_out)

    def task(units):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        for n0, n1, r0, r1 in units:
            tiles = _planes((16, n1 - n0, r1 - r0, tile_w, c), x.dtype, "tiles")
            products = _planes((16, n1 - n0, r1 - r0, tile_w, c_out), x.dtype, "products")
            tiles_of.inputs(x[n0:n1], tiles, r0, tiles_of.rows, tiles_of.cols, patch)
            np.matmul(tiles.reshape(16, -1, c), u, out=products.reshape(16, -1, c_out))
            tiles_of.outputs(products, out[n0:n1], r0, bias)

    run_on_cores(task, tiles_of.bands(plan, x.itemsize, whole_images=False))
    return as_nchw(out, plan.channels_last)


def _gradients(x, gy, weight, plan):
    """The adjoints of ``forward`` applied to ``gy`` (N, OH, OW, C_out): the input
    gradient (N, H, W, C) unless ``weight`` is None, and the weight gradient
    (C_out, C, 3, 3) unless ``x`` is None. Asked for both (a backward pass that needs no
    graph of its own), one pass transforms each band's output gradient once for both; each
    image then stays on one core, for the input gradient's sake."""
    tiles_of = _Tiles(plan, gy)
    n, c, c_out, tile_w = tiles_of.n, tiles_of.c, tiles_of.c_out, len(tiles_of.cols)
    h, w = plan.input_shape[2:]
    dx = None if weight is None else np.empty((n, h, w, c), dtype=gy.dtype)  # the workers zero it
    if plan.split == "channels":
        if dx is not None:
            _input_grad_by_channels(gy, weight, dx, tiles_of, plan.workers)
        return dx, None if x is None else _weight_grad_by_channels(x, gy, tiles_of, plan.workers)
    u = None if weight is None else weight_transform(weight)  # (16, C_out, C)
    rows, cols = tiles_of.rows, tiles_of.cols

    def task(units):
        total = None if x is None else np.zeros((16, c_out, c), dtype=gy.dtype)
        patch = workspace((1, 4, 4, c), gy.dtype, np, slot="patch")
        block = workspace((2, 2, c_out), gy.dtype, np, slot="block")
        for n0, n1, r0, r1 in units:
            grads = _planes((16, n1 - n0, r1 - r0, tile_w, c_out), gy.dtype, "products")
            tiles = _planes((16, n1 - n0, r1 - r0, tile_w, c), gy.dtype, "tiles")
            tiles_of.grads(gy[n0:n1], grads, r0, block)
            if dx is not None:
                if r0 == 0:  # an image's first band: its tiles add into these rows from here on
                    dx[n0:n1] = 0
                np.matmul(grads.reshape(16, -1, c_out), u, out=tiles.reshape(16, -1, c))
                tiles_of.inputs_adjoint_add(tiles, dx[n0:n1], r0, rows, cols, patch)
            if x is not None:
                tiles_of.inputs(x[n0:n1], tiles, r0, rows, cols, patch)
                total += np.matmul(grads.reshape(16, -1, c_out).transpose(0, 2, 1), tiles.reshape(16, -1, c))
        return total

    work = tiles_of.bands(plan, gy.itemsize, whole_images=dx is not None)
    if x is None:
        run_on_cores(task, work)
        return dx, None
    return dx, weight_transform_adjoint(summed_on_cores(task, work))


def input_grad(gy, weight, plan):
    dx, _ = _gradients(None, gy, weight, plan)
    return as_nchw(dx, plan.channels_last)


def weight_grad(x, gy, plan):
    """The workers' partial sums of dU are added in worker order."""
    return _gradients(x, gy, None, plan)[1]


def backward(x, gy, weight, plan):
    dx, dw = _gradients(x, gy, weight, plan)
    return as_nchw(dx, plan.channels_last), dw


# ------------------------------------------------- few tiles, many channels: split channels
# Three steps, each on all cores: transform every tile into buffers shared for the call
# (the calling thread's), split by images; then the GEMMs and the inverse transform, split
# by channels, so that each core reads only its share of the transformed filters and
# writes only its own channels. Nothing is summed across cores: results are repeatable.
# Measured on ResNet-18's 512-channel 4x4 layer (128 tiles): 31.9 ms forward+backward on
# im2col, 24.4 ms here, where the split by tiles ran 1.4x slower than im2col (every core
# read all 16 transformed filters, 16/9 of the weight, for a handful of rows).


def _shared_tiles(x_or_gy, tiles_of, channels, slot):
    return _planes((16, x_or_gy.shape[0], len(tiles_of.rows), len(tiles_of.cols), channels), x_or_gy.dtype, slot)


def _filters_by_channels(weight, n_workers):
    """U (16, C_out, C), each core transforming its share of the filters."""
    u = _filter_buffer(weight.shape[0], weight.shape[1], weight.dtype)
    weight = np.ascontiguousarray(weight)
    transform = lookup("winograd_filter_tiles", weight)

    def task(part):
        transform(weight[part[0]:part[1]], u[:, part[0]:part[1]])

    run_shares(task, ranges(weight.shape[0], n_workers))
    return u


def _forward_by_channels(x, weight, bias, out, tiles_of, n_workers):
    n, c, c_out = x.shape[0], x.shape[3], out.shape[3]
    tiles = _shared_tiles(x, tiles_of, c, "shared tiles")

    def transform(part):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        tiles_of.inputs(x[part[0]:part[1]], tiles[:, part[0]:part[1]], 0, tiles_of.rows, tiles_of.cols, patch)

    def multiply(part):
        o0, o1 = part
        products = _planes(tiles.shape[:4] + (o1 - o0,), x.dtype, "products")
        np.matmul(tiles.reshape(16, -1, c), u[:, o0:o1].transpose(0, 2, 1), out=products.reshape(16, -1, o1 - o0))
        tiles_of.outputs(products, out[..., o0:o1], 0, bias[o0:o1])

    with one_thread():
        u = _filters_by_channels(weight, n_workers)
        run_shares(transform, ranges(n, n_workers))
        run_shares(multiply, ranges(c_out, n_workers))
    return out


def _input_grad_by_channels(gy, weight, dx, tiles_of, n_workers):
    n, c, c_out = gy.shape[0], dx.shape[3], gy.shape[3]
    grads = _shared_tiles(gy, tiles_of, c_out, "shared products")

    def transform(part):
        block = workspace((2, 2, c_out), gy.dtype, np, slot="block")
        tiles_of.grads(gy[part[0]:part[1]], grads[:, part[0]:part[1]], 0, block)

    def multiply(part):
        c0, c1 = part
        tiles = _planes(grads.shape[:4] + (c1 - c0,), gy.dtype, "tiles")
        np.matmul(grads.reshape(16, -1, c_out), u[:, :, c0:c1], out=tiles.reshape(16, -1, c1 - c0))
        patch = workspace((1, 4, 4, c1 - c0), gy.dtype, np, slot="patch")
        dx[..., c0:c1] = 0  # this core's channels, whole
        tiles_of.inputs_adjoint_add(tiles, dx[..., c0:c1], 0, tiles_of.rows, tiles_of.cols, patch)

    with one_thread():
        u = _filters_by_channels(weight, n_workers)
        run_shares(transform, ranges(n, n_workers))
        run_shares(multiply, ranges(c, n_workers))
    return dx


def _weight_grad_by_channels(x, gy, tiles_of, n_workers):
    n, c, c_out = x.shape[0], x.shape[3], gy.shape[3]
    tiles = _shared_tiles(x, tiles_of, c, "shared tiles")
    grads = _shared_tiles(gy, tiles_of, c_out, "shared products")
    result = np.empty((c_out, c, 3, 3), dtype=x.dtype)
    adjoint = lookup("winograd_filter_tiles_adjoint", x)

    def transform(part):
        patch = workspace((1, 4, 4, c), x.dtype, np, slot="patch")
        block = workspace((2, 2, c_out), x.dtype, np, slot="block")
        tiles_of.inputs(x[part[0]:part[1]], tiles[:, part[0]:part[1]], 0, tiles_of.rows, tiles_of.cols, patch)
        tiles_of.grads(gy[part[0]:part[1]], grads[:, part[0]:part[1]], 0, block)

    def multiply(part):
        o0, o1 = part
        du = np.matmul(grads.reshape(16, -1, c_out)[:, :, o0:o1].transpose(0, 2, 1), tiles.reshape(16, -1, c))
        adjoint(du, result[o0:o1])

    with one_thread():
        run_shares(transform, ranges(n, n_workers))
        run_shares(multiply, ranges(c_out, n_workers))
    return result
