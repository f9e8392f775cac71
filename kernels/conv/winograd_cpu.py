"""Numba kernels of the Winograd F(2x2, 3x3) convolution: the four tile transforms.

F(2x2, 3x3) computes a 2x2 block of a 3x3 convolution's output from a 4x4 input tile:

    Y = A^T [ (G g G^T) * (B^T d B) ] A        (* elementwise, summed over input channels)

    B^T = [[1, 0, -1, 0],    G = [[1,    0,   0  ],    A^T = [[1, 1,  1,  0],
           [0, 1,  1, 0],         [1/2,  1/2, 1/2],           [0, 1, -1, -1]]
           [0, -1, 1, 0],         [1/2, -1/2, 1/2],
           [0, 1,  0, -1]]        [0,    0,   1  ]]

so a tile costs 16 multiplications per channel pair instead of 36: the sum over channels
becomes 16 GEMMs (one per tile position xi = 4k + l), with 2.25 times fewer flops than
im2col's. The gradients are the adjoints of the same three linear steps (``winograd.py``).
Each kernel agrees with its namesake in ``winograd_reference.py``, which writes the same
transforms as the matrix products above.

Layouts (channels innermost, so every inner loop runs contiguously over channels and
vectorises): images (N, H, W, C); tiles (16, N, tile rows, tile columns, C). Tile row ``a``
covers input rows 2a - top .. 2a - top + 3 and output rows 2a, 2a + 1; the tap tables
(``taps.tap_tables`` with kernel 4, stride 2) give each tile's input rows and columns, -1 in
the padding. Every kernel takes a band of tile rows from ``first_row`` and runs serially,
on the thread of the worker that calls it (``winograd.py``).
"""

from __future__ import annotations

from numba import njit

from .._numba import SERIAL


@njit(inline="always")
def _bt(v0, v1, v2, v3):
    """B^T v"""
    return v0 - v2, v1 + v2, v2 - v1, v1 - v3


@njit(inline="always")
def _b(v0, v1, v2, v3):
    """B v (the adjoint of B^T)"""
    return v0, v1 - v2 + v3, v1 + v2 - v0, -v3


@njit(inline="always")
def _at(v0, v1, v2, v3):
    """A^T v"""
    return v0 + v1 + v2, v1 - v2 - v3


@njit(inline="always")
def _a(u0, u1):
    """A u (the adjoint of A^T)"""
    return u0, u0 + u1, u0 - u1, -u1


@njit(inline="always")
def _store_row(tiles, k, n, r, b, c, v):
    """tiles[4k .. 4k + 3, n, r, b, c] = v"""
    tiles[4 * k + 0, n, r, b, c] = v[0]
    tiles[4 * k + 1, n, r, b, c] = v[1]
    tiles[4 * k + 2, n, r, b, c] = v[2]
    tiles[4 * k + 3, n, r, b, c] = v[3]


@njit(inline="always")
def _load_row(src, n, row, cols, c):
    """(src[n, row, cols[0], c], ..., src[n, row, cols[3], c]); ``cols`` a tuple"""
    return src[n, row, cols[0], c], src[n, row, cols[1], c], src[n, row, cols[2], c], src[n, row, cols[3], c]


@njit(inline="always")
def _four(table, index):
    """table[index, 0 .. 3] as a tuple of scalars. Kernels read their tables into locals
    before the channel loop: a table could alias the arrays written in the loop, so LLVM
    would reload it every iteration and not vectorise."""
    return table[index, 0], table[index, 1], table[index, 2], table[index, 3]


