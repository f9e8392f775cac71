"""Joining and splitting: ``cat stack split chunk``.

``cat`` is one op whose backward hands each input its slice of the gradient; ``stack``,
``split`` and ``chunk`` are built from ``unsqueeze``, ``cat`` and slicing, so their
gradients (and second derivatives) follow from those.
"""

from __future__ import annotations

import numbers

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .common import normalize_dim, result_type


class Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim, dtype):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        xp = backend.xp_of(arrays[0])
        return xp.concatenate([a.astype(dtype, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index])
            start += size
        return tuple(grads)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: tensors must be a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: element {i} is a {type(t).__name__}, expected a Tensor")
    return list(tensors)


def cat(tensors, dim=0):
    """Join ``tensors`` along an existing dim ``dim``; every other dim must agree, as
    ``torch.cat``. The gradient splits ``g`` back into the pieces.
    """
    tensors = _tensor_list(tensors, "cat")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(dim, ndim)
    reference = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != ndim:
            raise RuntimeError(f"cat: tensors must have the same number of dimensions: got {ndim} and {t.ndim} "
                               f"(tensor number {i})")
        for axis, (a, b) in enumerate(zip(reference, t.shape)):
            if axis != d and a != b:
                raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{a} but got size {b} for tensor number {i} in the list.")
    return Cat.apply(*tensors, dim=d, dtype=result_type(*tensors))


def stack(tensors, dim=0):
    """Join same-shaped ``tensors`` along a new dim ``dim``, as ``torch.stack``."""
    tensors = _tensor_list(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    d = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(d) for t in tensors], d)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    d = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[d]
    if isinstance(split_size_or_sections, numbers.Integral) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive integer, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        # sizes are ints: a float would be truncated (1.5 + 1.5 "summing" to 2)
        if not isinstance(split_size_or_sections, (tuple, list)) or any(
                isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in split_size_or_sections):
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                            f"{split_size_or_sections!r}")
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != length:
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to {length} "
                               f"(input tensor's size at dimension {d}), but got split_sizes={sizes}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(tensor[(slice(None),) * d + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(tensor, chunks, dim=0):
    """``chunks`` pieces of size ceil(n / chunks) (fewer if n is small), as PyTorch."""
    if not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    d = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[d]
    size = max(1, -(-length // chunks))
    return split(tensor, size, d)
