"""``standin_as_cuda()``: the CuPy stand-in as the framework's "cuda" device for a block of
code, in a run without ``--cuda-standin`` (the kernel tests of layer 2 use it)."""

from __future__ import annotations

import contextlib

from minitorch_cnn import backend


@contextlib.contextmanager
def standin_as_cuda():
    from tests.support import cupy_standin

    saved = backend._cupy, backend._cupy_checked, backend._cupy_missing
    backend._cupy, backend._cupy_checked, backend._cupy_missing = cupy_standin, True, ""
    try:
        yield cupy_standin
    finally:
        backend._cupy, backend._cupy_checked, backend._cupy_missing = saved
