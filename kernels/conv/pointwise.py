"""The pointwise route: 1x1 convolutions without padding need no im2col. The strided
channels-last input already is the GEMM operand (pixels x channels), so the forward and
the weight gradient are one grouped matmul each, over the same layout copy, and the input
gradient is one matmul scattered back at the stride. Array-API code: any device."""

from __future__ import annotations

from ...backend import xp_of
from .gemm import grouped_matmul
from .layout import as_nchw, channels_last, empty_output, weight_matrix


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = ()
INPUT_LAYOUT, GRAD_LAYOUT = "strided nhwc", "nhwc"


def input_layout(x, plan):
    """The input at the positions the 1x1 kernel reads, channels-last: (N, OH, OW, C)."""
    (out_h, out_w), (sh, sw) = plan.output_hw, plan.stride
    return channels_last(x[:, :, ::sh, ::sw][:, :, :out_h, :out_w])


def grad_layout(grad, plan):
    return channels_last(grad)


def forward(xs, weight, bias, plan):
    c_out, cg = plan.weight_shape[:2]
    groups = plan.groups
    out = empty_output(plan, xs)
    grouped_matmul(xs.reshape(-1, groups, cg), weight_matrix(weight, groups), out.reshape(-1, groups, c_out // groups))
    if bias is not None:
        out += bias
    return as_nchw(out, plan.channels_last)


def input_grad(gy, weight, plan):
    xp = xp_of(gy)
    n, c, h, w = plan.input_shape
    c_out, cg = plan.weight_shape[:2]
    groups, (out_h, out_w), (sh, sw) = plan.groups, plan.output_hw, plan.stride
    wmat = weight_matrix(weight, groups).transpose(0, 2, 1)  # (G, C_out/G, Cg)
    rows = xp.empty((n * out_h * out_w, groups, cg), dtype=gy.dtype)
    grouped_matmul(gy.reshape(-1, groups, c_out // groups), wmat, rows)
    rows = rows.reshape(n, out_h, out_w, c)
    if (sh, sw) == (1, 1) and (out_h, out_w) == (h, w):
        return as_nchw(rows, plan.channels_last)
    dx = xp.zeros((n, h, w, c), dtype=gy.dtype)
    dx[:, :out_h * sh:sh, :out_w * sw:sw, :] = rows
    return as_nchw(dx, plan.channels_last)


def weight_grad(xs, gy, plan):
    xp = xp_of(xs)
    c_out, cg = plan.weight_shape[:2]
    groups = plan.groups
    gy_rows = gy.reshape(-1, groups, c_out // groups).transpose(1, 2, 0)  # (G, C_out/G, M)
    rows = xs.reshape(-1, groups, cg).transpose(1, 0, 2)  # (G, M, Cg)
    return xp.matmul(gy_rows, rows).reshape(c_out, cg, 1, 1)


def backward(xs, gy, weight, plan):
    return input_grad(gy, weight, plan), weight_grad(xs, gy, plan)
