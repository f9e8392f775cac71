"""The matmul over groups that every GEMM-based route (chunks, pointwise, pipelines) runs."""

from __future__ import annotations

from ...backend import xp_of


def grouped_matmul(a, b, out):
    """out[:, g, :] = a[:, g, :] @ b[g] for every group; a (M, G, K), b (G, K, P), out (M, G, P)."""
    xp = xp_of(a)
    if a.shape[1] == 1:
        xp.matmul(a[:, 0, :], b[0], out=out[:, 0, :])
    else:
        out[...] = xp.matmul(a.transpose(1, 0, 2), b).transpose(1, 0, 2)
    return out
