"""What both dense convolution paths (``conv.py``'s chunked one and ``conv_pipeline.py``'s
per-core one) need around their GEMMs: a reusable per-thread buffer for the im2col
columns, and the matmul over groups.

The buffer is reused from call to call, per thread: a fresh 75 MB allocation pays a page
fault per 4 KiB page on first touch, and each pipeline thread keeps its own so that its
columns stay in its core's cache.
"""

from __future__ import annotations

import threading

import numpy as np

from ..backend import xp_of

_workspaces = threading.local()


def workspace(shape, dtype, xp, slot="columns"):
    """An uninitialised array of ``shape`` backed by this thread's reusable buffer named
    ``slot`` (a kernel that needs two buffers at once asks for two slots)."""
    count = int(np.prod(shape))
    nbytes = count * np.dtype(dtype).itemsize
    key = ("numpy" if xp is np else "cupy", slot)
    buffers = getattr(_workspaces, "buffers", None)
    if buffers is None:
        buffers = _workspaces.buffers = {}
    buffer = buffers.get(key)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = buffers[key] = xp.empty(max(nbytes, 1), dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def grouped_matmul(a, b, out):
    """out[:, g, :] = a[:, g, :] @ b[g] for every group; a (M, G, K), b (G, K, P), out (M, G, P)."""
    xp = xp_of(a)
    if a.shape[1] == 1:
        xp.matmul(a[:, 0, :], b[0], out=out[:, 0, :])
    else:
        out[...] = xp.matmul(a.transpose(1, 0, 2), b).transpose(1, 0, 2)
    return out
