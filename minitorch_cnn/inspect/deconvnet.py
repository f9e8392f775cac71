"""Zeiler and Fergus's deconvnet (2014): what in the image a unit of a layer responds to.

The image goes forward through the layers up to the chosen one, recording each max
pooling's "switches" (where each maximum came from). The chosen channel's strongest
activation is kept and every other value of the layer's output set to zero; that map
then goes back down, each layer undone in reverse: a ReLU again (the map stays
positive), a max pooling by unpooling to its switches, a convolution by the transposed
convolution with the same filters (no bias). The result has the image's shape and shows
the pattern that made the unit fire, where it fired.

The model is read as a sequence of layers (its modules in order, nested ``Sequential``s
flattened): ``Conv2d``, ``ReLU``, ``MaxPool2d`` and layers that keep the shape
(batch norm, dropout, LRN, identity), which the way down passes through unchanged, as
the paper does with its contrast normalisation.
"""

from __future__ import annotations

import numpy as np

from .. import creation
from ..autograd.grad_mode import no_grad
from ..nn import (BatchNorm2d, Conv2d, Dropout, Dropout2d, Identity, LocalResponseNorm, MaxPool2d, Module, ReLU,
                  Sequential)
from ..nn import functional as F
from ..tensor import Tensor

_PASSED_THROUGH = (BatchNorm2d, Dropout, Dropout2d, Identity, LocalResponseNorm)


def _layers(model: Module) -> list[tuple[str, Module]]:
    """(name, layer) in the order they run: nested Sequentials flattened."""
    out = []
    for name, child in model.named_children():
        if isinstance(child, Sequential):
            out += [(f"{name}.{inner}", layer) for inner, layer in _layers(child)]
        else:
            out.append((name, child))
    return out


def deconv_layers(model: Module) -> list[str]:
    """The names of the layers ``deconvnet`` can reconstruct from (the convolutional part
    of ``model``, up to its first layer it cannot undo)."""
    names = []
    for name, layer in _layers(model):
        if not isinstance(layer, (Conv2d, ReLU, MaxPool2d) + _PASSED_THROUGH):
            break
        names.append(name)
    return names


def deconvnet(model: Module, image, layer: str, channel: int | None = None) -> tuple[np.ndarray, int, tuple]:
    """(reconstruction (C, H, W) in the image's shape, the channel, its strongest unit's
    (row, column)) for ``channel`` of the layer named ``layer`` (the channel with the
    largest activation when None)."""
    if not isinstance(image, Tensor) or image.ndim != 3:
        got = list(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"deconvnet: image must be a (C, H, W) Tensor, got {got}")
    allowed = deconv_layers(model)
    if layer not in allowed:
        raise ValueError(f"deconvnet: layer must be one of the convolutional part's layers "
                         f"({', '.join(allowed) or 'none'}), got {layer!r}")
    path = _layers(model)[:allowed.index(layer) + 1]
    x = image.detach().unsqueeze(0)
    record = []  # what each layer needs on the way down
    with no_grad():
        for _, module in path:
            if isinstance(module, MaxPool2d):
                pooled, switches = F.max_pool2d(x, module.kernel_size, module.stride, module.padding,
                                                module.dilation, module.ceil_mode, return_indices=True)
                record.append((module, (switches, tuple(x.shape[2:]))))
                x = pooled
            else:
                record.append((module, tuple(x.shape[2:])))
                x = module(x)
        if x.ndim != 4:
            raise ValueError(f"deconvnet: {layer!r} gives {list(x.shape)}, not (N, C, H, W) maps")
        maps = x[0].detach().cpu().numpy()
        chosen = int(maps.reshape(maps.shape[0], -1).max(axis=1).argmax()) if channel is None else channel
        if not 0 <= chosen < maps.shape[0]:
            raise ValueError(f"deconvnet: channel must be in [0, {maps.shape[0]}), got {channel!r}")
        row, column = np.unravel_index(maps[chosen].argmax(), maps[chosen].shape)
        only = np.zeros_like(maps)
        only[chosen, row, column] = maps[chosen, row, column]
        y = creation.tensor(only[None].astype(maps.dtype), device=image.device)
        for module, saved in reversed(record):
            if isinstance(module, Conv2d):
                padding, extra = _transposed_padding(module, tuple(y.shape[2:]), saved)
                y = F.conv_transpose2d(y, module.weight.detach(), None, module.stride, padding, extra,
                                       module.groups, module.dilation)
            elif isinstance(module, ReLU):
                y = F.relu(y)
            elif isinstance(module, MaxPool2d):
                switches, size = saved
                y = F.max_unpool2d(y, switches, module.kernel_size, module.stride, module.padding,
                                   output_size=size)
    return y[0].detach().cpu().numpy(), chosen, (int(row), int(column))


def _transposed_padding(conv: Conv2d, out_size, in_size) -> tuple:
    """(padding, output padding) of the transposed convolution that brings the map back to
    ``in_size`` (a strided convolution maps several input sizes to one output size)."""
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    kernel, stride, dilation = pair(conv.kernel_size), pair(conv.stride), pair(conv.dilation)
    if conv.padding == "valid":
        padding = (0, 0)
    elif conv.padding == "same" and all(k % 2 for k in kernel):
        padding = tuple((k - 1) * d // 2 for k, d in zip(kernel, dilation))
    elif isinstance(conv.padding, str):
        raise ValueError(f"deconvnet: padding={conv.padding!r} with an even kernel is not undone")
    else:
        padding = pair(conv.padding)
    extra = tuple(in_size[a] - ((out_size[a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (kernel[a] - 1) + 1)
                  for a in range(2))
    return padding, extra
