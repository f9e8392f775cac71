"""How much memory this machine has, and byte counts written for people: what the size
checks (creation functions, the command line) compare a request with before allocating."""

from __future__ import annotations

import functools
import os


# asked once: the creation functions check every allocation against it
@functools.lru_cache(maxsize=None)
def physical_memory() -> int:
    """This machine's physical memory in bytes (what no single allocation can exceed)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no bound we can read
        return 1 << 62


def human_bytes(count: int) -> str:
    """1536 -> '1.50 KiB', 3.6e12 -> '3.27 TiB' (binary units, as NumPy's MemoryError says)."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.2f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def device_memory(device) -> int:
    """The memory of ``device`` in bytes: a GPU's own (CuPy's ``mem_info``), else this
    machine's physical memory."""
    if getattr(device, "type", str(device)) == "cuda":
        return _gpu_memory(getattr(device, "index", None) or 0)
    return physical_memory()


@functools.lru_cache(maxsize=None)
def _gpu_memory(index: int) -> int:
    """A GPU's total memory, asked once per GPU (a driver call each time otherwise)."""
    try:
        from . import backend

        return int(backend.cupy_module().cuda.Device(index).mem_info[1])
    except Exception:  # the stand-in, or a runtime that cannot say: the host's bound
        return physical_memory()


def check_allocation(shape, itemsize: int, what: str, device="cpu") -> None:
    """Refuse (``AllocationTooLarge``) an array of ``shape`` and ``itemsize`` bytes per
    element larger than ``device``'s memory, naming ``what``, the shape and the bytes; the
    product is taken in Python integers, which cannot overflow."""
    from .errors import AllocationTooLarge

    count = 1
    for size in shape:
        count *= int(size)
    needed, available = count * int(itemsize), device_memory(device)
    if needed > available:
        raise AllocationTooLarge(f"{what}: size {list(shape)} needs {human_bytes(needed)}, more than the memory "
                                 f"of {device} ({human_bytes(available)})")
