"""The host build: a CUDA kernel's exact source compiled by g++ and run on NumPy arrays.

``HostModule(code, options)`` is what the CuPy stand-in's ``RawModule`` compiles, and
what the kernel tests call directly. ``cuda_host.h`` defines the CUDA names for host C++;
this file adds, per kernel, a launcher that unpacks the argument array into the kernel's
parameters, builds a shared library (cached by the hash of everything that goes into it)
and calls it through ctypes.

Every call is checked against the kernel's parsed C signature, which CuPy never does: CuPy
passes a Python int as ``long long`` and a Python float as ``double`` whatever the kernel
takes, so a ``float`` parameter given a Python float reads garbage and an ``int`` one
works only by the accident of little-endian byte order; an array of the wrong dtype or a
strided view is read as if it were dense. Here each is a ``TypeError`` naming the kernel,
the argument, what was expected and what was given.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from minitorch_cnn.kernels import cuda_source

HEADER = Path(__file__).with_name("cuda_host.h")
CACHE = Path(os.environ.get("MINITORCH_HOST_BUILD_CACHE", Path(tempfile.gettempdir()) / "minitorch_cnn_host_build"))
COMPILER = os.environ.get("CXX", "g++")
FLAGS = ("-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", "-w")

_SCALAR_TYPES = {"long long": (int, np.int64), "index_t": (int, np.int64), "double": (float, np.float64),
                 "float": (np.float32,), "int": (np.int32,), "bool": (bool, np.bool_)}


def _scalar_dtype(code: str) -> np.dtype:
    match = re.search(r"#define SCALAR_KIND (\d)", code)
    kinds = {kind: dtype for dtype, kind in cuda_source.SCALAR_KINDS.items()}
    return kinds[int(match.group(1))] if match else np.dtype("float32")


def _launcher(name: str, signature) -> str:
    unpacked = ", ".join(f"*({c_type}{'*' if is_pointer else ''}*)args[{i}]"
                         for i, (c_type, is_pointer) in enumerate(signature))
    return (f'extern "C" int host_launch_{name}(const unsigned* grid, const unsigned* block, void** args, '
            f"int with_fibers) {{\n    return host_run_grid(grid, block, with_fibers, [args]() {{ {name}({unpacked}); }});\n}}\n")


_CONTROL_WORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined"}
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
_MACRO = re.compile(r"^[ \t]*#define[ \t]+(\w+)(?:\([^)]*\))?[ \t]*((?:[^\n]*\\\n)*[^\n]*)", re.M)


def _function_bodies(code: str) -> dict[str, str]:
    """{name: body} of every function and macro defined at the top level of ``code``
    (comments removed): a name followed by its parameters and a brace. The bodies of
    overloads, and of one name under several ``#if`` branches, are joined."""
    code = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", code), flags=re.S)
    bodies = {}
    for name, body in _MACRO.findall(code):
        bodies[name] = bodies.get(name, "") + body
    depth, start = 0, None
    for i, char in enumerate(code):
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and start is not None:
                head = re.search(r"\b([A-Za-z_]\w*)\s*\([^;{}()]*\)\s*(?:const\s*)?$", code[:start])
                if head is not None and head.group(1) not in _CONTROL_WORDS:
                    bodies[head.group(1)] = bodies.get(head.group(1), "") + code[start:i]
    return bodies


def barrier_kernels(code: str) -> set[str]:
    """The kernels of ``code`` that reach ``__syncthreads`` (directly or through the
    functions and macros whose names they use): they run each CUDA thread as a fiber
    (cuda_host.h), the rest a block's threads one after another, which is cheaper still.
    Any use of a name counts, not only a call, so a name shared with a variable costs
    only speed. A kernel missed here would meet the barrier without fibers, which the
    launch reports as an error."""
    bodies = _function_bodies(code)
    calls = {name: set(_NAME.findall(body)) for name, body in bodies.items()}
    reaching, changed = {"__syncthreads"}, True
    while changed:
        changed = False
        for name, called in calls.items():
            if name not in reaching and called & reaching:
                reaching.add(name)
                changed = True
    return set(cuda_source.kernel_signatures(code)) & reaching


def _passed_options(options) -> list[str]:
    """The preprocessor options g++ understands (defines and include folders); the rest
    (--std, -arch, ...) are NVRTC's and have no host meaning."""
    return [option for option in options if option.startswith(("-D", "-I"))]


