"""Reordering ops: ``flip`` and ``roll``, as PyTorch's (a copy, never a view).

Each is a permutation of the elements, so its backward is its inverse applied to the
gradient: ``flip`` is its own inverse, ``roll`` by ``shifts`` is undone by ``-shifts``. The
backwards are written with the ops themselves, so higher derivatives work.
"""

from __future__ import annotations

import numbers

from .. import backend
from ..autograd.function import Function
from .common import as_operand, normalize_dim


def _dims(dims, ndim, fn):
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"{fn}: dims must be ints, got {dims!r}")
    normalized = tuple(normalize_dim(d, ndim, "dims") for d in dims)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"{fn}: dims has a dim appearing several times: {list(dims)}")
    return normalized


class Flip(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        if a.ndim == 0:  # a 0-d tensor's dim 0 is itself
            return a.copy()
        return backend.xp_of(a).flip(a, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


class Roll(Function):
    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if a.ndim == 0:
            return a.copy()
        return backend.xp_of(a).roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def flip(input, dims):
    """Reverse the order of the elements along ``dims`` (an int or a sequence of ints)."""
    input = as_operand(input, "input")
    return Flip.apply(input, _dims(dims, input.ndim, "flip"))


def roll(input, shifts, dims=None):
    """Shift the elements along ``dims`` by ``shifts``, wrapping around; with ``dims=None``
    the flattened tensor is rolled and the shape restored, as PyTorch."""
    input = as_operand(input, "input")
    shifts_tuple = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    for s in shifts_tuple:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"roll: shifts must be ints, got {shifts!r}")
    shifts_tuple = tuple(int(s) for s in shifts_tuple)
    if dims is None:
        if len(shifts_tuple) != 1:
            raise RuntimeError(f"roll: with dims=None, shifts must be one int, got {shifts!r}")
        return Roll.apply(input.reshape(-1), shifts_tuple, (0,)).reshape(input.shape)
    dims_tuple = _dims(dims, input.ndim, "roll")
    if len(dims_tuple) != len(shifts_tuple):
        raise RuntimeError(f"roll: shifts and dims must align: shifts has {len(shifts_tuple)} entries, dims "
                           f"{len(dims_tuple)}")
    return Roll.apply(input, shifts_tuple, dims_tuple)
