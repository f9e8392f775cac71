"""``minitorch_cnn.cuda``: is a GPU there, and how many (CuPy is imported lazily, so this
works on machines without CuPy)."""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and sees at least one NVIDIA GPU."""
    return backend.cuda_available()


def device_count() -> int:
    return backend.cuda_device_count()
