"""Pooling, as ``torch.nn.functional``: max_pool2d (with indices), avg_pool2d,
adaptive_avg_pool2d, adaptive_max_pool2d, max_unpool2d, and their 1-D forms (max_pool1d,
avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d: the 2-D ops on a unit height, as
conv1d is conv2d's). Integer inputs take ``pooling_int``'s route where PyTorch accepts
them: max pooling of any integer dtype, average pooling of int64.

The pairs that are each other's backward (so second derivatives work):

* max pooling's backward scatters the gradient to the saved argmax positions
  (``ScatterAddPlanes``), whose backward gathers from them (``GatherPlanes``);
  max_unpool2d is that same scatter and adaptive max pooling is that same gather;
* average pooling's backward is its adjoint (``AvgPool2dAdjoint``) and vice versa.

Output sizes follow PyTorch exactly, including ``ceil_mode``: the size is rounded up, but
a last window that would start inside the right padding is dropped.
"""

from __future__ import annotations

import math
import numbers

from .. import backend, kernels
from ..autograd.function import Function
from ..tensor import Tensor
from .common import int_tuple
from .join import stack
from .pooling_int import avg_pool2d_int, max_pool2d_int, torch_dtype_name
from ..errors import ArgumentTypeError, ShapeError


# ------------------------------------------------------------------ argument checks
def _pair(value, name, fn, minimum):
    return int_tuple(value, 2, f"{fn}: {name}", minimum)


def _check_input(fn, input, integers=()):
    """``integers``: the integer dtypes (names) ``fn`` accepts besides floating point; any
    other dtype is PyTorch's NotImplementedError, "not implemented for 'Long'"."""
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ShapeError(f"{fn}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {list(input.shape)}")
    if input.dtype.kind != "f" and input.dtype.name not in integers:
        raise NotImplementedError(f"{fn}: not implemented for '{torch_dtype_name(input.dtype)}' (input dtype "
                                  f"{input.dtype}); pooling here takes floating point"
                                  + (f" or {', '.join(integers)}" if integers else "") + " input")
    if 0 in input.shape[-3:]:
        raise ShapeError(f"{fn}: input has a zero-size channel or spatial dim: shape {list(input.shape)}")


def pooling_output_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling_output_shape for one spatial dim."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = math.floor(span / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # the last window would start in the right padding
    return out


