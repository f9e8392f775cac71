"""The convolution family: one plan per call, six routes, and the kernels they are built on.

    plan.py              ConvPlan, ``choose`` (the route and its parameters), ``conv_route``
    autotune.py          the route measured fastest per shape, when autotuning is on
    geometry.py          output sizes of conv and transposed conv, "same" padding
    layout.py            NCHW <-> channels-last and group-minor, the GEMM weight matrix
    taps.py              tap tables: which input row or column each window tap reads
    gemm.py              the matmul over groups
    reference_route.py   the route that runs the spec
    chunks.py, pointwise.py, direct.py, pipelines.py, winograd.py   the other routes
    reference.py         the spec: conv2d and its gradients, im2col/col2im, direct kernels
    cpu.py               Numba versions of reference.py's building blocks
    cuda.py, conv.cu     CUDA versions of the same building blocks (CuPy arrays)
    winograd_reference.py, winograd_cpu.py   the Winograd tile and filter transforms

A route is array code around registered kernels, looked up per call for the arrays' device
(``registry.lookup``), so a CUDA version of a building block (in a ``cuda.py`` here,
registered as "cuda") serves every route that uses it.
"""

from ..registry import register
from . import cpu, cuda, reference, winograd_cpu, winograd_reference

_BUILDING_BLOCKS = ("im2col", "col2im", "im2col_taps", "col2im_taps_add", "direct_forward", "direct_input_grad",
                    "direct_weight_grad")
for _name in _BUILDING_BLOCKS:
    register(_name, "reference", getattr(reference, _name))
    register(_name, "cpu", getattr(cpu, _name))
    register(_name, "cuda", getattr(cuda, _name))  # importing cuda.py does not import CuPy

WINOGRAD_TRANSFORMS = ("input_tiles", "input_tiles_adjoint_add", "output_tiles", "grad_tiles", "filter_tiles",
                       "filter_tiles_adjoint")
for _name in WINOGRAD_TRANSFORMS:
    register(f"winograd_{_name}", "reference", getattr(winograd_reference, f"winograd_{_name}"))
    register(f"winograd_{_name}", "cpu", getattr(winograd_cpu, _name))

from .plan import ROUTES, WORK, ConvPlan, choose, conv_route, memory_budget, set_memory_budget  # noqa: E402
from . import autotune  # noqa: E402
from .geometry import conv_output_size, conv_transpose_output_size, kernel_span, same_padding  # noqa: E402
from .taps import tap_tables  # noqa: E402
