"""Convolution: ``conv2d``, ``conv_transpose2d``, ``conv1d``, ``conv_transpose1d``.

Three ops close the family under differentiation (as in Chainer and PyTorch):

* ``Conv2d``            y  = conv(x, w)
* ``ConvTranspose2d``   x' = conv_transpose(y, w), the adjoint of conv in x
* ``Conv2dWeight``      w' = d<conv(x, w), g>/dw, bilinear in (x, g)

Each one's backward is written with the other two, so second derivatives (and third…)
work through convolutions. The arithmetic is in ``minitorch_cnn.kernels``. Arguments and
errors follow ``torch.nn.functional``; every check runs before any arithmetic.
"""

from __future__ import annotations

import numbers

from .. import kernels
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .common import int_tuple
from ..errors import ArgumentTypeError, ShapeError


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        # the route is chosen once, here, and the backward kernels get the same plan; the
        # layout copy of x the route reads is made once and kept for the weight gradient
        # (released with the graph; x itself is saved, so an in-place change of x is still
        # caught by its version counter)
        plan = kernels.conv_plan(x.shape, w.shape, stride, padding, dilation, groups, like=x,
                                 work=_conv2d_work(*ctx.needs_input_grad[:2]))
        x_in = plan.input_layout(x)
        ctx.plan = plan
        ctx.save_for_backward(x, w, x_in if ctx.needs_input_grad[1] else None)  # frozen w: not needed
        return kernels.conv2d(x_in, w, b, plan)

    @staticmethod
    def backward(ctx, grad):
        x, w, x_in = ctx.saved_tensors
        plan, needs = ctx.plan, ctx.needs_input_grad
        gb = grad.sum((0, 2, 3)) if needs[2] else None
        if is_grad_enabled():  # create_graph: through the differentiable ops, recorded
            gx = ConvTranspose2d.apply(grad, w, plan) if needs[0] else None
            gw = Conv2dWeight.apply(x, grad, plan) if needs[1] else None
            return gx, gw, gb, None, None, None, None
        # no graph of the backward to record: the kernels directly, on one layout copy of
        # grad; with both gradients wanted, one kernel reads grad once for both
        grad_in = plan.grad_layout(grad.array)
        gx = gw = None
        if needs[0] and needs[1]:
            gx, gw = kernels.conv2d_backward(x_in.array, grad_in, w.array, plan)
        elif needs[0]:
            gx = kernels.conv2d_input_grad(grad_in, w.array, plan)
        elif needs[1]:
            gw = kernels.conv2d_weight_grad(x_in.array, grad_in, plan)
        wrap = Tensor._wrap
        return None if gx is None else wrap(gx), None if gw is None else wrap(gw), gb, None, None, None, None


class ConvTranspose2d(Function):
    """The adjoint of ``Conv2d`` in its input: maps an output-shaped ``y`` back to the
    input shape of the convolution ``plan`` describes, with the same weight."""

    @staticmethod
    def forward(ctx, y, w, plan):
        ctx.save_for_backward(y, w)
        ctx.plan = plan
        return kernels.conv2d_input_grad(plan.grad_layout(y), w, plan)

    @staticmethod
    def backward(ctx, grad):
        y, w = ctx.saved_tensors
        plan, needs = ctx.plan, ctx.needs_input_grad
        if is_grad_enabled():  # create_graph: through the differentiable ops, recorded
            geometry = (plan.stride, plan.padding, plan.dilation, plan.groups)
            gy = _crop(Conv2d.apply(grad, w, None, *geometry), y.shape) if needs[0] else None
            gw = Conv2dWeight.apply(grad, y, plan) if needs[1] else None
            return gy, gw, None
        # the same plan, run forwards: grad is the convolution's input, laid out once for both
        grad_in = plan.input_layout(grad.array)
        gy = Tensor._wrap(kernels.conv2d(grad_in, w.array, None, plan)) if needs[0] else None
        gw = Tensor._wrap(kernels.conv2d_weight_grad(grad_in, plan.grad_layout(y.array), plan)) if needs[1] else None
        return gy, gw, None


class Conv2dWeight(Function):
    """The weight gradient of ``Conv2d``: d<conv(x, w), g>/dw for input ``x`` and output
    gradient ``g`` of the convolution ``plan`` describes; linear in each, so its own
    backward is a conv and a transposed conv."""

    @staticmethod
    def forward(ctx, x, g, plan):
        ctx.save_for_backward(x, g)
        ctx.plan = plan
        return kernels.conv2d_weight_grad(plan.input_layout(x), plan.grad_layout(g), plan)

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        plan, needs = ctx.plan, ctx.needs_input_grad
        geometry = (plan.stride, plan.padding, plan.dilation, plan.groups)
        gx = ConvTranspose2d.apply(g, grad, plan) if needs[0] else None
        gg = _crop(Conv2d.apply(x, grad, None, *geometry), g.shape) if needs[1] else None
        return gx, gg, None


