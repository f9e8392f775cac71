"""``cupy.cuda.memory`` for the stand-in: the device memory pool's bookkeeping.

Stand-in arrays live in host memory, but every array that owns its memory is counted by
the current allocator (the default ``MemoryPool`` unless ``set_allocator`` says otherwise)
for as long as it lives, with CuPy's rules: sizes rounded up to 512 bytes, freed blocks
kept as cached free blocks and reused, ``total_bytes`` = in use + cached, a limit
(``set_limit``) that first drops the cached blocks and then raises ``OutOfMemoryError``. So
``used_bytes()`` after a computation tells what a GPU would hold, and a memory budget set
on the pool is enforced as on a GPU.
"""

import bisect as _bisect
import contextlib as _contextlib
import threading as _threading

import numpy as _np

from .._exports import gate as _gate
from .runtime import _TOTAL_MEMORY, CUDARuntimeError

_ROUNDING = 512  # CuPy's allocation unit


def _rounded(size: int) -> int:
    return -(-size // _ROUNDING) * _ROUNDING


class OutOfMemoryError(MemoryError):
    """Raised when an allocation would take the pool past its limit or the device's memory."""

    def __init__(self, size, total, limit=0):
        self.size, self.total, self.limit = size, total, limit
        message = f"Out of memory allocating {size:,} bytes (allocated so far: {total:,} bytes"
        if limit:
            message += f", limit set to: {limit:,} bytes"
        super().__init__(message + ").")

    def __reduce__(self):
        return (type(self), (self.size, self.total, self.limit))


class PooledMemory:
    """A block counted by a pool; it goes back to the pool's free blocks when collected."""

    def __init__(self, pool, size: int, rounded: int, ptr: int, buffer=None):
        self.pool, self.size, self._rounded, self.ptr = pool, size, rounded, ptr
        self.device_id = 0
        self._buffer = buffer  # the host memory behind a malloc'd block, kept alive

    def __del__(self):
        pool = self.pool
        if pool is not None and self._rounded:
            try:
                pool._release(self._rounded)
            except Exception:  # interpreter shutdown: nothing left to account to
                pass


class MemoryPointer:
    """A pointer into device memory: ``ptr`` (an int), ``mem`` (the block), ``device_id``."""

    def __init__(self, mem, offset: int):
        self.mem = mem
        self.ptr = (mem.ptr if mem is not None else 0) + offset
        self.device_id = 0

    @property
    def device(self):
        from ._device import Device

        return Device(self.device_id)

    def __int__(self):
        return self.ptr

    def __add__(self, offset: int):
        base = self.mem.ptr if self.mem is not None else 0
        return MemoryPointer(self.mem, self.ptr - base + offset)

    def __repr__(self):
        return f"<MemoryPointer 0x{self.ptr:x} device={self.device_id}>"


class MemoryPool:
    """CuPy's device memory pool, as bookkeeping (see the module docstring)."""

    def __init__(self, allocator=None):
        self._lock = _threading.Lock()
        self._used = 0
        self._free = []  # sorted sizes of the cached free blocks
        self._free_total = 0
        self._limit = 0

    def _reserve(self, size: int) -> int:
        rounded = _rounded(size)
        if rounded == 0:
            return 0
        with self._lock:
            index = _bisect.bisect_left(self._free, rounded)
            if index < len(self._free):  # reuse a cached block, splitting off the rest
                rest = self._free.pop(index) - rounded
                self._free_total -= rounded
                if rest:
                    _bisect.insort(self._free, rest)
            else:
                ceiling = self._limit or _TOTAL_MEMORY
                if self._used + self._free_total + rounded > ceiling:
                    self._free.clear()  # CuPy frees the cached blocks and tries again
                    self._free_total = 0
                    if self._used + rounded > ceiling:
                        raise OutOfMemoryError(size, self._used, self._limit)
            self._used += rounded
        return rounded

    def _release(self, rounded: int) -> None:
        with self._lock:
            self._used -= rounded
            self._free_total += rounded
            _bisect.insort(self._free, rounded)

    def malloc(self, size: int) -> MemoryPointer:
        buffer = _np.empty(max(int(size), 1), dtype=_np.uint8)
        mem = PooledMemory(self, int(size), self._reserve(int(size)), buffer.ctypes.data, buffer)
        return MemoryPointer(mem, 0)

    def used_bytes(self) -> int:
        return self._used

    def free_bytes(self) -> int:
        return self._free_total

    def total_bytes(self) -> int:
        return self._used + self._free_total

    def n_free_blocks(self) -> int:
        return len(self._free)

    def free_all_blocks(self, stream=None) -> None:
        with self._lock:
            self._free.clear()
            self._free_total = 0

    def free_all_free(self) -> None:
        self.free_all_blocks()

    def set_limit(self, size=None, fraction=None) -> None:
        if size is not None and fraction is not None:
            raise ValueError("size and fraction cannot be specified at the same time")
        if fraction is not None:
            if not 0 <= fraction <= 1:
                raise ValueError(f"memory limit fraction out of range: {fraction}")
            size = int(_TOTAL_MEMORY * fraction)
        if size is None:
            size = 0
        if size < 0:
            raise ValueError(f"memory limit size out of range: {size}")
        self._limit = int(size)

    def get_limit(self) -> int:
        return self._limit


_default_pool = MemoryPool()
_allocator = _default_pool.malloc


def set_allocator(allocator=None) -> None:
    """Route device allocations: a ``MemoryPool``'s ``malloc`` counts arrays in that pool,
    ``None`` counts nothing (no pool), any other callable is called with each size."""
    global _allocator
    if allocator is not None and not callable(allocator):
        raise TypeError(f"allocator must be callable or None, got {allocator!r}")
    _allocator = allocator


def get_allocator():
    return _allocator


@_contextlib.contextmanager
def _using_allocator(allocator=None):
    previous = _allocator
    set_allocator(allocator)
    try:
        yield
    finally:
        set_allocator(previous)


def alloc(size: int) -> MemoryPointer:
    """``size`` bytes from the current allocator."""
    return _allocate(int(size), None)


def _allocate(size: int, array: _np.ndarray | None):
    """The memory block for a new device array of ``size`` bytes (or a bare allocation
    when ``array`` is None), counted by the current allocator."""
    allocator = _allocator
    pool = getattr(allocator, "__self__", None)
    if array is None:
        if allocator is None:
            buffer = _np.empty(max(size, 1), dtype=_np.uint8)
            return MemoryPointer(PooledMemory(None, size, 0, buffer.ctypes.data, buffer), 0)
        return allocator(size)
    ptr = array.__array_interface__["data"][0] if size else 0
    if isinstance(pool, MemoryPool) and allocator == pool.malloc:
        return PooledMemory(pool, size, pool._reserve(size), ptr)
    # a custom allocator sees every allocation, as in CuPy, and its block lives as long
    # as the array
    held = allocator(size) if allocator is not None else None
    return PooledMemory(None, size, 0, ptr, held)


__all__ = ["CUDARuntimeError", "MemoryPointer", "MemoryPool", "OutOfMemoryError", "PooledMemory", "alloc",
           "get_allocator", "set_allocator"]

__getattr__ = _gate("cupy.cuda.memory", globals())
