"""What BLAS and threading the process runs with, and advice when it is not the best.

Convolutions are GEMMs, so the BLAS that NumPy loaded decides most of their speed. On some
AVX-512 machines OpenBLAS mis-detects the CPU (as Haswell) and runs AVX2 kernels; setting
``OPENBLAS_CORETYPE=SkylakeX`` *before NumPy is imported* fixed it there (sgemm from ~210 to
~390 GFLOP/s on a 2-core Zen 5). A library cannot change that after the fact, so
``advice()`` says what to set, and the benchmarks print ``info()`` with their results.
"""

from __future__ import annotations

import ctypes
import os
import re

import numpy as np


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


def _call(library, names, restype):
    for name in names:
        function = getattr(library, name, None)
        if function is not None:
            function.restype = restype
            value = function()
            return value.decode() if isinstance(value, bytes) else value
    return None


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
        suffixes = ("64_", "")
        details["blas_core"] = _call(library, [f"{p}openblas_get_corename{s}" for p in ("scipy_", "")
                                               for s in suffixes], ctypes.c_char_p)
        details["blas_threads"] = _call(library, [f"{p}openblas_get_num_threads{s}" for p in ("scipy_", "")
                                                  for s in suffixes], ctypes.c_int)
        details["blas_config"] = _call(library, [f"{p}openblas_get_config{s}" for p in ("scipy_", "")
                                                 for s in suffixes], ctypes.c_char_p)
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
