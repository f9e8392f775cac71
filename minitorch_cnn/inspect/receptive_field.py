"""Receptive fields, measured and computed: which input pixels one output unit depends on.

``measured_receptive_field`` finds it with a gradient, as one would on any network: back
from one unit of the output, the input pixels whose gradient is nonzero are exactly those
it depends on (with positive weights on an input of ones, no dependence cancels and no
unit saturates). ``receptive_field`` is the closed form for a stack of convolutions and
poolings, layer i with kernel k_i, stride s_i and dilation d_i:

    r = 1 + Σ_i (k_i - 1)·d_i·∏_{j<i} s_j

which is 1 + L·(K - 1) for L stride-1 K×K convolutions. The two agree on every stack the
tests draw; a learner can check the formula on a network of their own.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import backend, creation
from ..autograd.grad_mode import no_grad
from ..nn import AvgPool2d, Conv2d, MaxPool2d, Module, Sequential


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    """The input window one output unit sees: its height and width in input pixels, and
    the (top, left) of the window for the unit measured."""

    height: int
    width: int
    top: int
    left: int

    @property
    def size(self) -> tuple[int, int]:
        return self.height, self.width


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def receptive_field(layers) -> tuple[int, int]:
    """The closed-form receptive field (height, width) of a stack of ``Conv2d``,
    ``MaxPool2d`` and ``AvgPool2d`` layers (other layers, activations and norms, leave it
    as it is): ``1 + Σ (k_i - 1)·d_i·∏_{j<i} s_j`` along each axis."""
    size, jump = [1, 1], [1, 1]
    for layer in (layers if not isinstance(layers, Module) else layers.modules()):
        if isinstance(layer, Conv2d):
            kernel, stride, dilation = _pair(layer.kernel_size), _pair(layer.stride), _pair(layer.dilation)
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            kernel, stride = _pair(layer.kernel_size), _pair(layer.stride or layer.kernel_size)
            dilation = _pair(getattr(layer, "dilation", 1))
        else:
            continue
        for axis in range(2):
            size[axis] += (kernel[axis] - 1) * dilation[axis] * jump[axis]
            jump[axis] *= stride[axis]
    return size[0], size[1]


def measured_receptive_field(model: Module, input_size, unit=None) -> ReceptiveField:
    """The receptive field of one output unit of ``model`` (the centre one unless ``unit``
    = (row, column) of the output map), measured by backpropagating from it: the extent
    of the input pixels with a nonzero gradient. The measurement runs on a copy of the
    model in float64 with positive weights (each 1/fan_in) and zero biases, so that no
    path's contribution can cancel another's and no unit saturates; ``input_size`` is (C, H, W). Max pooling routes a gradient to one
    pixel per window, so it is measured as average pooling would be: the field of a max
    pool is its whole window."""
    import copy

    probe = copy.deepcopy(model).double().eval()
    with no_grad():
        for name, parameter in probe.named_parameters():
            # weights averaging their inputs keep every activation near 1 on an input of
            # ones: a tanh or sigmoid stays far from saturation, whose zero slope would cut paths
            fan_in = int(np.prod(parameter.shape[1:])) if parameter.ndim > 1 else 1
            parameter.array[...] = 0.0 if name.endswith("bias") else 1.0 / fan_in
    _max_pools_as_averages(probe)
    channels, height, width = input_size
    x = creation.ones(1, channels, height, width, dtype=backend.float64, requires_grad=True)
    y = probe(x)
    if y.ndim != 4:
        raise ValueError(f"measured_receptive_field: the model must map (N, C, H, W) to (N, C', H', W'), got "
                         f"output shape {list(y.shape)}")
    row, column = unit if unit is not None else (y.shape[2] // 2, y.shape[3] // 2)
    if not (0 <= row < y.shape[2] and 0 <= column < y.shape[3]):
        raise ValueError(f"measured_receptive_field: unit {(row, column)} is outside the output map "
                         f"{tuple(y.shape[2:])}")
    y[0, :, row, column].sum().backward()
    touched = np.argwhere(np.abs(x.grad.detach().cpu().numpy()[0]).sum(axis=0) > 0)
    if touched.size == 0:
        raise ValueError("measured_receptive_field: no input pixel reaches that unit")
    (top, left), (bottom, right) = touched.min(axis=0), touched.max(axis=0)
    if top == 0 or left == 0 or bottom == height - 1 or right == width - 1:
        # the field reaches the image's border: what was measured is the field clipped
        raise ValueError(f"measured_receptive_field: the field of unit {(row, column)} reaches the border of the "
                         f"{height}x{width} input; measure it on a larger input")
    return ReceptiveField(int(bottom - top + 1), int(right - left + 1), int(top), int(left))


def _max_pools_as_averages(model: Module) -> None:
    for name, child in list(model.named_children()):
        if isinstance(child, MaxPool2d):
            if _pair(getattr(child, "dilation", 1)) != (1, 1):
                raise ValueError(f"measured_receptive_field: dilated max pooling ({name}) is not measured")
            replacement = AvgPool2d(child.kernel_size, child.stride, child.padding, ceil_mode=child.ceil_mode)
            if isinstance(model, Sequential):
                model._modules[name] = replacement
            else:
                setattr(model, name, replacement)
        else:
            _max_pools_as_averages(child)