def _crop(conv_output, shape):
    """Keep the first ``shape[2:]`` positions. A transposed convolution with output padding
    at least its stride (allowed by a larger dilation) adds rows and columns that no input
    position reaches; a conv over its gradient sees those too, and they belong to nobody."""
    if conv_output.shape[2:] == tuple(shape[2:]):
        return conv_output
    return conv_output[:, :, :shape[2], :shape[3]]


# ------------------------------------------------------------------ argument checking
def _check_tensors(fn, input, weight, bias, spatial):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise ArgumentTypeError(f"{fn}: {name} must be a Tensor, got {type(t).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{fn}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
                         f"got input of shape {list(input.shape)}")
    if weight.ndim != spatial + 2:
        raise ShapeError(f"{fn}: expected a {spatial + 2}-D weight, got weight of shape {list(weight.shape)}")
    if 0 in weight.shape[2:]:
        raise ShapeError(f"{fn}: the kernel size (weight dims 2 and on) must be positive, got weight of shape "
                         f"{list(weight.shape)}")
    if input.dtype != weight.dtype or input.dtype.kind != "f":
        raise ArgumentTypeError(f"{fn}: input ({input.dtype}) and weight ({weight.dtype}) must have the same floating dtype")
    if input.device != weight.device:
        raise RuntimeError(f"{fn}: input is on {input.device} but weight is on {weight.device}")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise ArgumentTypeError(f"{fn}: bias must be a Tensor or None, got {type(bias).__name__}")
        if bias.dtype != input.dtype or bias.device != input.device:
            raise ArgumentTypeError(f"{fn}: bias ({bias.dtype}, {bias.device}) must match input ({input.dtype}, {input.device})")


def _check_group_count(fn, groups):
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ShapeError(f"{fn}: groups must be a positive int, got {groups!r}")


def _check_groups(fn, groups, in_channels, out_channels, channels_per_group, weight_shape, input_shape):
    _check_group_count(fn, groups)
    if in_channels % groups:
        raise ShapeError(f"{fn}: in_channels ({in_channels}) must be divisible by groups ({groups})")
    if out_channels % groups:
        raise ShapeError(f"{fn}: out_channels ({out_channels}) must be divisible by groups ({groups})")
    if channels_per_group * groups != in_channels:
        raise ShapeError(f"{fn}: given groups={groups}, weight of size {list(weight_shape)}, expected input "
                         f"{list(input_shape)} to have {channels_per_group * groups} channels, but got "
                         f"{in_channels} channels instead")


def _check_output_size(fn, input_hw, padding, kernel, stride, dilation):
    padded = (input_hw[0] + padding[0] + padding[1], input_hw[1] + padding[2] + padding[3])
    reach = (kernels.kernel_span(kernel[0], dilation[0]), kernels.kernel_span(kernel[1], dilation[1]))
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise ShapeError(f"{fn}: calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size "
                         f"(dilated): ({reach[0]} x {reach[1]}). Kernel size can't be greater than actual input size")


def _prologue(fn, input, weight, bias, stride, dilation):
    """Checks shared by conv2d and conv_transpose2d; a 3-D input gains a batch dim.
    Returns (input, unbatched, stride, dilation)."""
    _check_tensors(fn, input, weight, bias, 2)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    return input, unbatched, int_tuple(stride, 2, f"{fn}: stride", 1), int_tuple(dilation, 2, f"{fn}: dilation", 1)


