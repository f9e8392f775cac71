"""Copies that change a tensor's dtype or device (``to``), and ``clone``. Both are
differentiable: the gradient goes back converted to the input's dtype and device."""

from __future__ import annotations

from .. import backend
from ..autograd.function import Function


class ToCopy(Function):
    @staticmethod
    def forward(ctx, a, dtype, device):
        ctx.dtype, ctx.device = a.dtype, backend.device_of(a)
        out = backend.to_device(a, device)
        out = out.astype(dtype, copy=False)
        return out.copy() if out is a else out

    @staticmethod
    def backward(ctx, grad):
        return grad.to(device=ctx.device, dtype=ctx.dtype), None, None


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def to_copy(input, dtype, device):
    return ToCopy.apply(input, dtype, device)


def clone(input):
    return Clone.apply(input)
