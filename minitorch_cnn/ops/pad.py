"""``pad(input, pad, mode, value)`` with ``torch.nn.functional.pad``'s conventions.

``pad`` lists (left, right) amounts starting from the *last* dim. ``"constant"`` mode
accepts negative amounts (cropping) and is one op whose backward crops the gradient back
out. ``"reflect"``, ``"replicate"`` and ``"circular"`` are a gather with an index array per
padded dim, so their backward (a scatter-add where border elements are read several times)
comes from indexing. Unlike PyTorch, the last three modes accept any number of padded
dims rather than only the spatial dims of a batched image.

Negative amounts crop in every mode, as PyTorch: reflect and replicate read positions
``-before … size + after - 1`` of the whole input (so a reflection may bring back an element
the other side cropped), while circular crops first and wraps what is left (PyTorch's
order). Where PyTorch reads uninitialised memory (circular padding wider than what the
cropping leaves), this wraps the remainder again; an empty remainder is an error.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..errors import ShapeError
from ..tensor import Tensor

MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad, ndim):
    """{dim: (before, after)} from PyTorch's flat, last-dim-first ``pad`` list."""
    return {ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}


class ConstantPad(Function):
    @staticmethod
    def forward(ctx, a, pairs, value):
        xp = backend.xp_of(a)
        out_shape = tuple(s + sum(pairs.get(d, (0, 0))) for d, s in enumerate(a.shape))
        if any(s < 0 for s in out_shape):
            raise RuntimeError(f"pad: the input size {list(a.shape)} is too small for the negative padding "
                               f"{pairs}; the output would be {list(out_shape)}")
        src, dst = [], []
        for d, size in enumerate(a.shape):
            before, after = pairs.get(d, (0, 0))
            src.append(slice(max(0, -before), size - max(0, -after)))
            dst.append(slice(max(0, before), out_shape[d] - max(0, after)))
        out = backend.full_in_format(out_shape, value, a.dtype, backend.is_channels_last(a), xp)  # a's format
        out[tuple(dst)] = a[tuple(src)]
        ctx.src, ctx.dst, ctx.pairs = tuple(src), tuple(dst), pairs
        return out

    @staticmethod
    def backward(ctx, grad):
        # the gradient of the copied region, zero-padded back over what forward cropped
        inner = grad[ctx.dst]
        undo = {d: (max(0, -b), max(0, -a)) for d, (b, a) in ctx.pairs.items()}
        return ConstantPad.apply(inner, undo, 0.0), None, None


def _gather_indices(size, before, after, mode, xp):
    if mode == "circular":  # crop first, then wrap what is left (PyTorch's order)
        start, stop = max(0, -before), size - max(0, -after)
        positions = start + np.arange(-max(0, before), stop - start + max(0, after)) % (stop - start)
        return xp.asarray(positions)
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)
        positions = np.abs(positions) % period if period else np.zeros_like(positions)
        positions = np.where(positions >= size, period - positions, positions)
    else:  # replicate
        positions = np.clip(positions, 0, size - 1)
    return xp.asarray(positions)


def _check_mode_amounts(mode, input, d, before, after, pad):
    """PyTorch's limits for reflect / replicate / circular padding of dim ``d``."""
    size = input.shape[d]
    where = f"on dim {d} of input shape {list(input.shape)}"
    if size == 0 and (before or after):
        raise ShapeError(f"pad: cannot {mode}-pad the empty dim {d} of input shape {list(input.shape)}")
    if size + before + after < 1:
        raise ShapeError(f"pad: input size {size} is too small for {mode} padding ({before}, {after}) {where}: "
                         f"the output size would be {size + before + after}")
    if mode == "reflect" and (before >= size or after >= size):
        raise ShapeError(f"pad: reflect padding of ({before}, {after}) {where} must be less than the input size "
                         f"there ({size}), so at most {size - 1}")
    if mode == "circular":
        if before > size or after > size:
            raise ShapeError(f"pad: circular padding of ({before}, {after}) {where} must be at most the input "
                             f"size there ({size}): padding would wrap around more than once")
        if size - max(0, -before) - max(0, -after) < 1:
            raise ShapeError(f"pad: circular padding {pad} crops all of dim {d} of input shape "
                             f"{list(input.shape)}, leaving nothing to wrap around")


def pad(input, pad, mode="constant", value=None):
    """Pad the last dims of ``input``: ``pad`` is (left, right[, top, bottom[, front, back]]),
    the last dim first, as ``torch.nn.functional.pad``; ``mode`` is constant (with ``value``),
    reflect, replicate or circular. Negative pads crop.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple of ints (left, right, top, bottom, ...), got "
                        f"{type(pad).__name__} {pad!r}")
    pad = tuple(pad)
    if any(isinstance(p, bool) or not isinstance(p, numbers.Integral) for p in pad):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad}")
    if len(pad) % 2:
        raise ShapeError(f"pad: pad must be an even-length sequence of ints (padding length must be divisible "
                         f"by 2), got {pad}")
    if len(pad) // 2 > input.ndim:
        raise ShapeError(f"pad: padding length {len(pad)} is too large for a {input.ndim}-D input "
                         f"(at most {2 * input.ndim})")
    if mode not in MODES:  # PyTorch's type for an unknown mode
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}; mode must be one of {MODES}")
    pairs = _pairs([int(p) for p in pad], input.ndim)
    if mode == "constant":
        return ConstantPad.apply(input, pairs, 0.0 if value is None else value)
    if value not in (None, 0):
        raise ShapeError(f"pad: value is only used in constant mode, got value={value} with mode={mode!r}")
    for d, (before, after) in sorted(pairs.items()):
        _check_mode_amounts(mode, input, d, before, after, pad)
    xp = backend.xp_of(input.array)
    # a channels_last input is gathered as its channels-innermost view, so that the result
    # (and its gradient) stays channels_last; dim d of the input is dim where[d] of the view
    last = input.ndim - 1
    channels_last = input.ndim >= 3 and backend.is_channels_last(input.array)
    where = {0: 0, 1: last, **{d: d - 1 for d in range(2, input.ndim)}} if channels_last else None
    out = input.permute(0, *range(2, input.ndim), 1) if channels_last else input
    for d, (before, after) in sorted(pairs.items()):
        if before == after == 0:
            continue
        axis = where[d] if channels_last else d
        out = out[(slice(None),) * axis + (_gather_indices(input.shape[d], before, after, mode, xp),)]
    if channels_last:  # NumPy lays out a gather along a middle dim as it likes: one copy to NHWC
        return out.contiguous().permute(0, last, *range(1, last))
    return out
