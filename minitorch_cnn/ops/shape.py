"""Shape ops: ``reshape view flatten unflatten squeeze unsqueeze permute transpose t expand
sum_to_size``.

``reshape``/``view``/``permute``/``expand`` return views of the input's array (they share
its version counter, so in-place changes through either are caught). ``expand`` and
``sum_to_size`` are each other's backward; the engine uses ``sum_to_size`` to reduce
broadcast gradients.
"""

from __future__ import annotations

import numbers

from .. import backend
from ..autograd.function import Function
from .common import normalize_dim


def _shape_arg(shape, name):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{name}: shape must be ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel, name):
    """Resolve one -1 in ``shape`` so that it holds ``numel`` elements, or raise."""
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred (-1), got shape {list(shape)}")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{name}: invalid shape dimension in {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"{name}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{name}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape, must_view):
        ctx.shape = a.shape
        out = a.reshape(shape)
        if must_view and a.size and not backend.xp_of(a).may_share_memory(out, a):
            raise RuntimeError(
                f"view: size {list(shape)} is not compatible with input tensor's size and stride "
                f"(the input {list(a.shape)} is not contiguous). Use .reshape(...) instead."
            )
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None, None


class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=lambda i: dims[i]))
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(ctx.inverse), None


class Expand(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return backend.xp_of(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.shape), None


class SumToSize(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
        xp = backend.xp_of(a)
        out = xp.sum(a, axis=axes, keepdims=True) if axes else a
        return xp.asarray(out.reshape(shape))

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape), None


def reshape(input, *shape):
    """A tensor of the same elements in ``shape`` (one dim may be -1): a view when the memory
    allows, else a copy, as ``torch.reshape``.
    """
    shape = _infer_shape(_shape_arg(shape, "reshape"), input.numel(), "reshape")
    return Reshape.apply(input, shape, False)


def view(input, *shape):
    shape = _infer_shape(_shape_arg(shape, "view"), input.numel(), "view")
    return Reshape.apply(input, shape, True)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim`` to ``end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    start = normalize_dim(start_dim, input.ndim, "start_dim")
    end = normalize_dim(end_dim, input.ndim, "end_dim")
    if start > end:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    middle = 1
    for s in input.shape[start:end + 1]:
        middle *= s
    return reshape(input, input.shape[:start] + (middle,) + input.shape[end + 1:])


def unflatten(input, dim, sizes):
    """Expand dim ``dim`` into ``sizes`` (one of them may be -1), as ``torch.unflatten``."""
    dim = normalize_dim(dim, input.ndim, "unflatten: dim")
    sizes = _shape_arg((sizes,), "unflatten: sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    sizes = _infer_shape(sizes, input.shape[dim], "unflatten")
    return reshape(input, input.shape[:dim] + sizes + input.shape[dim + 1:])


def squeeze(input, dim=None):
    """Drop dims of size 1 (only ``dim``, when given)."""
    if dim is None:
        dims = {i for i, s in enumerate(input.shape) if s == 1}
    else:
        candidates = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        dims = {d for d in (normalize_dim(c, input.ndim) for c in candidates) if input.ndim and input.shape[d] == 1}
    return reshape(input, tuple(s for i, s in enumerate(input.shape) if i not in dims))


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim``."""
    d = normalize_dim(dim, input.ndim + 1)
    shape = list(input.shape)
    shape.insert(d, 1)
    return reshape(input, tuple(shape))


def permute(input, *dims):
    """A view with the dims in the order ``dims``."""
    dims = _shape_arg(dims, "permute")
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute: number of dims ({len(dims)}) does not match the input's ({input.ndim})")
    normalized = tuple(normalize_dim(d, input.ndim) for d in dims)
    if sorted(normalized) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {list(dims)} are not a permutation of the input's dims")
    return Permute.apply(input, normalized)


def transpose(input, dim0, dim1):
    """A view with dims ``dim0`` and ``dim1`` swapped."""
    if input.ndim == 0:
        normalize_dim(dim0, 0)
        normalize_dim(dim1, 0)
        return input
    d0, d1 = normalize_dim(dim0, input.ndim, "dim0"), normalize_dim(dim1, input.ndim, "dim1")
    order = list(range(input.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return Permute.apply(input, tuple(order))


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but input is {input.ndim}D")
    return input if input.ndim < 2 else transpose(input, 0, 1)


def expand(input, *sizes):
    sizes = _shape_arg(sizes, "expand")
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: the expanded size {s} is not allowed in a leading, non-existing dimension")
            target.append(s)
            continue
        current = input.shape[i - lead]
        if s == -1:
            s = current
        elif s < 0:  # PyTorch: "The expanded size of the tensor (-2) isn't allowed"
            raise RuntimeError(f"expand: the expanded size {s} at dimension {i} is not allowed (a size must be "
                               f"non-negative, or -1 to keep the tensor's). Target sizes: {list(sizes)}")
        if current != s and current != 1:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the existing size "
                               f"({current}) at non-singleton dimension {i}. Target sizes: {list(sizes)}. "
                               f"Tensor sizes: {list(input.shape)}")
        target.append(s)
    target = tuple(target)
    if target == input.shape:
        return input
    return Expand.apply(input, target)


def sum_to_size(input, *size):
    size = _shape_arg(size, "sum_to_size")
    if tuple(size) == input.shape:
        return input
    lead = input.ndim - len(size)
    ok = lead >= 0 and all(s == g or s == 1 for s, g in zip(size, input.shape[lead:]))
    if not ok:
        raise RuntimeError(f"sum_to_size: size {list(size)} is not expandable to size {list(input.shape)}")
    return SumToSize.apply(input, tuple(size))