@njit(inline="always")
def _transform_store(tiles, n, r, b, c, d0, d1, d2, d3):
    """tiles[:, n, r, b, c] = B^T d B for the 4x4 patch whose rows are d0 .. d3."""
    # B^T down each column l, then across each row k (tuples indexed by constants only: a
    # loop index would stop the vectorisation over c)
    t0 = _bt(d0[0], d1[0], d2[0], d3[0])
    t1 = _bt(d0[1], d1[1], d2[1], d3[1])
    t2 = _bt(d0[2], d1[2], d2[2], d3[2])
    t3 = _bt(d0[3], d1[3], d2[3], d3[3])
    _store_row(tiles, 0, n, r, b, c, _bt(t0[0], t1[0], t2[0], t3[0]))
    _store_row(tiles, 1, n, r, b, c, _bt(t0[1], t1[1], t2[1], t3[1]))
    _store_row(tiles, 2, n, r, b, c, _bt(t0[2], t1[2], t2[2], t3[2]))
    _store_row(tiles, 3, n, r, b, c, _bt(t0[3], t1[3], t2[3], t3[3]))


@njit(inline="always")
def _inside(rows, cols):
    return rows[0] >= 0 and rows[3] >= 0 and cols[0] >= 0 and cols[3] >= 0


@njit(**SERIAL)
def input_tiles(x, tiles, first_row, tile_rows, tile_cols, patch):
    """tiles[:, n, r, b, c] = B^T d B, d the 4x4 input patch of tile (first_row + r, b).

    Tiles inside the image read it directly; tiles that overlap the padding first copy
    their patch into ``patch`` (1, 4, 4, C), zeros where the tables say -1."""
    _, n_images, rows, tile_w, channels = tiles.shape
    zero = (0, 1, 2, 3)
    for n in range(n_images):
        for r in range(rows):
            ih = _four(tile_rows, first_row + r)
            for b in range(tile_w):
                iw = _four(tile_cols, b)
                if _inside(ih, iw):
                    for c in range(channels):
                        _transform_store(tiles, n, r, b, c, _load_row(x, n, ih[0], iw, c),
                                         _load_row(x, n, ih[1], iw, c), _load_row(x, n, ih[2], iw, c),
                                         _load_row(x, n, ih[3], iw, c))
                else:
                    for k in range(4):
                        for l in range(4):
                            if ih[k] < 0 or iw[l] < 0:
                                for c in range(channels):
                                    patch[0, k, l, c] = 0.0
                            else:
                                for c in range(channels):
                                    patch[0, k, l, c] = x[n, ih[k], iw[l], c]
                    for c in range(channels):
                        _transform_store(tiles, n, r, b, c, _load_row(patch, 0, 0, zero, c),
                                         _load_row(patch, 0, 1, zero, c), _load_row(patch, 0, 2, zero, c),
                                         _load_row(patch, 0, 3, zero, c))
    return tiles


@njit(**SERIAL)
def output_tiles(products, out, first_row, bias):
    """out[n, 2a + i, 2b + j, :] = (A^T m A)[i, j] + bias for tile (a, b) = (first_row + r, b),
    m = products[:, n, r, b, :]; outputs past the edge of ``out`` are dropped."""
    _, n_images, rows, tile_w, channels = products.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for n in range(n_images):
        for r in range(rows):
            top = 2 * (first_row + r)
            for b in range(tile_w):
                left = 2 * b
                keep_bottom, keep_right = top + 1 < out_h, left + 1 < out_w
                for c in range(channels):
                    # A^T down each column, then across the two rows
                    s0 = _at(products[0, n, r, b, c], products[4, n, r, b, c], products[8, n, r, b, c],
                             products[12, n, r, b, c])
                    s1 = _at(products[1, n, r, b, c], products[5, n, r, b, c], products[9, n, r, b, c],
                             products[13, n, r, b, c])
                    s2 = _at(products[2, n, r, b, c], products[6, n, r, b, c], products[10, n, r, b, c],
                             products[14, n, r, b, c])
                    s3 = _at(products[3, n, r, b, c], products[7, n, r, b, c], products[11, n, r, b, c],
                             products[15, n, r, b, c])
                    y0 = _at(s0[0], s1[0], s2[0], s3[0])
                    out[n, top, left, c] = y0[0] + bias[c]
                    if keep_right:
                        out[n, top, left + 1, c] = y0[1] + bias[c]
                    if keep_bottom:
                        y1 = _at(s0[1], s1[1], s2[1], s3[1])
                        out[n, top + 1, left, c] = y1[0] + bias[c]
                        if keep_right:
                            out[n, top + 1, left + 1, c] = y1[1] + bias[c]
    return out


