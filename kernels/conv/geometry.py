"""The arithmetic of convolution shapes, written once: output sizes of a convolution and of
a transposed convolution, and "same" padding. The ops check their arguments with these,
the layers use them, and the plan sizes its buffers with them.

For one spatial dim with input size ``size``, padding ``before``/``after``, dilation ``d``,
kernel ``k`` and stride ``s`` (PyTorch's formulas):

    conv:        out = floor((size + before + after - d (k - 1) - 1) / s) + 1
    transposed:  out = (size - 1) s - 2 padding + d (k - 1) + output_padding + 1

``d (k - 1) + 1`` is the span of the dilated kernel (``kernel_span``).
"""

from __future__ import annotations


def kernel_span(kernel, dilation):
    """How many input positions one dilated kernel window covers: d (k - 1) + 1."""
    return dilation * (kernel - 1) + 1


def conv_output_size(size, kernel, stride, before, after, dilation):
    """Output positions of a convolution along one dim (< 1: the kernel does not fit)."""
    return (size + before + after - kernel_span(kernel, dilation)) // stride + 1


def conv_transpose_output_size(size, kernel, stride, padding, dilation, output_padding):
    """Output positions of a transposed convolution along one dim (the input size of the
    convolution it is the adjoint of)."""
    return (size - 1) * stride - 2 * padding + kernel_span(kernel, dilation) - 1 + output_padding + 1


def same_padding(kernel, dilation):
    """(before, after) for each dim so that a stride-1 convolution keeps the size: the
    dilated span minus one, split in two, the odd one out after (bottom/right), as PyTorch."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = kernel_span(k, d) - 1
        pads.append((total // 2, total - total // 2))
    return tuple(pads)
