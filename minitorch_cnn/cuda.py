"""``minitorch_cnn.cuda``, as ``torch.cuda``: is a GPU there, synchronising with it, timing
it with events, and the memory CuPy's pool holds.

CuPy is imported lazily, so this works on machines without CuPy: the queries answer
(``is_available()`` is False, ``device_count()`` 0, ``memory_allocated()`` 0) and the
calls that need a GPU raise ``CudaUnavailableError`` saying what is missing (no CuPy, no
driver, or no GPU). The framework's one random generator serves every device, so
``manual_seed`` here seeds the same generator as ``minitorch_cnn.manual_seed`` (the same
seed gives the same tensors on the CPU and the GPU).
"""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed, the NVIDIA driver loads and at least one GPU is seen."""
    return backend.cuda_available()


def device_count() -> int:
    return backend.cuda_device_count()


def _cupy():
    cupy = backend.cupy_module()
    if cupy is None:
        raise backend.CudaUnavailableError(f"minitorch_cnn.cuda: {backend.cuda_unavailable_reason()}")
    return cupy


def _index(device) -> int:
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    return backend.as_device(device, "device").index


def current_device() -> int:
    return _cupy().cuda.runtime.getDevice()


def set_device(device) -> None:
    """Make ``device`` (an index, "cuda:N" or a device) the current GPU, as ``torch.cuda.set_device``."""
    _cupy().cuda.Device(_index(device)).use()


def get_device_name(device=None) -> str:
    name = _cupy().cuda.runtime.getDeviceProperties(_index(device))["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    """Wait until every kernel queued on ``device`` (default: the current one) has run.
    Launches are asynchronous: time GPU work only after this, or with ``Event``."""
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        cupy.cuda.Device().synchronize()


class Event:
    """A CUDA event, as ``torch.cuda.Event``: ``record()`` marks a point in the queue and
    ``start.elapsed_time(end)`` is the GPU time between two marks, in milliseconds."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False):
        self._event = _cupy().cuda.Event(block=blocking, disable_timing=not enable_timing)
        self.enable_timing = enable_timing

    def record(self, stream=None) -> None:
        self._event.record(stream)

    def synchronize(self) -> None:
        self._event.synchronize()

    def query(self) -> bool:
        return bool(self._event.done)

    def elapsed_time(self, end: Event) -> float:
        if not (self.enable_timing and end.enable_timing):
            raise RuntimeError("Event.elapsed_time: both events need enable_timing=True")
        return float(_cupy().cuda.get_elapsed_time(self._event, end._event))


def manual_seed(seed: int) -> None:
    """Seed the framework's generator (it serves every device: see the module docstring)."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed


def memory_allocated(device=None) -> int:
    """Bytes held by live arrays in CuPy's memory pool (0 without CUDA)."""
    if not is_available():
        return 0
    return int(_cupy().get_default_memory_pool().used_bytes())


def memory_reserved(device=None) -> int:
    """Bytes CuPy's pool holds from the driver, in use or cached for reuse (0 without CUDA)."""
    if not is_available():
        return 0
    return int(_cupy().get_default_memory_pool().total_bytes())


def empty_cache() -> None:
    """Give the pool's cached, unused blocks back to the driver."""
    if is_available():
        _cupy().get_default_memory_pool().free_all_blocks()
