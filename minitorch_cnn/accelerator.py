"""``minitorch_cnn.accelerator``, as ``torch.accelerator``: the one accelerator a program
may use, here a CUDA GPU when CuPy sees one (``minitorch_cnn.cuda``), else none."""

from __future__ import annotations

from . import backend, cuda


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``device("cuda")`` where a GPU is there, else None (PyTorch: the build's accelerator,
    None without one)."""
    return backend.device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def current_device_index() -> int:
    return cuda.current_device()


def set_device_index(device) -> None:
    cuda.set_device(device)


def synchronize(device=None) -> None:
    cuda.synchronize(device)
