"""minitorch_cnn.kernels: the arithmetic under the ops, one folder per family.

A *kernel* is a plain function on arrays, with no autograd in it. The ops call the public
functions below and nothing deeper. Each family keeps its versions side by side:

    indexing/   index_add
    conv/       the convolution plan, its routes, im2col/col2im, direct and Winograd kernels
    pool/       max and average pooling, the plane gather/scatter
    norm/       training-mode batch norm
    special/    erf, gelu and its backward
    elementwise/  where (the activations' backward mask)
    optim/      the optimizers' in-place updates (SGD, Adam/AdamW, RMSprop, Adagrad)

In each, ``reference.py`` is the spec (array code that runs on NumPy or CuPy), ``cpu.py``
the Numba version, and ``cuda.py`` is where a CUDA version goes. The registry
(``registry.py``) picks per call the implementation registered for the arrays' device,
falling back to the reference; ``use("reference")`` forces the reference everywhere.
``parallel.py`` is the per-core scheduler the CPU routes share; ``_numba.py`` sets how
every Numba kernel is compiled.

Convolutions are planned: ``conv_plan`` chooses the route and its parameters once per
call (``conv/plan.py``); the op keeps the plan for backward and hands it to every
convolution kernel, with the arrays laid out as ``plan.input_layout``/``plan.grad_layout``
made them. ``conv_route`` forces a route by name; ``set_conv_autotune(True)`` chooses
each shape's route by timing the candidates; ``ConvPlan.explain()`` says why a route was
chosen.
"""

from __future__ import annotations

from .registry import current_mode, implementations, kind_of, lookup, names, register, use, using
from . import indexing, special, pool, norm, conv, optim, elementwise  # noqa: E402,F401  (each family registers its kernels)
from .conv import (  # noqa: E402
    ROUTES as CONV_ROUTES,
    ConvPlan,
    conv_output_size,
    conv_route,
    conv_transpose_output_size,
    kernel_span,
    memory_budget,
    same_padding,
    set_memory_budget,
)
from .pool import avg_pool2d_divisor  # noqa: E402,F401


# ------------------------------------------------------------------------- indexing
def index_add(target, index, values):
    """``target[index] += values`` in place, repeated indices accumulating."""
    return lookup("index_add", target)(target, index, values)


# ---------------------------------------------------------------------- convolution
def conv_plan(input_shape, weight_shape, stride, padding, dilation, groups, like, output_hw=None,
              work=conv.WORK) -> ConvPlan:
    """The plan for a convolution of an ``input_shape`` (N, C, H, W) input with a
    ``weight_shape`` (C_out, C/groups, KH, KW) weight; ``padding`` is (top, bottom, left,
    right). ``like`` is the array the call reads (its device, dtype and memory format
    decide); ``output_hw`` overrides the output size (a transposed convolution whose
    output padding reaches past what its input covers computes fewer positions);
    ``work``: which of the kernels ``conv2d``, ``conv2d_input_grad``, ``conv2d_weight_grad``
    ("forward", "input_grad", "weight_grad") the call will run, what autotuning times."""
    from ..backend import is_channels_last

    return conv.choose(input_shape, weight_shape, stride, padding, dilation, groups, like.dtype, kind_of(like),
                       is_channels_last(like), output_hw, work)


def set_conv_autotune(enabled: bool) -> None:
    """Choose each convolution's route by timing every route that can compute it, once per
    shape (``conv/autotune.py``), as ``torch.backends.cudnn.benchmark = True`` does; False
    goes back to the thresholds. Process-wide."""
    conv.autotune.set_enabled(enabled)


def conv_autotune(enabled: bool = True):
    """A ``with`` block in which convolution routes are chosen by measurement (or not)."""
    return conv.autotune.autotuning(enabled)


def conv_autotune_records() -> list:
    """What autotuning measured: one ``Measurement`` per shape (``.table()`` prints it)."""
    return conv.autotune.records()


def clear_conv_autotune() -> None:
    """Forget the measurements: each shape is measured again on its next call."""
    conv.autotune.clear()


def _is_empty(plan: ConvPlan) -> bool:
    """A convolution with no images, no channels in or out: no route is written for one
    (their buffers start uninitialised and are filled by the loops that do not run), so
    the four entry points below answer it themselves, with PyTorch's shapes: zeros, or the
    bias where the output has elements but the sum over input channels is empty."""
    return 0 in plan.input_shape or 0 in plan.weight_shape


def _zeros(like, shape, channels_last: bool):
    """Zeros of NCHW ``shape``, in channels_last memory when asked (as the routes return)."""
    from ..backend import xp_of

    xp = xp_of(like)
    if channels_last:
        n, c, h, w = shape
        return xp.zeros((n, h, w, c), dtype=like.dtype).transpose(0, 3, 1, 2)
    return xp.zeros(shape, dtype=like.dtype)


def conv2d(x_in, weight, bias, plan: ConvPlan):
    """The planned cross-correlation: ``x_in = plan.input_layout(x)``, ``weight``
    (C_out, C/groups, KH, KW), ``bias`` (C_out,) or None. Returns NCHW (N, C_out, OH, OW)
    in the plan's memory format."""
    conv.plan.check_laid_out(plan, x_in=x_in, weight=weight, bias=bias)
    if _is_empty(plan):
        out = _zeros(weight, plan.output_shape, plan.channels_last)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        return out
    return plan.module.forward(x_in, weight, bias, plan)


