"""In-place ops for optimizers and data preparation: ``add_ sub_ mul_ div_ zero_ fill_
copy_ clamp_``, the random fills ``normal_ uniform_ bernoulli_ exponential_``, and
``t[index] = v``.

The graph does not record in-place ops. They are allowed where nothing needs recording:
on tensors that need no gradient, or under ``no_grad()`` (how an optimizer updates its
parameters). Each one bumps the tensor's version counter, so if backward later needs a
value that was overwritten, it raises instead of returning a wrong gradient.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..errors import ShapeError
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .common import as_array, as_operand, broadcast_shapes, result_type


def check_inplace(tensor, other, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(tensor).__name__}")
    if not is_grad_enabled():
        return
    if tensor.requires_grad and tensor.is_leaf:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place operation "
                           "(wrap the update in `with no_grad():`)")
    if tensor.requires_grad or (isinstance(other, Tensor) and other.requires_grad):
        raise RuntimeError(f"{name}: in-place operations are not recorded by the graph; use the out-of-place "
                           "form (x = x + y) or run the update under no_grad()")


def write_inplace(tensor, write, name: str) -> Tensor:
    """Run ``write(tensor.array)`` and bump the version counter."""
    try:
        write(tensor.array)
    except ValueError as exc:
        if "read-only" in str(exc):
            raise RuntimeError(f"{name}: the tensor is an expanded view in which several elements share one "
                               "memory location; clone() it before writing in place") from None
        raise
    tensor._version.value += 1
    return tensor


def _operand(tensor, other, name):
    other = as_operand(other, "other")
    if isinstance(other, Tensor):
        if other.device != tensor.device:
            raise RuntimeError(f"{name}: other is on {other.device} but the tensor is on {tensor.device}")
        shape = broadcast_shapes(tensor.shape, other.shape, name)
        if shape != tensor.shape:
            raise RuntimeError(f"{name}: output with shape {list(tensor.shape)} doesn't match the broadcast "
                               f"shape {list(shape)}")
    promoted = result_type(tensor, other)
    if "bif".index(_kind(promoted)) > "bif".index(_kind(tensor.dtype)):
        raise RuntimeError(f"{name}: result type {promoted} can't be cast to the desired output type {tensor.dtype}")
    return as_array(other.array if isinstance(other, Tensor) else other, tensor.dtype, backend.xp_of(tensor.array))


def _kind(dtype):
    return {"b": "b", "u": "i", "i": "i", "f": "f"}[dtype.kind]


def _binary_inplace(tensor, other, ufunc_name, name, alpha=1):
    check_inplace(tensor, other, name)
    value = _operand(tensor, other, name)
    if alpha != 1:
        value = value * alpha
    xp = backend.xp_of(tensor.array)
    return write_inplace(tensor, lambda data: getattr(xp, ufunc_name)(data, value, out=data, casting="unsafe"), name)


def add_(tensor, other, alpha=1):
    return _binary_inplace(tensor, other, "add", "add_", alpha)


def sub_(tensor, other, alpha=1):
    return _binary_inplace(tensor, other, "subtract", "sub_", alpha)


def mul_(tensor, other):
    return _binary_inplace(tensor, other, "multiply", "mul_")


def div_(tensor, other):
    if tensor.dtype.kind != "f":
        raise RuntimeError(f"div_: true division of an integer tensor ({tensor.dtype}) cannot be done in place")
    return _binary_inplace(tensor, other, "true_divide", "div_")


def zero_(tensor):
    return fill_(tensor, 0)


def fill_(tensor, value):
    check_inplace(tensor, value, "fill_")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"fill_: only supports a 0-dimensional value tensor, got shape {list(value.shape)}")
        value = value.item()

    def write(data):
        data[...] = value

    return write_inplace(tensor, write, "fill_")


def copy_(tensor, src):
    """Copy ``src`` (broadcast, cast, and moved across devices if needed) into ``tensor``."""
    check_inplace(tensor, src, "copy_")
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: src must be a Tensor, got {type(src).__name__}")
    shape = broadcast_shapes(tensor.shape, src.shape, "copy_")
    if shape != tensor.shape:
        raise RuntimeError(f"copy_: src of shape {list(src.shape)} cannot be broadcast to {list(tensor.shape)}")
    array = backend.to_device(src.array, tensor.device)

    def write(data):
        data[...] = array.astype(data.dtype, copy=False)

    return write_inplace(tensor, write, "copy_")


def clamp_(tensor, min=None, max=None):
    if min is None and max is None:
        raise ShapeError("clamp_: at least one of 'min' or 'max' must not be None")
    check_inplace(tensor, None, "clamp_")
    xp = backend.xp_of(tensor.array)

    def write(data):
        xp.clip(data, min, max, out=data)

    return write_inplace(tensor, write, "clamp_")


_INPLACE = {"add": add_, "sub": sub_, "mul": mul_, "div": div_}


def inplace_or_new(tensor, other, op: str):
    """``x += y``: in place (as PyTorch) when no graph needs recording; where the graph would
    have to record it, a new tensor bound to ``x`` (the same values, without aliasing)."""
    from . import arithmetic

    if is_grad_enabled() and (tensor.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
        return getattr(arithmetic, op)(tensor, other)
    return _INPLACE[op](tensor, other)


# ------------------------------------------------------------------- random fills
def _random_fill(tensor, draw, name, floating=True):
    """Fill ``tensor`` with ``draw(generator, shape)`` (host values from the framework's one
    generator, as every random thing here, so a seed gives the same values on every
    device), after the same checks as the other in-place ops."""
    check_inplace(tensor, None, name)
    if floating and tensor.dtype.kind != "f":
        raise TypeError(f"{name}: expects a floating point tensor, got dtype {tensor.dtype}")
    values = draw(backend.default_rng.generator, tensor.shape)
    array = backend.to_device(np.asarray(values, dtype=tensor.dtype), tensor.device)

    def write(data):
        data[...] = array

    return write_inplace(tensor, write, name)


def _finite_number(value, name, argument):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: {argument} must be a finite number, got {value!r}")
    return float(value)


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with draws from N(mean, std²), as ``torch.Tensor.normal_``."""
    mean, std = _finite_number(mean, "normal_", "mean"), _finite_number(std, "normal_", "std")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _random_fill(tensor, lambda g, shape: g.normal(mean, std, shape), "normal_")


def uniform_(tensor, from_=0.0, to=1.0):
    """Fill with draws from U[from_, to), as ``torch.Tensor.uniform_(from, to)``."""
    low, high = _finite_number(from_, "uniform_", "from"), _finite_number(to, "uniform_", "to")
    if low > high:
        raise ValueError(f"uniform_: expects from <= to, got from={low}, to={high}")
    return _random_fill(tensor, lambda g, shape: low + (high - low) * g.random(shape), "uniform_")


def exponential_(tensor, lambd=1.0):
    """Fill with draws from the exponential distribution of rate ``lambd``."""
    lambd = _finite_number(lambd, "exponential_", "lambd")
    if lambd <= 0:
        raise ValueError(f"exponential_: lambd must be > 0, got {lambd}")
    return _random_fill(tensor, lambda g, shape: g.exponential(1 / lambd, shape), "exponential_")


def bernoulli_(tensor, p=0.5):
    """Fill with 1 (probability ``p``) or 0, in the tensor's dtype (any dtype)."""
    p = _finite_number(p, "bernoulli_", "p")
    if not 0 <= p <= 1:
        raise ValueError(f"bernoulli_: p must be in [0, 1], got {p}")
    return _random_fill(tensor, lambda g, shape: g.random(shape) < p, "bernoulli_", floating=False)
