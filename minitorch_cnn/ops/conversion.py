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
    def forward(ctx, a, memory_format):
        if memory_format is backend.channels_last:
            copy = backend.to_channels_last(a)
            return copy if copy is not a else a.copy(order="K")
        if memory_format is backend.preserve_format:
            return a.copy(order="K")
        return backend.xp_of(a).ascontiguousarray(a) if a.flags.c_contiguous is False else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def to_copy(input, dtype, device):
    return ToCopy.apply(input, dtype, device)


def clone(input, memory_format=backend.preserve_format):
    """A differentiable copy; ``memory_format`` as in PyTorch (default: keep the layout)."""
    if memory_format is backend.channels_last and input.ndim != 4:
        raise RuntimeError(f"clone: channels_last memory format needs a 4-D tensor, got shape {list(input.shape)}")
    if memory_format not in (backend.channels_last, backend.contiguous_format, backend.preserve_format):
        raise ValueError(f"clone: unknown memory_format {memory_format!r}")
    return Clone.apply(input, memory_format)
