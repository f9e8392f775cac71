"""The peak resident memory a call adds to the process, sampled by a thread.

``getrusage``'s ``ru_maxrss`` is the process's peak since it started, so it cannot tell
one model's step from another's in a run that times several side by side. Instead a
thread reads the resident set size from ``/proc/self/statm`` every half millisecond while
the call runs, and the peak over the size just before the call is the call's footprint:
its activations, gradients and temporaries, whichever library allocated them (both
allocate through the C library's malloc).

glibc keeps freed memory for reuse (its threshold for returning large blocks to the
system rises after the first frees), so after a few steps the process already holds a
step's worth and the sampled peak read 0 MB for most models. ``malloc_trim(0)`` before
the call hands the free memory back first, so that the call's allocations show again.
Linux only; elsewhere ``peak_rss_mb`` is None.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _trim() -> None:
    """Return the C library's free memory to the system (glibc's ``malloc_trim``), if it can."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim, the sampling still runs
        return


def peak_rss_mb(run, interval: float = 5e-4) -> float | None:
    """MB (10^6 bytes) of resident memory above the level before ``run()``, at its peak
    while ``run()`` ran; None where the resident size cannot be read."""
    _trim()
    before = _rss_bytes()
    if before is None:
        return None
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            current = _rss_bytes()
            if current is not None and current > peak[0]:
                peak[0] = current
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        done.set()
        sampler.join()
    after = _rss_bytes()
    return (max(peak[0], after or 0) - before) / 1e6
