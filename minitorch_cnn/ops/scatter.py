"""Index-along-a-dim ops, as PyTorch's: ``gather``, ``take_along_dim``, ``scatter`` (a tensor
or a value; ``reduce="add"`` or ``"multiply"``), ``scatter_add`` and ``index_select``.

All of them address ``out[i][j][k]`` through ``index[i][j][k]`` along one ``dim``; the
other coordinates are the index's own. That is one NumPy advanced index: the index array
at ``dim`` and open ranges (``arange`` grids) at the other dims, built by ``_coordinates``.
The backwards pair up: gather's gradient is a scatter-add of the upstream gradient, and a
scatter's gradient for ``src`` is a gather, so higher derivatives come from the same ops.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import backend, kernels
from ..autograd.function import Function
from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor
from .common import constant, normalize_dim


def _coordinates(index, dim, xp):
    """The advanced index that reads ``a[..., index[i, j, k], ...]`` at each position (i, j, k)
    of ``index``: ``index`` itself at ``dim``, a broadcastable arange at every other dim."""
    coordinates = []
    for d, size in enumerate(index.shape):
        if d == dim:
            coordinates.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = size
            coordinates.append(xp.arange(size).reshape(shape))
    return tuple(coordinates)


def _check_index(fn, input, dim, index, src=None):
    """PyTorch's rules: an int64 index with as many dims as the input, no larger than the
    input at the other dims (and than ``src`` at every dim), every entry inside the input."""
    if not isinstance(index, Tensor):
        raise ArgumentTypeError(f"{fn}: index must be a Tensor, got {type(index).__name__}")
    if index.dtype != np.int64:
        raise ArgumentTypeError(f"{fn}(): Expected dtype int64 for index, got {index.dtype}")
    if index.device != input.device:
        raise RuntimeError(f"{fn}: index is on {index.device} but input is on {input.device}")
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{fn}: dim must be an int, got {type(dim).__name__}")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise ShapeError(f"{fn}: Index tensor must have the same number of dimensions as input tensor "
                         f"(index has {index.ndim}, input {input.ndim})")
    dim = normalize_dim(dim, max(input.ndim, 1))
    in_shape, ix_shape = input.shape or (1,), index.shape or (1,)
    for d, (n, m) in enumerate(zip(in_shape, ix_shape)):
        if d != dim and m > n:
            raise ShapeError(f"{fn}: Size does not match at dimension {d}: index has {m}, input only {n} "
                             f"(shapes {list(index.shape)} and {list(input.shape)})")
    if src is not None:
        src_shape = src.shape or (1,)
        if len(src_shape) != len(ix_shape) or any(m > s for m, s in zip(ix_shape, src_shape)):
            raise ShapeError(f"{fn}: index {list(index.shape)} is larger than src {list(src.shape)} at some "
                             f"dimension (every dim of index must be <= src's)")
    if index.numel():
        values = index.array
        low, high = int(values.min()), int(values.max())
        if low < 0 or high >= in_shape[dim]:
            bad = high if high >= in_shape[dim] else low
            raise IndexError(f"{fn}: index {bad} is out of bounds for dimension {dim} with size {in_shape[dim]}")
    return dim


def _flat(array):
    """A 0-d array as 1-d, so that 0-d inputs go through the same code."""
    return array.reshape(1) if array.ndim == 0 else array


def _src_part(src, index_shape):
    """The leading ``index_shape`` block of ``src`` (PyTorch reads only that much of it)."""
    return src[tuple(slice(0, m) for m in index_shape)]


class Gather(Function):
    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dim, ctx.index = a.shape, dim, index
        flat = _flat(a)
        where = _coordinates(_flat(index), dim, backend.xp_of(a))
        return flat[where].reshape(index.shape)

    @staticmethod
    def backward(ctx, grad):
        zeros = constant(backend.xp_of(grad.array).zeros(ctx.shape, dtype=grad.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, grad), None, None


def _src_gradient(grad, dim, index, src_shape):
    """The gradient for ``src``: the upstream gradient gathered at the index, in the leading
    block of a ``src``-shaped zero tensor (only that block of ``src`` is read)."""
    picked = Gather.apply(grad, dim, index)
    if tuple(picked.shape) == tuple(src_shape):
        return picked
    from .pad import pad

    widths = []
    for m, s in reversed(list(zip(picked.shape, src_shape))):
        widths += [0, s - m]
    return pad(picked, widths)


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = _flat(a).copy()
        where = _coordinates(_flat(index), dim, backend.xp_of(a))
        kernels.index_add(out, where, _src_part(_flat(src), _flat(index).shape).astype(a.dtype, copy=False))
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None, _src_gradient(grad, ctx.dim, ctx.index, ctx.src_shape)


class ScatterWrite(Function):
    """``a`` with ``src`` written at the indexed positions (where a position is indexed twice,
    one of its writes is kept, unspecified which, as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        xp = backend.xp_of(a)
        out = _flat(a).copy()
        where = _coordinates(_flat(index), dim, xp)
        out[where] = _src_part(_flat(src), _flat(index).shape).astype(a.dtype, copy=False)
        written = xp.zeros(out.shape, dtype=bool)
        written[where] = True
        ctx.kept = (~written).reshape(a.shape)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        return (grad * constant(ctx.kept), None, None,
                _src_gradient(grad, ctx.dim, ctx.index, ctx.src_shape))


def _multiply_at(a, dim, index, src):
    """``scatter(reduce="multiply")``: every indexed position multiplied by each of its
    sources (a position named twice is multiplied twice). Not differentiable, as in PyTorch.

    CuPy has no ``multiply.at``, so the writes go in rounds: the k-th write to each position
    in round k, where no position appears twice and plain indexing is exact."""
    xp = backend.xp_of(a)
    out = _flat(a).copy()
    where = _coordinates(_flat(index), dim, xp)
    targets = xp.ravel_multi_index(tuple(xp.broadcast_to(w, _flat(index).shape).ravel() for w in where), out.shape)
    values = _src_part(_flat(src), _flat(index).shape).astype(a.dtype, copy=False).ravel()
    order = xp.argsort(targets, kind="stable")
    targets, values = targets[order], values[order]
    rank = xp.arange(targets.size) - xp.searchsorted(targets, targets, side="left")
    flat = out.reshape(-1)
    for k in range(int(rank.max()) + 1 if rank.size else 0):
        chosen = rank == k
        flat[targets[chosen]] *= values[chosen]
    return flat.reshape(a.shape)


def _as_src(fn, input, value, index, argument):
    """``src`` as a tensor of the input's dtype: a Tensor, or a number broadcast to the
    index's shape."""
    if isinstance(value, Tensor):
        if value.device != input.device:
            raise RuntimeError(f"{fn}: {argument} is on {value.device} but input is on {input.device}")
        if value.dtype != input.dtype:
            raise ArgumentTypeError(f"{fn}(): Expected self.dtype to be equal to src.dtype ({input.dtype} and "
                                    f"{value.dtype})")
        return value
    if isinstance(value, (numbers.Number, np.number)):
        xp = backend.xp_of(input.array)
        return constant(xp.full(index.shape, value, dtype=input.dtype))
    raise TypeError(f"{fn}: {argument} must be a Tensor or a number, got {type(value).__name__}")


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` (for ``dim=0``; likewise for the
    others). ``out`` has the index's shape."""
    if sparse_grad:
        raise NotImplementedError("gather: sparse_grad=True is not supported (there are no sparse tensors)")
    dim = _check_index("gather", input, dim, index)
    return Gather.apply(input, dim, index.array)


def take_along_dim(input, indices, dim=None):
    """``numpy.take_along_axis``: ``gather`` where ``indices`` broadcasts against ``input``
    at the dims other than ``dim``; ``dim=None`` reads the flattened input."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if not isinstance(indices, Tensor) or indices.dtype != np.int64:
        raise ArgumentTypeError("take_along_dim(): dtype of indices should be int64, got "
                                f"{getattr(indices, 'dtype', type(indices).__name__)}")
    if indices.ndim != input.ndim:
        raise ShapeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                         f"got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    d = normalize_dim(dim, input.ndim)
    from .common import broadcast_shapes

    shape = broadcast_shapes(tuple(s for i, s in enumerate(input.shape) if i != d),
                             tuple(s for i, s in enumerate(indices.shape) if i != d), "take_along_dim")
    in_shape, ix_shape = list(shape), list(shape)
    in_shape.insert(d, input.shape[d])
    ix_shape.insert(d, indices.shape[d])
    return gather(input.expand(in_shape), d, indices.expand(ix_shape).contiguous())


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor, or a number: ``value``) written at the
    positions the index names along ``dim``; ``reduce="add"``/``"multiply"`` combines instead
    of overwriting. Where an index names a position twice (without ``reduce``), which write
    wins is unspecified, as in PyTorch."""
    if src is None and value is None:
        raise TypeError("scatter: give src (a Tensor or a number) or value")
    if src is not None and value is not None:
        raise TypeError("scatter: give src or value, not both")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    given = src if src is not None else value
    argument = "src" if src is not None else "value"
    src_tensor = _as_src("scatter", input, given, index, argument)
    dim = _check_index("scatter", input, dim, index, src_tensor)
    if reduce == "add":
        return ScatterAdd.apply(input, dim, index.array, src_tensor)
    if reduce == "multiply":
        if input.requires_grad or src_tensor.requires_grad:
            raise RuntimeError("scatter: reduce='multiply' is not differentiable (as in PyTorch); use "
                               "scatter_reduce-free formulations or detach the inputs")
        return Tensor._wrap(_multiply_at(input.array, dim, index.array, src_tensor.array))
    return ScatterWrite.apply(input, dim, index.array, src_tensor)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at the positions the index names along ``dim``;
    a position named several times receives every addition."""
    src_tensor = _as_src("scatter_add", input, src, index, "src")
    dim = _check_index("scatter_add", input, dim, index, src_tensor)
    return ScatterAdd.apply(input, dim, index.array, src_tensor)


def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` that a 1-d int64 ``index`` names, in its order."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise ArgumentTypeError("index_select(): Expected dtype int32/int64 for index, got "
                                f"{getattr(index, 'dtype', type(index).__name__)}")
    if index.ndim > 1:
        raise ShapeError(f"index_select(): Index is supposed to be a vector, got {index.ndim} dimensions")
    d = normalize_dim(dim, max(input.ndim, 1))
    selector = [slice(None)] * input.ndim
    selector[d] = index.reshape(-1).long()
    return input[tuple(selector)] if input.ndim else input.reshape(1)[index.reshape(-1).long()].reshape(index.shape)