@njit(**SERIAL)
def grad_tiles(grad, tiles, first_row, patch):
    """tiles[:, n, r, b, c] = A u A^T, u the 2x2 block of output gradient of tile
    (first_row + r, b), zero past the edge: the adjoint of ``output_tiles``."""
    _, n_images, rows, tile_w, channels = tiles.shape
    out_h, out_w = grad.shape[1], grad.shape[2]
    for n in range(n_images):
        for r in range(rows):
            top = 2 * (first_row + r)
            for b in range(tile_w):
                left = 2 * b
                for i in range(2):
                    for j in range(2):
                        if top + i < out_h and left + j < out_w:
                            for c in range(channels):
                                patch[i, j, c] = grad[n, top + i, left + j, c]
                        else:
                            for c in range(channels):
                                patch[i, j, c] = 0.0
                for c in range(channels):
                    col0 = _a(patch[0, 0, c], patch[1, 0, c])
                    col1 = _a(patch[0, 1, c], patch[1, 1, c])
                    _store_row(tiles, 0, n, r, b, c, _a(col0[0], col1[0]))
                    _store_row(tiles, 1, n, r, b, c, _a(col0[1], col1[1]))
                    _store_row(tiles, 2, n, r, b, c, _a(col0[2], col1[2]))
                    _store_row(tiles, 3, n, r, b, c, _a(col0[3], col1[3]))
    return tiles


@njit(inline="always")
def _store4(patch, k, c, d):
    """patch[0, k, 0 .. 3, c] = d"""
    patch[0, k, 0, c] = d[0]
    patch[0, k, 1, c] = d[1]
    patch[0, k, 2, c] = d[2]
    patch[0, k, 3, c] = d[3]


@njit(inline="always")
def _adjoint_rows(tiles, n, r, b, c):
    """The rows of B v B^T, v = tiles[:, n, r, b, c] (the adjoint of ``_transform_store``)."""
    t0 = _b(tiles[0, n, r, b, c], tiles[4, n, r, b, c], tiles[8, n, r, b, c], tiles[12, n, r, b, c])
    t1 = _b(tiles[1, n, r, b, c], tiles[5, n, r, b, c], tiles[9, n, r, b, c], tiles[13, n, r, b, c])
    t2 = _b(tiles[2, n, r, b, c], tiles[6, n, r, b, c], tiles[10, n, r, b, c], tiles[14, n, r, b, c])
    t3 = _b(tiles[3, n, r, b, c], tiles[7, n, r, b, c], tiles[11, n, r, b, c], tiles[15, n, r, b, c])
    return (_b(t0[0], t1[0], t2[0], t3[0]), _b(t0[1], t1[1], t2[1], t3[1]), _b(t0[2], t1[2], t2[2], t3[2]),
            _b(t0[3], t1[3], t2[3], t3[3]))


@njit(inline="always")
def _add_row(dst, n, row, cols, c, d):
    dst[n, row, cols[0], c] += d[0]
    dst[n, row, cols[1], c] += d[1]
    dst[n, row, cols[2], c] += d[2]
    dst[n, row, cols[3], c] += d[3]


