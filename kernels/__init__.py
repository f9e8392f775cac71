"""The kernel registry: which implementation of each kernel serves which device.

Ops call kernels through this module (``kernels.index_add(...)``); the registry picks the
fastest implementation registered for the arrays' device, falling back to the reference
one in ``reference.py``. ``use("reference")`` forces the reference kernels everywhere (to
compare or to debug a fast kernel); ``use("auto")`` restores the normal choice.

Implementations register per device kind: ``"reference"`` (NumPy/CuPy array code, the
spec), ``"cpu"`` (Numba) and ``"cuda"`` (CuPy kernels).
"""

from __future__ import annotations

import contextlib

import numpy as np

from . import reference

_registry: dict[str, dict[str, object]] = {}
_mode = "auto"
_MODES = ("auto", "reference")


def register(name: str, kind: str, function) -> None:
    """Make ``function`` the ``kind`` implementation ("reference", "cpu" or "cuda") of ``name``."""
    if kind not in ("reference", "cpu", "cuda"):
        raise ValueError(f"register: kind must be 'reference', 'cpu' or 'cuda', got {kind!r}")
    _registry.setdefault(name, {})[kind] = function


def use(mode: str) -> None:
    """``"reference"``: every kernel runs its readable reference version; ``"auto"``: the
    registry picks the fastest registered version per device (the default)."""
    global _mode
    if mode not in _MODES:
        raise ValueError(f"kernels.use: mode must be one of {_MODES}, got {mode!r}")
    _mode = mode


def current_mode() -> str:
    return _mode


@contextlib.contextmanager
def using(mode: str):
    """``with kernels.using("reference"): ...`` switches for a block only."""
    previous = _mode
    use(mode)
    try:
        yield
    finally:
        use(previous)


def lookup(name: str, array):
    """The implementation of kernel ``name`` that serves ``array``'s device now."""
    implementations = _registry.get(name)
    if implementations is None:
        raise KeyError(f"no kernel named {name!r} (registered: {sorted(_registry)})")
    kind = "cpu" if isinstance(array, np.ndarray) else "cuda"
    if _mode == "auto" and kind in implementations:
        return implementations[kind]
    if "reference" not in implementations:
        raise KeyError(f"kernel {name!r} has no implementation for {kind} arrays (it has: {sorted(implementations)})")
    return implementations["reference"]


def implementations(name: str) -> dict:
    """{kind: function} registered for kernel ``name`` (for tests and benchmarks)."""
    return dict(_registry[name])


def index_add(target, index, values):
    return lookup("index_add", target)(target, index, values)


def conv2d(x, weight, bias, stride, padding, dilation, groups, prepared_input=None):
    """Cross-correlation of NCHW ``x`` with (C_out, C_in/groups, KH, KW) ``weight``;
    ``padding`` is (top, bottom, left, right). ``prepared_input``: what
    ``conv2d_prepare_input`` returned for this x, to share its layout copy."""
    return lookup("conv2d", x)(x, weight, bias, stride, padding, dilation, groups, prepared_input)


def conv2d_input_grad(grad_out, weight, input_hw, stride, padding, dilation, groups, prepared_grad=None):
    """The adjoint of ``conv2d`` in its input (``conv_transpose2d``), for an input of
    spatial size ``input_hw``."""
    return lookup("conv2d_input_grad", grad_out)(grad_out, weight, input_hw, stride, padding, dilation, groups,
                                                 prepared_grad)


def conv2d_weight_grad(x, grad_out, weight_shape, stride, padding, dilation, groups, prepared_input=None,
                       prepared_grad=None):
    """d<conv2d(x, w), grad_out>/dw, of shape ``weight_shape``."""
    return lookup("conv2d_weight_grad", x)(x, grad_out, weight_shape, stride, padding, dilation, groups,
                                           prepared_input, prepared_grad)


def conv2d_backward(x, grad_out, weight, stride, padding, dilation, groups, prepared_input=None, prepared_grad=None):
    """(``conv2d_input_grad``, ``conv2d_weight_grad``) together: where a route can, it
    reads the output gradient once for both (a backward pass that records no graph)."""
    return lookup("conv2d_backward", x)(x, grad_out, weight, stride, padding, dilation, groups, prepared_input,
                                        prepared_grad)


def conv2d_prepare_input(x, weight_shape, stride, padding, dilation, groups):
    """The layout copy of x that the forward and the weight gradient share (or None)."""
    return lookup("conv2d_prepare_input", x)(x, weight_shape, stride, padding, dilation, groups)


def conv2d_prepare_grad(grad_out, weight_shape, groups):
    """The layout copy of the output gradient that both gradient kernels share (or None)."""
    return lookup("conv2d_prepare_grad", grad_out)(grad_out, weight_shape, groups)


def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    """(values, flat argmax per window) of NCHW ``x``; see ``pool_reference``."""
    return lookup("max_pool2d", x)(x, kernel, stride, padding, dilation, out_hw)


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    return lookup("avg_pool2d", x)(x, kernel, stride, padding, out_hw, divisor)


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor):
    return lookup("avg_pool2d_backward", grad)(grad, kernel, stride, padding, in_hw, divisor)


def gather_planes(x, index):
    return lookup("gather_planes", x)(x, index)


def scatter_add_planes(values, index, in_hw):
    return lookup("scatter_add_planes", values)(values, index, in_hw)


def batch_norm_train(x, weight, bias, eps):
    """Training-mode batch norm of (N, C, L) ``x``: (y, mean, biased var, invstd)."""
    return lookup("batch_norm_train", x)(x, weight, bias, eps)


def batch_norm_backward(x, grad, mean, invstd, weight):
    """(dx, dweight, dbias) of ``batch_norm_train``."""
    return lookup("batch_norm_backward", x)(x, grad, mean, invstd, weight)


def erf(x):
    """The error function, elementwise."""
    return lookup("erf", x)(x)


register("index_add", "reference", reference.index_add)
for _name in ("im2col", "col2im", "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "conv2d_backward"):
    register(_name, "reference", getattr(reference, _name))
register("conv2d_prepare_input", "reference", reference.prepare_input)
register("conv2d_prepare_grad", "reference", reference.prepare_grad)

from . import conv as _conv  # noqa: E402  (the fast path looks kernels up through this registry)
from . import cpu as _cpu  # noqa: E402
from . import special as _special  # noqa: E402
from . import norm_cpu as _norm_cpu  # noqa: E402
from . import norm_reference as _norm_reference  # noqa: E402
from . import pool_cpu as _pool_cpu  # noqa: E402
from . import pool_reference as _pool_reference  # noqa: E402

for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "gather_planes", "scatter_add_planes"):
    register(_name, "reference", getattr(_pool_reference, _name))
for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "scatter_add_planes"):
    register(_name, "cpu", getattr(_pool_cpu, _name))
for _name in ("batch_norm_train", "batch_norm_backward"):
    register(_name, "reference", getattr(_norm_reference, _name))
    register(_name, "cpu", getattr(_norm_cpu, _name))

register("erf", "reference", _special.erf_reference)
register("erf", "cpu", _special.erf_cpu)

for _name in ("conv2d", "conv2d_input_grad", "conv2d_weight_grad", "conv2d_backward"):
    register(_name, "cpu", getattr(_conv, _name))
register("conv2d_prepare_input", "cpu", _conv.prepare_input)
register("conv2d_prepare_grad", "cpu", _conv.prepare_grad)
for _name in ("im2col", "col2im", "direct_forward", "direct_input_grad", "direct_weight_grad"):
    register(_name, "cpu", getattr(_cpu, _name))