MAX_POOL_INTEGERS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _window_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode, integers=()):
    _check_input(fn, input, integers)
    kernel = _pair(kernel_size, "kernel_size", fn, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        _pair(stride, "stride", fn, 1)
    padding = _pair(padding, "padding", fn, 0)
    dilation = _pair(dilation, "dilation", fn, 1)
    for axis in range(2):
        reach = kernels.kernel_span(kernel[axis], dilation[axis])
        if padding[axis] > reach // 2:
            raise ShapeError(f"{fn}: padding should be at most half of effective kernel size, but got "
                             f"padding={padding} for kernel_size={kernel} and dilation={dilation}")
    in_hw = input.shape[-2:]
    out_hw = tuple(pooling_output_size(in_hw[a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
                   for a in range(2))
    if min(out_hw) < 1:
        raise ShapeError(f"{fn}: output size is too small: input {tuple(in_hw)} with kernel_size={kernel}, "
                         f"stride={stride}, padding={padding}, dilation={dilation} gives {out_hw}")
    return kernel, stride, padding, dilation, out_hw


def _batched(input):
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


# ------------------------------------------------------------------ gather / scatter
# A backward kernel's result takes the memory format of the forward op's input (as in
# PyTorch), which the upstream gradient cannot always tell: a global pooling's gradient,
# (N, C, 1, 1), is laid out both ways. So the ops pass the format along.
class GatherPlanes(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.in_hw, ctx.channels_last = index, x.shape[-2:], backend.is_channels_last(x)
        return kernels.gather_planes(x, index)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAddPlanes.apply(grad, ctx.index, ctx.in_hw, ctx.channels_last), None


class ScatterAddPlanes(Function):
    @staticmethod
    def forward(ctx, values, index, in_hw, channels_last):
        ctx.index = index
        return kernels.scatter_add_planes(values, index, tuple(in_hw), channels_last)

    @staticmethod
    def backward(ctx, grad):
        return GatherPlanes.apply(grad, ctx.index), None, None, None


# ------------------------------------------------------------------ max pooling
class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_hw):
        out, index = kernels.max_pool2d(x, kernel, stride, padding, dilation, out_hw)
        ctx.save_for_backward(index)  # a saved output: modifying it in place is caught
        ctx.in_hw, ctx.channels_last = x.shape[-2:], backend.is_channels_last(x)
        ctx.mark_non_differentiable(index)
        return out, index

    @staticmethod
    def backward(ctx, grad, _grad_index):
        (index,) = ctx.saved_tensors
        return ScatterAddPlanes.apply(grad, index.array, ctx.in_hw, ctx.channels_last), None, None, None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window; padding counts as -inf. With ``return_indices`` also the
    flat position of each maximum in its H*W plane (for ``max_unpool2d``). An integer
    input keeps its dtype (no gradient), as PyTorch."""
    kernel, stride, padding, dilation, out_hw = _window_args("max_pool2d", input, kernel_size, stride, padding,
                                                             dilation, ceil_mode, MAX_POOL_INTEGERS)
    x, unbatched = _batched(input)
    if x.dtype.kind == "f":
        out, index = MaxPool2d.apply(x, kernel, stride, padding, dilation, out_hw)
    else:  # an integer input has no gradient: the exact integer route
        out, index = max_pool2d_int(x, kernel, stride, padding, dilation, out_hw)
    if unbatched:
        out, index = out.squeeze(0), index.squeeze(0)
    return (out, index) if return_indices else out


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value goes back to the position its index
    names, zeros elsewhere. Where indices repeat (overlapping windows), values add up
    (PyTorch leaves that case undefined)."""
    _check_input("max_unpool2d", input)
    kernel = _pair(kernel_size, "kernel_size", "max_unpool2d", 1)
    stride = kernel if stride is None else _pair(stride, "stride", "max_unpool2d", 1)
    padding = _pair(padding, "padding", "max_unpool2d", 0)
    if not isinstance(indices, Tensor) or indices.shape != input.shape or indices.dtype.kind not in "iu":
        got = f"{indices.dtype} {list(indices.shape)}" if isinstance(indices, Tensor) else type(indices).__name__
        raise ShapeError(f"max_unpool2d: indices must be an integer tensor of the input's shape "
                         f"{list(input.shape)}, got {got}")
    default = tuple((input.shape[-2 + a] - 1) * stride[a] - 2 * padding[a] + kernel[a] for a in range(2))
    if output_size is None:
        out_hw = default
    else:
        out_hw = tuple(int(s) for s in tuple(output_size)[-2:])
        for a in range(2):
            if not default[a] - stride[a] < out_hw[a] < default[a] + stride[a]:
                raise ShapeError(f"max_unpool2d: output_size {out_hw} is not between {tuple(d - s + 1 for d, s in zip(default, stride))} "
                                 f"and {tuple(d + s - 1 for d, s in zip(default, stride))}")
    xp = backend.xp_of(indices.array)
    if indices.numel() and (int(indices.array.min()) < 0 or int(indices.array.max()) >= out_hw[0] * out_hw[1]):
        raise ShapeError(f"max_unpool2d: indices must lie in [0, {out_hw[0] * out_hw[1]}) for output size {out_hw}, "
                         f"got values in [{int(indices.array.min())}, {int(indices.array.max())}]")
    x, unbatched = _batched(input)
    index = xp.asarray(indices.array, dtype="int64").reshape(x.shape)
    out = ScatterAddPlanes.apply(x, index, out_hw, backend.is_channels_last(x.array))
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------------------ average pooling
class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out_hw, divisor):
        ctx.args, ctx.in_hw = (kernel, stride, padding, divisor), x.shape[-2:]
        ctx.channels_last = backend.is_channels_last(x)
        return kernels.avg_pool2d(x, kernel, stride, padding, out_hw, divisor)

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, divisor = ctx.args
        return (AvgPool2dAdjoint.apply(grad, kernel, stride, padding, ctx.in_hw, divisor, ctx.channels_last), None,
                None, None, None, None)


class AvgPool2dAdjoint(Function):
    @staticmethod
    def forward(ctx, grad, kernel, stride, padding, in_hw, divisor, channels_last):
        ctx.args, ctx.out_hw = (kernel, stride, padding, divisor), grad.shape[-2:]
        return kernels.avg_pool2d_backward(grad, kernel, stride, padding, tuple(in_hw), divisor, channels_last)

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, divisor = ctx.args
        return AvgPool2d.apply(grad, kernel, stride, padding, ctx.out_hw, divisor), None, None, None, None, None, None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window (zero padding). The divisor follows PyTorch: the window
    clipped to the padded input (``count_include_pad=True``) or to the input itself, or
    ``divisor_override``. An int64 input gives int64, the division truncated towards zero
    (PyTorch's CPU kernel); other integer dtypes are refused, as PyTorch."""
    kernel, stride, padding, _, out_hw = _window_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode,
                                                      ("int64",))
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral) or divisor_override == 0):
        raise ShapeError(f"avg_pool2d: divisor_override must be a non-zero int, got {divisor_override!r}")
    divisor = kernels.avg_pool2d_divisor(input.shape[-2:], kernel, stride, padding, out_hw,
                                                        count_include_pad, divisor_override)
    x, unbatched = _batched(input)
    if x.dtype.kind == "f":
        out = AvgPool2d.apply(x, kernel, stride, padding, out_hw, divisor)
    else:  # int64, as PyTorch's CPU kernel: exact sums, truncating division
        out = avg_pool2d_int(x, kernel, stride, padding, out_hw, divisor)
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_size(fn, input, output_size):
    _check_input(fn, input)
    sizes = (output_size,) * 2 if isinstance(output_size, numbers.Integral) else output_size
    if not isinstance(sizes, (tuple, list)) or len(sizes) != 2:
        raise ShapeError(f"{fn}: output_size must be an int or 2 ints (or None), got {output_size!r}")
    size = tuple(input.shape[-2 + a] if s is None else s for a, s in enumerate(sizes))
    # a float is refused, not truncated: (2.5, 2.5) is no output size
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in size):
        raise ArgumentTypeError(f"{fn}: output_size must be positive ints (or None), got {output_size!r}")
    if min(size) < 1:
        raise ShapeError(f"{fn}: output_size must be positive ints (or None), got {output_size!r}")
    return tuple(int(s) for s in size)


