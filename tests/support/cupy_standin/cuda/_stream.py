"""``cupy.cuda.Stream`` and ``Event`` for the stand-in.

Every stand-in operation runs to completion on the calling thread, so a stream is only
bookkeeping (the current stream, its handle) and an event is the host clock read when it
is recorded: ``get_elapsed_time`` gives the milliseconds between two recorded events,
measured with ``time.perf_counter``. CUDA's rules about events are kept: timing needs two
recorded events made without ``disable_timing``, and an interprocess event must disable
timing.
"""

import itertools
import threading
import time

from . import runtime

_local = threading.local()
_handles = itertools.count(0x1000)


class Stream:
    """A CUDA stream; ``Stream.null`` is the default stream (handle 0)."""

    def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
        if null:
            self.ptr = 0
        elif ptds:
            self.ptr = runtime.streamPerThread
        else:
            self.ptr = next(_handles)
        self.device_id = runtime.getDevice()
        self._non_blocking = bool(non_blocking)
        self._priority = 0 if priority is None else int(priority)

    @property
    def is_non_blocking(self) -> bool:
        return self._non_blocking

    @property
    def priority(self) -> int:
        return self._priority

    @property
    def done(self) -> bool:
        return True

    def synchronize(self) -> None:
        """Nothing is ever pending on a stand-in stream."""

    def record(self, event=None):
        if event is None:
            event = Event()
        event.record(self)
        return event

    def wait_event(self, event) -> None:
        """Work recorded before ``event`` has already run."""

    def launch_host_func(self, callback, arg) -> None:
        callback(arg)

    def add_callback(self, callback, arg) -> None:
        callback(self, 0, arg)

    def is_capturing(self) -> bool:
        return False

    def use(self):
        _local.current = self
        return self

    def __enter__(self):
        stack = _local.__dict__.setdefault("stack", [])
        stack.append(get_current_stream())
        return self.use()

    def __exit__(self, *exc_info):
        _local.current = _local.stack.pop()

    def __eq__(self, other):
        if not isinstance(other, Stream):
            return NotImplemented
        return self.ptr == other.ptr

    def __hash__(self):
        return hash(("Stream", self.ptr))

    def __repr__(self):
        return f"<Stream {self.ptr} (device {self.device_id if self.ptr else -1})>"


Stream.null = Stream(null=True)
Stream.ptds = Stream(ptds=True)


def get_current_stream(device_id=-1) -> Stream:
    return getattr(_local, "current", Stream.null)


class Event:
    """A CUDA event: the host time at ``record()``."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        if interprocess and not disable_timing:
            raise runtime.CUDARuntimeError(1)  # CUDA: interprocess events cannot time
        self.block, self.disable_timing, self.interprocess = block, disable_timing, interprocess
        self.ptr = next(_handles)
        self._time = None

    def record(self, stream=None) -> None:
        self._time = time.perf_counter()

    def synchronize(self) -> None:
        """A recorded stand-in event has always completed."""

    @property
    def done(self) -> bool:
        return True


def get_elapsed_time(start_event: Event, end_event: Event) -> float:
    """Milliseconds between two recorded events."""
    for event in (start_event, end_event):
        if event.disable_timing or event._time is None:
            raise runtime.CUDARuntimeError(400)
    return (end_event._time - start_event._time) * 1000.0
