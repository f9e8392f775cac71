"""The CUDA error function (``special.cu``) for CuPy arrays; it agrees with
``reference.erf`` and keeps x's shape, dtype and memory layout.

The kernel runs over dense memory: an array that is a permutation of a C-contiguous one
(a channels_last tensor, a transpose) is passed as that C-contiguous view, so the result
is laid out as x is; anything else (a strided slice) is made contiguous first.
"""

from __future__ import annotations

from pathlib import Path

from ...backend import xp_of
from .. import cuda_launch

SOURCE = Path(__file__).with_name("special.cu")


def _memory_order(x):
    """(axes in memory order, the C-contiguous view x.transpose(axes)), or (None, a
    contiguous copy) when x is not dense."""
    axes = tuple(sorted(range(x.ndim), key=lambda d: -x.strides[d]))  # outermost first
    view = x.transpose(axes)
    if view.flags.c_contiguous:
        return axes, view
    return None, xp_of(x).ascontiguousarray(x)


def erf(x):
    """The error function, elementwise, in x's dtype."""
    xp = xp_of(x)
    axes, dense = _memory_order(x)
    out = xp.empty(dense.shape, dtype=x.dtype)
    cuda_launch.launch(cuda_launch.function(SOURCE, "special_erf", x.dtype), int(out.size), (dense, out, int(out.size)))
    if axes is None:
        return out
    inverse = tuple(sorted(range(x.ndim), key=lambda d: axes[d]))
    return out.transpose(inverse)
