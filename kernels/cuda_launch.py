"""Loading and launching the CUDA kernels: one ``cupy.RawModule`` per source and dtype,
compiled on first use and kept, and the launch shape every kernel is started with.

Every kernel spreads its work with grid-stride loops (``cuda_prelude.cuh``), so the launch
shape changes speed, never results: ``launch_shape(block=, max_blocks=)`` changes it for a
block of code, which is how the tests run each kernel on odd grids and block sizes.
Why RawModule and CUDA C rather than numba.cuda: a numba.cuda launch costs about 200 µs
against about 25 µs for CuPy's (numba issue 3003), and a training step is many small
launches.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np

from ..backend import cupy_module
from . import cuda_source

# 256 threads: a multiple of the warp, and the bound the sources declare with
# __launch_bounds__ (the compile check holds every kernel to it)
THREADS_PER_BLOCK = 256
# enough blocks to fill an H200 (132 SMs x 8 resident blocks of 256) several times over;
# beyond that a grid-stride loop does the rest at no extra launch cost
MAX_BLOCKS = 132 * 8 * 4
COMPILE_OPTIONS = ("--std=c++17",)

_shape = {"block": THREADS_PER_BLOCK, "max_blocks": MAX_BLOCKS}


@contextlib.contextmanager
def launch_shape(block: int = THREADS_PER_BLOCK, max_blocks: int = MAX_BLOCKS):
    """Launch every kernel with ``block`` threads per block and at most ``max_blocks``
    blocks inside the ``with`` block (results must not change: tests use odd shapes)."""
    if not 1 <= block <= THREADS_PER_BLOCK:
        raise ValueError(f"launch_shape: block must be in 1..{THREADS_PER_BLOCK}, got {block}")
    if max_blocks < 1:
        raise ValueError(f"launch_shape: max_blocks must be >= 1, got {max_blocks}")
    previous = dict(_shape)
    _shape.update(block=int(block), max_blocks=int(max_blocks))
    try:
        yield
    finally:
        _shape.update(previous)


@functools.lru_cache(maxsize=None)
def _module(path, dtype, cupy):
    return cupy.RawModule(code=cuda_source.program(path, dtype), options=COMPILE_OPTIONS)


def function(source, name: str, dtype):
    """Kernel ``name`` of CUDA source ``source`` (a path) compiled for ``dtype``."""
    cupy = cupy_module()
    if cupy is None:
        raise RuntimeError("CUDA kernels need CuPy and a GPU (cupy_module() found none)")
    return _module(source, np.dtype(dtype), cupy).get_function(name)


def launch(kernel, work_items: int, args: tuple) -> None:
    """Start ``kernel`` over ``work_items`` grid-stride items (one thread each, as far as
    the launch shape allows)."""
    if work_items <= 0:
        return
    block = _shape["block"]
    blocks = min(-(-int(work_items) // block), _shape["max_blocks"])
    kernel((blocks,), (block,), args)


def launch_per_block(kernel, groups: int, args: tuple) -> None:
    """Start ``kernel`` with one block per group of work (a block-wide reduction per
    channel, say), the kernel looping over groups by ``blockIdx.x`` stride."""
    if groups <= 0:
        return
    kernel((min(int(groups), _shape["max_blocks"]),), (_shape["block"],), args)


def block_size() -> int:
    """Threads per block of the launches now (kernels with shared arrays are sized by
    ``THREADS_PER_BLOCK``, the largest)."""
    return _shape["block"]
