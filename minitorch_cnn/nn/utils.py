"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_`` (rescale all gradients
together so their joint norm is at most ``max_norm``) and ``clip_grad_value_`` (clamp each
entry). Both replace each ``.grad``, after ``backward`` and before ``optimizer.step``."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import xp_of
from ..tensor import Tensor


def _with_grads(fn, parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters] if parameters.grad is not None else []
    if not hasattr(parameters, "__iter__") or isinstance(parameters, (str, bytes)):
        raise TypeError(f"{fn}: parameters must be a Tensor or an iterable of Tensors, got "
                        f"{type(parameters).__name__}")
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: parameters[{i}] must be a Tensor, got {type(p).__name__}")
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients by ``max_norm / (total_norm + 1e-6)`` when that is below 1;
    return the total norm (of all gradients viewed as one vector) before clipping."""
    # NaN passed "max_norm < 0" and then left every gradient unclipped (nan < 1 is False)
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a non-negative number (inf: no clipping), got "
                         f"{max_norm!r}")
    if norm_type in ("inf", "Inf"):
        norm_type = math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) or not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be a positive number or inf, got {norm_type!r}")
    norm_type = float(norm_type)
    params = _with_grads("clip_grad_norm_", parameters)
    if not params:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    xp = xp_of(params[0].grad.array)
    grads = [p.grad.array for p in params]
    if math.isinf(norm_type):
        total = max(float(xp.abs(g).max()) if g.size else 0.0 for g in grads)
    else:
        total = sum(float((xp.abs(g.astype("float64")) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}; "
                           "set error_if_nonfinite=False to clip anyway")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:  # new arrays: the engine may hand one gradient array to several leaves
            p.grad = Tensor._wrap(p.grad.array * p.grad.array.dtype.type(scale))
    return Tensor._wrap(xp.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value]."""
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real) or not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be a non-negative number, got {clip_value!r}")
    for p in _with_grads("clip_grad_value_", parameters):
        p.grad = Tensor._wrap(xp_of(p.grad.array).clip(p.grad.array, -clip_value, clip_value))
