"""Reusable per-thread working buffers (im2col columns, Winograd tiles).

A buffer is kept from call to call, per thread and per named slot: a fresh 75 MB
allocation pays a page fault per 4 KiB page on first touch, and each per-core worker keeps
its own so that its buffer stays in its core's cache.
"""

from __future__ import annotations

import threading

import numpy as np

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
