"""What BLAS and threading the process runs with, and advice when it is not the best.

Convolutions are GEMMs, so the BLAS that NumPy loaded decides most of their speed. On some
AVX-512 machines OpenBLAS mis-detects the CPU (as Haswell) and runs AVX2 kernels; setting
``OPENBLAS_CORETYPE=SkylakeX`` *before NumPy is imported* fixed it there (sgemm from ~210 to
~390 GFLOP/s on a 2-core Zen 5). A library cannot change that after the fact, so
``advice()`` says what to set, and the benchmarks print ``info()`` with their results.

``one_thread()`` switches OpenBLAS to a single thread for a block, and ends its idle worker
threads (their spinning would take a core from the block): the per-core convolution
pipelines (``kernels/conv/pipelines.py``, ``kernels/parallel.py``) run one GEMM per core from their own threads, and
OpenBLAS's thread count is process-wide (its ``_local`` setter is too, measured).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import threading

import numpy as np


@functools.lru_cache(maxsize=None)
def _openblas():
    """The OpenBLAS shared library NumPy loaded (found through this process's memory map)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return None
    for path in paths:
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _symbol(library, names):
    """The first of ``names`` that ``library`` exports (OpenBLAS builds prefix and suffix them)."""
    for name in names:
        function = getattr(library, name, None)
        if function is not None:
            return function
    return None


def _names(stem):
    return [f"{prefix}{stem}{suffix}" for prefix in ("scipy_", "") for suffix in ("64_", "")]


def _call(library, names, restype):
    function = _symbol(library, names)
    if function is None:
        return None
    function.restype = restype
    value = function()
    return value.decode() if isinstance(value, bytes) else value


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:  # not Linux: no flags to report
        return set()
    return set()


def info() -> dict:
    """numpy, its BLAS (core type, threads, build config), the CPU's SIMD, Numba's threading."""
    library = _openblas()
    details = {"numpy": np.__version__, "blas": "unknown", "cpu_count": os.cpu_count(),
               "avx512f": "avx512f" in _cpu_flags(), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    if library is not None:
        details["blas"] = "OpenBLAS"
        details["blas_core"] = _call(library, _names("openblas_get_corename"), ctypes.c_char_p)
        details["blas_threads"] = threads()
        details["blas_config"] = _call(library, _names("openblas_get_config"), ctypes.c_char_p)
    try:
        import numba

        details["numba"] = numba.__version__
        details["numba_threading_layer"] = numba.config.THREADING_LAYER
        details["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    except ImportError:
        details["numba"] = None
    return details


def advice(details: dict | None = None) -> str | None:
    """A sentence on what to set, when OpenBLAS runs below what this CPU can do; else None."""
    details = info() if details is None else details
    if details.get("avx512f") and details.get("blas_core") in ("Haswell", "Zen", "Sandybridge"):
        return (f"OpenBLAS detected this AVX-512 CPU as {details['blas_core']} and runs AVX2 kernels; "
                "set OPENBLAS_CORETYPE=SkylakeX before starting Python for faster convolutions")
    return None


# ------------------------------------------------------------- one BLAS thread, for a block
class _ThreadSwitch:
    """Counts the blocks that want one OpenBLAS thread: the first one in saves the thread
    count and sets 1, the last one out restores it, so that overlapping blocks from several
    Python threads never leave OpenBLAS at 1 (nor restore it while another block runs)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inside = 0
        self.saved = None

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def functions():
        """(get, set) OpenBLAS's thread count, or None when NumPy's BLAS is not OpenBLAS."""
        library = _openblas()
        if library is None:
            return None
        get = _symbol(library, _names("openblas_get_num_threads"))
        set_ = _symbol(library, _names("openblas_set_num_threads"))
        if get is None or set_ is None:
            return None
        get.restype, set_.argtypes, set_.restype = ctypes.c_int, [ctypes.c_int], None
        return get, set_

    def enter(self):
        functions = self.functions()
        if functions is None:
            return None
        with self.lock:
            if self.inside == 0:
                self.saved = functions[0]()
                functions[1](1)
                _stop_idle_threads()
            self.inside += 1
            return self.saved

    def leave(self):
        with self.lock:
            self.inside -= 1
            if self.inside == 0:
                self.functions()[1](self.saved)


_switch = _ThreadSwitch()


@functools.lru_cache(maxsize=None)
def _shutdown_function():
    library = _openblas()
    function = None if library is None else _symbol(library, _names("blas_thread_shutdown_"))
    if function is not None:
        function.restype = ctypes.c_int
    return function


def _stop_idle_threads() -> None:
    """End OpenBLAS's worker threads (it starts them again at its next threaded call).

    After a threaded GEMM they spin, waiting for the next one, for about 2^28 cycles
    (OpenBLAS's THREAD_TIMEOUT, fixed when it loads): on two cores they took one core from
    the per-core routes that run next. ResNet-18 at batch 16 on 112×112, whose threaded
    (chunks, pointwise) and per-core (Winograd, pipelines) layers alternate, took 439-497 ms
    a training step, 335-339 ms with the threads ended here (the same as starting Python
    with OPENBLAS_THREAD_TIMEOUT=4). OpenBLAS takes its server lock around the shutdown and
    around every threaded call, so a GEMM in flight in another thread is waited for."""
    function = _shutdown_function()
    if function is not None:
        function()


def threads() -> int | None:
    """OpenBLAS's thread count outside ``one_thread()`` blocks (None: not OpenBLAS)."""
    functions = _switch.functions()
    if functions is None:
        return None
    with _switch.lock:
        return _switch.saved if _switch.inside else functions[0]()


@contextlib.contextmanager
def one_thread():
    """Run the block with OpenBLAS on one thread; yields the thread count it had before
    (the cores the caller may use instead), or None when NumPy's BLAS is not OpenBLAS and
    nothing was switched."""
    saved = _switch.enter()
    try:
        yield saved
    finally:
        if saved is not None:
            _switch.leave()