# --------------------------------------------------------------------------- public
def _conv2d_arguments(fn, input, weight, bias, stride, padding, dilation, groups):
    """conv2d's checks, in order, before any arithmetic. Returns (batched input, unbatched,
    stride, (top, bottom, left, right) padding, dilation)."""
    input, unbatched, stride, dilation = _prologue(fn, input, weight, bias, stride, dilation)
    out_channels, channels_per_group, kh, kw = weight.shape
    _check_groups(fn, groups, input.shape[1], out_channels, channels_per_group, weight.shape, input.shape)
    if isinstance(padding, str):
        if padding == "valid":
            pad4 = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ShapeError(f"{fn}: padding='same' is not supported for strided convolutions (stride={stride})")
            pad4 = tuple(p for pair in kernels.same_padding((kh, kw), dilation) for p in pair)
        else:
            raise ShapeError(f"{fn}: padding must be 'valid', 'same', an int or a pair, got {padding!r}")
    else:
        ph, pw = int_tuple(padding, 2, f"{fn}: padding", 0)
        pad4 = (ph, ph, pw, pw)
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"{fn}: bias must have shape [{out_channels}] (out_channels), got {list(bias.shape)}")
    _check_output_size(fn, input.shape[2:], pad4, (kh, kw), stride, dilation)
    return input, unbatched, stride, pad4, dilation


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"`` (stride 1 only; asymmetric
    when the dilated kernel is even, the extra row/column at the bottom/right). A 3-D
    input is an unbatched image.
    """
    input, unbatched, stride, pad4, dilation = _conv2d_arguments("conv2d", input, weight, bias, stride, padding,
                                                                 dilation, groups)
    out = Conv2d.apply(input, weight, bias, stride, pad4, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv2d_plan(input, weight, stride=1, padding=0, dilation=1, groups=1):
    """The plan ``conv2d`` would compute this call with (not a PyTorch function): which
    route (see ``minitorch_cnn.kernels.CONV_ROUTES``), with which parameters, and
    ``.explain()`` says why. The arguments are checked exactly as conv2d checks them."""
    input, _, stride, pad4, dilation = _conv2d_arguments("conv2d_plan", input, weight, None, stride, padding,
                                                         dilation, groups)
    recording = is_grad_enabled()
    work = _conv2d_work(recording and input.requires_grad, recording and weight.requires_grad)
    return kernels.conv_plan(input.shape, weight.shape, stride, pad4, dilation, groups, like=input.array, work=work)


def _conv2d_work(input_grad, weight_grad):
    """The kernels a conv2d call runs, forward and backward (what an autotuned plan times)."""
    return ("forward",) + ("input_grad",) * bool(input_grad) + ("weight_grad",) * bool(weight_grad)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (the adjoint of conv2d), as
    ``torch.nn.functional.conv_transpose2d``; weight is (C_in, C_out/groups, kH, kW)."""
    input, unbatched, stride, dilation = _prologue("conv_transpose2d", input, weight, bias, stride, dilation)
    ph, pw = int_tuple(padding, 2, "conv_transpose2d: padding", 0)
    output_padding = int_tuple(output_padding, 2, "conv_transpose2d: output_padding", 0)
    in_channels, out_per_group, kh, kw = weight.shape
    _check_group_count("conv_transpose2d", groups)
    if input.shape[1] != in_channels:
        raise ShapeError(f"conv_transpose2d: weight of size {list(weight.shape)} expects input with {in_channels} "
                         f"channels, but got input of shape {list(input.shape)}")
    if in_channels % groups:
        raise ShapeError(f"conv_transpose2d: in_channels ({in_channels}) must be divisible by groups ({groups})")
    for i, axis in enumerate(("height", "width")):
        if output_padding[i] >= max(stride[i], dilation[i]):
            raise ShapeError(f"conv_transpose2d: output_padding ({output_padding[i]}) must be smaller than either "
                             f"stride ({stride[i]}) or dilation ({dilation[i]}) along the {axis}")
    out_hw = tuple(kernels.conv_transpose_output_size(input.shape[2 + a], (kh, kw)[a], stride[a], (ph, pw)[a],
                                                      dilation[a], output_padding[a]) for a in range(2))
    if out_hw[0] < 1 or out_hw[1] < 1:
        raise ShapeError(f"conv_transpose2d: the output size would be {list(out_hw)} for input {list(input.shape)}, "
                         f"kernel ({kh}, {kw}), stride {stride}, padding {(ph, pw)}: it must be positive")
    out_channels = out_per_group * groups
    if bias is not None and bias.shape != (out_channels,):
        raise ShapeError(f"conv_transpose2d: bias must have shape [{out_channels}], got {list(bias.shape)}")
    # As the adjoint of a conv2d from out_channels to in_channels, whose weight is this one;
    # with an output padding past what y covers, that conv2d computes only y's positions
    # as that conv2d's adjoint, this call runs its input-gradient kernel forward, and its
    # backward the conv2d itself (for the input) and the weight gradient
    recording = is_grad_enabled()
    work = ("input_grad",) + ("forward",) * (recording and input.requires_grad) \
        + ("weight_grad",) * (recording and weight.requires_grad)
    plan = kernels.conv_plan((input.shape[0], out_channels) + out_hw, weight.shape, stride, (ph, ph, pw, pw),
                             dilation, groups, like=input.array, output_hw=input.shape[2:], work=work)
    out = ConvTranspose2d.apply(input, weight, plan)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _as_2d(fn, input, weight, bias, spatial=1):
    _check_tensors(fn, input, weight, bias, spatial)
    return input.unsqueeze(-2), weight.unsqueeze(-2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation, as ``torch.nn.functional.conv1d`` (a conv2d of height 1)."""
    x, w = _as_2d("conv1d", input, weight, bias)
    if isinstance(padding, str):
        pad = padding
    else:
        pad = (0, int_tuple(padding, 1, "conv1d: padding", 0)[0])
    out = conv2d(x, w, bias, (1, int_tuple(stride, 1, "conv1d: stride", 1)[0]), pad,
                 (1, int_tuple(dilation, 1, "conv1d: dilation", 1)[0]), groups)
    return out.squeeze(-2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d``."""
    x, w = _as_2d("conv_transpose1d", input, weight, bias)
    one = lambda value, name, minimum: (int_tuple(value, 1, f"conv_transpose1d: {name}", minimum)[0])  # noqa: E731
    out = conv_transpose2d(x, w, bias, (1, one(stride, "stride", 1)), (0, one(padding, "padding", 0)),
                           (0, one(output_padding, "output_padding", 0)), groups, (1, one(dilation, "dilation", 1)))
    return out.squeeze(-2)
