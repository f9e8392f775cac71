"""The direct route, for depthwise and thin-group convolutions: as GEMMs their depth
K = KH*KW*Cg is tiny and runs at 1-3 GFLOP/s, so the registered ``direct_*`` kernels loop
over the window instead (Numba on the CPU; the reference elsewhere).

Their arrays are group-minor (``layout.group_minor``), so that every inner loop runs over
all the groups and vectorises whatever the number of channels per group; for a depthwise
layer that order is plain channels-last, and a channels_last tensor goes in with no copy.
Padding is never materialised: the plan's tap tables say which input row and column each
tap reads (-1: padding), and which output each input position feeds.
"""

from __future__ import annotations

import numpy as np

from ...backend import xp_of
from ..registry import lookup
from .layout import direct_weights, empty_output, from_group_minor, group_minor


# the registered kernels it looks up (its device needs them), and the layouts it reads
BUILDING_BLOCKS = ("direct_forward", "direct_input_grad", "direct_weight_grad")
INPUT_LAYOUT, GRAD_LAYOUT = "group-minor", "group-minor"


def input_layout(x, plan):
    return group_minor(x, plan.groups)


def grad_layout(grad, plan):
    return group_minor(grad, plan.groups)


# device copies of the tap tables, by geometry: a plan is made per call, and copying four
# small tables to the GPU on every call of every depthwise layer is a host-to-device
# transfer each (the CPU reads the plan's own NumPy tables)
_DEVICE_TABLES: dict = {}
_DEVICE_TABLES_KEPT = 256


def _tables(plan, xp):
    if xp is np:
        return plan.tables
    key = (plan.input_shape[2:], plan.weight_shape[2:], plan.stride, plan.padding, plan.dilation,
           tuple(plan.output_hw), xp.__name__, plan.device)
    tables = _DEVICE_TABLES.get(key)
    if tables is None:
        if len(_DEVICE_TABLES) >= _DEVICE_TABLES_KEPT:
            _DEVICE_TABLES.clear()
        tables = _DEVICE_TABLES[key] = tuple(xp.asarray(table) for table in plan.tables)
    return tables


def forward(x, weight, bias, plan):
    xp = xp_of(x)
    groups, og = plan.groups, plan.weight_shape[0] // plan.groups
    out = empty_output(plan, x, og, groups)
    # the bias starts each sum, in the kernels' (Og, G) order
    bias_mg = xp.zeros((og, groups), x.dtype) if bias is None else xp.ascontiguousarray(bias.reshape(groups, og).T)
    in_rows, in_cols, _, _ = _tables(plan, xp)
    lookup("direct_forward", x)(x, direct_weights(weight, groups), bias_mg, out, in_rows, in_cols)
    return from_group_minor(out, plan.channels_last)


def input_grad(gy, weight, plan):
    xp = xp_of(gy)
    n, c, h, w = plan.input_shape
    groups = plan.groups
    dx = xp.empty((n, h, w, c // groups, groups), dtype=gy.dtype)
    _, _, out_rows, out_cols = _tables(plan, xp)
    lookup("direct_input_grad", gy)(gy, direct_weights(weight, groups), dx, out_rows, out_cols)
    return from_group_minor(dx, plan.channels_last)


def weight_grad(x, gy, plan):
    xp = xp_of(x)
    c_out, cg, kh, kw = plan.weight_shape
    groups = plan.groups
    partial = xp.empty((plan.input_shape[0], kh, kw, cg, c_out // groups, groups), dtype=x.dtype)
    in_rows, in_cols, _, _ = _tables(plan, xp)
    lookup("direct_weight_grad", x)(x, gy, partial, in_rows, in_cols)
    # (KH, KW, Cg, Og, G) summed over images in order -> (G*Og, Cg, KH, KW)
    summed = partial.sum(axis=0).transpose(4, 3, 2, 0, 1)
    return xp.ascontiguousarray(summed).reshape(c_out, cg, kh, kw)


def backward(x, gy, weight, plan):
    return input_grad(gy, weight, plan), weight_grad(x, gy, plan)
