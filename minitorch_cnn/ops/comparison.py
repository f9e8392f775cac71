"""Comparisons and logical ops: bool tensors that carry no gradient (as in PyTorch)."""

from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .common import as_array, as_operand, broadcast_shapes, first_tensor, result_type


def _compare(a, b, ufunc, name):
    a, b = as_operand(a, "input"), as_operand(b, "other")
    ref = first_tensor(a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.device != b.device:
            raise RuntimeError(f"{name}: expected both tensors on the same device, got {a.device} and {b.device}")
        broadcast_shapes(a.shape, b.shape, name)
    xp = backend.xp_of(ref.array)
    dtype = result_type(a, b)
    left = as_array(a.array if isinstance(a, Tensor) else a, dtype, xp)
    right = as_array(b.array if isinstance(b, Tensor) else b, dtype, xp)
    return Tensor._wrap(xp.asarray(getattr(xp, ufunc)(left, right)))


def eq(input, other):
    return _compare(input, other, "equal", "eq")


def ne(input, other):
    return _compare(input, other, "not_equal", "ne")


def lt(input, other):
    return _compare(input, other, "less", "lt")


def le(input, other):
    return _compare(input, other, "less_equal", "le")


def gt(input, other):
    return _compare(input, other, "greater", "gt")


def ge(input, other):
    return _compare(input, other, "greater_equal", "ge")


def logical_op(input, other, op):
    """``& | ^`` on bool tensors (logical) and integer tensors (bitwise), as in PyTorch."""
    for name, x in (("input", input), ("other", other)):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            raise TypeError(f"{op}: {name} must be a bool or integer tensor, got {x.dtype}")
    ufunc = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}[op]
    return _compare(input, other, ufunc, op)


def logical_not(input):
    if input.dtype.kind == "f":
        raise TypeError(f"~: input must be a bool or integer tensor, got {input.dtype}")
    xp = backend.xp_of(input.array)
    return Tensor._wrap(xp.invert(input.array))
