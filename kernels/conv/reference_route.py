"""The reference route: the readable spec in ``reference.py`` (a sum over kernel offsets),
on NCHW arrays of any memory format and any device. It makes no layout copy; its results
come back in the planned memory format like every route's."""

from __future__ import annotations

from ...backend import to_channels_last, xp_of
from . import reference


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = ()
INPUT_LAYOUT, GRAD_LAYOUT = "nchw", "nchw"


def input_layout(x, plan):
    return x


def grad_layout(grad, plan):
    return grad


def _formatted(result, plan):
    return to_channels_last(result) if plan.channels_last else xp_of(result).ascontiguousarray(result)


def forward(x, weight, bias, plan):
    y = reference.conv2d(x, weight, bias, plan.stride, plan.padding, plan.dilation, plan.groups)
    # the planned positions: fewer than the formula's when a transposed convolution's output
    # padding reaches past what its input covers (its backward runs this plan forwards)
    out_h, out_w = plan.output_hw
    return _formatted(y[:, :, :out_h, :out_w], plan)


def input_grad(grad, weight, plan):
    dx = reference.conv2d_input_grad(grad, weight, plan.input_shape[2:], plan.stride, plan.padding, plan.dilation,
                                     plan.groups)
    return _formatted(dx, plan)


def weight_grad(x, grad, plan):
    return reference.conv2d_weight_grad(x, grad, plan.weight_shape, plan.stride, plan.padding, plan.dilation,
                                        plan.groups)


def backward(x, grad, weight, plan):
    return input_grad(grad, weight, plan), weight_grad(x, grad, plan)
