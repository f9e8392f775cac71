"""The CUDA sources of minitorch_cnn.kernels: where they are, how one is turned into the
program for a dtype, and the kernels each declares.

Every family keeps its CUDA C next to its Python (``conv/conv.cu`` beside ``conv/cuda.py``),
shipped as package data. A source is compiled once per dtype: ``program(path, dtype)`` is
the prelude (``cuda_prelude.cuh``: scalar_t, acc_t, GRID_STRIDE) followed by a ``#line``
directive and the source, so a compile error names the source's own file and line. The
same text is what NVRTC compiles on a GPU (``cuda_launch.py``), what CI compiles without a
driver (``tests/test_cuda_compile.py``) and what the host build runs on the CPU
(``tests/support/cuda_host.py``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PRELUDE = HERE / "cuda_prelude.cuh"

# SCALAR_KIND values of the prelude, per dtype
SCALAR_KINDS = {np.dtype("float32"): 0, np.dtype("float64"): 1, np.dtype("float16"): 2}

# the C spelling of each argument type a kernel may take, and the dtype (arrays) or the
# Python/NumPy scalar type it needs; scalar_t is filled in per dtype
C_ELEMENT_TYPES = {
    "float": np.dtype("float32"),
    "double": np.dtype("float64"),
    "unsigned short": np.dtype("float16"),  # float16 held as its bits (cuda_prelude.cuh)
    "long long": np.dtype("int64"),
    "index_t": np.dtype("int64"),
    "int": np.dtype("int32"),
    "unsigned char": np.dtype("uint8"),
    "bool": np.dtype("bool"),
}

_KERNEL = re.compile(r'extern\s+"C"\s+__global__\s+(?:__launch_bounds__\([^)]*\)\s+)?void\s+(\w+)\s*\(([^)]*)\)',
                     re.S)


def sources() -> list[Path]:
    """Every CUDA source of the kernels package, sorted."""
    return sorted(HERE.glob("*/*.cu"))


def relative_name(path: Path) -> str:
    """``kernels/conv/conv.cu``: the name compile errors and reports use (a source outside
    the package goes by its file name)."""
    path = Path(path).resolve()
    return f"kernels/{path.relative_to(HERE).as_posix()}" if path.is_relative_to(HERE) else path.name


@functools.lru_cache(maxsize=None)
def _text(path: Path) -> str:
    return Path(path).read_text()


def program(path: Path, dtype) -> str:
    """The whole program NVRTC compiles for ``dtype``: the prelude, then the source,
    numbered as its own file."""
    kind = SCALAR_KINDS.get(np.dtype(dtype))
    if kind is None:
        raise TypeError(f"CUDA kernels: dtype must be one of {sorted(map(str, SCALAR_KINDS))}, got {np.dtype(dtype)}")
    return (f"#define SCALAR_KIND {kind}\n" + _text(PRELUDE)
            + f'\n#line 1 "{relative_name(path)}"\n' + _text(Path(path)))


def supported_dtypes(path: Path) -> tuple:
    """The dtypes a source is compiled for: float32 and float64, and float16 where its
    first lines say ``// dtypes: ... float16``."""
    header = _text(Path(path)).split("\n", 30)[:30]
    wants_half = any(line.startswith("// dtypes:") and "float16" in line for line in header)
    return (np.dtype("float32"), np.dtype("float64")) + ((np.dtype("float16"),) if wants_half else ())


def kernel_signatures(code: str) -> dict[str, list[tuple[str, bool]]]:
    """{kernel name: [(C element type, is_pointer) per argument]} of every
    ``extern "C" __global__`` kernel in ``code``."""
    found = {}
    for name, arguments in _KERNEL.findall(re.sub(r"//[^\n]*", "", code)):
        parsed = []
        for argument in (a.strip() for a in arguments.split(",") if a.strip()):
            is_pointer = "*" in argument
            words = [w for w in re.split(r"[\s*]+", argument) if w and w not in ("const", "__restrict__")]
            parsed.append((" ".join(words[:-1]), is_pointer))
        found[name] = parsed
    return found


def kernel_names(path: Path) -> list[str]:
    return sorted(kernel_signatures(_text(Path(path))))


def element_dtype(c_type: str, scalar_dtype) -> np.dtype:
    """The dtype a C element type stands for, ``scalar_t``/``acc_t`` resolved for the
    program's dtype."""
    scalar_dtype = np.dtype(scalar_dtype)
    if c_type == "scalar_t":
        return scalar_dtype
    if c_type == "acc_t":
        return np.dtype("float32") if scalar_dtype == np.dtype("float16") else scalar_dtype
    if c_type not in C_ELEMENT_TYPES:
        raise TypeError(f"CUDA kernels: argument type {c_type!r} is not one the kernels may take "
                        f"({', '.join(sorted(C_ELEMENT_TYPES))}, scalar_t, acc_t)")
    return C_ELEMENT_TYPES[c_type]