def _build(code: str, options) -> Path:
    signatures = cuda_source.kernel_signatures(code)
    text = (f'#include "{HEADER}"\n' + code + "\n"
            + "".join(_launcher(name, signature) for name, signature in signatures.items()))
    command = [COMPILER, *FLAGS, *_passed_options(options)]
    key = hashlib.sha256("\0".join([text, HEADER.read_text(), *command]).encode()).hexdigest()[:24]
    library = CACHE / f"{key}.so"
    if library.exists():
        return library
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        source = Path(folder) / "program.cpp"
        source.write_text(text)
        built = Path(folder) / "program.so"
        result = subprocess.run([*command, str(source), "-o", str(built)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"host build of CUDA source failed:\n{result.stderr}")
        os.replace(built, library)  # renamed into place: a parallel worker never loads half a file
    return library


class HostModule:
    """A CUDA program compiled for the host; ``get_function(name)`` gives its kernels."""

    def __init__(self, code: str, options=()):
        self.signatures = cuda_source.kernel_signatures(code)
        self.scalar_dtype = _scalar_dtype(code)
        self.barrier_kernels = barrier_kernels(code)
        self.library = ctypes.CDLL(str(_build(code, tuple(options))))

    def get_function(self, name: str) -> HostKernel:
        if name not in self.signatures:
            raise AttributeError(f"no kernel named {name!r} in this program (it has: {sorted(self.signatures)})")
        return HostKernel(self, name)


def _dims(value, what: str):
    dims = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if not 1 <= len(dims) <= 3 or any(int(d) < 1 for d in dims):
        raise ValueError(f"{what} must be 1 to 3 positive sizes, got {value!r}")
    return (ctypes.c_uint * 3)(*(list(map(int, dims)) + [1, 1])[:3])


class HostKernel:
    """One kernel of a ``HostModule``, called as CuPy calls a ``RawKernel``:
    ``kernel(grid, block, args)`` with NumPy arrays and scalars in ``args``."""

    def __init__(self, module: HostModule, name: str):
        self.module, self.name = module, name
        self.signature = module.signatures[name]
        self._entry = getattr(module.library, f"host_launch_{name}")
        self._entry.restype = ctypes.c_int
        self.with_fibers = name in module.barrier_kernels

    def _checked(self, index, argument, c_type, is_pointer):
        where = f"kernel {self.name} argument {index} ({c_type}{' *' if is_pointer else ''})"
        if is_pointer:
            expected = cuda_source.element_dtype(c_type, self.module.scalar_dtype)
            if not isinstance(argument, np.ndarray):
                raise TypeError(f"{where}: expected a {expected} array, got {type(argument).__name__}")
            if argument.dtype != expected:
                raise TypeError(f"{where}: expected a {expected} array, got a {argument.dtype} array")
            if not argument.flags.c_contiguous:
                raise TypeError(f"{where}: expected a C-contiguous array (kernels index densely), "
                                f"got strides {argument.strides} for shape {argument.shape}")
            return ctypes.c_void_p(argument.ctypes.data)
        element = cuda_source.element_dtype(c_type, self.module.scalar_dtype)
        accepted = (element.type,) if c_type in ("scalar_t", "acc_t") else _SCALAR_TYPES.get(c_type)
        if accepted is None:
            raise TypeError(f"{where}: the host build does not know this scalar type")
        wrong_bool = isinstance(argument, (bool, np.bool_)) and not c_type == "bool"
        if wrong_bool or not isinstance(argument, accepted):
            names = " or ".join(t.__name__ for t in accepted)
            raise TypeError(f"{where}: expected {names}, got {type(argument).__name__} {argument!r} "
                            "(CuPy passes a Python int as long long and a Python float as double)")
        value = np.asarray(argument, dtype=element)
        return ctypes.c_char_p(value.tobytes())  # the scalar's bytes, kept alive for the call

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        args = tuple(args)
        if len(args) != len(self.signature):
            raise TypeError(f"kernel {self.name} takes {len(self.signature)} arguments, got {len(args)}")
        held = [self._checked(i, a, c_type, is_pointer)
                for i, (a, (c_type, is_pointer)) in enumerate(zip(args, self.signature))]
        # each slot points at the value the kernel parameter is read from: the data
        # pointer itself for arrays, the scalar's bytes for scalars
        slots = (ctypes.c_void_p * max(len(held), 1))()
        for i, value in enumerate(held):
            slots[i] = ctypes.addressof(value) if isinstance(value, ctypes.c_void_p) else ctypes.cast(value, ctypes.c_void_p).value
        status = self._entry(_dims(grid, "grid"), _dims(block, "block"), slots, int(self.with_fibers))
        if status == 1:
            raise RuntimeError(f"kernel {self.name} reached __syncthreads, which barrier_kernels() did not "
                               "find in its source: it ran without the barrier, so its results are wrong")
        if status == 2:
            raise RuntimeError(f"kernel {self.name}: some threads of a block waited at __syncthreads while others "
                               "had returned without reaching it (undefined behaviour in CUDA)")