def _adaptive_windows(in_size, out_size):
    """PyTorch's adaptive windows: [floor(i·in/out), ceil((i+1)·in/out))."""
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)) for i in range(out_size)]


def _window_means(x, axis, windows):
    """The mean of each window [start, end) of dim ``axis``, stacked along that dim."""
    before = (slice(None),) * axis
    return stack([x[before + (slice(start, end),)].mean(axis) for start, end in windows], axis)


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows. When they tile the input evenly this is
    avg_pool2d; otherwise the rectangle mean is taken as a mean over rows of a mean over
    columns (uniform weights make it separable), in the input's memory order (a
    channels_last input is pooled as its NHWC view), so that the result and the gradient
    keep its memory format."""
    out_hw = _adaptive_size("adaptive_avg_pool2d", input, output_size)
    h, w = input.shape[-2:]
    if h % out_hw[0] == 0 and w % out_hw[1] == 0:
        kernel = (h // out_hw[0], w // out_hw[1])
        return avg_pool2d(input, kernel, kernel)
    x, unbatched = _batched(input)
    rows, cols = _adaptive_windows(h, out_hw[0]), _adaptive_windows(w, out_hw[1])
    if backend.is_channels_last(x.array):
        out = _window_means(_window_means(x.permute(0, 2, 3, 1), 1, rows), 2, cols).permute(0, 3, 1, 2)
    else:
        out = _window_means(_window_means(x, 2, rows), 3, cols)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows: the argmax is found per window (no gradient),
    and the values are gathered from it, so the backward is max pooling's scatter."""
    out_hw = _adaptive_size("adaptive_max_pool2d", input, output_size)
    x, unbatched = _batched(input)
    xp = backend.xp_of(x.array)
    n, c, h, w = x.shape
    index = xp.empty((n, c) + out_hw, dtype="int64")
    for i, (r0, r1) in enumerate(_adaptive_windows(h, out_hw[0])):
        for j, (c0, c1) in enumerate(_adaptive_windows(w, out_hw[1])):
            window = x.array[:, :, r0:r1, c0:c1].reshape(n, c, -1)
            local = xp.argmax(window, axis=2)  # NaN wins, as in PyTorch
            index[:, :, i, j] = (r0 + local // (c1 - c0)) * w + c0 + local % (c1 - c0)
    out = GatherPlanes.apply(x, index)
    indices = Tensor._wrap(index)
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


# ------------------------------------------------------------------ 1-D pooling
# (N, C, L) or (C, L) becomes (N, C, 1, L) or (C, 1, L): the 2-D ops on a unit height, so
# the kernels, gradients and PyTorch's size rules are the 2-D ones, and a max pooling's
# flat H*W position is the position along L.
def _as_planes(fn, input):
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise ShapeError(f"{fn}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {list(input.shape)}")
    return input.unsqueeze(-2)


def _single(value, name, fn, minimum):
    """A 1-D size argument as one int: an int, or a sequence of exactly one."""
    if isinstance(value, (tuple, list)) and len(value) != 1:
        raise ArgumentTypeError(f"{fn}: {name} must be an int or a tuple of 1 int, got {value!r}")
    return int_tuple(value, 1, f"{fn}: {name}", minimum)[0]


def _line_args(fn, kernel_size, stride, padding, dilation):
    """The 1-D arguments as the 2-D ops' (height 1) pairs."""
    kernel = _single(kernel_size, "kernel_size", fn, 1)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    stride = kernel if no_stride else _single(stride, "stride", fn, 1)
    return (1, kernel), (1, stride), (0, _single(padding, "padding", fn, 0)), (1, _single(dilation, "dilation", fn, 1))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window of the last dim; ``return_indices`` gives positions along L.
    Unlike PyTorch's CPU max_pool1d (which refuses integers unless indices are asked for),
    an integer input is pooled as max_pool2d pools it."""
    planes = _as_planes("max_pool1d", input)
    kernel, stride, padding, dilation = _line_args("max_pool1d", kernel_size, stride, padding, dilation)
    out = max_pool2d(planes, kernel, stride, padding, dilation, ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of the last dim (zero padding; the divisor as avg_pool2d's)."""
    planes = _as_planes("avg_pool1d", input)
    kernel, stride, padding, _ = _line_args("avg_pool1d", kernel_size, stride, padding, 1)
    return avg_pool2d(planes, kernel, stride, padding, ceil_mode, count_include_pad).squeeze(-2)


def _line_output_size(fn, output_size):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise ShapeError(f"{fn}: output_size should contain one int (got {len(output_size)}): {output_size!r}")
        output_size = output_size[0]
    if isinstance(output_size, bool) or not isinstance(output_size, numbers.Integral):
        raise ArgumentTypeError(f"{fn}: output_size must be an int or a tuple of 1 int, got {output_size!r}")
    return (1, int(output_size))


def adaptive_avg_pool1d(input, output_size):
    """Mean over PyTorch's adaptive windows of the last dim, to ``output_size`` positions."""
    planes = _as_planes("adaptive_avg_pool1d", input)
    return adaptive_avg_pool2d(planes, _line_output_size("adaptive_avg_pool1d", output_size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows of the last dim; indices are positions along L."""
    planes = _as_planes("adaptive_max_pool1d", input)
    out = adaptive_max_pool2d(planes, _line_output_size("adaptive_max_pool1d", output_size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)