@njit(**SERIAL)
def input_tiles_adjoint_add(tiles, dx, first_row, tile_rows, tile_cols, patch):
    """dx += the adjoint of ``input_tiles``: B v B^T of each tile, added into its 4x4
    patch (where the tables say it is not padding). A scatter, in a fixed order on one
    thread; neighbouring tiles overlap by two rows and columns, so an image's bands must
    all be added by the same thread."""
    _, n_images, rows, tile_w, channels = tiles.shape
    for n in range(n_images):
        for r in range(rows):
            ih = _four(tile_rows, first_row + r)
            for b in range(tile_w):
                iw = _four(tile_cols, b)
                if _inside(ih, iw):
                    for c in range(channels):
                        d = _adjoint_rows(tiles, n, r, b, c)
                        _add_row(dx, n, ih[0], iw, c, d[0])
                        _add_row(dx, n, ih[1], iw, c, d[1])
                        _add_row(dx, n, ih[2], iw, c, d[2])
                        _add_row(dx, n, ih[3], iw, c, d[3])
                    continue
                for c in range(channels):
                    d = _adjoint_rows(tiles, n, r, b, c)
                    _store4(patch, 0, c, d[0])
                    _store4(patch, 1, c, d[1])
                    _store4(patch, 2, c, d[2])
                    _store4(patch, 3, c, d[3])
                for k in range(4):
                    if ih[k] < 0:
                        continue
                    for l in range(4):
                        if iw[l] < 0:
                            continue
                        for c in range(channels):
                            dx[n, ih[k], iw[l], c] += patch[0, k, l, c]
    return dx


# ------------------------------------------------------------------- the filter transform
# G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]


@njit(inline="always")
def _g(v0, v1, v2):
    """G v"""
    return v0, (v0 + v1 + v2) * 0.5, (v0 - v1 + v2) * 0.5, v2


@njit(inline="always")
def _gt(v0, v1, v2, v3):
    """G^T v (the adjoint of G)"""
    half = (v1 + v2) * 0.5
    return v0 + half, (v1 - v2) * 0.5, half + v3


@njit(inline="always")
def _store_filter_row(u, k, o, c, row):
    """u[4k .. 4k + 3, o, c] = row"""
    u[4 * k + 0, o, c] = row[0]
    u[4 * k + 1, o, c] = row[1]
    u[4 * k + 2, o, c] = row[2]
    u[4 * k + 3, o, c] = row[3]


@njit(**SERIAL)
def filter_tiles(weight, u):
    """u[4k + l, o, c] = (G g G^T)[k, l] for each 3x3 filter g = weight[o, c]."""
    c_out, channels = weight.shape[0], weight.shape[1]
    for o in range(c_out):
        for c in range(channels):
            col0 = _g(weight[o, c, 0, 0], weight[o, c, 1, 0], weight[o, c, 2, 0])
            col1 = _g(weight[o, c, 0, 1], weight[o, c, 1, 1], weight[o, c, 2, 1])
            col2 = _g(weight[o, c, 0, 2], weight[o, c, 1, 2], weight[o, c, 2, 2])
            _store_filter_row(u, 0, o, c, _g(col0[0], col1[0], col2[0]))
            _store_filter_row(u, 1, o, c, _g(col0[1], col1[1], col2[1]))
            _store_filter_row(u, 2, o, c, _g(col0[2], col1[2], col2[2]))
            _store_filter_row(u, 3, o, c, _g(col0[3], col1[3], col2[3]))
    return u


@njit(**SERIAL)
def filter_tiles_adjoint(du, grad):
    """grad[o, c] = G^T dU G for dU[k, l] = du[4k + l, o, c]: the adjoint of ``filter_tiles``."""
    c_out, channels = grad.shape[0], grad.shape[1]
    for o in range(c_out):
        for c in range(channels):
            col0 = _gt(du[0, o, c], du[4, o, c], du[8, o, c], du[12, o, c])
            col1 = _gt(du[1, o, c], du[5, o, c], du[9, o, c], du[13, o, c])
            col2 = _gt(du[2, o, c], du[6, o, c], du[10, o, c], du[14, o, c])
            col3 = _gt(du[3, o, c], du[7, o, c], du[11, o, c], du[15, o, c])
            grad[o, c, 0] = _gt(col0[0], col1[0], col2[0], col3[0])
            grad[o, c, 1] = _gt(col0[1], col1[1], col2[1], col3[1])
            grad[o, c, 2] = _gt(col0[2], col1[2], col2[2], col3[2])
    return grad