def conv2d_input_grad(grad_in, weight, plan: ConvPlan):
    """The adjoint of ``conv2d`` in its input (also ``conv_transpose2d``), of the output
    gradient ``grad_in = plan.grad_layout(grad)``: NCHW of the plan's input shape."""
    conv.plan.check_laid_out(plan, grad_in=grad_in, weight=weight)
    if _is_empty(plan):
        return _zeros(weight, plan.input_shape, plan.channels_last)
    return plan.module.input_grad(grad_in, weight, plan)


def conv2d_weight_grad(x_in, grad_in, plan: ConvPlan):
    """d<conv2d(x, w), grad>/dw, of the plan's weight shape, from ``plan.input_layout(x)``
    and ``plan.grad_layout(grad)``."""
    conv.plan.check_laid_out(plan, x_in=x_in, grad_in=grad_in)
    if _is_empty(plan):
        return _zeros(x_in, plan.weight_shape, False)
    return plan.module.weight_grad(x_in, grad_in, plan)


def conv2d_backward(x_in, grad_in, weight, plan: ConvPlan):
    """(``conv2d_input_grad``, ``conv2d_weight_grad``) together: the per-core routes read
    (and Winograd transforms) each band of the output gradient once for both."""
    conv.plan.check_laid_out(plan, x_in=x_in, grad_in=grad_in, weight=weight)
    if _is_empty(plan):
        return (_zeros(weight, plan.input_shape, plan.channels_last), _zeros(weight, plan.weight_shape, False))
    return plan.module.backward(x_in, grad_in, weight, plan)


# -------------------------------------------------------------------------- pooling
def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    """(values, flat argmax per window in its H*W plane) of NCHW ``x``, in x's memory format
    (as every pooling kernel's results)."""
    return lookup("max_pool2d", x)(x, kernel, stride, padding, dilation, out_hw)


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    """Window means of NCHW ``x``; ``divisor`` (OH, OW) from ``avg_pool2d_divisor``."""
    return lookup("avg_pool2d", x)(x, kernel, stride, padding, out_hw, divisor)


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor, channels_last=False):
    """The adjoint of ``avg_pool2d``: each output's gradient over its window; the result is
    channels_last when ``channels_last`` (the forward input was), else plain NCHW."""
    return lookup("avg_pool2d_backward", grad)(grad, kernel, stride, padding, in_hw, divisor, channels_last)


def gather_planes(x, index):
    """out[n, c, k] = x[n, c].flat[index[n, c, k]]."""
    return lookup("gather_planes", x)(x, index)


def scatter_add_planes(values, index, in_hw, channels_last=False):
    """The adjoint of ``gather_planes``: zeros of (N, C, *in_hw), values added at index;
    channels_last or plain NCHW as asked."""
    return lookup("scatter_add_planes", values)(values, index, in_hw, channels_last)


# ---------------------------------------------------------------- normalisation
def batch_norm_train(x, weight, bias, eps):
    """Training-mode batch norm of (N, C, L) ``x``: (y, mean, biased var, invstd)."""
    return lookup("batch_norm_train", x)(x, weight, bias, eps)


def batch_norm_backward(x, grad, mean, invstd, weight):
    """(dx, dweight, dbias) of ``batch_norm_train``."""
    return lookup("batch_norm_backward", x)(x, grad, mean, invstd, weight)


# ------------------------------------------------------------------------ special
def erf(x):
    """The error function, elementwise."""
    return lookup("erf", x)(x)


def gelu(x, approximate):
    """GELU of ``x``: exact (``approximate="none"``) or the tanh form."""
    return lookup("gelu", x)(x, approximate)


def gelu_backward(x, grad, approximate):
    """``grad`` times GELU's derivative at ``x``."""
    return lookup("gelu_backward", x)(x, grad, approximate)


# ----------------------------------------------------------------------- elementwise
def where(condition, a, b):
    """``condition ? a : b`` elementwise over arrays (a 0-d array stands for a scalar)."""
    return lookup("where", b if a.ndim == 0 else a)(condition, a, b)


# ------------------------------------------------------------------------ optimizers
def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """One SGD step in place on ``param`` and ``momentum_buffer`` (see ``optim/reference.py``)."""
    return lookup("sgd_step", param)(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
                                     maximize, first)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
              decoupled, amsgrad, maximize):
    """One Adam/AdamW step in place on ``param`` and its moment estimates."""
    return lookup("adam_step", param)(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                                      eps, weight_decay, decoupled, amsgrad, maximize)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    """One RMSprop step in place on ``param`` and its averages."""
    return lookup("rmsprop_step", param)(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                                         weight_decay, momentum, centered, maximize)


def adagrad_step(param, grad, total, rate, eps, weight_decay, maximize):
    """One Adagrad step in place on ``param`` and its sum of squared gradients."""
    return lookup("adagrad_step", param)(param, grad, total, rate, eps, weight_decay, maximize)
