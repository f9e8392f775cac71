"""Reference Winograd F(2x2, 3x3) transforms: each one the matrix product it stands for,
in array code (NumPy or CuPy), with the signature of its namesake in ``winograd_cpu.py``
(which must agree with it; ``tests/test_kernel_contract.py`` checks).

    input tiles   V = B^T d B     for each 4x4 input patch d          (and its adjoint B V B^T)
    filter tiles  U = G g G^T     for each 3x3 filter g               (and its adjoint G^T U G)
    output tiles  Y = A^T M A     for each 4x4 product M, + bias      (and its adjoint A Y A^T)

Tiles are (16, N, tile rows, tile columns, C) with element 4k + l holding entry (k, l);
a band starts at tile row ``first_row``; the tap tables give each tile's 4 input rows and
columns (-1 in the padding). The ``patch`` arguments are the Numba kernels' scratch
buffers; the array code needs none.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp_of
from .reference import add_through_taps, through_taps

B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)


def _matrix(matrix, like):
    return xp_of(like).asarray(matrix, dtype=like.dtype)


def winograd_input_tiles(x, tiles, first_row, tile_rows, tile_cols, patch):
    """tiles[:, n, r, b, c] = B^T d B, d the 4x4 input patch of tile (first_row + r, b) of
    the unpadded channels-last x (N, H, W, C), zero in the padding."""
    _, n, rows, tile_w, c = tiles.shape
    d = through_taps(x, tile_rows[first_row:first_row + rows], tile_cols)  # (N, rows, 4, tile_w, 4, C)
    bt = _matrix(B_T, x)
    tiles[...] = xp_of(x).einsum("ki,lj,nribjc->klnrbc", bt, bt, d).reshape(tiles.shape)
    return tiles


def winograd_input_tiles_adjoint_add(tiles, dx, first_row, tile_rows, tile_cols, patch):
    """dx += the adjoint of ``winograd_input_tiles``: B V B^T of each tile added into its
    4x4 patch, where the tables say it is not padding."""
    _, n, rows, tile_w, c = tiles.shape
    bt = _matrix(B_T, tiles)
    d = xp_of(tiles).einsum("ki,lj,klnrbc->nribjc", bt, bt, tiles.reshape((4, 4) + tiles.shape[1:]))
    return add_through_taps(dx, d, tile_rows[first_row:first_row + rows], tile_cols)


def winograd_output_tiles(products, out, first_row, bias):
    """out[n, 2a + i, 2b + j, :] = (A^T M A)[i, j] + bias for tile (a, b) = (first_row + r, b),
    M = products[:, n, r, b, :]; outputs past the edge of ``out`` are dropped."""
    _, n, rows, tile_w, c = products.shape
    at = _matrix(A_T, products)
    y = xp_of(products).einsum("ik,jl,klnrbc->nribjc", at, at, products.reshape((4, 4) + products.shape[1:]))
    y = y.reshape(n, 2 * rows, 2 * tile_w, c)
    top = 2 * first_row
    keep_h, keep_w = min(2 * rows, out.shape[1] - top), min(2 * tile_w, out.shape[2])
    out[:, top:top + keep_h, :keep_w] = y[:, :keep_h, :keep_w] + bias
    return out


def winograd_grad_tiles(grad, tiles, first_row, patch):
    """tiles[:, n, r, b, c] = A U A^T, U the 2x2 block of output gradient of tile
    (first_row + r, b), zero past the edge: the adjoint of ``winograd_output_tiles``."""
    xp = xp_of(grad)
    _, n, rows, tile_w, c = tiles.shape
    top = 2 * first_row
    keep_h, keep_w = min(2 * rows, grad.shape[1] - top), min(2 * tile_w, grad.shape[2])
    blocks = xp.zeros((n, 2 * rows, 2 * tile_w, c), dtype=grad.dtype)
    blocks[:, :keep_h, :keep_w] = grad[:, top:top + keep_h, :keep_w]
    at = _matrix(A_T, grad)
    t = xp.einsum("ik,jl,nribjc->klnrbc", at, at, blocks.reshape(n, rows, 2, tile_w, 2, c))
    tiles[...] = t.reshape(tiles.shape)
    return tiles


def winograd_filter_tiles(weight, u):
    """u[4k + l, o, c] = (G g G^T)[k, l] for each 3x3 filter g = weight[o, c]."""
    g = _matrix(G, weight)
    u[...] = xp_of(weight).einsum("ki,lj,ocij->kloc", g, g, weight).reshape(u.shape)
    return u


def winograd_filter_tiles_adjoint(du, grad):
    """grad[o, c] = G^T dU G for dU[k, l] = du[4k + l, o, c]: the adjoint of
    ``winograd_filter_tiles``."""
    g = _matrix(G, du)
    grad[...] = xp_of(du).einsum("ki,lj,kloc->ocij", g, g, du.reshape((4, 4) + du.shape[1:]))
    return grad
