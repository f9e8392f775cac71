"""How much memory this machine has, and byte counts written for people: what the size
checks (creation functions, the command line) compare a request with before allocating."""

from __future__ import annotations

import os


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
