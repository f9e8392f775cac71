"""``cupy.cuda`` for the stand-in: the device, streams, events, memory pools and the
runtime, for one device (id 0) whose work always completes before the call returns."""

from . import _driver as driver
from . import memory, runtime
from .._exports import gate as _gate
from ._device import Device, get_device_id
from ._pinned import PinnedMemoryPool, set_pinned_memory_allocator
from ._stream import Event, Stream, get_current_stream, get_elapsed_time
from .memory import MemoryPointer, MemoryPool, alloc, get_allocator, set_allocator
from .memory import _using_allocator as using_allocator

__all__ = ["Device", "Event", "MemoryPointer", "MemoryPool", "PinnedMemoryPool", "Stream", "alloc",
           "driver", "get_allocator", "get_current_stream", "get_device_id", "get_elapsed_time", "is_available",
           "memory", "runtime", "set_allocator", "set_pinned_memory_allocator", "using_allocator"]


def is_available() -> bool:
    return True


__getattr__ = _gate("cupy.cuda", globals())
