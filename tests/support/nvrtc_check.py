"""Compiling the CUDA sources with NVRTC on a machine with no GPU and no driver.

CuPy's own ``RawModule`` asks the driver for the architecture and fails without one, so
this calls NVRTC's C API directly through ctypes (``libnvrtc`` from the
``nvidia-cuda-nvrtc`` wheel; not through CuPy, which the ``--cuda-standin`` run replaces)
for a named architecture, with ``-Xptxas=-v`` so that ptxas reports each kernel's
registers and spills. ``tests/test_cuda_compile.py`` holds every kernel to its bounds.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

ARCHITECTURES = ("sm_90", "sm_80")  # H100/H200 and A100


@dataclass(frozen=True)
class KernelReport:
    name: str
    registers: int
    spill_stores: int
    spill_loads: int
    stack_bytes: int


class CompileError(RuntimeError):
    """NVRTC refused a program; the message is its log, which names file and line."""


@functools.lru_cache(maxsize=None)
def library():
    """libnvrtc from the nvidia-cuda-nvrtc wheel, or None when it is not installed."""
    spec = importlib.util.find_spec("nvidia")
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    for folder in folders:
        for candidate in sorted(folder.glob("*/lib/libnvrtc.so*")):
            if ".alt." in candidate.name:
                continue
            # NVRTC opens its builtins library by name at compile time: loaded first, by
            # its path, it is found without LD_LIBRARY_PATH
            for builtins in sorted(candidate.parent.glob("libnvrtc-builtins.so*")):
                if ".alt." not in builtins.name:
                    ctypes.CDLL(str(builtins), mode=ctypes.RTLD_GLOBAL)
            return ctypes.CDLL(str(candidate))
    return None


def version() -> tuple[int, int]:
    major, minor = ctypes.c_int(), ctypes.c_int()
    library().nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return major.value, minor.value


def _read(nvrtc, size_function, read_function, program) -> bytes:
    size = ctypes.c_size_t()
    size_function(program, ctypes.byref(size))
    buffer = ctypes.create_string_buffer(size.value)
    read_function(program, buffer)
    return buffer.raw[:size.value]


def compile_program(code: str, name: str, arch: str, options=("--std=c++17",)):
    """(cubin bytes, log) of ``code`` compiled for ``arch``; ``name`` is the file name the
    log's errors are reported against (the ``#line`` directive inside ``code`` wins)."""
    nvrtc = library()
    program = ctypes.c_void_p()
    status = nvrtc.nvrtcCreateProgram(ctypes.byref(program), code.encode(), name.encode(), 0, None, None)
    if status != 0:
        raise CompileError(f"{name}: nvrtcCreateProgram failed with status {status}")
    try:
        arguments = [f"-arch={arch}", "-Xptxas=-v", *options]
        argv = (ctypes.c_char_p * len(arguments))(*(a.encode() for a in arguments))
        status = nvrtc.nvrtcCompileProgram(program, len(arguments), argv)
        log = _read(nvrtc, nvrtc.nvrtcGetProgramLogSize, nvrtc.nvrtcGetProgramLog, program).rstrip(b"\0").decode()
        if status != 0:
            raise CompileError(f"{name} for {arch} (nvrtc status {status}):\n{log}")
        cubin = _read(nvrtc, nvrtc.nvrtcGetCUBINSize, nvrtc.nvrtcGetCUBIN, program)
        return cubin, log
    finally:
        nvrtc.nvrtcDestroyProgram(ctypes.byref(program))


_FUNCTION = re.compile(r"Compiling entry function '(\w+)'")
_STACK = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_REGISTERS = re.compile(r"Used (\d+) registers")


def kernel_reports(log: str) -> dict[str, KernelReport]:
    """{kernel: registers and spills} read from ptxas's verbose log."""
    reports, current, stack = {}, None, (0, 0, 0)
    for line in log.splitlines():
        if match := _FUNCTION.search(line):
            current, stack = match.group(1), (0, 0, 0)
        elif (match := _STACK.search(line)) and current:
            stack = tuple(map(int, match.groups()))
        elif (match := _REGISTERS.search(line)) and current:
            reports[current] = KernelReport(current, int(match.group(1)), stack[1], stack[2], stack[0])
    return reports
