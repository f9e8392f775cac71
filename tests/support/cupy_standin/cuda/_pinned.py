"""``cupy.cuda.PinnedMemoryPool`` for the stand-in: host memory is all the stand-in has, so
a pinned block is plain NumPy memory, kept by the pool's bookkeeping like CuPy's."""

import numpy as np


class PinnedMemoryPointer:
    """A pointer into pinned host memory (``ptr``, ``size``)."""

    def __init__(self, pool, buffer):
        self._pool, self._buffer = pool, buffer
        self.ptr, self.size = buffer.ctypes.data, buffer.nbytes

    def __del__(self):
        pool = self._pool
        if pool is not None:
            pool._free.append(self._buffer)


class PinnedMemoryPool:
    """CuPy's pinned-memory pool: freed blocks are kept for reuse until freed."""

    def __init__(self, allocator=None):
        self._free = []

    def malloc(self, size: int) -> PinnedMemoryPointer:
        size = max(int(size), 1)
        for i, buffer in enumerate(self._free):
            if buffer.nbytes >= size:
                return PinnedMemoryPointer(self, self._free.pop(i))
        return PinnedMemoryPointer(self, np.empty(size, dtype=np.uint8))

    def n_free_blocks(self) -> int:
        return len(self._free)

    def free_all_blocks(self) -> None:
        self._free.clear()


_default_pinned_pool = PinnedMemoryPool()
_pinned_allocator = _default_pinned_pool.malloc


def set_pinned_memory_allocator(allocator=None) -> None:
    global _pinned_allocator
    _pinned_allocator = allocator
